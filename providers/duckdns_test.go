package providers

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ddnsd/ddns/providers/providertest"
)

// conformanceNames are the subdomains the conformance suite writes.
var conformanceNames = []string{"conf-create", "conf-equal", "conf-change", "conf-change-other", "conf-ttl", "conf-get",
	"conf-get-absent", "conf-auth", "conf-http-auth", "conf-http-5xx", "conf-malformed"}

func newDuckDNSForTest(t *testing.T, endpoint, token string) *duckdns {
	t.Helper()
	prov, err := duckdnsSpec().New(conformanceEnv("duck", endpoint), Params{"token": token})
	if err != nil {
		t.Fatalf("new duckdns: %v", err)
	}
	d := prov.(*duckdns)
	d.client.Transport.(*retryTransport).delay = func(int) time.Duration { return time.Millisecond }
	return d
}

func TestDuckDNSConformance(t *testing.T) {
	const token, wrong = "a7c4d0ad-114e-40ef-ba1d-d217904a50f2", "0bad0bad-dead-beef-0000-d217904a50f2"
	srv := providertest.NewDuckDNS(token, conformanceNames...)
	t.Cleanup(srv.Close)
	conformance(t, providertest.Suite[Record]{
		Fake: srv, Zone: "duckdns.org",
		New: func(t *testing.T, good bool) providertest.Provider[Record] {
			if good {
				return newDuckDNSForTest(t, srv.URL, token)
			}
			return newDuckDNSForTest(t, srv.URL, wrong)
		},
		Secrets: []string{token, wrong},
	})
}

func TestDuckDNSAnswersAndNames(t *testing.T) {
	const token = "a7c4d0ad-114e-40ef-ba1d-d217904a50f2"
	srv := providertest.NewDuckDNS(token, "myhome")
	t.Cleanup(srv.Close)
	d := newDuckDNSForTest(t, srv.URL, token)
	ctx := context.Background()
	for _, rec := range []Record{
		{Zone: "duckdns.org", Name: "other", Type: "A", Addr: netip.MustParseAddr("192.0.2.1")},
	} {
		if err := d.Set(ctx, rec); !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "not one of this account's") {
			t.Errorf("a subdomain of another account: %v, want ErrAuth saying why", err)
		}
	}
	for _, rec := range []Record{
		{Zone: "example.com", Name: "myhome", Type: "A", Addr: netip.MustParseAddr("192.0.2.1")},
		{Zone: "duckdns.org", Name: "a.myhome", Type: "A", Addr: netip.MustParseAddr("192.0.2.1")},
		{Zone: "duckdns.org", Name: "@", Type: "A", Addr: netip.MustParseAddr("192.0.2.1")},
	} {
		if err := d.Set(ctx, rec); !errors.Is(err, ErrRejected) || !strings.Contains(err.Error(), "zone = \"duckdns.org\"") {
			t.Errorf("%s: %v, want ErrRejected explaining the zone", rec.FQDN(), err)
		}
	}
	// The apex of a zone written as the subdomain itself is the same host.
	if err := d.Set(ctx, Record{Zone: "myhome.duckdns.org", Name: "@", Type: "AAAA", Addr: netip.MustParseAddr("2001:db8::5")}); err != nil {
		t.Fatalf("zone myhome.duckdns.org apex: %v", err)
	}
	if got := srv.Values("myhome.duckdns.org", "AAAA"); len(got) != 1 || got[0] != "2001:db8::5 0" {
		t.Errorf("the fake holds %q", got)
	}
	if got := srv.Values("myhome.duckdns.org", "A"); len(got) != 0 {
		t.Errorf("an IPv6 update set an IPv4 address: %q", got)
	}
	rec := Record{Zone: "duckdns.org", Name: "myhome", Type: "A", Addr: netip.MustParseAddr("192.0.2.9")}
	for _, tt := range []struct {
		body  string
		class error
	}{
		{"OK\n192.0.2.9\n\nUPDATED", nil},
		{"OK\r\n192.0.2.9\r\n\r\nNOCHANGE\r\n", nil},
		{"OK", nil},
		{"OK\n198.51.100.1\n\nUPDATED", ErrRejected},
		{"OK\nnot-an-ip\n\nUPDATED", ErrRejected},
		{"OK\n192.0.2.9\n\nMAYBE", ErrRejected},
		{"KO", ErrAuth},
	} {
		srv.Override(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(tt.body)) })
		err := d.Set(ctx, rec)
		if (tt.class == nil && err != nil) || (tt.class != nil && !errors.Is(err, tt.class)) {
			t.Errorf("answer %q: %v, want class %v", tt.body, err, tt.class)
		}
	}
	srv.Override(nil)
}
