package providertest

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
)

// Cloudflare is a running fake of the parts of the Cloudflare v4 API that
// DNS record management uses.
//
// It answers the way the real API does: bearer-token auth (no header: 400,
// code 9106; a wrong token: 403, code 9109), the {success, errors, messages,
// result, result_info} envelope, GET /client/v4/zones?name=, GET, POST,
// PATCH and DELETE of dns_records with name/type/content.exact filters and
// page/per_page pagination (default 100, at most 5000), relative names
// expanded to FQDNs, proxied kept per record (a write without it leaves it
// as it was; a new record without it is unproxied), proxied records forced
// to TTL 1, TTLs checked (1 or
// 60..86400), A/AAAA content checked, identical records refused, and
// Cloudflare's error codes. It records every call, in order and by kind,
// and has knobs for tests: RejectWrites, Gate (hold writes) and SetFault
// (answer any request by hand). It is not a model of Cloudflare beyond what
// the updater sends.
type Cloudflare struct {
	// URL is the endpoint to put in the config: "http://127.0.0.1:PORT".
	URL string

	srv   *httptest.Server
	token string

	mu      sync.Mutex
	zones   map[string]string // name -> id
	records map[string]*Record
	nextID  int
	calls   []string // since the last Calls or CallSequence
	served  int      // requests since the start, for Fault's n
	reject  bool
	keepPx  bool   // writes leave proxied as it was (KeepProxied)
	last    []byte // the body of the last POST or PATCH
	gate    chan struct{}
	fault   Fault
	base
}

// Record is one DNS record the fake holds.
type Record struct {
	ID, ZoneID, Name, Type, Content string
	TTL                             int
	Proxied                         bool
}

// Fault, when installed with SetFault, sees every request under
// /client/v4/ before the token check; if it returns true it has answered the
// request itself and the fake does nothing more. n counts the fake's
// requests from 1 since it started.
type Fault func(n int, w http.ResponseWriter, r *http.Request) bool

// NewCloudflare starts a fake that accepts token and serves the given zones.
// Zone IDs are fixed by position (see ZoneID); the caller must Close it.
func NewCloudflare(token string, zones ...string) *Cloudflare {
	s := &Cloudflare{token: token, zones: map[string]string{}, records: map[string]*Record{}}
	for i, z := range zones {
		s.zones[z] = fmt.Sprintf("%032x", i+1)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server, after the requests in flight have finished.
func (s *Cloudflare) Close() { s.srv.Close() }

// ZoneID is the ID the fake gives zone, or "" if it does not serve it
// (for configs that set zone_id).
func (s *Cloudflare) ZoneID(zone string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.zones[zone]
}

// RejectWrites makes every POST and PATCH fail as Cloudflare does for bad
// content (HTTP 400, code 9005).
func (s *Cloudflare) RejectWrites(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reject = on
}

// KeepProxied, when on, makes every write leave a record's proxied flag as
// it was whatever the request asks, still answering success: a fault for
// tests of the updater's read-back (the real API refuses, with an error,
// a proxied it cannot apply).
func (s *Cloudflare) KeepProxied(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keepPx = on
}

// SetProxied switches fqdn/typ's records' proxied flag as a person doing it
// in the dashboard would; Cloudflare serves a proxied record at TTL 1
// ("automatic"), and one switched off keeps TTL 1 until someone sets another.
func (s *Cloudflare) SetProxied(fqdn, typ string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.records {
		if r.Name == fqdn && r.Type == typ {
			r.Proxied = on
			if on {
				r.TTL = 1
			}
		}
	}
}

// LastWrite is the JSON body of the last POST or PATCH the fake took
// (nil before any), decoded.
func (s *Cloudflare) LastWrite() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var m map[string]any
	if json.Unmarshal(s.last, &m) != nil {
		return nil
	}
	return m
}

// Gate, when set, makes every write (any method but GET) wait for a value on
// the channel after its token check (tests that need a pass to be in
// flight, or writes paced). A held write is not given up when its client
// goes away, and Close waits for it.
func (s *Cloudflare) Gate(ch chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gate = ch
}

// SetFault installs f (nil removes it); see Fault.
func (s *Cloudflare) SetFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault = f
}

// Put sets fqdn/typ to content, as a person editing the zone by hand would:
// the first such record changes, or one is made with TTL 300.
func (s *Cloudflare) Put(fqdn, typ, content string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.records {
		if r.Name == fqdn && r.Type == typ {
			r.Content = content
			return
		}
	}
	s.add(fqdn, typ, content, 300, false)
}

// Add makes a record, even one identical to another (as records made before
// Cloudflare refused duplicates can be), and returns its ID.
func (s *Cloudflare) Add(fqdn, typ, content string, ttl int, proxied bool) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.add(fqdn, typ, content, ttl, proxied).ID
}

func (s *Cloudflare) add(fqdn, typ, content string, ttl int, proxied bool) *Record {
	zoneID := ""
	for z, id := range s.zones {
		if fqdn == z || strings.HasSuffix(fqdn, "."+z) {
			zoneID = id
		}
	}
	s.nextID++
	r := &Record{ID: fmt.Sprintf("%032x", 1<<20+s.nextID), ZoneID: zoneID, Name: fqdn, Type: typ, Content: content, TTL: ttl, Proxied: proxied}
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

// State lists every record as "name type content ttl", with " proxied"
// appended for proxied ones, sorted.
func (s *Cloudflare) State() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.records {
		line := fmt.Sprintf("%s %s %s %d", r.Name, r.Type, r.Content, r.TTL)
		if r.Proxied {
			line += " proxied"
		}
		out = append(out, line)
	}
	sort.Strings(out)
	return out
}

// Calls returns the calls made since the last Calls or CallSequence, counted
// by kind: "GET zones", "GET records", "POST records", "PATCH record",
// "DELETE record" ("METHOD ?" for paths the API does not have).
func (s *Cloudflare) Calls() map[string]int {
	c := map[string]int{}
	for _, k := range s.CallSequence() {
		c[k]++
	}
	return c
}

// CallSequence returns the calls made since the last Calls or CallSequence,
// in the order they arrived, named as Calls names them.
func (s *Cloudflare) CallSequence() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.calls
	s.calls = nil
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

// WriteResult answers with Cloudflare's success envelope around result;
// info, when not nil, is the result_info (page, per_page, count, ...).
// For Fault functions.
func WriteResult(w http.ResponseWriter, result any, info map[string]int) {
	body := map[string]any{"success": true, "errors": []any{}, "messages": []any{}, "result": result}
	if info != nil {
		body["result_info"] = info
	}
	writeJSON(w, http.StatusOK, body)
}

// WriteError answers as Cloudflare does when it refuses a request: HTTP
// status and one error with code and message. For Fault functions.
func WriteError(w http.ResponseWriter, status, code int, message string) {
	writeJSON(w, status, map[string]any{
		"success": false, "errors": []map[string]any{{"code": code, "message": message}}, "messages": []any{}, "result": nil,
	})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

func (r *Record) json(zone string) map[string]any {
	return map[string]any{
		"id": r.ID, "zone_id": r.ZoneID, "zone_name": zone, "name": r.Name, "type": r.Type, "content": r.Content,
		"proxiable": true, "proxied": r.Proxied, "ttl": r.TTL, "locked": false, "comment": nil, "tags": []string{},
		"meta":       map[string]any{"auto_added": false, "managed_by_apps": false, "managed_by_argo_tunnel": false},
		"created_on": "2026-11-01T05:20:00.12345Z", "modified_on": "2026-11-01T05:20:00.12345Z",
	}
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
	s.calls = append(s.calls, req.Method+" "+kind)
	s.served++
	if req.Method != http.MethodGet && (kind == "records" || kind == "record") {
		s.wrote()
	}
	n, fault, gate := s.served, s.fault, s.gate
	s.mu.Unlock()
	if s.http.serve(w, req) {
		return
	}
	if !strings.HasPrefix(req.URL.Path, "/client/v4/") {
		WriteError(w, http.StatusNotFound, 7000, "No route for that URI")
		return
	}
	if fault != nil && fault(n, w, req) {
		return
	}
	switch auth := req.Header.Get("Authorization"); {
	case auth == "":
		WriteError(w, http.StatusBadRequest, 9106, "Missing X-Auth-Key, X-Auth-Email or Authorization headers")
		return
	case auth != "Bearer "+s.token:
		WriteError(w, http.StatusForbidden, 9109, "Invalid access token")
		return
	}
	if gate != nil && req.Method != http.MethodGet {
		<-gate
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q := req.URL.Query()
	switch {
	case kind == "zones" && req.Method == http.MethodGet:
		out := []map[string]any{}
		name := strings.TrimSuffix(q.Get("name"), ".")
		for z, id := range s.zones {
			if name == "" || name == z {
				out = append(out, map[string]any{"id": id, "name": z, "status": "active", "paused": false, "type": "full"})
			}
		}
		WriteResult(w, out, map[string]int{"page": 1, "per_page": 20, "count": len(out), "total_count": len(out), "total_pages": 1})
		return
	case kind == "zones":
		WriteError(w, http.StatusMethodNotAllowed, 10405, "Method not allowed for this endpoint")
		return
	case kind != "records" && kind != "record":
		WriteError(w, http.StatusNotFound, 7000, "No route for that URI")
		return
	}
	zone := ""
	for z, id := range s.zones {
		if id == parts[1] {
			zone = z
		}
	}
	if zone == "" {
		WriteError(w, http.StatusBadRequest, 7003, "Could not route to /zones/"+parts[1]+"/dns_records, perhaps your object identifier is invalid?")
		return
	}
	switch {
	case kind == "records" && req.Method == http.MethodGet:
		s.list(w, parts[1], zone, q.Get)
	case kind == "records" && req.Method == http.MethodPost, kind == "record" && req.Method == http.MethodPatch:
		s.write(w, req, kind, parts, zone)
	case kind == "record" && req.Method == http.MethodDelete:
		if _, ok := s.records[parts[3]]; !ok {
			WriteError(w, http.StatusNotFound, 81044, "Record does not exist.")
			return
		}
		delete(s.records, parts[3])
		WriteResult(w, map[string]string{"id": parts[3]}, nil)
	default:
		WriteError(w, http.StatusMethodNotAllowed, 10405, "Method not allowed for this endpoint")
	}
}

// list answers GET dns_records, one page of the matching records in ID order.
func (s *Cloudflare) list(w http.ResponseWriter, zoneID, zone string, get func(string) string) {
	var match []*Record
	name, typ, content := get("name"), get("type"), get("content.exact")
	for _, r := range s.records {
		if (name == "" || r.Name == name) && (typ == "" || r.Type == typ) &&
			(content == "" || r.Content == content) && r.ZoneID == zoneID {
			match = append(match, r)
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
	for _, r := range match[lo:hi] {
		out = append(out, r.json(zone))
	}
	WriteResult(w, out, map[string]int{"page": page, "per_page": perPage, "count": hi - lo, "total_count": len(match),
		"total_pages": (len(match) + perPage - 1) / perPage})
}

// write answers POST dns_records and PATCH dns_records/ID.
func (s *Cloudflare) write(w http.ResponseWriter, req *http.Request, kind string, parts []string, zone string) {
	var in struct {
		Type    *string `json:"type"`
		Name    *string `json:"name"`
		Content *string `json:"content"`
		TTL     *int    `json:"ttl"`
		Proxied *bool   `json:"proxied"`
	}
	body, _ := io.ReadAll(req.Body)
	if err := json.Unmarshal(body, &in); err != nil {
		WriteError(w, http.StatusBadRequest, 9207, "Request body is invalid.")
		return
	}
	s.last = body
	if s.reject {
		WriteError(w, http.StatusBadRequest, 9005, "Content for A record must be a valid IPv4 address.")
		return
	}
	// Work on a copy: a refused write leaves the record as it was.
	r := &Record{ZoneID: parts[1], TTL: 1}
	if kind == "record" {
		old, ok := s.records[parts[3]]
		if !ok {
			WriteError(w, http.StatusNotFound, 81044, "Record does not exist.")
			return
		}
		cp := *old
		r = &cp
	} else if in.Type == nil || in.Name == nil || in.Content == nil {
		WriteError(w, http.StatusBadRequest, 9000, "DNS name is invalid.")
		return
	}
	if in.Type != nil {
		r.Type = *in.Type
	}
	if in.Name != nil {
		r.Name = fqdn(*in.Name, zone)
	}
	if in.Content != nil {
		r.Content = *in.Content
	}
	if in.TTL != nil && *in.TTL != 0 {
		if *in.TTL != 1 && (*in.TTL < 60 || *in.TTL > 86400) {
			WriteError(w, http.StatusBadRequest, 9021, "Invalid TTL. Must be between 60 and 86400 seconds, or 1 for Automatic.")
			return
		}
		r.TTL = *in.TTL
	}
	if in.Proxied != nil && !s.keepPx {
		r.Proxied = *in.Proxied
	}
	if r.Proxied {
		r.TTL = 1
	}
	addr, err := netip.ParseAddr(r.Content)
	if r.Type == "A" && (err != nil || !addr.Is4()) {
		WriteError(w, http.StatusBadRequest, 9005, "Content for A record must be a valid IPv4 address.")
		return
	}
	if r.Type == "AAAA" && (err != nil || !addr.Is6()) {
		WriteError(w, http.StatusBadRequest, 9006, "Content for AAAA record must be a valid IPv6 address.")
		return
	}
	for id, o := range s.records {
		if id != r.ID && o.Name == r.Name && o.Type == r.Type && o.Content == r.Content {
			WriteError(w, http.StatusBadRequest, 81058, "An identical record already exists.")
			return
		}
	}
	if r.ID == "" {
		s.nextID++
		r.ID = fmt.Sprintf("%032x", 1<<20+s.nextID)
	}
	s.records[r.ID] = r
	WriteResult(w, r.json(zone), nil)
}

// fqdn expands a record name as Cloudflare does: "@", "" and the zone itself
// are the apex, a name ending in the zone is kept, any other is relative.
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

// Endpoint is URL (for Fake).
func (s *Cloudflare) Endpoint() string { return s.URL }

// Seed is Add of an unproxied record (for Fake).
func (s *Cloudflare) Seed(fqdn, typ, value string, ttl int) { s.Add(fqdn, typ, value, ttl, false) }

// Values lists fqdn/typ's records as "content ttl", sorted (for Fake).
func (s *Cloudflare) Values(fqdn, typ string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []string{}
	for _, r := range s.records {
		if r.Name == fqdn && r.Type == typ {
			out = append(out, fmt.Sprintf("%s %d", r.Content, r.TTL))
		}
	}
	return sorted(out)
}

// Writes counts POST, PATCH and DELETE requests on records since the last
