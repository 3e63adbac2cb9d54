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

const namecheapUser, namecheapKey, namecheapIP = "alice", "nc-key-0123456789abcdef", "198.51.100.7"

func newNamecheapForTest(t *testing.T, endpoint, key string) *libdnsAdapter {
	t.Helper()
	p := mustBuild(t)(newNamecheap(conformanceEnv("namecheap", endpoint),
		Params{"api_user": namecheapUser, "api_key": key, "client_ip": namecheapIP})).(*libdnsAdapter)
	quickRetries(p.lib.(*namecheapClient).http.Transport.(*retryTransport))
	return p
}

func newFakeNamecheap(t *testing.T) *providertest.Namecheap {
	f := providertest.NewNamecheap(namecheapUser, namecheapKey, namecheapIP, "example.com")
	t.Cleanup(f.Close)
	return f
}

func TestNamecheapConformance(t *testing.T) {
	const wrong = "nc-wrong-key-fedcba98"
	f := newFakeNamecheap(t)
	conformance(t, providertest.Suite[Record]{
		Fake: f, Zone: "example.com",
		New: func(t *testing.T, good bool) providertest.Provider[Record] {
			if good {
				return newNamecheapForTest(t, f.URL, namecheapKey)
			}
			return newNamecheapForTest(t, f.URL, wrong)
		},
		Secrets: []string{namecheapKey, wrong},
		Reads:   true, SkipsEqual: true, TTL: true, Duplicates: true,
	})
}

// TestNamecheapUpdateKeepsEveryOtherHost: setHosts replaces all host
// records of the domain, so an update sends back every other one as it was:
// MX records (with a preference of 0, and the EmailType that keeps them),
// TXT, CNAME, the other type of the name and other names; only the A
// records of the name change, duplicates included.
func TestNamecheapUpdateKeepsEveryOtherHost(t *testing.T) {
	f := newFakeNamecheap(t)
	p := newNamecheapForTest(t, f.URL, namecheapKey)
	f.SetEmailType("MX")
	f.SeedHost("@", "MX", "mx1.mail.example.net.", 0, 1800)
	f.SeedHost("@", "MX", "mx2.mail.example.net.", 20, 1800)
	f.SeedHost("@", "TXT", "v=spf1 include:mail.example.net -all", 0, 1799)
	f.SeedHost("www", "CNAME", "example.com.", 0, 300)
	f.SeedHost("home", "A", "192.0.2.1", 0, 300)
	f.SeedHost("home", "A", "192.0.2.2", 0, 300)
	f.SeedHost("home", "AAAA", "2001:db8::1", 0, 300)
	f.SeedHost("office", "A", "192.0.2.50", 0, 600)
	before, _ := f.Hosts()
	f.Calls()
	if err := p.Set(context.Background(), Record{Zone: "example.com", Name: "home", Type: "A", Addr: netip.MustParseAddr("192.0.2.9"), TTL: 300 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if got, want := f.Calls(), []string{"namecheap.domains.dns.gethosts", "namecheap.domains.dns.gethosts", "namecheap.domains.dns.sethosts"}; !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
	after, email := f.Hosts()
	want := []string{}
	for _, h := range before {
		if h[:7] != "home A " {
			want = append(want, h)
		}
	}
	want = append(want, "home A 192.0.2.9  300")
	if !slices.Equal(after, want) {
		t.Errorf("hosts after the update\n%q\nwant\n%q", after, want)
	}
	if email != "MX" {
		t.Errorf("EmailType = %q, want MX kept", email)
	}
}

// TestNamecheapGuardRefusesALostHost: the check before setHosts fails when
// a host of another name or type is missing or changed.
func TestNamecheapGuardRefusesALostHost(t *testing.T) {
	read := []ncHost{{Name: "@", Type: "MX", Address: "mx.example.net.", MXPref: "0", TTL: "1800"}, {Name: "home", Type: "A", Address: "192.0.2.1", TTL: "300"}}
	replaced := map[[2]string]bool{{"home", "A"}: true}
	ok := []ncHost{read[0], {Name: "home", Type: "A", Address: "192.0.2.9", TTL: "300"}}
	if err := namecheapHostsKept(read, ok, replaced); err != nil {
		t.Errorf("a list keeping the MX host: %v", err)
	}
	for _, send := range [][]ncHost{
		{{Name: "home", Type: "A", Address: "192.0.2.9", TTL: "300"}},
		{{Name: "@", Type: "MX", Address: "mx.example.net.", MXPref: "10", TTL: "1800"}, {Name: "home", Type: "A", Address: "192.0.2.9", TTL: "300"}},
	} {
		if err := namecheapHostsKept(read, send, replaced); !errors.Is(err, ErrUnsupported) {
			t.Errorf("list %v: %v, want a refusal", send, err)
		}
	}
}

// TestNamecheapErrors: the API's numbered errors (HTTP 200) are classified:
// a client IP that is not whitelisted is a credentials error, an unknown
// domain is data rejected; a client_ip that is not IPv4 is refused when the
// provider is built.
func TestNamecheapErrors(t *testing.T) {
	f := newFakeNamecheap(t)
	ctx := context.Background()
	wrongIP := mustBuild(t)(newNamecheap(conformanceEnv("nc", f.URL), Params{"api_user": namecheapUser, "api_key": namecheapKey, "client_ip": "203.0.113.1"}))
	if _, err := wrongIP.Get(ctx, "example.com", "home", "A"); !errors.Is(err, ErrAuth) {
		t.Errorf("client IP not whitelisted: %v, want ErrAuth", err)
	}
	p := newNamecheapForTest(t, f.URL, namecheapKey)
	if _, err := p.Get(ctx, "example.org", "home", "A"); !errors.Is(err, ErrRejected) {
		t.Errorf("unknown domain: %v, want ErrRejected", err)
	}
	if _, err := newNamecheap(quietEnv("nc"), Params{"api_user": "a", "api_key": "k", "client_ip": "2001:db8::1"}); err == nil {
		t.Error("an IPv6 client_ip was accepted")
	}
}
