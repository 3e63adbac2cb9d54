package providers

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/libdns/cloudflare"

	"github.com/ddnsd/ddns/providers/providertest"
	"github.com/ddnsd/ddns/providers/providertest/dnsserver"
	"github.com/ddnsd/ddns/testsupport/linebuf"
)

// conformance runs providertest's suite over one adapter with this
// package's record type and error classes filled in.
func conformance(t *testing.T, s providertest.Suite[Record]) {
	t.Helper()
	s.Record = func(zone, name, typ string, addr netip.Addr, ttl time.Duration) Record {
		return Record{Zone: zone, Name: name, Type: typ, Addr: addr, TTL: ttl}
	}
	s.Value = func(r Record) (netip.Addr, time.Duration) { return r.Addr, r.TTL }
	s.ErrAuth, s.ErrNetwork, s.ErrUnsupported = ErrAuth, ErrNetwork, ErrUnsupported
	providertest.Conformance(t, s)
}

// conformanceEnv is the environment of an adapter under the suite.
func conformanceEnv(name, endpoint string) Env {
	return Env{Name: name, Endpoint: endpoint, Logger: hclog.NewNullLogger(), Timeout: 10 * time.Second}
}

// mustBuild fails the test on a constructor error.
func mustBuild(t *testing.T) func(Provider, error) Provider {
	return func(p Provider, err error) Provider {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
}

func TestCloudflareConformance(t *testing.T) {
	f := newFakeCloudflare(t, cfToken)
	conformance(t, providertest.Suite[Record]{
		Fake: f, Zone: "example.com",
		New: func(t *testing.T, good bool) providertest.Provider[Record] {
			token := cfToken
			if !good {
				token = "cf-wrong-token-9876543210"
			}
			prov := mustBuild(t)(newCloudflare(conformanceEnv("cf", f.URL), Params{"api_token": token}))
			quickRetries(prov.(*libdnsAdapter).lib.(*cloudflare.Provider).HTTPClient.(*cfDoer).client.Transport.(*retryTransport))
			return prov
		},
		Secrets: []string{cfToken, "cf-wrong-token-9876543210"},
		Reads:   true, SkipsEqual: true, TTL: true, Duplicates: true,
	})
}

func TestAlidnsConformance(t *testing.T) {
	const wrong = "ali-wrong-secret-zyxwvu"
	f := newFakeAlidns(t, testKeyID(t, "LTAI"), aliSecret)
	conformance(t, providertest.Suite[Record]{
		Fake: f, Zone: "example.com",
		New: func(t *testing.T, good bool) providertest.Provider[Record] {
			secret := aliSecret
			if !good {
				secret = wrong
			}
			prov := mustBuild(t)(newAlidns(conformanceEnv("ali", f.URL), Params{"access_key_id": f.KeyID, "access_key_secret": secret}))
			quickRetries(routedTransport(t, "ACS3-HMAC-SHA256", f.KeyID))
			return prov
		},
		Secrets: []string{aliSecret, wrong},
		Reads:   true, SkipsEqual: true, TTL: true, Duplicates: true,
	})
}

func TestTencentcloudConformance(t *testing.T) {
	const wrong = "tc-wrong-secret-key-123"
	f := newFakeTencent(t, testKeyID(t, "AKID"), tcSecret)
	conformance(t, providertest.Suite[Record]{
		Fake: f, Zone: "example.com",
		New: func(t *testing.T, good bool) providertest.Provider[Record] {
			secret := tcSecret
			if !good {
				secret = wrong
			}
			prov := mustBuild(t)(newTencentcloud(conformanceEnv("tc", f.URL), Params{"secret_id": f.SecretID, "secret_key": secret}))
			quickRetries(routedTransport(t, "TC3-HMAC-SHA256", f.SecretID))
			return prov
		},
		Secrets: []string{tcSecret, wrong},
		Reads:   true, SkipsEqual: true, TTL: true, Duplicates: true,
	})
}

func TestDyndns2Conformance(t *testing.T) {
	const wrong = "wrong-pa55word"
	srv := newDyndns2Server(t)
	conformance(t, providertest.Suite[Record]{
		Fake: srv, Zone: "example.com",
		New: func(t *testing.T, good bool) providertest.Provider[Record] {
			pass := srv.Password
			if !good {
				pass = wrong
			}
			return newDyndns2ForTest(t, quietEnv("noip"), Params{"server": srv.URL, "username": srv.User, "password": pass})
		},
		Secrets: []string{srv.Password, wrong},
	})
}

func TestWebhookConformance(t *testing.T) {
	const token, wrong = "hook-token-5d41402abc", "hook-wrong-7b8c9d0e1f"
	srv := providertest.NewWebhook(token)
	t.Cleanup(srv.Close)
	conformance(t, providertest.Suite[Record]{
		Fake: srv, Zone: "example.com",
		New: func(t *testing.T, good bool) providertest.Provider[Record] {
			p := Params(providertest.WebhookParams(srv.URL))
			p["token"] = token
			if !good {
				p["token"] = wrong
			}
			return newWebhookForTest(t, quietEnv("hook"), p)
		},
		Secrets: []string{token, wrong},
		TTL:     true, AnyBody: true,
	})
}

// TestRFC2136Conformance runs the suite against each real server, which is
// its own fake (dnsserver.Server reads with plain queries, seeds with
// signed updates and counts writes by the SOA serial).
func TestRFC2136Conformance(t *testing.T) {
	for _, kind := range dnsserver.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			srv := startServer(t, kind)
			wrong := srv.UpdateKey
			wrong.Secret = dnsserver.Secret(t, 32)
			conformance(t, providertest.Suite[Record]{
				Fake: srv, Zone: srv.Zone,
				New: func(t *testing.T, good bool) providertest.Provider[Record] {
					if good {
						return fastRetries(newRFC2136ForTest(t, srv.Addr, srv.UpdateKey))
					}
					return fastRetries(newRFC2136ForTest(t, srv.Addr, wrong))
				},
				Secrets: []string{srv.UpdateKey.Secret, wrong.Secret},
				Reads:   true, TTL: true, Duplicates: true,
			})
		})
	}
}

// dryrunFake is the dry-run provider's own memory seen as a fake API, and
// its "would set" lines counted as writes.
type dryrunFake struct {
	d   *dryrun
	log *linebuf.Buffer
	mu  sync.Mutex
	old int // "would set" lines already counted
}

func (f *dryrunFake) Endpoint() string { return "" }

func (f *dryrunFake) key(fqdn, typ string) (dryrunKey, Record) {
	name := strings.TrimSuffix(strings.TrimSuffix(fqdn, "example.com"), ".")
	if name == "" {
		name = "@"
	}
	return dryrunKeyOf("example.com", name, typ), Record{Zone: "example.com", Name: name, Type: typ}
}

func (f *dryrunFake) Seed(fqdn, typ, value string, ttl int) {
	k, rec := f.key(fqdn, typ)
	rec.Addr, rec.TTL = netip.MustParseAddr(value), time.Duration(ttl)*time.Second
	f.d.mu.Lock()
	defer f.d.mu.Unlock()
	f.d.records[k] = rec
}

func (f *dryrunFake) Values(fqdn, typ string) []string {
	k, _ := f.key(fqdn, typ)
	f.d.mu.Lock()
	defer f.d.mu.Unlock()
	if r, ok := f.d.records[k]; ok {
		return []string{fmt.Sprintf("%s %d", r.Addr, int(r.TTL/time.Second))}
	}
	return []string{}
}

func (f *dryrunFake) Writes() int {
	n := strings.Count(f.log.String(), "would set")
	f.mu.Lock()
	defer f.mu.Unlock()
	w := n - f.old
	f.old = n
	return w
}

func TestDryrunConformance(t *testing.T) {
	prov, buf, hits := newDryrunForTest(t, Params{})
	d := prov.(*guarded).Unwrap().(*dryrun)
	conformance(t, providertest.Suite[Record]{
		Fake: &dryrunFake{d: d, log: buf}, Zone: "example.com",
		New:   func(t *testing.T, good bool) providertest.Provider[Record] { return d },
		Reads: true, TTL: true, NoCredentials: true,
	})
	if n := hits.Load(); n != 0 {
		t.Errorf("the dry run sent %d requests", n)
	}
}
