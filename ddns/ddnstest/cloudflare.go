// Package ddnstest holds test fixtures for the updater, in the spirit of
// net/http/httptest. Cloudflare is a small in-memory stand-in for the parts of the
// Cloudflare v4 API that record updates use, for the engine's and the
// updater binary's tests: GET /client/v4/zones?name=, GET, POST, PATCH and
// DELETE of dns_records, bearer-token auth (a wrong token gets 401), the
// {success, errors, result, result_info} envelope, and name/type filters.
// It counts every call, so tests can assert how many a pass made.
//
// It is a test fixture: it listens on loopback only and is not a model of
// Cloudflare beyond what libdns/cloudflare sends.
package ddnstest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sort"
	"strings"
	"sync"
)

// Cloudflare is a running fake Cloudflare API.
type Cloudflare struct {
	// URL is the endpoint to put in the config: "http://127.0.0.1:PORT".
	URL string

	srv   *httptest.Server
	token string

	mu      sync.Mutex
	zones   map[string]string // name -> id
	records map[string]*Record
	nextID  int
	calls   map[string]int
	reject  bool
	gate    chan struct{}
}

// Record is one DNS record the fake holds.
type Record struct {
	ID, ZoneID, Name, Type, Content string
	TTL                             int
}

// NewCloudflare starts a fake that accepts token and serves the given zones.
func NewCloudflare(token string, zones ...string) *Cloudflare {
	s := &Cloudflare{token: token, zones: map[string]string{}, records: map[string]*Record{}, calls: map[string]int{}}
	for i, z := range zones {
		s.zones[z] = fmt.Sprintf("%032x", i+1)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Cloudflare) Close() { s.srv.Close() }

// RejectWrites makes every POST and PATCH fail as Cloudflare does for bad
// content (HTTP 400, code 9005).
func (s *Cloudflare) RejectWrites(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reject = on
}

// Gate, when set, makes every write wait for a value on the channel
// (tests that need a pass to be in flight).
func (s *Cloudflare) Gate(ch chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gate = ch
}

// Put sets fqdn/typ to content, as a person editing the zone by hand would.
func (s *Cloudflare) Put(fqdn, typ, content string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.records {
		if r.Name == fqdn && r.Type == typ {
			r.Content = content
			return
		}
	}
	s.add(fqdn, typ, content, 300)
}

func (s *Cloudflare) add(fqdn, typ, content string, ttl int) *Record {
	zoneID := ""
	for z, id := range s.zones {
		if fqdn == z || strings.HasSuffix(fqdn, "."+z) {
			zoneID = id
		}
	}
	s.nextID++
	r := &Record{ID: fmt.Sprintf("%032x", 1<<20+s.nextID), ZoneID: zoneID, Name: fqdn, Type: typ, Content: content, TTL: ttl}
	s.records[r.ID] = r
	return r
}

// Lookup returns the contents of every fqdn/typ record, sorted.
func (s *Cloudflare) Lookup(fqdn, typ string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.records {
		if r.Name == fqdn && r.Type == typ {
			out = append(out, r.Content)
		}
	}
	sort.Strings(out)
	return out
}

// Calls returns the calls made since the last Calls, keyed
// "GET zones", "GET records", "POST records", "PATCH record", "DELETE record".
func (s *Cloudflare) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.calls
	s.calls = map[string]int{}
	return c
}

// Total is the number of calls in c.
func Total(c map[string]int) int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// Writes is the number of write calls in c.
func Writes(c map[string]int) int { return c["POST records"] + c["PATCH record"] + c["DELETE record"] }

func reply(w http.ResponseWriter, status int, result any, info map[string]int, errs ...map[string]any) {
	body := map[string]any{"success": status < 400, "errors": append([]map[string]any{}, errs...), "messages": []any{}, "result": result}
	if info != nil {
		body["result_info"] = info
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

func fail(w http.ResponseWriter, status, code int, msg string) {
	reply(w, status, nil, nil, map[string]any{"code": code, "message": msg})
}

func (r *Record) json(zone string) map[string]any {
	return map[string]any{"id": r.ID, "zone_id": r.ZoneID, "zone_name": zone, "name": r.Name, "type": r.Type,
		"content": r.Content, "proxiable": true, "proxied": false, "ttl": r.TTL, "locked": false,
		"created_on": "2026-11-01T05:20:00Z", "modified_on": "2026-11-01T05:20:00Z"}
}

func (s *Cloudflare) serve(w http.ResponseWriter, req *http.Request) {
	parts := strings.Split(strings.Trim(strings.TrimPrefix(req.URL.Path, "/client/v4"), "/"), "/")
	kind := "?"
	switch {
	case len(parts) == 1 && parts[0] == "zones":
		kind = "zones"
	case len(parts) == 3 && parts[0] == "zones" && parts[2] == "dns_records":
		kind = "records"
	case len(parts) == 4 && parts[0] == "zones" && parts[2] == "dns_records":
		kind = "record"
	}
	s.mu.Lock()
	s.calls[req.Method+" "+kind]++
	gate := s.gate
	s.mu.Unlock()
	if req.Header.Get("Authorization") != "Bearer "+s.token {
		fail(w, http.StatusUnauthorized, 10000, "Authentication error")
		return
	}
	if gate != nil && req.Method != http.MethodGet {
		<-gate
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q := req.URL.Query()
	if kind == "zones" && req.Method == http.MethodGet {
		var out []map[string]any
		name := strings.TrimSuffix(q.Get("name"), ".")
		for z, id := range s.zones {
			if name == "" || name == z {
				out = append(out, map[string]any{"id": id, "name": z, "status": "active"})
			}
		}
		reply(w, 200, out, map[string]int{"page": 1, "per_page": 20, "count": len(out), "total_count": len(out), "total_pages": 1})
		return
	}
	if kind != "records" && kind != "record" {
		fail(w, http.StatusNotFound, 7000, "No route for that URI")
		return
	}
	zone := ""
	for z, id := range s.zones {
		if id == parts[1] {
			zone = z
		}
	}
	if zone == "" {
		fail(w, http.StatusBadRequest, 7003, "Could not route to /zones/"+parts[1])
		return
	}
	switch {
	case kind == "records" && req.Method == http.MethodGet:
		out := []map[string]any{}
		var ids []string
		for id, r := range s.records {
			if r.ZoneID == parts[1] && (q.Get("name") == "" || r.Name == q.Get("name")) && (q.Get("type") == "" || r.Type == q.Get("type")) {
				ids = append(ids, id)
			}
		}
		sort.Strings(ids)
		for _, id := range ids {
			out = append(out, s.records[id].json(zone))
		}
		reply(w, 200, out, map[string]int{"page": 1, "per_page": 5000, "count": len(out), "total_count": len(out), "total_pages": 1})
	case kind == "records" && req.Method == http.MethodPost, kind == "record" && req.Method == http.MethodPatch:
		var in struct {
			Type, Name, Content *string
			TTL                 *int
		}
		body, _ := io.ReadAll(req.Body)
		if err := json.Unmarshal(body, &in); err != nil {
			fail(w, 400, 9207, "Request body is invalid.")
			return
		}
		if s.reject {
			fail(w, 400, 9005, "Content for A record must be a valid IPv4 address.")
			return
		}
		var r *Record
		if kind == "record" {
			if r = s.records[parts[3]]; r == nil {
				fail(w, 404, 81044, "Record does not exist.")
				return
			}
		} else {
			if in.Type == nil || in.Name == nil || in.Content == nil {
				fail(w, 400, 9000, "DNS name is invalid.")
				return
			}
			r = s.add(fqdn(*in.Name, zone), *in.Type, "", 1)
		}
		if in.Content != nil {
			if _, err := netip.ParseAddr(*in.Content); err != nil {
				fail(w, 400, 9005, "Content must be a valid address.")
				return
			}
			r.Content = *in.Content
		}
		if in.TTL != nil && *in.TTL != 0 {
			r.TTL = *in.TTL
		}
		reply(w, 200, r.json(zone), nil)
	case kind == "record" && req.Method == http.MethodDelete:
		delete(s.records, parts[3])
		reply(w, 200, map[string]string{"id": parts[3]}, nil)
	default:
		fail(w, 405, 10405, "Method not allowed for this endpoint")
	}
}

func fqdn(name, zone string) string {
	name = strings.TrimSuffix(name, ".")
	switch {
	case name == "@" || name == "" || name == zone:
		return zone
	case strings.HasSuffix(name, "."+zone):
		return name
	}
	return name + "." + zone
}
