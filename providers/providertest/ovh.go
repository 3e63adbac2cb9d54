package providertest

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// OVH is a running fake of the OVHcloud API (v1.0) for one zone,
// example.com, as its "First steps with the OVHcloud APIs" guide and its
// /domain/zone reference describe:
//   - GET /1.0/auth/time answers the server's Unix time, unauthenticated;
//   - every other call carries X-Ovh-Application (an unknown key is 403
//     INVALID_KEY), X-Ovh-Consumer (403 INVALID_CREDENTIAL), X-Ovh-Timestamp
//     and X-Ovh-Signature, "$1$" + SHA-1 hex of
//     AS+"+"+CK+"+"+METHOD+"+"+URL+"+"+BODY+"+"+TIMESTAMP, verified here
//     over the real API's URL (https://eu.api.ovh.com/1.0/...), which is
//     what the client signs; a bad one is 400 INVALID_SIGNATURE;
//   - GET /1.0/domain/zone/{zone}/record?fieldType=&subDomain= lists record
//     IDs; GET, PUT and DELETE .../record/{id}; POST .../record creates;
//     POST .../refresh publishes: Values shows only what was refreshed, as
//     OVH's name servers serve only a refreshed zone;
//   - errors are {"class", "message", "errorCode", "httpCode"}: an unknown
//     zone or record 404, a value or TTL that is not valid 400.
type OVH struct {
	// URL is what the account's endpoint is set to.
	URL string
	// AppKey, AppSecret and ConsumerKey are the keys it accepts.
	AppKey, AppSecret, ConsumerKey string

	srv *httptest.Server

	mu        sync.Mutex
	nextID    int64
	recs      map[int64]*ovhFakeRecord
	published map[int64]ovhFakeRecord
	refreshes int
	base
}

type ovhFakeRecord struct {
	ID        int64  `json:"id"`
	Zone      string `json:"zone"`
	SubDomain string `json:"subDomain"`
	FieldType string `json:"fieldType"`
	Target    string `json:"target"`
	TTL       int64  `json:"ttl"`
}

// NewOVH starts the fake; the caller must Close it.
func NewOVH(appKey, appSecret, consumerKey string) *OVH {
	s := &OVH{AppKey: appKey, AppSecret: appSecret, ConsumerKey: consumerKey, nextID: 5_000_000_000,
		recs: map[int64]*ovhFakeRecord{}, published: map[int64]ovhFakeRecord{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *OVH) Close() { s.srv.Close() }

// Refreshes is the number of zone refreshes received.
func (s *OVH) Refreshes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refreshes
}

func ovhJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func ovhError(w http.ResponseWriter, status int, class, code, msg string) {
	ovhJSON(w, status, map[string]string{"class": class, "message": msg, "errorCode": code,
		"httpCode": strconv.Itoa(status) + " " + http.StatusText(status)})
}

var (
	ovhRecords = regexp.MustCompile(`^/1\.0/domain/zone/([^/]+)/record$`)
	ovhOne     = regexp.MustCompile(`^/1\.0/domain/zone/([^/]+)/record/(\d+)$`)
	ovhRefresh = regexp.MustCompile(`^/1\.0/domain/zone/([^/]+)/refresh$`)
	ovhSub     = regexp.MustCompile(`^([a-z0-9*_]([a-z0-9_-]*[a-z0-9])?)(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9])?)*$`)
)

func (s *OVH) serve(w http.ResponseWriter, r *http.Request) {
	if s.http.serve(w, r) {
		return
	}
	if r.URL.Path == "/1.0/auth/time" && r.Method == http.MethodGet {
		ovhJSON(w, http.StatusOK, time.Now().Unix())
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	switch {
	case r.Header.Get("X-Ovh-Application") != s.AppKey:
		ovhError(w, http.StatusForbidden, "Client::Forbidden", "INVALID_KEY", "Invalid application key")
		return
	case r.Header.Get("X-Ovh-Consumer") != s.ConsumerKey:
		ovhError(w, http.StatusForbidden, "Client::Forbidden", "INVALID_CREDENTIAL", "Invalid credential")
		return
	}
	ts := r.Header.Get("X-Ovh-Timestamp")
	if _, err := strconv.ParseInt(ts, 10, 64); err != nil {
		ovhError(w, http.StatusBadRequest, "Client::BadRequest", "INVALID_SIGNATURE", "Invalid signature")
		return
	}
	full := "https://eu.api.ovh.com" + r.URL.RequestURI()
	sum := sha1.Sum([]byte(s.AppSecret + "+" + s.ConsumerKey + "+" + r.Method + "+" + full + "+" + string(body) + "+" + ts))
	if r.Header.Get("X-Ovh-Signature") != "$1$"+hex.EncodeToString(sum[:]) {
		ovhError(w, http.StatusBadRequest, "Client::BadRequest", "INVALID_SIGNATURE", "Invalid signature")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := r.URL.Path
	zoneOf := func(re *regexp.Regexp) (string, []string, bool) {
		m := re.FindStringSubmatch(p)
		if m == nil {
			return "", nil, false
		}
		return m[1], m, true
	}
	if zone, _, ok := zoneOf(ovhRefresh); ok && r.Method == http.MethodPost {
		if zone != "example.com" {
			ovhError(w, http.StatusNotFound, "Client::NotFound", "", "This service does not exist")
			return
		}
		s.refreshes++
		s.published = map[int64]ovhFakeRecord{}
		for id, rec := range s.recs {
			s.published[id] = *rec
		}
		ovhJSON(w, http.StatusOK, nil)
		return
	}
	if zone, _, ok := zoneOf(ovhRecords); ok {
		if zone != "example.com" {
			ovhError(w, http.StatusNotFound, "Client::NotFound", "", "This service does not exist")
			return
		}
		switch r.Method {
		case http.MethodGet:
			q := r.URL.Query()
			ids := []int64{}
			for id, rec := range s.recs {
				if t := q.Get("fieldType"); t != "" && rec.FieldType != t {
					continue
				}
				if q.Has("subDomain") && rec.SubDomain != q.Get("subDomain") {
					continue
				}
				ids = append(ids, id)
			}
			sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
			ovhJSON(w, http.StatusOK, ids)
		case http.MethodPost:
			var in map[string]any
			if json.Unmarshal(body, &in) != nil {
				ovhError(w, http.StatusBadRequest, "Client::BadRequest", "", "Invalid JSON body")
				return
			}
			rec := ovhFakeRecord{Zone: zone}
			if bad := ovhApply(&rec, in, true); bad != "" {
				ovhError(w, http.StatusBadRequest, "Client::BadRequest", "", bad)
				return
			}
			s.wrote()
			s.nextID++
			rec.ID = s.nextID
			s.recs[rec.ID] = &rec
			ovhJSON(w, http.StatusOK, rec)
		default:
			ovhError(w, http.StatusMethodNotAllowed, "Client::MethodNotAllowed", "", "Method not allowed")
		}
		return
	}
	if zone, m, ok := zoneOf(ovhOne); ok {
		id, _ := strconv.ParseInt(m[2], 10, 64)
		rec, found := s.recs[id]
		if zone != "example.com" || !found {
			ovhError(w, http.StatusNotFound, "Client::NotFound", "", "This service does not exist")
			return
		}
		switch r.Method {
		case http.MethodGet:
			ovhJSON(w, http.StatusOK, rec)
		case http.MethodPut:
			var in map[string]any
			if json.Unmarshal(body, &in) != nil {
				ovhError(w, http.StatusBadRequest, "Client::BadRequest", "", "Invalid JSON body")
				return
			}
			upd := *rec
			if bad := ovhApply(&upd, in, false); bad != "" {
				ovhError(w, http.StatusBadRequest, "Client::BadRequest", "", bad)
				return
			}
			s.wrote()
			*rec = upd
			ovhJSON(w, http.StatusOK, nil)
		case http.MethodDelete:
			s.wrote()
			delete(s.recs, id)
			ovhJSON(w, http.StatusOK, nil)
		default:
			ovhError(w, http.StatusMethodNotAllowed, "Client::MethodNotAllowed", "", "Method not allowed")
		}
		return
	}
	ovhError(w, http.StatusNotFound, "Client::NotFound", "", "Got an invalid (or empty) URL")
}

// ovhApply sets the fields of in on rec (fieldType only on create) and
// validates the result; it returns what is wrong, or "".
func ovhApply(rec *ovhFakeRecord, in map[string]any, create bool) string {
	for k, v := range in {
		switch k {
		case "fieldType":
			if !create {
				return "fieldType cannot be changed"
			}
			rec.FieldType, _ = v.(string)
		case "subDomain":
			rec.SubDomain, _ = v.(string)
		case "target":
			rec.Target, _ = v.(string)
		case "ttl":
			f, ok := v.(float64)
			if !ok || f != float64(int64(f)) {
				return "ttl must be an integer"
			}
			rec.TTL = int64(f)
		default:
			return fmt.Sprintf("Invalid property %q", k)
		}
	}
	if rec.SubDomain != "" && !ovhSub.MatchString(rec.SubDomain) {
		return "Invalid subDomain"
	}
	if rec.TTL != 0 && rec.TTL < 60 {
		return "TTL must be 0 (the zone's default) or at least 60"
	}
	a, err := netip.ParseAddr(rec.Target)
	switch rec.FieldType {
	case "A":
		if err != nil || !a.Is4() {
			return "Invalid IPv4 target"
		}
	case "AAAA":
		if err != nil || !a.Is6() || a.Is4In6() {
			return "Invalid IPv6 target"
		}
	default:
		return "the fake holds A and AAAA records only"
	}
	return ""
}

func (s *OVH) split(fqdn string) (string, bool) {
	if fqdn == "example.com" {
		return "", true
	}
	sub, ok := strings.CutSuffix(fqdn, ".example.com")
	return sub, ok
}

// Endpoint is URL (for Fake).
func (s *OVH) Endpoint() string { return s.URL }

// Seed adds a published record (for Fake).
func (s *OVH) Seed(fqdn, typ, value string, ttl int) {
	sub, ok := s.split(fqdn)
	if !ok {
		panic("ovh fake: " + fqdn + " is not in example.com")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	rec := ovhFakeRecord{ID: s.nextID, Zone: "example.com", SubDomain: sub, FieldType: typ, Target: value, TTL: int64(ttl)}
	s.recs[rec.ID] = &rec
	s.published[rec.ID] = rec
}

// Values lists fqdn's published records of typ as "VALUE TTL" (for Fake).
func (s *OVH) Values(fqdn, typ string) []string {
	out := []string{}
	sub, ok := s.split(fqdn)
	if !ok {
		return out
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.published {
		if r.SubDomain == sub && r.FieldType == typ {
			out = append(out, fmt.Sprintf("%s %d", r.Target, r.TTL))
		}
	}
	return sorted(out)
}
