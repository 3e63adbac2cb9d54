package providers

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/ddnsd/ddns/providers/providertest"
)

const desecToken = "desec-token-3f9a0c1b2d"

func newFakeDesec(t *testing.T) *providertest.Desec {
	f := providertest.NewDesec(desecToken, "example.com")
	t.Cleanup(f.Close)
	return f
}

func newDesecForTest(t *testing.T, endpoint, token string) *libdnsAdapter {
	t.Helper()
	p := mustBuild(t)(newDesec(conformanceEnv("desec", endpoint), Params{"token": token})).(*libdnsAdapter)
	quickRetries(keyedTransport(t, "desec", token))
	return p
}

func TestDesecConformance(t *testing.T) {
	const wrong = "desec-wrong-token-77a1"
	f := newFakeDesec(t)
	conformance(t, providertest.Suite[Record]{
		Fake: f, Zone: "example.com",
		New: func(t *testing.T, good bool) providertest.Provider[Record] {
			if good {
				return newDesecForTest(t, f.URL, desecToken)
			}
			return newDesecForTest(t, f.URL, wrong)
		},
		Secrets: []string{desecToken, wrong},
		Reads:   true, SkipsEqual: true, TTL: true, Duplicates: true,
		MinTTL: 3600 * time.Second,
	})
}

// TestDesecWritesOneRRsetAndKeepsOthers: an update is one bulk PUT of the
// name's RRset, and the other RRsets of the zone are untouched; a TTL below
// deSEC's minimum is raised to 3600 rather than refused.
func TestDesecWritesOneRRsetAndKeepsOthers(t *testing.T) {
	f := newFakeDesec(t)
	p := newDesecForTest(t, f.URL, desecToken)
	f.Seed("home.example.com", "A", "192.0.2.1", 3600)
	f.Seed("home.example.com", "AAAA", "2001:db8::1", 3600)
	f.Seed("example.com", "TXT", "\"v=spf1 -all\"", 3600)
	f.Calls()
	ctx := context.Background()
	if err := p.Set(ctx, Record{Zone: "example.com", Name: "home", Type: "A", Addr: netip.MustParseAddr("192.0.2.2"), TTL: 60 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if got, want := f.Calls(), []string{"GET /api/v1/domains/example.com/rrsets/", "PUT /api/v1/domains/example.com/rrsets/"}; !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
	for _, c := range []struct{ fqdn, typ, want string }{
		{"home.example.com", "A", "192.0.2.2 3600"},
		{"home.example.com", "AAAA", "2001:db8::1 3600"},
		{"example.com", "TXT", "\"v=spf1 -all\" 3600"},
	} {
		if got := f.Values(c.fqdn, c.typ); !slices.Equal(got, []string{c.want}) {
			t.Errorf("%s %s = %q, want %q", c.fqdn, c.typ, got, c.want)
		}
	}
	// The apex, which deSEC names with an empty subname.
	if err := p.Set(ctx, Record{Zone: "example.com", Name: "@", Type: "A", Addr: netip.MustParseAddr("192.0.2.3"), TTL: 3600 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if got := f.Values("example.com", "A"); !slices.Equal(got, []string{"192.0.2.3 3600"}) {
		t.Errorf("apex A = %q", got)
	}
	got, err := p.Get(ctx, "example.com", "@", "A")
	if err != nil || len(got) != 1 || got[0].Addr != netip.MustParseAddr("192.0.2.3") {
		t.Errorf("Get of the apex = %v, %v", got, err)
	}
	// A token the API refuses.
	bad := newDesecForTest(t, f.URL, "desec-not-the-token")
	if _, err := bad.Get(ctx, "example.com", "home", "A"); !errors.Is(err, ErrAuth) {
		t.Errorf("wrong token: %v, want ErrAuth", err)
	}
}
