package providertest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// Gandi is a running fake of Gandi's LiveDNS API v5 (api.gandi.net/docs/
// livedns) serving one domain. It answers as the real API does: a personal
// access token in "Authorization: Bearer ..." (missing or wrong: 401
// {"code": 401, "message": ..., "object": "HTTPUnauthorized", "cause":
// "Unauthorized"}); GET /v5/livedns/domains/{fqdn} gives the domain with
// its domain_records_href (on the real host, as the API writes it); GET
// .../records lists RRsets {rrset_name, rrset_type, rrset_ttl,
// rrset_values, rrset_href}; GET .../records/{name}/{type} one RRset or 404;
// PUT .../records/{name}/{type} with {rrset_ttl, rrset_values} replaces
// the RRset (201 {"message": "DNS Record Created"}); DELETE removes it
// (204). A TTL outside 300..2592000, an empty or malformed value list, a
// name or type in the body that differs from the path, or an unknown field
// is 400 with {"code", "message", "object": "BadRequest", "cause",
// "errors": [...]}. Names are relative, "@" for the apex.
type Gandi struct {
	httpFake
	zoneStore
	base
	token string
}

// NewGandi starts a fake that accepts token and serves domain; the caller
// must Close it.
func NewGandi(token, domain string) *Gandi {
	f := &Gandi{token: token, zoneStore: zoneStore{zone: domain}}
	f.start(f.serve)
	return f
}

func gandiJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func gandiError(w http.ResponseWriter, status int, object, cause, msg string) {
	gandiJSON(w, status, map[string]any{"code": status, "message": msg, "object": object, "cause": cause})
}

func (f *Gandi) href() string {
	return "https://api.gandi.net/v5/livedns/domains/" + f.zone + "/records"
}

func (f *Gandi) rrset(name, typ string) map[string]any {
	values := []string{}
	ttl := 0
	for _, r := range f.of(name, typ) {
		values = append(values, r.Value)
		ttl = r.TTL
	}
	return map[string]any{"rrset_name": name, "rrset_type": typ, "rrset_ttl": ttl, "rrset_values": values,
		"rrset_href": f.href() + "/" + url.PathEscape(name) + "/" + typ}
}

func (f *Gandi) serve(w http.ResponseWriter, r *http.Request) {
	f.logCall(r.Method + " " + r.URL.Path)
	if f.http.serve(w, r) {
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		gandiError(w, http.StatusUnauthorized, "HTTPUnauthorized", "Unauthorized",
			"The server could not verify that you authorized to access the document you requested.")
		return
	}
	domainPath := "/v5/livedns/domains/" + f.zone
	f.mu.Lock()
	defer f.mu.Unlock()
	switch rest, ok := strings.CutPrefix(r.URL.Path, domainPath); {
	case !ok:
		gandiError(w, http.StatusNotFound, "HTTPNotFound", "Not Found", "The requested URL was not found on the server.")
	case rest == "" && r.Method == http.MethodGet:
		gandiJSON(w, http.StatusOK, map[string]any{"fqdn": f.zone, "automatic_snapshots": true,
			"domain_href":         "https://api.gandi.net/v5/livedns/domains/" + f.zone,
			"domain_keys_href":    "https://api.gandi.net/v5/livedns/domains/" + f.zone + "/keys",
			"domain_records_href": f.href()})
	case rest == "/records" && r.Method == http.MethodGet:
		out := []map[string]any{}
		seen := map[string]bool{}
		for _, rec := range f.records {
			if k := rec.Name + " " + rec.Type; !seen[k] {
				seen[k] = true
				out = append(out, f.rrset(rec.Name, rec.Type))
			}
		}
		gandiJSON(w, http.StatusOK, out)
	case strings.HasPrefix(rest, "/records/"):
		parts := strings.Split(strings.TrimPrefix(rest, "/records/"), "/")
		if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
			gandiError(w, http.StatusNotFound, "HTTPNotFound", "Not Found", "The requested URL was not found on the server.")
			return
		}
		name, typ := parts[0], parts[1]
		f.one(w, r, name, typ)
	default:
		gandiError(w, http.StatusMethodNotAllowed, "HTTPMethodNotAllowed", "Method Not Allowed", "The method is not allowed for the requested URL.")
	}
}

func (f *Gandi) one(w http.ResponseWriter, r *http.Request, name, typ string) {
	switch r.Method {
	case http.MethodGet:
		if len(f.of(name, typ)) == 0 {
			gandiError(w, http.StatusNotFound, "dns-record", "Not Found", "Can't find the DNS record "+name+"/"+typ+" in LiveDNS")
			return
		}
		gandiJSON(w, http.StatusOK, f.rrset(name, typ))
	case http.MethodDelete:
		if f.remove(func(rec *storedRecord) bool { return rec.Name == name && rec.Type == typ }) == 0 {
			gandiError(w, http.StatusNotFound, "dns-record", "Not Found", "Can't find the DNS record "+name+"/"+typ+" in LiveDNS")
			return
		}
		f.wrote()
		w.WriteHeader(http.StatusNoContent)
	case http.MethodPut:
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			gandiError(w, http.StatusUnsupportedMediaType, "HTTPUnsupportedMediaType", "Unsupported Media Type", "expected application/json")
			return
		}
		var body struct {
			Name   *string  `json:"rrset_name"`
			Type   *string  `json:"rrset_type"`
			Href   *string  `json:"rrset_href"`
			TTL    int      `json:"rrset_ttl"`
			Values []string `json:"rrset_values"`
		}
		raw, _ := io.ReadAll(r.Body)
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.DisallowUnknownFields()
		bad := func(msg string) {
			gandiJSON(w, http.StatusBadRequest, map[string]any{"code": 400, "message": "Validation error", "object": "BadRequest",
				"cause": "Bad Request", "errors": []map[string]string{{"location": "body", "name": "rrset", "description": msg}}})
		}
		if err := dec.Decode(&body); err != nil {
			bad("not a valid RRset: " + err.Error())
			return
		}
		if (body.Name != nil && *body.Name != name) || (body.Type != nil && *body.Type != typ) {
			bad("rrset_name and rrset_type must match the URL")
			return
		}
		if body.TTL != 0 && (body.TTL < 300 || body.TTL > 2592000) {
			bad("rrset_ttl must be between 300 and 2592000")
			return
		}
		if len(body.Values) == 0 {
			bad("rrset_values must not be empty")
			return
		}
		for _, v := range body.Values {
			a, err := netip.ParseAddr(v)
			if (typ == "A" && (err != nil || !a.Is4())) || (typ == "AAAA" && (err != nil || !a.Is6() || a.Is4In6())) {
				bad("invalid value for a " + typ + " record: " + v)
				return
			}
		}
		ttl := body.TTL
		if ttl == 0 {
			ttl = 10800 // the API's default
		}
		f.remove(func(rec *storedRecord) bool { return rec.Name == name && rec.Type == typ })
		for _, v := range body.Values {
			f.add(name, typ, v, ttl)
		}
		f.wrote()
		gandiJSON(w, http.StatusCreated, map[string]string{"message": "DNS Record Created"})
	default:
		gandiError(w, http.StatusMethodNotAllowed, "HTTPMethodNotAllowed", "Method Not Allowed", "The method is not allowed for the requested URL.")
	}
}
