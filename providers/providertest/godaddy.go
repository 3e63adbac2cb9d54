package providertest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/netip"
	"strings"
)

// GoDaddy is a running fake of the GoDaddy Domains API v1 records calls
// (developer.godaddy.com/doc/endpoint/domains) for one domain. It answers
// as the real API does: "Authorization: sso-key KEY:SECRET" (missing or
// malformed: 401 {"code": "MALFORMED_CREDENTIALS"}; a wrong key or secret:
// 401 {"code": "UNABLE_TO_AUTHENTICATE"}); GET
// /v1/domains/{domain}/records/{type}/{name} lists that name's records of
// that type as [{"data", "name", "ttl", "type"}] ([] when there are none);
// PUT of the same path with [{"data", "ttl"}] replaces them all (200, no
// body); DELETE removes them (204; 404 {"code": "NOT_FOUND"} when there are
// none); another domain is 404 {"code": "UNKNOWN_DOMAIN"}; a body that is
// not a JSON array of records, has an unknown field, a TTL below 600 or a
// bad A/AAAA value is 422 {"code": "INVALID_BODY", "fields": [...]}.
type GoDaddy struct {
	httpFake
	zoneStore
	base
	key, secret string
}

// NewGoDaddy starts a fake that accepts key and secret and serves domain;
// the caller must Close it.
func NewGoDaddy(key, secret, domain string) *GoDaddy {
	f := &GoDaddy{key: key, secret: secret, zoneStore: zoneStore{zone: domain}}
	f.start(f.serve)
	return f
}

func gdJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func gdError(w http.ResponseWriter, status int, code, msg string) {
	gdJSON(w, status, map[string]any{"code": code, "message": msg})
}

func (f *GoDaddy) serve(w http.ResponseWriter, r *http.Request) {
	f.logCall(r.Method + " " + r.URL.Path)
	if f.http.serve(w, r) {
		return
	}
	cred, ok := strings.CutPrefix(r.Header.Get("Authorization"), "sso-key ")
	key, secret, ok2 := strings.Cut(cred, ":")
	if !ok || !ok2 || key == "" || secret == "" {
		gdError(w, http.StatusUnauthorized, "MALFORMED_CREDENTIALS", "Unauthorized : Could not authenticate API key/secret")
		return
	}
	if key != f.key || secret != f.secret {
		gdError(w, http.StatusUnauthorized, "UNABLE_TO_AUTHENTICATE", "Unable to authenticate credentials")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/v1/domains/")
	parts := strings.Split(rest, "/")
	if !ok || len(parts) != 4 || parts[1] != "records" {
		gdError(w, http.StatusNotFound, "NOT_FOUND", "The requested resource was not found")
		return
	}
	if parts[0] != f.zone {
		gdError(w, http.StatusNotFound, "UNKNOWN_DOMAIN", "The given domain is not registered, or does not have a zone file")
		return
	}
	typ, name := parts[2], parts[3]
	f.mu.Lock()
	defer f.mu.Unlock()
	switch r.Method {
	case http.MethodGet:
		out := []map[string]any{}
		for _, rec := range f.of(name, typ) {
			out = append(out, map[string]any{"data": rec.Value, "name": rec.Name, "ttl": rec.TTL, "type": rec.Type})
		}
		gdJSON(w, http.StatusOK, out)
	case http.MethodPut:
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			gdError(w, http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "expected application/json")
			return
		}
		raw, _ := io.ReadAll(r.Body)
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.DisallowUnknownFields()
		var in []struct {
			Data string `json:"data"`
			TTL  int    `json:"ttl"`
		}
		invalid := func(path, msg string) {
			gdJSON(w, http.StatusUnprocessableEntity, map[string]any{"code": "INVALID_BODY",
				"message": "Request body doesn't fulfill schema, see details in `fields`",
				"fields":  []map[string]string{{"code": "UNEXPECTED_TYPE", "message": msg, "path": path}}})
		}
		if err := dec.Decode(&in); err != nil {
			invalid("records", "is not an array of records: "+err.Error())
			return
		}
		for _, x := range in {
			a, err := netip.ParseAddr(x.Data)
			switch {
			case x.TTL != 0 && x.TTL < 600:
				invalid("records[].ttl", "must be at least 600")
				return
			case (typ == "A" && (err != nil || !a.Is4())) || (typ == "AAAA" && (err != nil || !a.Is6() || a.Is4In6())):
				invalid("records[].data", "is not a valid "+typ+" value")
				return
			}
		}
		f.remove(func(rec *storedRecord) bool { return rec.Name == name && rec.Type == typ })
		for _, x := range in {
			ttl := x.TTL
			if ttl == 0 {
				ttl = 3600
			}
			f.add(name, typ, x.Data, ttl)
		}
		f.wrote()
		w.WriteHeader(http.StatusOK)
	case http.MethodDelete:
		if f.remove(func(rec *storedRecord) bool { return rec.Name == name && rec.Type == typ }) == 0 {
			gdError(w, http.StatusNotFound, "NOT_FOUND", "The given domain does not have records of this name and type")
			return
		}
		f.wrote()
		w.WriteHeader(http.StatusNoContent)
	default:
		gdError(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "Method not allowed")
	}
}
