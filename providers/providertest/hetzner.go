package providertest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/netip"
	"strings"
)

// Hetzner is a running fake of the Hetzner DNS API v1 (dns.hetzner.com/
// api-docs) serving one zone. It answers as the real API does: the token in
// the Auth-API-Token header (missing or wrong: 401 {"message": "Invalid
// authentication credentials"}); GET /api/v1/zones?name= gives {"zones":
// [...], "meta": {"pagination": ...}} or 404 {"zones": null, "error":
// {"message": "zone not found", "code": 404}}; GET /api/v1/records?zone_id=
// lists every record (all of them by default); POST /api/v1/records and
// PUT /api/v1/records/{id} take {"zone_id", "type", "name", "value",
// "ttl"} and answer {"record": {...}}; DELETE /api/v1/records/{id}; an
// unknown record ID is 404, a body without zone_id, type, name or value,
// with an unknown field, or a bad A/AAAA value is 422 {"error": {"message",
// "code": 422}}. Names are relative, "@" for the apex.
type Hetzner struct {
	httpFake
	zoneStore
	base
	token string
}

// HetznerZoneID is the ID the fake gives its zone.
const HetznerZoneID = "hzZone7xKq2Vb3NmC"

// NewHetzner starts a fake that accepts token and serves zone; the caller
// must Close it.
func NewHetzner(token, zone string) *Hetzner {
	f := &Hetzner{token: token, zoneStore: zoneStore{zone: zone}}
	f.start(f.serve)
	return f
}

func hzJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func hzError(w http.ResponseWriter, status int, msg string) {
	hzJSON(w, status, map[string]any{"error": map[string]any{"message": msg, "code": status}})
}

func (f *Hetzner) recordJSON(r *storedRecord) map[string]any {
	return map[string]any{"id": r.ID, "type": r.Type, "name": r.Name, "value": r.Value, "ttl": r.TTL,
		"zone_id": HetznerZoneID, "created": "2026-01-01 00:00:00.000 +0000 UTC", "modified": "2026-01-01 00:00:00.000 +0000 UTC"}
}

func (f *Hetzner) serve(w http.ResponseWriter, r *http.Request) {
	f.logCall(r.Method + " " + r.URL.RequestURI())
	if f.http.serve(w, r) {
		return
	}
	if r.Header.Get("Auth-API-Token") != f.token || f.token == "" {
		hzJSON(w, http.StatusUnauthorized, map[string]string{"message": "Invalid authentication credentials"})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	q := r.URL.Query()
	switch path := r.URL.Path; {
	case path == "/api/v1/zones" && r.Method == http.MethodGet:
		if q.Get("name") != f.zone {
			hzJSON(w, http.StatusNotFound, map[string]any{"zones": nil, "error": map[string]any{"message": "zone not found", "code": 404}})
			return
		}
		hzJSON(w, http.StatusOK, map[string]any{
			"zones": []map[string]any{{"id": HetznerZoneID, "name": f.zone, "ttl": 86400, "status": "verified", "records_count": len(f.records)}},
			"meta":  map[string]any{"pagination": map[string]int{"page": 1, "per_page": 100, "last_page": 1, "total_entries": 1}},
		})
	case path == "/api/v1/records" && r.Method == http.MethodGet:
		if q.Get("zone_id") != HetznerZoneID {
			hzError(w, http.StatusNotFound, "zone not found")
			return
		}
		out := []map[string]any{}
		for _, rec := range f.records {
			out = append(out, f.recordJSON(rec))
		}
		hzJSON(w, http.StatusOK, map[string]any{"records": out})
	case path == "/api/v1/records" && r.Method == http.MethodPost:
		in, ok := f.body(w, r)
		if !ok {
			return
		}
		f.wrote()
		hzJSON(w, http.StatusOK, map[string]any{"record": f.recordJSON(f.add(in.Name, in.Type, in.Value, in.TTL))})
	case strings.HasPrefix(path, "/api/v1/records/") && (r.Method == http.MethodPut || r.Method == http.MethodDelete):
		id := strings.TrimPrefix(path, "/api/v1/records/")
		var rec *storedRecord
		for _, x := range f.records {
			if x.ID == id {
				rec = x
			}
		}
		if rec == nil {
			hzError(w, http.StatusNotFound, "record not found")
			return
		}
		if r.Method == http.MethodDelete {
			f.remove(func(x *storedRecord) bool { return x == rec })
			f.wrote()
			w.WriteHeader(http.StatusOK)
			return
		}
		in, ok := f.body(w, r)
		if !ok {
			return
		}
		rec.Name, rec.Type, rec.Value, rec.TTL = in.Name, in.Type, in.Value, in.TTL
		f.wrote()
		hzJSON(w, http.StatusOK, map[string]any{"record": f.recordJSON(rec)})
	default:
		hzError(w, http.StatusNotFound, "not found")
	}
}

type hzRecordIn struct {
	ID     string `json:"id"`
	ZoneID string `json:"zone_id"`
	Type   string `json:"type"`
	Name   string `json:"name"`
	Value  string `json:"value"`
	TTL    int    `json:"ttl"`
}

func (f *Hetzner) body(w http.ResponseWriter, r *http.Request) (hzRecordIn, bool) {
	var in hzRecordIn
	raw, _ := io.ReadAll(r.Body)
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		hzError(w, http.StatusUnprocessableEntity, "invalid JSON: "+err.Error())
		return in, false
	}
	switch a, err := netip.ParseAddr(in.Value); {
	case in.ZoneID != HetznerZoneID:
		hzError(w, http.StatusUnprocessableEntity, "zone_id: invalid zone")
	case in.Type == "" || in.Name == "" || in.Value == "":
		hzError(w, http.StatusUnprocessableEntity, "type, name and value are required")
	case strings.HasSuffix(in.Name, "."+f.zone) || strings.HasSuffix(in.Name, "."):
		hzError(w, http.StatusUnprocessableEntity, "name must be relative to the zone")
	case (in.Type == "A" && (err != nil || !a.Is4())) || (in.Type == "AAAA" && (err != nil || !a.Is6() || a.Is4In6())):
		hzError(w, http.StatusUnprocessableEntity, "invalid value for a "+in.Type+" record")
	case in.TTL < 0:
		hzError(w, http.StatusUnprocessableEntity, "ttl must not be negative")
	default:
		return in, true
	}
	return in, false
}
