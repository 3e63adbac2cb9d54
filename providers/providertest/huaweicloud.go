package providertest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// Huaweicloud is a running fake of Huawei Cloud DNS API v2 (its API
// Reference: "Querying Public Zones", "Querying Record Sets in a Zone",
// "Creating a Record Set", "Modifying a Record Set", "Deleting a Record
// Set", and "AK/SK-based Authentication" for the signature), serving the
// zone example.com:
//   - every request is signed SDK-HMAC-SHA256: Authorization
//     "SDK-HMAC-SHA256 Access=AK, SignedHeaders=h1;h2, Signature=HEX" over
//     the canonical request (method, the path's segments URI-encoded and
//     ending in "/", the query sorted and encoded, the signed headers
//     lower-cased and trimmed, the SHA-256 of the body) and X-Sdk-Date
//     (YYYYMMDDTHHMMSSZ, within 15 minutes). The signature is verified
//     with the account's secret over the real API host, which is what the
//     client signs; a bad one is 401 {"error_code": "APIGW.0301",
//     "error_msg", "request_id"};
//   - GET /v2/zones?name=&search_mode=equal lists zones, names with a
//     trailing dot;
//   - GET /v2/zones/{id}/recordsets[?name=&type=&search_mode=equal] lists
//     record sets ({"links", "recordsets", "metadata": {"total_count"}}, 500
//     a page), the zone's SOA and NS sets among them;
//   - POST /v2/zones/{id}/recordsets creates a set (one per name and type:
//     a second is 400 DNS.0312), PUT .../recordsets/{id} replaces its TTL
//     and values, DELETE removes it; each answers 202 with the set;
//   - a name or value that is not valid is 400 {"code", "message"}, an
//     unknown zone or set 404.
//
// A name and type is one record set holding every value: Seed of a second
// value adds it to the set.
type Huaweicloud struct {
	// URL is what the account's endpoint is set to.
	URL string
	// KeyID is the AccessKey ID the fake accepts.
	KeyID string
	// Host is the API host the client signs.
	Host string

	srv    *httptest.Server
	secret string

	mu     sync.Mutex
	nextID int
	zoneID string
	sets   map[string]*hwSet // by ID
	base
}

type hwSet struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Type    string   `json:"type"`
	TTL     int      `json:"ttl"`
	Records []string `json:"records"`
	Status  string   `json:"status"`
	ZoneID  string   `json:"zone_id"`
	Zone    string   `json:"zone_name"`
	Default bool     `json:"default"`
}

// NewHuaweicloud starts a fake that accepts keyID with secret for the
// default region's host; the caller must Close it.
func NewHuaweicloud(keyID, secret string) *Huaweicloud {
	s := &Huaweicloud{KeyID: keyID, secret: secret, Host: "dns.cn-south-1.myhuaweicloud.com",
		zoneID: "ff8080825b8fc86c015b94bc6f8712c3", sets: map[string]*hwSet{}}
	s.addLocked("example.com.", "SOA", 300, []string{"ns1.huaweicloud-dns.com. hostmaster.example.com. (1 7200 900 1209600 300)"}, true)
	s.addLocked("example.com.", "NS", 172800, []string{"ns1.huaweicloud-dns.com.", "ns1.huaweicloud-dns.cn."}, true)
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Huaweicloud) Close() { s.srv.Close() }

func (s *Huaweicloud) addLocked(name, typ string, ttl int, values []string, dflt bool) *hwSet {
	s.nextID++
	set := &hwSet{ID: fmt.Sprintf("ff80808%025x", s.nextID), Name: name, Type: typ, TTL: ttl, Records: values,
		Status: "ACTIVE", ZoneID: s.zoneID, Zone: "example.com.", Default: dflt}
	s.sets[set.ID] = set
	return set
}

func hwJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func hwGatewayError(w http.ResponseWriter, status int, code, msg string) {
	hwJSON(w, status, map[string]string{"error_code": code, "error_msg": msg, "request_id": "0f1c2d3e4b5a69788796a5b4c3d2e1f0"})
}

func hwError(w http.ResponseWriter, status int, code, msg string) {
	hwJSON(w, status, map[string]string{"code": code, "message": msg})
}

// hwEscape is the URI encoding of the signing guide: every byte but
// A-Z a-z 0-9 - _ . ~ as %XX with upper-case hex.
func hwEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

var hwAuth = regexp.MustCompile(`^SDK-HMAC-SHA256 Access=([^,\s]+), SignedHeaders=([^,\s]+), Signature=([0-9a-f]{64})$`)

// verify checks r's signature as the signing guide describes, computed
// here from the request the server received.
func (s *Huaweicloud) verify(r *http.Request, body []byte) (ok bool, why string) {
	m := hwAuth.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		return false, "the Authorization header is not an SDK-HMAC-SHA256 signature"
	}
	if m[1] != s.KeyID {
		return false, "unknown AccessKey"
	}
	date := r.Header.Get("X-Sdk-Date")
	t, err := time.Parse("20060102T150405Z", date)
	if err != nil || time.Since(t).Abs() > 15*time.Minute {
		return false, "X-Sdk-Date is missing or more than 15 minutes off"
	}
	signed := strings.Split(m[2], ";")
	if !sort.StringsAreSorted(signed) || !containsString(signed, "x-sdk-date") {
		return false, "SignedHeaders must be sorted and include x-sdk-date"
	}
	segs := strings.Split(r.URL.Path, "/")
	for i, seg := range segs {
		segs[i] = hwEscape(seg)
	}
	uri := strings.Join(segs, "/")
	if !strings.HasSuffix(uri, "/") {
		uri += "/"
	}
	q := r.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var pairs []string
	for _, k := range keys {
		vs := append([]string(nil), q[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			pairs = append(pairs, hwEscape(k)+"="+hwEscape(v))
		}
	}
	var hdrs strings.Builder
	for _, h := range signed {
		v := r.Header.Get(h)
		if h == "host" {
			v = s.Host // the client signs the real host
		}
		hdrs.WriteString(h + ":" + strings.TrimSpace(v) + "\n")
	}
	payload := sha256.Sum256(body)
	canonical := strings.Join([]string{r.Method, uri, strings.Join(pairs, "&"), hdrs.String(), m[2], hex.EncodeToString(payload[:])}, "\n")
	digest := sha256.Sum256([]byte(canonical))
	toSign := "SDK-HMAC-SHA256\n" + date + "\n" + hex.EncodeToString(digest[:])
	mac := hmac.New(sha256.New, []byte(s.secret))
	mac.Write([]byte(toSign))
	if !hmac.Equal([]byte(hex.EncodeToString(mac.Sum(nil))), []byte(m[3])) {
		return false, "the signature does not match"
	}
	return true, ""
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

var (
	hwZones = regexp.MustCompile(`^/v2/zones$`)
	hwSets  = regexp.MustCompile(`^/v2/zones/([0-9a-f]+)/recordsets$`)
	hwOne   = regexp.MustCompile(`^/v2/zones/([0-9a-f]+)/recordsets/([0-9a-f]+)$`)
	hwLabel = regexp.MustCompile(`^([a-z0-9*]([a-z0-9-]*[a-z0-9])?\.)+$`)
)

func (s *Huaweicloud) serve(w http.ResponseWriter, r *http.Request) {
	if s.http.serve(w, r) {
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if ok, why := s.verify(r, body); !ok {
		hwGatewayError(w, http.StatusUnauthorized, "APIGW.0301", "Incorrect IAM authentication information: "+why)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := r.URL.Path
	q := r.URL.Query()
	switch {
	case hwZones.MatchString(p) && r.Method == http.MethodGet:
		zones := []map[string]any{}
		name := strings.TrimSuffix(strings.ToLower(q.Get("name")), ".")
		if name == "" || name == "example.com" || (q.Get("search_mode") != "equal" && strings.Contains("example.com", name)) {
			zones = append(zones, map[string]any{"id": s.zoneID, "name": "example.com.", "zone_type": "public", "status": "ACTIVE", "ttl": 300, "record_num": len(s.sets)})
		}
		hwJSON(w, http.StatusOK, map[string]any{"links": map[string]string{"self": "https://" + s.Host + "/v2/zones"}, "zones": zones, "metadata": map[string]int{"total_count": len(zones)}})
		return
	}
	if m := hwSets.FindStringSubmatch(p); m != nil {
		if m[1] != s.zoneID {
			hwError(w, http.StatusNotFound, "DNS.0101", "The zone does not exist.")
			return
		}
		switch r.Method {
		case http.MethodGet:
			var list []*hwSet
			for _, set := range s.sets {
				if n := q.Get("name"); n != "" {
					if q.Get("search_mode") == "equal" {
						if !strings.EqualFold(strings.TrimSuffix(set.Name, "."), strings.TrimSuffix(n, ".")) {
							continue
						}
					} else if !strings.Contains(set.Name, strings.ToLower(n)) {
						continue
					}
				}
				if t := q.Get("type"); t != "" && set.Type != t {
					continue
				}
				list = append(list, set)
			}
			sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
			total := len(list)
			if len(list) > 500 {
				list = list[:500]
			}
			hwJSON(w, http.StatusOK, map[string]any{"links": map[string]string{"self": "https://" + s.Host + p}, "recordsets": list, "metadata": map[string]int{"total_count": total}})
		case http.MethodPost:
			var in hwSet
			if json.Unmarshal(body, &in) != nil {
				hwError(w, http.StatusBadRequest, "DNS.0303", "The request body is invalid.")
				return
			}
			in.Name = strings.ToLower(in.Name)
			if !strings.HasSuffix(in.Name, ".") {
				in.Name += "."
			}
			if why := hwValidate(&in); why != "" {
				hwError(w, http.StatusBadRequest, "DNS.0303", why)
				return
			}
			for _, set := range s.sets {
				if set.Name == in.Name && set.Type == in.Type {
					hwError(w, http.StatusBadRequest, "DNS.0312", "The record set already exists.")
					return
				}
			}
			s.wrote()
			if in.TTL == 0 {
				in.TTL = 300
			}
			set := s.addLocked(in.Name, in.Type, in.TTL, in.Records, false)
			hwJSON(w, http.StatusAccepted, set)
		default:
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
		return
	}
	if m := hwOne.FindStringSubmatch(p); m != nil {
		set, ok := s.sets[m[2]]
		if m[1] != s.zoneID || !ok {
			hwError(w, http.StatusNotFound, "DNS.0304", "The record set does not exist.")
			return
		}
		switch r.Method {
		case http.MethodGet:
			hwJSON(w, http.StatusOK, set)
		case http.MethodPut:
			var in hwSet
			if json.Unmarshal(body, &in) != nil {
				hwError(w, http.StatusBadRequest, "DNS.0303", "The request body is invalid.")
				return
			}
			upd := *set
			if in.Name != "" && !strings.EqualFold(strings.TrimSuffix(in.Name, "."), strings.TrimSuffix(set.Name, ".")) {
				hwError(w, http.StatusBadRequest, "DNS.0303", "The record set name cannot be changed.")
				return
			}
			if in.TTL != 0 {
				upd.TTL = in.TTL
			}
			if in.Records != nil {
				upd.Records = in.Records
			}
			if why := hwValidate(&upd); why != "" {
				hwError(w, http.StatusBadRequest, "DNS.0303", why)
				return
			}
			s.wrote()
			*set = upd
			hwJSON(w, http.StatusAccepted, set)
		case http.MethodDelete:
			if set.Default {
				hwError(w, http.StatusBadRequest, "DNS.0305", "A default record set cannot be deleted.")
				return
			}
			s.wrote()
			delete(s.sets, set.ID)
			hwJSON(w, http.StatusAccepted, set)
		default:
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
		return
	}
	hwError(w, http.StatusNotFound, "DNS.0001", "No such resource.")
}

// hwValidate checks an A or AAAA record set as the API does.
func hwValidate(set *hwSet) string {
	if !hwLabel.MatchString(set.Name) || (set.Name != "example.com." && !strings.HasSuffix(set.Name, ".example.com.")) {
		return "The record set name is invalid."
	}
	if set.TTL < 0 || set.TTL > 2147483647 {
		return "The TTL is invalid."
	}
	if len(set.Records) == 0 {
		return "The records are empty."
	}
	for _, v := range set.Records {
		a, err := netip.ParseAddr(v)
		switch set.Type {
		case "A":
			if err != nil || !a.Is4() {
				return "The record value is not an IPv4 address."
			}
		case "AAAA":
			if err != nil || !a.Is6() || a.Is4In6() {
				return "The record value is not an IPv6 address."
			}
		default:
			return "The fake holds A and AAAA record sets only."
		}
	}
	return ""
}

// Endpoint is URL (for Fake).
func (s *Huaweicloud) Endpoint() string { return s.URL }

// Seed adds value to fqdn's record set of typ, creating it (for Fake).
func (s *Huaweicloud) Seed(fqdn, typ, value string, ttl int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, set := range s.sets {
		if set.Name == fqdn+"." && set.Type == typ {
			set.Records = append(set.Records, value)
			return
		}
	}
	s.addLocked(fqdn+".", typ, ttl, []string{value}, false)
}

// Values lists fqdn's values of typ as "VALUE TTL" (for Fake).
func (s *Huaweicloud) Values(fqdn, typ string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []string{}
	for _, set := range s.sets {
		if set.Name == fqdn+"." && set.Type == typ {
			for _, v := range set.Records {
				out = append(out, fmt.Sprintf("%s %d", v, set.TTL))
			}
		}
	}
	return sorted(out)
}
