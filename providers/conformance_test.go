package providers

import (
	"net/netip"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/libdns/cloudflare"

	"github.com/ddnsd/ddns/providers/providertest"
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
