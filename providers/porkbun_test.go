package providers

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ddnsd/ddns/providers/providertest"
)

const porkbunKey, porkbunSecret = "pk1_0a1b2c3d4e5f", "sk1_6a7b8c9d0e1f"

func newPorkbunForTest(t *testing.T, endpoint, secret string) *libdnsAdapter {
	t.Helper()
	p := mustBuild(t)(newPorkbun(conformanceEnv("porkbun", endpoint), Params{"api_key": porkbunKey, "secret_api_key": secret})).(*libdnsAdapter)
	quickRetries(p.lib.(*porkbunClient).http.Transport.(*retryTransport))
	return p
}

func TestPorkbunConformance(t *testing.T) {
	const wrong = "sk1_wrong_9f8e7d6c"
	f := providertest.NewPorkbun(porkbunKey, porkbunSecret, "example.com")
	t.Cleanup(f.Close)
	conformance(t, providertest.Suite[Record]{
		Fake: f, Zone: "example.com",
		New: func(t *testing.T, good bool) providertest.Provider[Record] {
			if good {
				return newPorkbunForTest(t, f.URL, porkbunSecret)
			}
			return newPorkbunForTest(t, f.URL, wrong)
		},
		Secrets: []string{porkbunKey, porkbunSecret, wrong},
		Reads:   true, SkipsEqual: true, TTL: true, Duplicates: true,
	})
}

// TestPorkbunEditsByID: a new address of the apex is a retrieve and one
// edit of its record ID (the apex as an empty subdomain); duplicates go by
// their own IDs, the one holding the address staying; a domain without API
// access is a credentials error.
func TestPorkbunEditsByID(t *testing.T) {
	f := providertest.NewPorkbun(porkbunKey, porkbunSecret, "example.com")
	t.Cleanup(f.Close)
	p := newPorkbunForTest(t, f.URL, porkbunSecret)
	f.Seed("example.com", "A", "192.0.2.1", 600)     // ID 100001
	f.Seed("dup.example.com", "A", "192.0.2.5", 600) // 100002
	f.Seed("dup.example.com", "A", "192.0.2.9", 600) // 100003
	f.Calls()
	ctx := context.Background()
	if err := p.Set(ctx, Record{Zone: "example.com", Name: "@", Type: "A", Addr: netip.MustParseAddr("192.0.2.7"), TTL: 600 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if got, want := f.Calls(), []string{"POST /api/json/v3/dns/retrieveByNameType/example.com/A", "POST /api/json/v3/dns/edit/example.com/100001"}; !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
	if err := p.Set(ctx, Record{Zone: "example.com", Name: "dup", Type: "A", Addr: netip.MustParseAddr("192.0.2.9"), TTL: 600 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if got, want := f.Calls(), []string{"POST /api/json/v3/dns/retrieveByNameType/example.com/A/dup", "POST /api/json/v3/dns/delete/example.com/100002"}; !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
	if got := f.Values("example.com", "A"); !slices.Equal(got, []string{"192.0.2.7 600"}) {
		t.Errorf("apex = %q", got)
	}
	if got := f.Values("dup.example.com", "A"); !slices.Equal(got, []string{"192.0.2.9 600"}) {
		t.Errorf("dup = %q", got)
	}
	_, err := p.Get(ctx, "example.org", "home", "A")
	if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "opted in") {
		t.Errorf("domain without API access: %v, want ErrAuth quoting Porkbun", err)
	}
}
