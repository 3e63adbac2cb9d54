package providertest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Dynv6 is a running fake of dynv6's REST API (its OpenAPI specification,
// "REST API for dynv6"): under /api/v2, with "Authorization: Bearer TOKEN"
// (anything else is 401) and "Accept: application/json", it serves
// GET /zones/by-name/{name} and GET and PATCH /zones/{id} (a zone's own
// addresses: ipv4address, ipv6prefix), and GET and POST
// /zones/{zoneID}/records and GET, PATCH and DELETE
// /zones/{zoneID}/records/{recordID} (records: id, zoneID, name relative to
// the zone, type, data). Unknown zones and records are 404; a bad body is
// 400; a value that fails validation (a name or address that is not one, an
// A record given an IPv6 address) is 422 with {"error": {"name":
// "ValidationError", "message", "fields": [...]}}; DELETE answers 204.
// The API carries no TTL: Values report 0.
type Dynv6 struct {
	// URL is what the account's endpoint is set to.
	URL string
	// Token is the HTTP token it accepts.
	Token string

	srv *httptest.Server

	mu     sync.Mutex
	nextID int64
	zones  map[string]*dynv6FakeZone // by name
	recs   map[int64]*dynv6FakeRecord
	base
}

type dynv6FakeZone struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	IPv4Address string `json:"ipv4address"`
	IPv6Prefix  string `json:"ipv6prefix"`
	CreatedAt   string `json:"createdAt"`
	UpdatedAt   string `json:"updatedAt"`
}

type dynv6FakeRecord struct {
	ID       int64  `json:"id"`
	ZoneID   int64  `json:"zoneID"`
	Name     string `json:"name"`
	Type     string `json:"type"`
	Data     string `json:"data"`
	Priority *int   `json:"priority"`
}

// NewDynv6 starts the fake with token and the account's zones; the caller
// must Close it.
func NewDynv6(token string, zones ...string) *Dynv6 {
	s := &Dynv6{Token: token, zones: map[string]*dynv6FakeZone{}, recs: map[int64]*dynv6FakeRecord{}}
	for _, z := range zones {
		s.nextID++
		s.zones[z] = &dynv6FakeZone{ID: 1000 + s.nextID, Name: z, CreatedAt: "2026-11-01T12:00:00Z", UpdatedAt: "2026-11-01T12:00:00Z"}
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Dynv6) Close() { s.srv.Close() }

var (
	dynv6ZoneByName = regexp.MustCompile(`^/api/v2/zones/by-name/([^/]+)$`)
	dynv6ZoneByID   = regexp.MustCompile(`^/api/v2/zones/(\d+)$`)
	dynv6Records    = regexp.MustCompile(`^/api/v2/zones/(\d+)/records$`)
	dynv6Record     = regexp.MustCompile(`^/api/v2/zones/(\d+)/records/(\d+)$`)
	dynv6Name       = regexp.MustCompile(`^([a-z0-9*]([a-z0-9-]*[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)
)

func dynv6JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func dynv6Error(w http.ResponseWriter, status int, name, msg string, fields ...map[string]string) {
	e := map[string]any{"name": name, "message": msg}
	if fields != nil {
		e["fields"] = fields
	}
	dynv6JSON(w, status, map[string]any{"error": e})
}

func (s *Dynv6) serve(w http.ResponseWriter, r *http.Request) {
	if s.http.serve(w, r) {
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.Token {
		dynv6Error(w, http.StatusUnauthorized, "Unauthorized", "invalid or missing token")
		return
	}
	if !strings.Contains(r.Header.Get("Accept"), "application/json") {
		http.Error(w, "the fake answers JSON only; send Accept: application/json", http.StatusNotAcceptable)
		return
	}
	var body map[string]any
	if r.Method == http.MethodPost || r.Method == http.MethodPatch {
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || json.NewDecoder(r.Body).Decode(&body) != nil {
			dynv6Error(w, http.StatusBadRequest, "BadRequest", "malformed client data")
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := r.URL.Path
	switch m := dynv6ZoneByName.FindStringSubmatch(p); {
	case m != nil && r.Method == http.MethodGet:
		z, ok := s.zones[strings.ToLower(m[1])]
		if !ok {
			dynv6Error(w, http.StatusNotFound, "NotFound", "zone not found")
			return
		}
		dynv6JSON(w, http.StatusOK, z)
		return
	}
	if m := dynv6ZoneByID.FindStringSubmatch(p); m != nil {
		z := s.zoneByIDLocked(m[1])
		switch {
		case z == nil:
			dynv6Error(w, http.StatusNotFound, "NotFound", "zone not found")
		case r.Method == http.MethodGet:
			dynv6JSON(w, http.StatusOK, z)
		case r.Method == http.MethodPatch:
			upd := *z
			for k, v := range body {
				str, _ := v.(string)
				switch k {
				case "ipv4address":
					if a, err := netip.ParseAddr(str); str != "" && (err != nil || !a.Is4()) {
						dynv6Error(w, http.StatusUnprocessableEntity, "ValidationError", "invalid zone", map[string]string{"name": k, "message": "is not an IPv4 address"})
						return
					}
					upd.IPv4Address = str
				case "ipv6prefix":
					_, perr := netip.ParsePrefix(str)
					a, aerr := netip.ParseAddr(str)
					if str != "" && perr != nil && (aerr != nil || !a.Is6() || a.Is4In6()) {
						dynv6Error(w, http.StatusUnprocessableEntity, "ValidationError", "invalid zone", map[string]string{"name": k, "message": "is not an IPv6 address or prefix"})
						return
					}
					upd.IPv6Prefix = str
				case "id", "name", "createdAt", "updatedAt":
					// read-only: ignored
				default:
					dynv6Error(w, http.StatusBadRequest, "BadRequest", "unknown field "+strconv.Quote(k))
					return
				}
			}
			s.wrote()
			*z = upd
			w.WriteHeader(http.StatusOK)
		default:
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
		return
	}
	if m := dynv6Records.FindStringSubmatch(p); m != nil {
		z := s.zoneByIDLocked(m[1])
		switch {
		case z == nil:
			dynv6Error(w, http.StatusNotFound, "NotFound", "zone not found")
		case r.Method == http.MethodGet:
			list := []*dynv6FakeRecord{}
			for _, rec := range s.recs {
				if rec.ZoneID == z.ID {
					list = append(list, rec)
				}
			}
			sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
			dynv6JSON(w, http.StatusOK, list)
		case r.Method == http.MethodPost:
			rec := &dynv6FakeRecord{ZoneID: z.ID}
			name, _ := body["name"].(string)
			typ, _ := body["type"].(string)
			data, _ := body["data"].(string)
			rec.Name, rec.Type, rec.Data = strings.ToLower(name), typ, data
			if bad := dynv6Validate(rec); bad != nil {
				dynv6Error(w, http.StatusUnprocessableEntity, "ValidationError", "invalid record", bad...)
				return
			}
			s.wrote()
			s.nextID++
			rec.ID = 5000 + s.nextID
			s.recs[rec.ID] = rec
			dynv6JSON(w, http.StatusOK, rec)
		default:
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
		return
	}
	if m := dynv6Record.FindStringSubmatch(p); m != nil {
		z := s.zoneByIDLocked(m[1])
		id, _ := strconv.ParseInt(m[2], 10, 64)
		rec, ok := s.recs[id]
		if z == nil || !ok || rec.ZoneID != z.ID {
			dynv6Error(w, http.StatusNotFound, "NotFound", "record or zone not found")
			return
		}
		switch r.Method {
		case http.MethodGet:
			dynv6JSON(w, http.StatusOK, rec)
		case http.MethodPatch:
			upd := *rec
			for k, v := range body {
				str, _ := v.(string)
				switch k {
				case "name":
					upd.Name = strings.ToLower(str)
				case "data":
					upd.Data = str
				case "type":
					upd.Type = str
				default:
					dynv6Error(w, http.StatusBadRequest, "BadRequest", "unknown field "+strconv.Quote(k))
					return
				}
			}
			if bad := dynv6Validate(&upd); bad != nil {
				dynv6Error(w, http.StatusUnprocessableEntity, "ValidationError", "invalid record", bad...)
				return
			}
			s.wrote()
			*rec = upd
			dynv6JSON(w, http.StatusOK, rec)
		case http.MethodDelete:
			s.wrote()
			delete(s.recs, id)
			w.WriteHeader(http.StatusNoContent)
		default:
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
		return
	}
	dynv6Error(w, http.StatusNotFound, "NotFound", "no such resource")
}

// dynv6Validate returns the fields of an A or AAAA record that fail.
func dynv6Validate(rec *dynv6FakeRecord) []map[string]string {
	var bad []map[string]string
	if !dynv6Name.MatchString(rec.Name) {
		bad = append(bad, map[string]string{"name": "name", "message": "is not a host name relative to the zone"})
	}
	a, err := netip.ParseAddr(rec.Data)
	switch rec.Type {
	case "A":
		if err != nil || !a.Is4() {
			bad = append(bad, map[string]string{"name": "data", "message": "is not an IPv4 address"})
		}
	case "AAAA":
		if err != nil || !a.Is6() || a.Is4In6() {
			bad = append(bad, map[string]string{"name": "data", "message": "is not an IPv6 address"})
		}
	default:
		bad = append(bad, map[string]string{"name": "type", "message": "the fake holds A and AAAA records only"})
	}
	return bad
}

func (s *Dynv6) zoneByIDLocked(id string) *dynv6FakeZone {
	n, _ := strconv.ParseInt(id, 10, 64)
	for _, z := range s.zones {
		if z.ID == n {
			return z
		}
	}
	return nil
}

// zoneOf returns the zone fqdn is in and fqdn's name relative to it.
func (s *Dynv6) zoneOfLocked(fqdn string) (*dynv6FakeZone, string) {
	for name, z := range s.zones {
		if fqdn == name {
			return z, "@"
		}
		if rel, ok := strings.CutSuffix(fqdn, "."+name); ok {
			return z, rel
		}
	}
	return nil, ""
}

// Endpoint is URL (for Fake).
func (s *Dynv6) Endpoint() string { return s.URL }

// Seed adds a record, or sets a zone's own address (for Fake); ttl is
// ignored.
func (s *Dynv6) Seed(fqdn, typ, value string, ttl int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	z, rel := s.zoneOfLocked(fqdn)
	if z == nil {
		panic("dynv6 fake: " + fqdn + " is in no zone of the account")
	}
	if rel == "@" {
		if typ == "A" {
			z.IPv4Address = value
		} else {
			z.IPv6Prefix = value
		}
		return
	}
	s.nextID++
	s.recs[5000+s.nextID] = &dynv6FakeRecord{ID: 5000 + s.nextID, ZoneID: z.ID, Name: rel, Type: typ, Data: value}
}

// Values lists fqdn's addresses of typ as "VALUE 0" (for Fake).
func (s *Dynv6) Values(fqdn, typ string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []string{}
	z, rel := s.zoneOfLocked(fqdn)
	if z == nil {
		return out
	}
	if rel == "@" {
		v := z.IPv4Address
		if typ == "AAAA" {
			v = z.IPv6Prefix
		}
		if v != "" {
			out = append(out, v+" 0")
		}
		return out
	}
	for _, r := range s.recs {
		if r.ZoneID == z.ID && r.Name == rel && r.Type == typ {
			out = append(out, r.Data+" 0")
		}
	}
	return sorted(out)
}
