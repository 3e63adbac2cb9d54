package providers

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/miekg/dns"

	"github.com/ddnsd/ddns/providers/providertest/dnsserver"
)

// retryLog counts the provider's "retrying" debug lines.
type retryLog struct {
	lines chan string
}

func (l *retryLog) Write(p []byte) (int, error) {
	if strings.Contains(string(p), "retrying DNS message") {
		select {
		case l.lines <- string(p):
		default:
		}
	}
	return len(p), nil
}

// newLoggedRFC2136 is newRFC2136ForTest with a logger whose retry lines
// the test can read.
func newLoggedRFC2136(t *testing.T, server string, k dnsserver.Key) (Provider, *retryLog) {
	t.Helper()
	rl := &retryLog{lines: make(chan string, 64)}
	env := quietEnv("lab")
	env.Logger = hclog.New(&hclog.LoggerOptions{Level: hclog.Debug, Output: rl})
	p, err := rfc2136Spec().New(env, Params{"server": server, "key_name": k.Name, "key_algorithm": k.Algorithm, "key_secret": k.Secret})
	if err != nil {
		t.Fatal(err)
	}
	return p, rl
}

func setA(p Provider, srv *dnsserver.Server, name, addr string) error {
	return p.Set(context.Background(), Record{Zone: srv.Zone, Name: name, Type: "A", Addr: netip.MustParseAddr(addr), TTL: time.Minute})
}

// TestRFC2136RightAfterStart sends an update the moment each server logs
// that its zones are loaded. BIND with its default worker threads answers
// SERVFAIL for a few milliseconds then; the update must still succeed
// (retried), and the test logs how many retries it took.
func TestRFC2136RightAfterStart(t *testing.T) {
	for _, kind := range dnsserver.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			srv := dnsserver.Start(t, kind, dnsserver.Options{UntilLoaded: true})
			p, rl := newLoggedRFC2136(t, srv.Addr, srv.UpdateKey)
			if err := setA(p, srv, "early", "192.0.2.10"); err != nil {
				t.Fatalf("update right after start: %v\n%s", err, srv.Log())
			}
			if got, _ := srv.Addresses(t, "early", dns.TypeA); len(got) != 1 || got[0] != "192.0.2.10" {
				t.Fatalf("early A = %v, want [192.0.2.10]", got)
			}
			t.Logf("%s: %d retries", kind, len(rl.lines))
		})
	}
}

// TestRFC2136SERVFAILRetriedToSuccess puts each server in a state where it
// answers SERVFAIL (BIND and Knot with a zone they could not load at
// start-up, PowerDNS with its database locked by another writer), sends an
// update, waits until the provider retries it, ends that state (the zone
// loads, the lock goes), and expects the update to succeed.
func TestRFC2136SERVFAILRetriedToSuccess(t *testing.T) {
	for _, kind := range dnsserver.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			var srv *dnsserver.Server
			var heal func()
			if kind == dnsserver.PowerDNS {
				srv = dnsserver.Start(t, kind, dnsserver.Options{})
				heal = srv.LockDatabase(t)
			} else {
				srv = dnsserver.Start(t, kind, dnsserver.Options{Unloaded: true})
				heal = func() { srv.LoadZone(t) }
			}
			p, rl := newLoggedRFC2136(t, srv.Addr, srv.UpdateKey)
			done := make(chan error, 1)
			go func() { done <- setA(p, srv, "early", "192.0.2.11") }()
			select {
			case line := <-rl.lines:
				if !strings.Contains(line, "SERVFAIL") {
					t.Fatalf("retried for another reason: %s", line)
				}
			case err := <-done:
				t.Fatalf("the update finished (%v) while the server answered SERVFAIL, want it retried\n%s", err, srv.Log())
			case <-time.After(10 * time.Second):
				t.Fatalf("no retry within 10s\n%s", srv.Log())
			}
			heal()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("update once the server recovered: %v\n%s", err, srv.Log())
				}
			case <-time.After(30 * time.Second):
				t.Fatal("the update did not finish within 30s of the server's recovery")
			}
			if got, _ := srv.Addresses(t, "early", dns.TypeA); len(got) != 1 || got[0] != "192.0.2.11" {
				t.Fatalf("early A = %v, want [192.0.2.11]", got)
			}
		})
	}
}

// TestRFC2136ServerAnswers drives every server into the answers the
// provider must classify: a frozen zone (REFUSED with a good key: data,
// not credentials), a wrong secret and an unknown key (credentials), a key
// the server knows but does not let update, and an address beside a CNAME
// (BIND and Knot answer NOERROR and drop it, PowerDNS refuses).
func TestRFC2136ServerAnswers(t *testing.T) {
	for _, kind := range dnsserver.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			srv := dnsserver.Start(t, kind, dnsserver.Options{Records: "alias IN CNAME ns\n"})
			good := fastRetries(newRFC2136ForTest(t, srv.Addr, srv.UpdateKey))
			if err := setA(good, srv, "home", "192.0.2.1"); err != nil {
				t.Fatal(err)
			}
			check := func(t *testing.T, err error, class error, words ...string) {
				t.Helper()
				if !errors.Is(err, class) {
					t.Fatalf("error %v, want class %v", err, class)
				}
				for _, other := range []error{ErrAuth, ErrRejected, ErrNetwork} {
					if other != class && errors.Is(err, other) {
						t.Fatalf("error %v is also %v", err, other)
					}
				}
				for _, w := range words {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
				for _, k := range []dnsserver.Key{srv.UpdateKey, srv.SHA512Key, srv.OutsideKey} {
					if strings.Contains(err.Error(), k.Secret) {
						t.Errorf("error %q contains a secret", err)
					}
				}
			}
			unchanged := func(t *testing.T) {
				t.Helper()
				if got, _ := srv.Addresses(t, "home", dns.TypeA); len(got) != 1 || got[0] != "192.0.2.1" {
					t.Fatalf("home A = %v, want it untouched at [192.0.2.1]", got)
				}
			}

			t.Run("frozen zone is rejected data, not credentials", func(t *testing.T) {
				srv.Freeze(t)
				err := setA(good, srv, "home", "192.0.2.2")
				check(t, err, ErrRejected, "REFUSED", "frozen")
				unchanged(t)
				srv.Thaw(t)
				if err := setA(good, srv, "home", "192.0.2.1"); err != nil {
					t.Fatalf("update after the thaw: %v", err)
				}
			})
			t.Run("wrong secret is credentials", func(t *testing.T) {
				k := srv.UpdateKey
				k.Secret = dnsserver.Secret(t, 32)
				err := setA(fastRetries(newRFC2136ForTest(t, srv.Addr, k)), srv, "home", "192.0.2.3")
				check(t, err, ErrAuth)
				if strings.Contains(err.Error(), k.Secret) {
					t.Errorf("error %q contains the wrong secret", err)
				}
				unchanged(t)
			})
			t.Run("unknown key is credentials", func(t *testing.T) {
				k := dnsserver.Key{Name: "nobody-key", Algorithm: "hmac-sha256", Secret: dnsserver.Secret(t, 32)}
				err := setA(fastRetries(newRFC2136ForTest(t, srv.Addr, k)), srv, "home", "192.0.2.4")
				check(t, err, ErrAuth, "nobody-key")
				unchanged(t)
			})
			t.Run("key the server does not let update", func(t *testing.T) {
				err := setA(fastRetries(newRFC2136ForTest(t, srv.Addr, srv.OutsideKey)), srv, "home", "192.0.2.5")
				if kind == dnsserver.Knot {
					// Knot answers NOTAUTH/BADKEY for a key outside the
					// zone's ACL: the message must say it may not be allowed,
					// not only that the server does not know it.
					check(t, err, ErrAuth, "BADKEY", "not allowed", "ACL")
				} else {
					// BIND and PowerDNS sign their REFUSED with the key.
					check(t, err, ErrRejected, "REFUSED", "accepted key")
				}
				unchanged(t)
			})
			t.Run("zone the server does not serve is rejected data", func(t *testing.T) {
				// BIND signs its NOTAUTH, Knot sends it without any TSIG
				// record, PowerDNS signs a REFUSED: none is about the key.
				err := good.Set(context.Background(), Record{Zone: "elsewhere.test", Name: "home", Type: "A", Addr: netip.MustParseAddr("192.0.2.7"), TTL: time.Minute})
				check(t, err, ErrRejected)
			})
			t.Run("address beside a CNAME is rejected, naming the CNAME", func(t *testing.T) {
				err := setA(good, srv, "alias", "192.0.2.6")
				check(t, err, ErrRejected, "CNAME", "alias.example.test", "ns.example.test")
				if got, _ := srv.Addresses(t, "alias", dns.TypeA); len(got) != 0 {
					t.Errorf("alias A = %v beside its CNAME", got)
				}
			})
		})
	}
}
