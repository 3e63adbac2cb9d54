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

const nsKey = "a1b2c3d4e5f60718293a4b5c"

func newNameSiloForTest(t *testing.T, endpoint, key string) *namesilo {
	t.Helper()
	prov, err := namesiloSpec().New(conformanceEnv("silo", endpoint), Params{"api_key": key})
	if err != nil {
		t.Fatalf("new namesilo: %v", err)
	}
	n := prov.(*namesilo)
	n.client.Transport.(*retryTransport).delay = func(int) time.Duration { return time.Millisecond }
	return n
}

func TestNameSiloConformance(t *testing.T) {
	const wrong = "ffffeeeeddddccccbbbbaaaa"
	srv := providertest.NewNameSilo(nsKey, "example.com")
	t.Cleanup(srv.Close)
	conformance(t, providertest.Suite[Record]{
		Fake: srv, Zone: "example.com",
		New: func(t *testing.T, good bool) providertest.Provider[Record] {
			if good {
				return newNameSiloForTest(t, srv.URL, nsKey)
			}
			return newNameSiloForTest(t, srv.URL, wrong)
		},
		Secrets: []string{nsKey, wrong},
		Reads:   true, SkipsEqual: true, TTL: true, Duplicates: true,
		MinTTL: namesiloMinTTL,
	})
}

// TestNameSiloDetails: the apex, a TTL below NameSilo's minimum, a zone of
// one record (listed as an object, not a list), a domain outside the
// account, and the reply codes' classes.
func TestNameSiloDetails(t *testing.T) {
	srv := providertest.NewNameSilo(nsKey, "example.com")
	t.Cleanup(srv.Close)
	n := newNameSiloForTest(t, srv.URL, nsKey)
	ctx := context.Background()
	apex := Record{Zone: "example.com", Name: "@", Type: "AAAA", Addr: netip.MustParseAddr("2001:db8::1"), TTL: 300 * time.Second}
	if err := n.Set(ctx, apex); err != nil {
		t.Fatalf("apex with TTL 300: %v", err)
	}
	if got := srv.Values("example.com", "AAAA"); len(got) != 1 || got[0] != "2001:db8::1 3600" {
		t.Errorf("apex = %q, want the address at TTL 3600 (raised)", got)
	}
	got, err := n.Get(ctx, "example.com", "@", "AAAA")
	if err != nil || len(got) != 1 || got[0].Addr != apex.Addr {
		t.Errorf("Get of the one record: %v %v", got, err)
	}
	if err := n.Set(ctx, Record{Zone: "example.org", Name: "x", Type: "A", Addr: netip.MustParseAddr("192.0.2.1")}); !errors.Is(err, ErrRejected) || !strings.Contains(err.Error(), "code 200") {
		t.Errorf("a domain outside the account: %v, want ErrRejected naming code 200", err)
	}
	for _, tt := range []struct {
		code  string
		class error
	}{{"110", ErrAuth}, {"113", ErrAuth}, {"115", ErrNetwork}, {"201", ErrNetwork}, {"280", ErrRejected}, {`"110"`, ErrAuth}} {
		srv.Override(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"request":{"operation":"dnsListRecords","ip":"192.0.2.200"},"reply":{"code":` + tt.code + `,"detail":"said"}}`))
		})
		if _, err := n.Get(ctx, "example.com", "home", "A"); !errors.Is(err, tt.class) {
			t.Errorf("code %s: %v, want %v", tt.code, err, tt.class)
		}
	}
	srv.Override(nil)
}
