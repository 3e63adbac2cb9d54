package providers

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ddnsd/ddns/providers/providertest"
)

const dynv6Token = "dynv6-token-6f1c2a9b8e7d"

func newDynv6ForTest(t *testing.T, endpoint, token string) *dynv6 {
	t.Helper()
	prov, err := dynv6Spec().New(conformanceEnv("v6", endpoint), Params{"token": token})
	if err != nil {
		t.Fatalf("new dynv6: %v", err)
	}
	d := prov.(*dynv6)
	d.client.Transport.(*retryTransport).delay = func(int) time.Duration { return time.Millisecond }
	return d
}

func TestDynv6Conformance(t *testing.T) {
	const wrong = "dynv6-wrong-0a0b0c0d0e0f"
	srv := providertest.NewDynv6(dynv6Token, "home.dynv6.net")
	t.Cleanup(srv.Close)
	conformance(t, providertest.Suite[Record]{
		Fake: srv, Zone: "home.dynv6.net",
		New: func(t *testing.T, good bool) providertest.Provider[Record] {
			if good {
				return newDynv6ForTest(t, srv.URL, dynv6Token)
			}
			return newDynv6ForTest(t, srv.URL, wrong)
		},
		Secrets: []string{dynv6Token, wrong},
		Reads:   true, SkipsEqual: true, Duplicates: true,
	})
}

// TestDynv6Apex: the zone's own address is its ipv4address or ipv6prefix
// field (a prefix reads as its address), and an unknown zone is refused.
func TestDynv6Apex(t *testing.T) {
	srv := providertest.NewDynv6(dynv6Token, "home.dynv6.net")
	t.Cleanup(srv.Close)
	d := newDynv6ForTest(t, srv.URL, dynv6Token)
	ctx := context.Background()
	srv.Seed("home.dynv6.net", "AAAA", "2001:db8:1::/64", 0)
	got, err := d.Get(ctx, "home.dynv6.net", "@", "AAAA")
	if err != nil || len(got) != 1 || got[0].Addr != netip.MustParseAddr("2001:db8:1::") {
		t.Fatalf("Get of a prefix: %v %v", got, err)
	}
	for _, rec := range []Record{
		{Zone: "home.dynv6.net", Name: "@", Type: "A", Addr: netip.MustParseAddr("192.0.2.44")},
		{Zone: "home.dynv6.net", Name: "@", Type: "AAAA", Addr: netip.MustParseAddr("2001:db8:2::44")},
	} {
		if err := d.Set(ctx, rec); err != nil {
			t.Fatalf("Set apex %s: %v", rec.Type, err)
		}
		if got := srv.Values("home.dynv6.net", rec.Type); len(got) != 1 || got[0] != rec.Addr.String()+" 0" {
			t.Errorf("apex %s = %q", rec.Type, got)
		}
		srv.Writes()
		if err := d.Set(ctx, rec); err != nil || srv.Writes() != 0 {
			t.Errorf("apex %s set again: %v, or it wrote", rec.Type, err)
		}
	}
	err = d.Set(ctx, Record{Zone: "other.dynv6.net", Name: "x", Type: "A", Addr: netip.MustParseAddr("192.0.2.1")})
	if !errors.Is(err, ErrRejected) || !strings.Contains(err.Error(), "404") {
		t.Errorf("an unknown zone: %v, want ErrRejected naming 404", err)
	}
}
