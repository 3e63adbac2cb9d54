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

const (
	ovhAK = "7kbG7Bk7S9Nt7ZSV"
	ovhAS = "EXEgWIz07P0HYwtQDs7cNIqCiQaWSuHF"
	ovhCK = "MtSwSrPpNjqfVSmJhLbPyr2i45lSwPU1"
)

func newOVHForTest(t *testing.T, endpoint, secret string) *ovh {
	t.Helper()
	prov, err := ovhSpec().New(conformanceEnv("ovh", endpoint), Params{"application_key": ovhAK, "application_secret": secret, "consumer_key": ovhCK})
	if err != nil {
		t.Fatalf("new ovh: %v", err)
	}
	o := prov.(*ovh)
	o.client.Transport.(*retryTransport).delay = func(int) time.Duration { return time.Millisecond }
	return o
}

func TestOVHConformance(t *testing.T) {
	const wrong = "wrongAppSecretwrongAppSecret0000"
	srv := providertest.NewOVH(ovhAK, ovhAS, ovhCK)
	t.Cleanup(srv.Close)
	conformance(t, providertest.Suite[Record]{
		Fake: srv, Zone: "example.com",
		New: func(t *testing.T, good bool) providertest.Provider[Record] {
			if good {
				return newOVHForTest(t, srv.URL, ovhAS)
			}
			return newOVHForTest(t, srv.URL, wrong)
		},
		Secrets: []string{ovhAS, ovhCK, wrong},
		Reads:   true, SkipsEqual: true, TTL: true, Duplicates: true,
	})
}

// TestOVHDetails: a change is refreshed (published), a no-op is not; the
// apex is found without a subDomain filter; the signature matches OVH's
// documented formula; unknown keys and zones are classified.
func TestOVHDetails(t *testing.T) {
	srv := providertest.NewOVH(ovhAK, ovhAS, ovhCK)
	t.Cleanup(srv.Close)
	o := newOVHForTest(t, srv.URL, ovhAS)
	ctx := context.Background()
	srv.Seed("www.example.com", "A", "192.0.2.1", 300)
	apex := Record{Zone: "example.com", Name: "@", Type: "A", Addr: netip.MustParseAddr("192.0.2.7"), TTL: 30 * time.Second}
	if err := o.Set(ctx, apex); err != nil {
		t.Fatal(err)
	}
	if got := srv.Values("example.com", "A"); len(got) != 1 || got[0] != "192.0.2.7 60" {
		t.Errorf("apex = %q, want the address published at TTL 60 (raised)", got)
	}
	if n := srv.Refreshes(); n != 1 {
		t.Errorf("%d refreshes after one change, want 1", n)
	}
	apex.TTL = 60 * time.Second
	if err := o.Set(ctx, apex); err != nil || srv.Refreshes() != 1 {
		t.Errorf("a no-op: %v, %d refreshes; want none more", err, srv.Refreshes())
	}
	if got := srv.Values("www.example.com", "A"); len(got) != 1 || got[0] != "192.0.2.1 300" {
		t.Errorf("www, another name, = %q", got)
	}
	if err := o.Set(ctx, Record{Zone: "example.org", Name: "x", Type: "A", Addr: netip.MustParseAddr("192.0.2.1")}); !errors.Is(err, ErrRejected) || !strings.Contains(err.Error(), "404") {
		t.Errorf("an unknown zone: %v, want ErrRejected naming 404", err)
	}
	// The guide's formula, its value computed with sha1sum for one request.
	if got, want := ovhSignature("AS", "CK", "GET", "https://eu.api.ovh.com/1.0/auth/details", "", "1700000000"), "$1$2258ffe00f7b89754bb0c9e59b15bc08742f4693"; got != want {
		t.Errorf("signature %q, want %q", got, want)
	}
	for _, tt := range []struct {
		params Params
		class  error
	}{
		{Params{"application_key": "unknownAppKey000", "application_secret": ovhAS, "consumer_key": ovhCK}, ErrAuth},
		{Params{"application_key": ovhAK, "application_secret": ovhAS, "consumer_key": "unknownConsumerKey00000000000000"}, ErrAuth},
	} {
		prov, err := ovhSpec().New(conformanceEnv("ovh", srv.URL), tt.params)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := prov.Get(ctx, "example.com", "www", "A"); !errors.Is(err, tt.class) {
			t.Errorf("%v: %v, want %v", tt.params["application_key"], err, tt.class)
		}
	}
	if _, err := ovhSpec().New(quietEnv("ovh"), Params{"application_key": "a", "application_secret": "b", "consumer_key": "c", "api_endpoint": "ovh-mars"}); err == nil || !strings.Contains(err.Error(), "api_endpoint") {
		t.Errorf("an unknown api_endpoint: %v", err)
	}
}
