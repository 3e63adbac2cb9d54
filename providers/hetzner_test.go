package providers

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ddnsd/ddns/providers/providertest"
)

const hetznerToken = "hz-token-6b5a4c3d2e1f"

func newHetznerForTest(t *testing.T, endpoint, token string) *libdnsAdapter {
	t.Helper()
	p := mustBuild(t)(newHetzner(conformanceEnv("hetzner", endpoint), Params{"token": token})).(*libdnsAdapter)
	quickRetries(p.lib.(*hetznerClient).http.Transport.(*retryTransport))
	return p
}

func TestHetznerConformance(t *testing.T) {
	const wrong = "hz-wrong-token-0f9e8d"
	f := providertest.NewHetzner(hetznerToken, "example.com")
	t.Cleanup(f.Close)
	conformance(t, providertest.Suite[Record]{
		Fake: f, Zone: "example.com",
		New: func(t *testing.T, good bool) providertest.Provider[Record] {
			if good {
				return newHetznerForTest(t, f.URL, hetznerToken)
			}
			return newHetznerForTest(t, f.URL, wrong)
		},
		Secrets: []string{hetznerToken, wrong},
		Reads:   true, SkipsEqual: true, TTL: true, Duplicates: true,
	})
}

// TestHetznerZoneLookup: a zone lookup that names no zone (or only others)
// is data rejected naming the zone, not a panic; an unknown zone (404) is
// data rejected too.
func TestHetznerZoneLookup(t *testing.T) {
	f := providertest.NewHetzner(hetznerToken, "example.com")
	t.Cleanup(f.Close)
	p := newHetznerForTest(t, f.URL, hetznerToken)
	ctx := context.Background()
	for _, body := range []string{`{"zones": []}`, `{"zones": [{"id": "a", "name": "example.net"}]}`} {
		f.Override(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(body)) })
		_, err := p.Get(ctx, "example.com", "home", "A")
		if !errors.Is(err, ErrRejected) || !strings.Contains(err.Error(), "example.com") {
			t.Errorf("zones %s: %v, want ErrRejected naming the zone", body, err)
		}
	}
	f.Override(nil)
	if _, err := p.Get(ctx, "example.org", "home", "A"); !errors.Is(err, ErrRejected) {
		t.Errorf("unknown zone: %v, want ErrRejected", err)
	}
}

// TestHetznerUpdateIsOnePutByID: a new address of a single record is one
// PUT of that record's ID; duplicates are deleted by their own IDs, so the
// kept record is never the one removed; other names stay.
func TestHetznerUpdateIsOnePutByID(t *testing.T) {
	f := providertest.NewHetzner(hetznerToken, "example.com")
	t.Cleanup(f.Close)
	p := newHetznerForTest(t, f.URL, hetznerToken)
	f.Seed("example.com", "A", "192.0.2.1", 300)     // ID 100001
	f.Seed("www.example.com", "A", "192.0.2.1", 300) // 100002
	f.Seed("dup.example.com", "A", "192.0.2.5", 300) // 100003
	f.Seed("dup.example.com", "A", "192.0.2.9", 300) // 100004
	f.Calls()
	ctx := context.Background()
	writes := func() []string {
		var out []string
		for _, c := range f.Calls() {
			if !strings.HasPrefix(c, "GET") {
				out = append(out, c)
			}
		}
		return out
	}
	if err := p.Set(ctx, Record{Zone: "example.com", Name: "@", Type: "A", Addr: netip.MustParseAddr("192.0.2.7"), TTL: 300 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if got := writes(); !slices.Equal(got, []string{"PUT /api/v1/records/100001"}) {
		t.Errorf("writes %q, want one PUT of the apex record", got)
	}
	if err := p.Set(ctx, Record{Zone: "example.com", Name: "dup", Type: "A", Addr: netip.MustParseAddr("192.0.2.9"), TTL: 300 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if got := writes(); !slices.Equal(got, []string{"DELETE /api/v1/records/100003"}) {
		t.Errorf("writes %q, want the one duplicate without the address deleted", got)
	}
	for _, c := range []struct{ fqdn, want string }{{"example.com", "192.0.2.7 300"}, {"www.example.com", "192.0.2.1 300"}, {"dup.example.com", "192.0.2.9 300"}} {
		if got := f.Values(c.fqdn, "A"); !slices.Equal(got, []string{c.want}) {
			t.Errorf("%s = %q, want %q", c.fqdn, got, c.want)
		}
	}
}

// TestHetznerListingIsBounded: an API whose every page of records claims a
// billion pages more ends at its first empty page, and one that fills
// every page without end is refused after hetznerMaxPages, in both cases
// at once rather than at the pass's deadline.
func TestHetznerListingIsBounded(t *testing.T) {
	f := providertest.NewHetzner(hetznerToken, "example.com")
	t.Cleanup(f.Close)
	p := newHetznerForTest(t, f.URL, hetznerToken)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := p.Get(ctx, "example.com", "home", "A"); err != nil {
		t.Fatal(err) // the zone's ID is known from here on
	}
	for _, tc := range []struct {
		name    string
		records string
		wantErr bool
	}{
		{"empty pages", `[]`, false},
		{"full pages", `[{"id":"1","zone_id":"` + providertest.HetznerZoneID + `","type":"TXT","name":"x","value":"\"v\"","ttl":300}]`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var pages atomic.Int64
			f.Override(func(w http.ResponseWriter, r *http.Request) {
				pages.Add(1)
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"records":` + tc.records + `,"meta":{"pagination":{"page":1,"per_page":100,"last_page":1000000000,"total_entries":100000000000}}}`))
			})
			defer f.Override(nil)
			_, err := p.Get(ctx, "example.com", "home", "A")
			if ctx.Err() != nil {
				t.Fatalf("the listing ran until the deadline (%d pages)", pages.Load())
			}
			if tc.wantErr != (err != nil) || tc.wantErr && !errors.Is(err, ErrRejected) {
				t.Fatalf("after %d pages: %v, want an error: %v", pages.Load(), err, tc.wantErr)
			}
			if n := pages.Load(); n > hetznerMaxPages {
				t.Errorf("%d pages asked, want at most %d", n, hetznerMaxPages)
			}
		})
	}
}
