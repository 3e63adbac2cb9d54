package providers

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeCloudflare answers the parts of the Cloudflare v4 API that DNS record
// management uses, the way the real API does: bearer-token auth, the
// {success, errors, messages, result, result_info} envelope, pagination with
// page/per_page (default 100), name/type/content.exact filters, relative
// names expanded to FQDNs, proxied records forced to TTL 1, and errors with
// Cloudflare's codes. It holds its zones and records in memory and logs
// every call as "METHOD kind" (zones, records, record).
type fakeCloudflare struct {
	t     testing.TB
	srv   *httptest.Server
	token string

	mu      sync.Mutex
	zones   map[string]string // name -> id
	records map[string]*cfFakeRecord
	nextID  int
	calls   []string
	// fault, when set, may answer a request itself (n counts from 1).
	fault func(n int, w http.ResponseWriter, r *http.Request) bool
}

type cfFakeRecord struct {
	ID, ZoneID, ZoneName, Name, Type, Content string
	TTL                                       int
	Proxied                                   bool
}

func newFakeCloudflare(t testing.TB, token string) *fakeCloudflare {
	f := &fakeCloudflare{t: t, token: token, zones: map[string]string{"example.com": "023e105f4ecef8ad9ca31a8372d0c353"}, records: map[string]*cfFakeRecord{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeCloudflare) add(name, typ, content string, ttl int, proxied bool) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	id := fmt.Sprintf("372e67954025e0ba6aaa6d586b9e%04d", f.nextID)
	f.records[id] = &cfFakeRecord{ID: id, ZoneID: f.zones["example.com"], ZoneName: "example.com", Name: name, Type: typ, Content: content, TTL: ttl, Proxied: proxied}
	return id
}

// state lists the zone's records as "name type content ttl [proxied]", sorted.
func (f *fakeCloudflare) state() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.records {
		s := fmt.Sprintf("%s %s %s %d", r.Name, r.Type, r.Content, r.TTL)
		if r.Proxied {
			s += " proxied"
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func (f *fakeCloudflare) takeCalls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls
	f.calls = nil
	return c
}

func cfWrite(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func cfFail(w http.ResponseWriter, status, code int, msg string) {
	cfWrite(w, status, map[string]any{
		"success": false, "errors": []map[string]any{{"code": code, "message": msg}}, "messages": []any{}, "result": nil,
	})
}

func cfOK(w http.ResponseWriter, result any, info map[string]int) {
	body := map[string]any{"success": true, "errors": []any{}, "messages": []any{}, "result": result}
	if info != nil {
		body["result_info"] = info
	}
	cfWrite(w, http.StatusOK, body)
}

func (r *cfFakeRecord) json() map[string]any {
	return map[string]any{
		"id": r.ID, "zone_id": r.ZoneID, "zone_name": r.ZoneName, "name": r.Name, "type": r.Type, "content": r.Content,
		"proxiable": true, "proxied": r.Proxied, "ttl": r.TTL, "locked": false, "comment": nil, "tags": []string{},
		"meta":       map[string]any{"auto_added": false, "managed_by_apps": false, "managed_by_argo_tunnel": false},
		"created_on": "2026-11-01T05:20:00.12345Z", "modified_on": "2026-11-01T05:20:00.12345Z",
	}
}

func (f *fakeCloudflare) serve(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/client/v4")
	parts := strings.Split(strings.Trim(path, "/"), "/")
	kind := "?"
	switch {
	case len(parts) == 1 && parts[0] == "zones":
		kind = "zones"
	case len(parts) == 3 && parts[0] == "zones" && parts[2] == "dns_records":
		kind = "records"
	case len(parts) == 4 && parts[0] == "zones" && parts[2] == "dns_records":
		kind = "record"
	}
	f.mu.Lock()
	f.calls = append(f.calls, r.Method+" "+kind)
	n := len(f.calls)
	fault := f.fault
	f.mu.Unlock()
	if !strings.HasPrefix(r.URL.Path, "/client/v4/") {
		cfFail(w, http.StatusNotFound, 7000, "No route for that URI")
		return
	}
	if fault != nil && fault(n, w, r) {
		return
	}
	switch auth := r.Header.Get("Authorization"); {
	case auth == "":
		cfFail(w, http.StatusBadRequest, 9106, "Missing X-Auth-Key, X-Auth-Email or Authorization headers")
		return
	case auth != "Bearer "+f.token:
		cfFail(w, http.StatusForbidden, 9109, "Invalid access token")
		return
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	q := r.URL.Query()
	switch {
	case kind == "zones" && r.Method == http.MethodGet:
		var out []map[string]any
		name := strings.TrimSuffix(q.Get("name"), ".")
		for zn, id := range f.zones {
			if name == "" || name == zn {
				out = append(out, map[string]any{"id": id, "name": zn, "status": "active", "paused": false, "type": "full"})
			}
		}
		cfOK(w, out, map[string]int{"page": 1, "per_page": 20, "count": len(out), "total_count": len(out), "total_pages": 1})
	case kind == "records" || kind == "record":
		zoneName := ""
		for zn, id := range f.zones {
			if id == parts[1] {
				zoneName = zn
			}
		}
		if zoneName == "" {
			cfFail(w, http.StatusBadRequest, 7003, "Could not route to /zones/"+parts[1]+"/dns_records, perhaps your object identifier is invalid?")
			return
		}
		f.serveRecords(w, r, kind, parts, zoneName, q)
	default:
		cfFail(w, http.StatusMethodNotAllowed, 10405, "Method not allowed for this endpoint")
	}
}

func (f *fakeCloudflare) serveRecords(w http.ResponseWriter, r *http.Request, kind string, parts []string, zoneName string, q map[string][]string) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	fqdn := func(name string) string {
		name = strings.TrimSuffix(name, ".")
		if name == "@" || name == "" || name == zoneName {
			return zoneName
		}
		if strings.HasSuffix(name, "."+zoneName) {
			return name
		}
		return name + "." + zoneName
	}
	switch {
	case kind == "records" && r.Method == http.MethodGet:
		var match []*cfFakeRecord
		for _, rec := range f.records {
			if (get("name") == "" || rec.Name == get("name")) && (get("type") == "" || rec.Type == get("type")) &&
				(get("content.exact") == "" || rec.Content == get("content.exact")) {
				match = append(match, rec)
			}
		}
		sort.Slice(match, func(i, j int) bool { return match[i].ID < match[j].ID })
		page, perPage := 1, 100
		if p, err := strconv.Atoi(get("page")); err == nil && p > 0 {
			page = p
		}
		if p, err := strconv.Atoi(get("per_page")); err == nil && p > 0 {
			perPage = min(p, 5000)
		}
		lo, hi := min((page-1)*perPage, len(match)), min(page*perPage, len(match))
		out := []map[string]any{}
		for _, rec := range match[lo:hi] {
			out = append(out, rec.json())
		}
		cfOK(w, out, map[string]int{"page": page, "per_page": perPage, "count": hi - lo, "total_count": len(match),
			"total_pages": (len(match) + perPage - 1) / perPage})
	case kind == "records" && r.Method == http.MethodPost, kind == "record" && r.Method == http.MethodPatch:
		var in struct {
			Type    *string `json:"type"`
			Name    *string `json:"name"`
			Content *string `json:"content"`
			TTL     *int    `json:"ttl"`
			Proxied *bool   `json:"proxied"`
		}
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &in); err != nil {
			cfFail(w, http.StatusBadRequest, 9207, "Request body is invalid.")
			return
		}
		rec := &cfFakeRecord{ZoneID: parts[1], ZoneName: zoneName, TTL: 1}
		if kind == "record" {
			old, ok := f.records[parts[3]]
			if !ok {
				cfFail(w, http.StatusNotFound, 81044, "Record does not exist.")
				return
			}
			cp := *old
			rec = &cp
		} else {
			if in.Type == nil || in.Name == nil || in.Content == nil {
				cfFail(w, http.StatusBadRequest, 9000, "DNS name is invalid.")
				return
			}
			f.nextID++
			rec.ID = fmt.Sprintf("c0ffee0000000000000000000000%04d", f.nextID)
		}
		if in.Type != nil {
			rec.Type = *in.Type
		}
		if in.Name != nil {
			rec.Name = fqdn(*in.Name)
		}
		if in.Content != nil {
			rec.Content = *in.Content
		}
		if in.TTL != nil && *in.TTL != 0 {
			if *in.TTL != 1 && (*in.TTL < 60 || *in.TTL > 86400) {
				cfFail(w, http.StatusBadRequest, 9021, "Invalid TTL. Must be between 60 and 86400 seconds, or 1 for Automatic.")
				return
			}
			rec.TTL = *in.TTL
		}
		if in.Proxied != nil {
			rec.Proxied = *in.Proxied
		}
		if rec.Proxied {
			rec.TTL = 1
		}
		addr, err := netip.ParseAddr(rec.Content)
		if rec.Type == "A" && (err != nil || !addr.Is4()) {
			cfFail(w, http.StatusBadRequest, 9005, "Content for A record must be a valid IPv4 address.")
			return
		}
		if rec.Type == "AAAA" && (err != nil || !addr.Is6()) {
			cfFail(w, http.StatusBadRequest, 9006, "Content for AAAA record must be a valid IPv6 address.")
			return
		}
		for id, o := range f.records {
			if id != rec.ID && o.Name == rec.Name && o.Type == rec.Type && o.Content == rec.Content {
				cfFail(w, http.StatusBadRequest, 81058, "An identical record already exists.")
				return
			}
		}
		f.records[rec.ID] = rec
		cfOK(w, rec.json(), nil)
	case kind == "record" && r.Method == http.MethodDelete:
		if _, ok := f.records[parts[3]]; !ok {
			cfFail(w, http.StatusNotFound, 81044, "Record does not exist.")
			return
		}
		delete(f.records, parts[3])
		cfOK(w, map[string]string{"id": parts[3]}, nil)
	default:
		cfFail(w, http.StatusMethodNotAllowed, 10405, "Method not allowed for this endpoint")
	}
}
