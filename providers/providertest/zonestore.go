package providertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// zoneStore holds the records of one zone for the fakes of the APIs that
// address records by name and type (deSEC, GoDaddy, Porkbun, Hetzner,
// Gandi, Namecheap). Names are relative to the zone, "@" for the apex.
// Callers hold mu.
type zoneStore struct {
	zone string

	mu      sync.Mutex
	records []*storedRecord // in creation order, as the APIs list them
	nextID  int
}

type storedRecord struct {
	ID, Name, Type, Value string
	TTL                   int
	// Extra is a field the updater never sets but must keep (an MX
	// preference).
	Extra string
}

func (z *zoneStore) add(name, typ, value string, ttl int) *storedRecord {
	z.nextID++
	r := &storedRecord{ID: fmt.Sprintf("%d", 100000+z.nextID), Name: name, Type: typ, Value: value, TTL: ttl}
	z.records = append(z.records, r)
	return r
}

// of returns the records of name and type, in order.
func (z *zoneStore) of(name, typ string) []*storedRecord {
	var out []*storedRecord
	for _, r := range z.records {
		if strings.EqualFold(r.Name, name) && r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// remove drops the records for which drop is true and reports how many.
func (z *zoneStore) remove(drop func(*storedRecord) bool) int {
	kept := z.records[:0]
	n := 0
	for _, r := range z.records {
		if drop(r) {
			n++
			continue
		}
		kept = append(kept, r)
	}
	z.records = kept
	return n
}

// Seed makes a record as a person editing the zone would (for Fake).
func (z *zoneStore) Seed(fqdn, typ, value string, ttl int) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.add(relative(fqdn, z.zone), typ, value, ttl)
}

// Values lists fqdn's records of typ as "VALUE TTL", sorted (for Fake).
func (z *zoneStore) Values(fqdn, typ string) []string {
	z.mu.Lock()
	defer z.mu.Unlock()
	out := []string{}
	for _, r := range z.of(relative(fqdn, z.zone), typ) {
		out = append(out, fmt.Sprintf("%s %d", r.Value, r.TTL))
	}
	return sorted(out)
}

// httpFake is the server part every fake here shares.
type httpFake struct {
	// URL is the endpoint to put in the config: "http://127.0.0.1:PORT".
	URL string
	srv *httptest.Server

	cmu   sync.Mutex
	calls []string
}

func (h *httpFake) start(serve http.HandlerFunc) {
	h.srv = httptest.NewServer(serve)
	h.URL = h.srv.URL
}

// Close stops the server.
func (h *httpFake) Close() { h.srv.Close() }

// Endpoint is the URL to put in the account's endpoint setting (for Fake).
func (h *httpFake) Endpoint() string { return h.URL }

func (h *httpFake) logCall(s string) {
	h.cmu.Lock()
	defer h.cmu.Unlock()
	h.calls = append(h.calls, s)
}

// Calls returns the requests served since the last call, as "METHOD PATH"
// (or the API's command name), and forgets them.
func (h *httpFake) Calls() []string {
	h.cmu.Lock()
	defer h.cmu.Unlock()
	out := h.calls
	h.calls = nil
	return out
}
