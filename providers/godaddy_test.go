package providers

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/ddnsd/ddns/providers/providertest"
)

const godaddyKey, godaddySecret = "gd-key-1a2b3c", "gd-secret-4d5e6f7a8b"

func newGoDaddyForTest(t *testing.T, endpoint, secret string) *libdnsAdapter {
	t.Helper()
	p := mustBuild(t)(newGoDaddy(conformanceEnv("godaddy", endpoint), Params{"api_key": godaddyKey, "api_secret": secret})).(*libdnsAdapter)
	quickRetries(p.lib.(*godaddyClient).http.Transport.(*retryTransport))
	return p
}

func TestGoDaddyConformance(t *testing.T) {
	const wrong = "gd-wrong-secret-9f8e7d"
	f := providertest.NewGoDaddy(godaddyKey, godaddySecret, "example.com")
	t.Cleanup(f.Close)
	conformance(t, providertest.Suite[Record]{
		Fake: f, Zone: "example.com",
		New: func(t *testing.T, good bool) providertest.Provider[Record] {
			if good {
				return newGoDaddyForTest(t, f.URL, godaddySecret)
			}
			return newGoDaddyForTest(t, f.URL, wrong)
		},
		Secrets: []string{godaddySecret, wrong},
		Reads:   true, SkipsEqual: true, TTL: true, Duplicates: true,
	})
}

// TestGoDaddyReadsAndWritesOneName: a change is a GET and a PUT of the one
// name and type (the apex as "@"), never a zone listing; the other types
// of the name stay; a TTL below GoDaddy's 600 is raised to it; and the
// 403 ACCESS_DENIED GoDaddy gives accounts without API access is a
// credentials error.
func TestGoDaddyReadsAndWritesOneName(t *testing.T) {
	f := providertest.NewGoDaddy(godaddyKey, godaddySecret, "example.com")
	t.Cleanup(f.Close)
	p := newGoDaddyForTest(t, f.URL, godaddySecret)
	f.Seed("example.com", "A", "192.0.2.1", 600)
	f.Seed("example.com", "AAAA", "2001:db8::1", 600)
	f.Calls()
	ctx := context.Background()
	if err := p.Set(ctx, Record{Zone: "example.com", Name: "@", Type: "A", Addr: netip.MustParseAddr("192.0.2.2"), TTL: 60 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if got, want := f.Calls(), []string{"GET /v1/domains/example.com/records/A/@", "PUT /v1/domains/example.com/records/A/@"}; !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
	if got := f.Values("example.com", "A"); !slices.Equal(got, []string{"192.0.2.2 600"}) {
		t.Errorf("A = %q", got)
	}
	if got := f.Values("example.com", "AAAA"); !slices.Equal(got, []string{"2001:db8::1 600"}) {
		t.Errorf("AAAA = %q", got)
	}
	f.Override(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`{"code":"ACCESS_DENIED","message":"Authenticated user is not allowed access"}`))
	})
	defer f.Override(nil)
	if _, err := p.Get(ctx, "example.com", "@", "A"); !errors.Is(err, ErrAuth) {
		t.Errorf("ACCESS_DENIED: %v, want ErrAuth", err)
	}
}
