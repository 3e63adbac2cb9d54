package providers

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/libdns/cloudflare"
	"github.com/miekg/dns"

	"github.com/ddnsd/ddns/providers/providertest"
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

// bindFake is the conformance suite's view of a real named: records are
// read with plain queries, seeded with signed updates, and writes counted by
// the zone's SOA serial, which named raises once per applied update.
type bindFake struct {
	t      *testing.T // the test that started named; Errorf is safe from subtests
	s      *bindServer
	mu     sync.Mutex
	serial uint32
}

func newBindFake(t *testing.T, s *bindServer) *bindFake {
	f := &bindFake{t: t, s: s}
	f.serial, _ = f.soaSerial()
	return f
}

func (f *bindFake) Endpoint() string { return f.s.Addr }

func (f *bindFake) exchange(m *dns.Msg) (*dns.Msg, error) {
	c := &dns.Client{Net: "tcp", Timeout: 5 * time.Second}
	r, _, err := c.Exchange(m, f.s.Addr)
	return r, err
}

func (f *bindFake) Seed(fqdn, typ, value string, ttl int) {
	rr, err := dns.NewRR(fmt.Sprintf("%s. %d IN %s %s", fqdn, ttl, typ, value))
	if err != nil {
		f.t.Errorf("seed %s %s %s: %v", fqdn, typ, value, err)
		return
	}
	m := new(dns.Msg)
	m.SetUpdate(dns.Fqdn(f.s.Zone))
	m.Insert([]dns.RR{rr})
	k := f.s.UpdateKey
	m.SetTsig(dns.Fqdn(k.Name), dns.HmacSHA256, 300, time.Now().Unix())
	c := &dns.Client{Net: "tcp", Timeout: 5 * time.Second, TsigSecret: map[string]string{dns.Fqdn(k.Name): k.Secret}}
	r, _, err := c.Exchange(m, f.s.Addr)
	if err != nil || r.Rcode != dns.RcodeSuccess {
		f.t.Errorf("seed %s %s %s: %v %v", fqdn, typ, value, err, r)
	}
}

func (f *bindFake) Values(fqdn, typ string) []string {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(fqdn), dns.StringToType[typ])
	r, err := f.exchange(m)
	if err != nil {
		return []string{"query failed: " + err.Error()}
	}
	out := []string{}
	for _, rr := range r.Answer {
		switch v := rr.(type) {
		case *dns.A:
			out = append(out, fmt.Sprintf("%s %d", v.A, v.Hdr.Ttl))
		case *dns.AAAA:
			out = append(out, fmt.Sprintf("%s %d", v.AAAA, v.Hdr.Ttl))
		}
	}
	slices.Sort(out)
	return out
}

func (f *bindFake) soaSerial() (uint32, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(f.s.Zone), dns.TypeSOA)
	r, err := f.exchange(m)
	if err != nil {
		return 0, err
	}
	for _, rr := range r.Answer {
		if soa, ok := rr.(*dns.SOA); ok {
			return soa.Serial, nil
		}
	}
	return 0, fmt.Errorf("no SOA in the answer")
}

func (f *bindFake) Writes() int {
	serial, err := f.soaSerial()
	if err != nil {
		f.t.Errorf("read the SOA serial: %v", err)
		return 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n := int(serial - f.serial)
	f.serial = serial
	return n
}

func TestRFC2136Conformance(t *testing.T) {
	srv := startBIND(t)
	wrong := srv.UpdateKey
	wrong.Secret = bindSecret(t, 32)
	conformance(t, providertest.Suite[Record]{
		Fake: newBindFake(t, srv), Zone: srv.Zone,
		New: func(t *testing.T, good bool) providertest.Provider[Record] {
			if good {
				return newRFC2136ForTest(t, srv.Addr, srv.UpdateKey)
			}
			return newRFC2136ForTest(t, srv.Addr, wrong)
		},
		Secrets: []string{srv.UpdateKey.Secret, wrong.Secret},
		Reads:   true, TTL: true, Duplicates: true,
	})
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
