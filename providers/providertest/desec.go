package providertest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// Desec is a running fake of the deSEC DNS API v1 (desec.readthedocs.io,
// "Domain Management" and "Retrieving and Creating DNS Records") serving
// one domain. It answers as the real API does: token auth in
// "Authorization: Token ..." (missing or wrong: 401 {"detail": "Invalid
// token."}); GET /api/v1/domains/{name}/rrsets/ lists every RRset as
// {subname, name, type, records, ttl, ...}; GET .../rrsets/{subname}/{type}/
// (subname "@" for the apex) gives one RRset or 404 {"detail": "Not
// found."}; PUT .../rrsets/ with a JSON array replaces each listed RRset,
// an empty records list deleting it, and answers 200 with the RRsets that
// remain; a TTL below the domain's minimum_ttl (3600) or above 86400, an
// unknown field, a bad A/AAAA value or a missing subname/type is 400 with
// per-RRset field errors, and nothing is written. Other paths are 404, other
// methods 405. Records of an RRset share its TTL.
type Desec struct {
	httpFake
	zoneStore
	base
	token string
}

// NewDesec starts a fake that accepts token and serves domain; the caller
// must Close it.
func NewDesec(token, domain string) *Desec {
	f := &Desec{token: token, zoneStore: zoneStore{zone: domain}}
	f.start(f.serve)
	return f
}

type desecRRset struct {
	Subname *string  `json:"subname"`
	Type    string   `json:"type"`
	Records []string `json:"records"`
	TTL     int      `json:"ttl,omitempty"`
}

func (f *Desec) rrsetJSON(name, typ string) map[string]any {
	recs := f.of(name, typ)
	values := []string{}
	ttl := 0
	for _, r := range recs {
		values = append(values, r.Value)
		ttl = r.TTL
	}
	sub := name
	fq := name + "." + f.zone + "."
	if name == "@" {
		sub, fq = "", f.zone+"."
	}
	return map[string]any{"created": "2026-01-01T00:00:00.000000Z", "domain": f.zone, "subname": sub, "name": fq,
		"type": typ, "records": values, "ttl": ttl, "touched": "2026-01-01T00:00:00.000000Z"}
}

func desecJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (f *Desec) serve(w http.ResponseWriter, r *http.Request) {
	f.logCall(r.Method + " " + r.URL.Path)
	if f.http.serve(w, r) {
		return
	}
	if r.Header.Get("Authorization") != "Token "+f.token {
		desecJSON(w, http.StatusUnauthorized, map[string]string{"detail": "Invalid token."})
		return
	}
	prefix := "/api/v1/domains/" + f.zone + "/rrsets/"
	rest, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok {
		desecJSON(w, http.StatusNotFound, map[string]string{"detail": "Not found."})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case rest == "" && r.Method == http.MethodGet:
		out := []map[string]any{}
		seen := map[string]bool{}
		for _, rec := range f.records {
			if k := rec.Name + " " + rec.Type; !seen[k] {
				seen[k] = true
				out = append(out, f.rrsetJSON(rec.Name, rec.Type))
			}
		}
		desecJSON(w, http.StatusOK, out)
	case rest == "" && r.Method == http.MethodPut:
		f.bulk(w, r)
	case rest == "":
		desecJSON(w, http.StatusMethodNotAllowed, map[string]string{"detail": "Method \"" + r.Method + "\" not allowed."})
	default:
		// {subname}/{type}/; the trailing slash of the documented form is
		// optional here, as the library leaves it out.
		parts := strings.Split(strings.TrimSuffix(rest, "/"), "/")
		if len(parts) != 2 || r.Method != http.MethodGet {
			desecJSON(w, http.StatusNotFound, map[string]string{"detail": "Not found."})
			return
		}
		sub, _ := url.PathUnescape(parts[0])
		if len(f.of(sub, parts[1])) == 0 {
			desecJSON(w, http.StatusNotFound, map[string]string{"detail": "Not found."})
			return
		}
		desecJSON(w, http.StatusOK, f.rrsetJSON(sub, parts[1]))
	}
}

// bulk is PUT .../rrsets/: every RRset is checked before any is written.
func (f *Desec) bulk(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		desecJSON(w, http.StatusUnsupportedMediaType, map[string]string{"detail": "Unsupported media type \"" + ct + "\" in request."})
		return
	}
	body, _ := io.ReadAll(r.Body)
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	var sets []desecRRset
	if err := dec.Decode(&sets); err != nil {
		desecJSON(w, http.StatusBadRequest, map[string]any{"non_field_errors": []string{"Invalid data: " + err.Error()}})
		return
	}
	errs := make([]map[string][]string, len(sets))
	bad := false
	for i, s := range sets {
		e := map[string][]string{}
		if s.Subname == nil {
			e["subname"] = []string{"This field is required."}
		}
		if s.Type == "" {
			e["type"] = []string{"This field is required."}
		}
		if len(s.Records) > 0 && (s.TTL < 3600 || s.TTL > 86400) {
			e["ttl"] = []string{"Ensure this value is greater than or equal to 3600 and at most 86400."}
		}
		for _, v := range s.Records {
			a, err := netip.ParseAddr(v)
			if (s.Type == "A" && (err != nil || !a.Is4())) || (s.Type == "AAAA" && (err != nil || !a.Is6() || a.Is4In6())) {
				e["records"] = []string{"Record content for type " + s.Type + " malformed: " + v}
			}
		}
		if len(e) > 0 {
			bad = true
		}
		errs[i] = e
	}
	if bad {
		desecJSON(w, http.StatusBadRequest, errs)
		return
	}
	f.wrote()
	out := []map[string]any{}
	for _, s := range sets {
		name := *s.Subname
		if name == "" {
			name = "@"
		}
		f.remove(func(rec *storedRecord) bool { return strings.EqualFold(rec.Name, name) && rec.Type == s.Type })
		for _, v := range s.Records {
			f.add(name, s.Type, v, s.TTL)
		}
		if len(s.Records) > 0 {
			out = append(out, f.rrsetJSON(name, s.Type))
		}
	}
	desecJSON(w, http.StatusOK, out)
}
