package providertest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
)

// Porkbun is a running fake of the Porkbun API v3 DNS calls
// (porkbun.com/api/json/v3/documentation) for one domain. It answers as the
// real API does: every call is a POST under /api/json/v3 whose JSON body
// carries "apikey" and "secretapikey" (missing or wrong: HTTP 400
// {"status": "ERROR", "message": "Invalid API key. (002)"}); another
// domain is 400 "Domain is not opted in to API access."; POST
// /dns/retrieveByNameType/{domain}/{type}[/{subdomain}] lists
// {"status": "SUCCESS", "records": [{"id", "name" (the full name), "type",
// "content", "ttl" (a string), "prio", "notes"}]}; /dns/create/{domain}
// takes {"name" (the subdomain, "" for the apex), "type", "content", "ttl"}
// and answers {"status": "SUCCESS", "id": N}; /dns/edit/{domain}/{id} takes
// the same body; /dns/delete/{domain}/{id}; an unknown ID, an unknown
// field, a TTL that is not a string of digits, or a bad A/AAAA content is
// 400 with status ERROR, and TTLs below 600 are raised to 600.
type Porkbun struct {
	httpFake
	zoneStore
	base
	key, secret string
}

// NewPorkbun starts a fake that accepts the API key and secret key and
// serves domain; the caller must Close it.
func NewPorkbun(key, secret, domain string) *Porkbun {
	f := &Porkbun{key: key, secret: secret, zoneStore: zoneStore{zone: domain}}
	f.start(f.serve)
	return f
}

func pbJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func pbError(w http.ResponseWriter, msg string) {
	pbJSON(w, http.StatusBadRequest, map[string]string{"status": "ERROR", "message": msg})
}

type pbBody struct {
	APIKey       string  `json:"apikey"`
	SecretAPIKey string  `json:"secretapikey"`
	Name         *string `json:"name"`
	Type         string  `json:"type"`
	Content      string  `json:"content"`
	TTL          string  `json:"ttl"`
	Prio         string  `json:"prio"`
	Notes        string  `json:"notes"`
}

func (f *Porkbun) serve(w http.ResponseWriter, r *http.Request) {
	f.logCall(r.Method + " " + r.URL.Path)
	if f.http.serve(w, r) {
		return
	}
	if r.Method != http.MethodPost {
		pbJSON(w, http.StatusMethodNotAllowed, map[string]string{"status": "ERROR", "message": "Method not allowed."})
		return
	}
	raw, _ := io.ReadAll(r.Body)
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	var in pbBody
	if err := dec.Decode(&in); err != nil {
		pbError(w, "Could not parse the request body: "+err.Error())
		return
	}
	if in.APIKey != f.key || in.SecretAPIKey != f.secret || f.key == "" {
		pbError(w, "Invalid API key. (002)")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/api/json/v3/dns/")
	parts := strings.Split(rest, "/")
	if !ok || len(parts) < 2 {
		pbJSON(w, http.StatusNotFound, map[string]string{"status": "ERROR", "message": "Endpoint not found."})
		return
	}
	if parts[1] != f.zone {
		pbError(w, "Domain is not opted in to API access.")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	byID := func(id string) *storedRecord {
		for _, rec := range f.records {
			if rec.ID == id {
				return rec
			}
		}
		return nil
	}
	switch {
	case parts[0] == "retrieveByNameType" && (len(parts) == 3 || len(parts) == 4):
		name := "@"
		if len(parts) == 4 && parts[3] != "" {
			name = parts[3]
		}
		out := []map[string]string{}
		for _, rec := range f.of(name, parts[2]) {
			fq := f.zone
			if rec.Name != "@" {
				fq = rec.Name + "." + f.zone
			}
			out = append(out, map[string]string{"id": rec.ID, "name": fq, "type": rec.Type, "content": rec.Value,
				"ttl": strconv.Itoa(rec.TTL), "prio": "0", "notes": ""})
		}
		pbJSON(w, http.StatusOK, map[string]any{"status": "SUCCESS", "cloudflare": "enabled", "records": out})
	case parts[0] == "create" && len(parts) == 2:
		name, ttl, ok := f.check(w, in)
		if !ok {
			return
		}
		rec := f.add(name, in.Type, in.Content, ttl)
		f.wrote()
		id, _ := strconv.Atoi(rec.ID)
		pbJSON(w, http.StatusOK, map[string]any{"status": "SUCCESS", "id": id})
	case parts[0] == "edit" && len(parts) == 3:
		rec := byID(parts[2])
		if rec == nil {
			pbError(w, "Invalid record ID.")
			return
		}
		name, ttl, ok := f.check(w, in)
		if !ok {
			return
		}
		rec.Name, rec.Type, rec.Value, rec.TTL = name, in.Type, in.Content, ttl
		f.wrote()
		pbJSON(w, http.StatusOK, map[string]string{"status": "SUCCESS"})
	case parts[0] == "delete" && len(parts) == 3:
		rec := byID(parts[2])
		if rec == nil {
			pbError(w, "Invalid record ID.")
			return
		}
		f.remove(func(x *storedRecord) bool { return x == rec })
		f.wrote()
		pbJSON(w, http.StatusOK, map[string]string{"status": "SUCCESS"})
	default:
		pbJSON(w, http.StatusNotFound, map[string]string{"status": "ERROR", "message": "Endpoint not found."})
	}
}

// check validates a create or edit body, returning the stored name and TTL.
func (f *Porkbun) check(w http.ResponseWriter, in pbBody) (string, int, bool) {
	if in.Name == nil || in.Type == "" || in.Content == "" {
		pbError(w, "name, type and content are required.")
		return "", 0, false
	}
	name := *in.Name
	if name == "" {
		name = "@"
	}
	if strings.HasSuffix(name, f.zone) || name == "@" && *in.Name == "@" {
		pbError(w, "The name must be the subdomain only, empty for the root.")
		return "", 0, false
	}
	ttl := 600
	if in.TTL != "" {
		n, err := strconv.Atoi(in.TTL)
		if err != nil || n < 0 {
			pbError(w, "Invalid TTL.")
			return "", 0, false
		}
		ttl = max(n, 600)
	}
	a, err := netip.ParseAddr(in.Content)
	if (in.Type == "A" && (err != nil || !a.Is4())) || (in.Type == "AAAA" && (err != nil || !a.Is6() || a.Is4In6())) {
		pbError(w, "Invalid content for a "+in.Type+" record.")
		return "", 0, false
	}
	return name, ttl, true
}
