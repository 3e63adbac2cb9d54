package providertest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
)

// NameSilo is a running fake of NameSilo's API as its API Reference
// describes it: GET /api/OPERATION?version=1&type=json&key=KEY&..., every
// answer HTTP 200 with {"request": {"operation", "ip"}, "reply": {"code",
// "detail", ...}}, code 300 meaning success. It serves dnsListRecords
// (domain; resource_record lists every record with record_id, type, host as
// a full name, value, ttl and distance, and is a single object rather than
// a list when the zone holds one record, as the XML-converted JSON is),
// dnsAddRecord (domain, rrtype, rrhost relative and empty for the apex,
// rrvalue, rrttl), dnsUpdateRecord (domain, rrid, rrhost, rrvalue, rrttl;
// the record gets a new record_id, which the reply names) and
// dnsDeleteRecord (domain, rrid). It answers the documented failure codes:
// 102/103 version, 104/105 type, 107 operation, 108 missing parameters, 109
// no key, 110 invalid key, 200 a domain not in the account, 280 a DNS
// change refused (an unknown rrid, a bad value, a TTL below 3600 or above
// 2592000, an A record given an IPv6 address).
type NameSilo struct {
	// URL is what the account's endpoint is set to.
	URL string
	// Key is the API key it accepts; Domains the account's domains.
	Key     string
	Domains []string

	srv *httptest.Server

	mu     sync.Mutex
	nextID int
	recs   map[string]*nsFakeRecord // by record_id
	base
}

type nsFakeRecord struct {
	id, typ, host, value string
	ttl                  int
}

// NewNameSilo starts the fake for an account with key and domains; the
// caller must Close it.
func NewNameSilo(key string, domains ...string) *NameSilo {
	s := &NameSilo{Key: key, Domains: domains, recs: map[string]*nsFakeRecord{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *NameSilo) Close() { s.srv.Close() }

func (s *NameSilo) reply(w http.ResponseWriter, op string, code int, detail string, extra map[string]any) {
	rep := map[string]any{"code": code, "detail": detail}
	for k, v := range extra {
		rep[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"request": map[string]any{"operation": op, "ip": "192.0.2.200"}, "reply": rep})
}

func (s *NameSilo) serve(w http.ResponseWriter, r *http.Request) {
	if s.http.serve(w, r) {
		return
	}
	op, ok := strings.CutPrefix(r.URL.Path, "/api/")
	if !ok || r.Method != http.MethodGet {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	switch {
	case !q.Has("version"):
		s.reply(w, op, 102, "No version specified", nil)
		return
	case q.Get("version") != "1":
		s.reply(w, op, 103, "Invalid API version", nil)
		return
	case !q.Has("type"):
		s.reply(w, op, 104, "No type specified", nil)
		return
	case q.Get("type") != "json":
		// The fake speaks JSON only; the real API also has XML.
		s.reply(w, op, 105, "Invalid API type", nil)
		return
	case q.Get("key") == "":
		s.reply(w, op, 109, "No API key specified", nil)
		return
	case q.Get("key") != s.Key:
		s.reply(w, op, 110, "Invalid API Key", nil)
		return
	}
	need := map[string][]string{
		"dnsListRecords":  {"domain"},
		"dnsAddRecord":    {"domain", "rrtype", "rrvalue"},
		"dnsUpdateRecord": {"domain", "rrid", "rrvalue"},
		"dnsDeleteRecord": {"domain", "rrid"},
	}
	keys, known := need[op]
	if !known {
		s.reply(w, op, 107, "Invalid API operation", nil)
		return
	}
	for _, k := range keys {
		if q.Get(k) == "" {
			s.reply(w, op, 108, "Missing parameters for the specified operation", nil)
			return
		}
	}
	domain := strings.ToLower(q.Get("domain"))
	owned := false
	for _, d := range s.Domains {
		owned = owned || d == domain
	}
	if !owned {
		s.reply(w, op, 200, "Domain is not active, or does not belong to this user", nil)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch op {
	case "dnsListRecords":
		var list []map[string]any
		for _, id := range s.idsLocked() {
			rec := s.recs[id]
			if rec.host != domain && !strings.HasSuffix(rec.host, "."+domain) {
				continue
			}
			list = append(list, map[string]any{"record_id": rec.id, "type": rec.typ, "host": rec.host,
				"value": rec.value, "ttl": strconv.Itoa(rec.ttl), "distance": 0})
		}
		var rr any = list
		if len(list) == 1 {
			rr = list[0]
		}
		extra := map[string]any{}
		if len(list) > 0 {
			extra["resource_record"] = rr
		}
		s.reply(w, op, 300, "success", extra)
	case "dnsDeleteRecord":
		rec, ok := s.recs[q.Get("rrid")]
		if !ok || !inDomain(rec.host, domain) {
			s.reply(w, op, 280, "DNS modification error: no record with that ID", nil)
			return
		}
		s.wrote()
		delete(s.recs, rec.id)
		s.reply(w, op, 300, "success", nil)
	case "dnsAddRecord", "dnsUpdateRecord":
		var old *nsFakeRecord
		typ := strings.ToUpper(q.Get("rrtype"))
		if op == "dnsUpdateRecord" {
			var ok bool
			if old, ok = s.recs[q.Get("rrid")]; !ok || !inDomain(old.host, domain) {
				s.reply(w, op, 280, "DNS modification error: no record with that ID", nil)
				return
			}
			typ = old.typ
		}
		host := domain
		if h := strings.ToLower(q.Get("rrhost")); h != "" {
			host = h + "." + domain
		}
		ttl := 7207 // NameSilo's default
		if v := q.Get("rrttl"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 3600 || n > 2592000 {
				s.reply(w, op, 280, "DNS modification error: invalid TTL", nil)
				return
			}
			ttl = n
		}
		a, err := netip.ParseAddr(q.Get("rrvalue"))
		if (typ != "A" && typ != "AAAA") || err != nil || (typ == "A") != a.Is4() {
			s.reply(w, op, 280, "DNS modification error: invalid value for the record type", nil)
			return
		}
		s.wrote()
		if old != nil {
			delete(s.recs, old.id)
		}
		id := s.addLocked(host, typ, a.String(), ttl)
		s.reply(w, op, 300, "success", map[string]any{"record_id": id})
	}
}

func inDomain(host, domain string) bool { return host == domain || strings.HasSuffix(host, "."+domain) }

func (s *NameSilo) idsLocked() []string {
	ids := make([]string, 0, len(s.recs))
	for id := range s.recs {
		ids = append(ids, id)
	}
	return sorted(ids)
}

func (s *NameSilo) addLocked(fqdn, typ, value string, ttl int) string {
	s.nextID++
	id := fmt.Sprintf("%032x", int64(0x5111c0)<<40+int64(s.nextID))
	s.recs[id] = &nsFakeRecord{id: id, typ: typ, host: fqdn, value: value, ttl: ttl}
	return id
}

// Endpoint is URL (for Fake).
func (s *NameSilo) Endpoint() string { return s.URL }

// Seed adds a record (for Fake).
func (s *NameSilo) Seed(fqdn, typ, value string, ttl int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addLocked(fqdn, typ, value, ttl)
}

// Values lists fqdn's records of typ as "VALUE TTL" (for Fake).
func (s *NameSilo) Values(fqdn, typ string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []string{}
	for _, r := range s.recs {
		if r.host == fqdn && r.typ == typ {
			out = append(out, fmt.Sprintf("%s %d", r.value, r.ttl))
		}
	}
	return sorted(out)
}
