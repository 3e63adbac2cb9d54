package providers

import (
	"context"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/ddnsd/ddns/providers/providertest"
)

const gandiToken = "gandi-pat-0a1b2c3d4e5f"

func newGandiForTest(t *testing.T, endpoint, token string) *libdnsAdapter {
	t.Helper()
	p := mustBuild(t)(newGandi(conformanceEnv("gandi", endpoint), Params{"token": token})).(*libdnsAdapter)
	quickRetries(keyedTransport(t, "gandi", token))
	return p
}

func TestGandiConformance(t *testing.T) {
	const wrong = "gandi-wrong-pat-99f8e7"
	f := providertest.NewGandi(gandiToken, "example.com")
	t.Cleanup(f.Close)
	conformance(t, providertest.Suite[Record]{
		Fake: f, Zone: "example.com",
		New: func(t *testing.T, good bool) providertest.Provider[Record] {
			if good {
				return newGandiForTest(t, f.URL, gandiToken)
			}
			return newGandiForTest(t, f.URL, wrong)
		},
		Secrets: []string{gandiToken, wrong},
		Reads:   true, SkipsEqual: true, TTL: true, Duplicates: true,
	})
}

// TestGandiChangeFollowsTheRecordsHref: an address change reads the domain
// (whose records URL names the real host, which the endpoint replaces),
// lists, adds the new value to the RRset and takes the old one out, and the
// other RRsets of the name stay.
func TestGandiChangeFollowsTheRecordsHref(t *testing.T) {
	f := providertest.NewGandi(gandiToken, "example.com")
	t.Cleanup(f.Close)
	p := newGandiForTest(t, f.URL, gandiToken)
	f.Seed("home.example.com", "A", "192.0.2.1", 300)
	f.Seed("home.example.com", "AAAA", "2001:db8::1", 300)
	f.Calls()
	if err := p.Set(context.Background(), Record{Zone: "example.com", Name: "home", Type: "A", Addr: netip.MustParseAddr("192.0.2.2"), TTL: 300 * time.Second}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"GET /v5/livedns/domains/example.com", "GET /v5/livedns/domains/example.com/records",
		"GET /v5/livedns/domains/example.com/records/home/A", "PUT /v5/livedns/domains/example.com/records/home/A",
		"GET /v5/livedns/domains/example.com/records/home/A", "PUT /v5/livedns/domains/example.com/records/home/A",
	}
	if got := f.Calls(); !slices.Equal(got, want) {
		t.Errorf("calls\n%q\nwant\n%q", got, want)
	}
	if got := f.Values("home.example.com", "A"); !slices.Equal(got, []string{"192.0.2.2 300"}) {
		t.Errorf("A = %q", got)
	}
	if got := f.Values("home.example.com", "AAAA"); !slices.Equal(got, []string{"2001:db8::1 300"}) {
		t.Errorf("AAAA = %q", got)
	}
}
