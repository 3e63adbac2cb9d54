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

// newPresetForTest builds a preset provider against a fake with short
// retry waits.
func newPresetForTest(t *testing.T, s Spec, endpoint string, p Params) *dyndns2 {
	t.Helper()
	prov, err := s.New(conformanceEnv(s.Type, endpoint), p)
	if err != nil {
		t.Fatalf("new %s: %v", s.Type, err)
	}
	d := prov.(*dyndns2)
	d.client.Transport.(*retryTransport).delay = func(int) time.Duration { return time.Millisecond }
	return d
}

func TestNoIPConformance(t *testing.T) {
	const wrong = "wrong-noip-pa55"
	srv := providertest.NewNoIP("alice@example.net", "noip-s3cret-pa55", "example.com")
	t.Cleanup(srv.Close)
	conformance(t, providertest.Suite[Record]{
		Fake: srv, Zone: "example.com",
		New: func(t *testing.T, good bool) providertest.Provider[Record] {
			pass := srv.Password
			if !good {
				pass = wrong
			}
			return newPresetForTest(t, noipSpec(), srv.URL, Params{"username": srv.User, "password": pass})
		},
		Secrets: []string{srv.Password, wrong},
	})
}

func TestDynuConformance(t *testing.T) {
	const wrong = "wrong-dynu-pa55"
	srv := providertest.NewDynu("bob", "dynu-s3cret-pa55", "example.com")
	t.Cleanup(srv.Close)
	conformance(t, providertest.Suite[Record]{
		Fake: srv, Zone: "example.com",
		New: func(t *testing.T, good bool) providertest.Provider[Record] {
			pass := srv.Password
			if !good {
				pass = wrong
			}
			return newPresetForTest(t, dynuSpec(), srv.URL, Params{"username": srv.User, "password": pass})
		},
		Secrets: []string{srv.Password, wrong},
	})
}

// TestNoIPUserAgent checks the user agent No-IP requires: its documented
// format, with the contact key, else the user name when it is an e-mail
// address; the fake answers badagent to any other shape.
func TestNoIPUserAgent(t *testing.T) {
	srv := providertest.NewNoIP("rv7sc9a", "noip-s3cret-pa55", "example.com")
	t.Cleanup(srv.Close)
	rec := Record{Zone: "example.com", Name: "home", Type: "A", Addr: netip.MustParseAddr("203.0.113.7")}
	tests := []struct {
		params Params
		suffix string
	}{
		{Params{"contact": "ops@example.org"}, " ops@example.org"},
		{Params{}, " https://github.com/ddnsd/ddns"},
	}
	for _, tt := range tests {
		p := Params{"username": srv.User, "password": srv.Password}
		for k, v := range tt.params {
			p[k] = v
		}
		if err := newPresetForTest(t, noipSpec(), srv.URL, p).Set(context.Background(), rec); err != nil {
			t.Fatalf("%v: %v", tt.params, err)
		}
		agents := srv.Agents()
		if got := agents[len(agents)-1]; !strings.HasPrefix(got, "ddnsd ddns-updater/") || !strings.HasSuffix(got, tt.suffix) {
			t.Errorf("%v: User-Agent %q, want No-IP's format ending in %q", tt.params, got, tt.suffix)
		}
	}
	if got := noipUserAgent("linux", "a@b.example"); got != "ddnsd ddns-updater/linux-1 a@b.example" {
		t.Errorf("noipUserAgent = %q", got)
	}
	if _, err := noipSpec().New(quietEnv("noip"), Params{"username": "u", "password": "p", "contact": "two words"}); err == nil || !strings.Contains(err.Error(), "contact") {
		t.Errorf("a contact with a space: %v, want an error naming the key", err)
	}
}

// TestDyndns2PresetAnswers checks how each service's own answers are read:
// No-IP's documented codes and Dynu's additions, and that a plain dyndns2
// account does not know them.
func TestDyndns2PresetAnswers(t *testing.T) {
	noip := providertest.NewNoIP("u", "noip-s3cret-pa55", "example.com")
	t.Cleanup(noip.Close)
	dynu := providertest.NewDynu("u", "dynu-s3cret-pa55", "example.com")
	t.Cleanup(dynu.Close)
	rec := Record{Zone: "example.com", Name: "home", Type: "AAAA", Addr: netip.MustParseAddr("2001:db8::7")}
	tests := []struct {
		spec  Spec
		fake  *providertest.Dyndns2Service
		body  string
		class error
		says  string
	}{
		{noipSpec(), noip, "nohost", ErrRejected, "No-IP account"},
		{noipSpec(), noip, "badagent", ErrRejected, "user agent"},
		{noipSpec(), noip, "abuse", ErrRejected, "contact No-IP"},
		{noipSpec(), noip, "911", ErrNetwork, "30 minutes"},
		{noipSpec(), noip, "badauth", ErrAuth, "password"},
		{noipSpec(), noip, "!donator", ErrRejected, "does not have"},
		{noipSpec(), noip, "good 203.0.113.9,2001:db8::7", nil, ""},
		{dynuSpec(), dynu, "unknown", ErrRejected, "did not understand"},
		{dynuSpec(), dynu, "servererror", ErrNetwork, "retry later"},
		{dynuSpec(), dynu, "good", nil, ""},
		{dynuSpec(), dynu, "nochg 203.0.113.9", nil, ""},
	}
	for _, tt := range tests {
		tt.fake.Override(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(tt.body)) })
		d := newPresetForTest(t, tt.spec, tt.fake.URL, Params{"username": "u", "password": tt.fake.Password})
		err := d.Set(context.Background(), rec)
		switch {
		case tt.class == nil && err != nil:
			t.Errorf("%s %q: %v, want success", tt.spec.Type, tt.body, err)
		case tt.class != nil && (!errors.Is(err, tt.class) || !strings.Contains(err.Error(), tt.says)):
			t.Errorf("%s %q: %v, want %v saying %q", tt.spec.Type, tt.body, err, tt.class, tt.says)
		}
		tt.fake.Override(nil)
	}
	if _, err := parseDyndns2Reply("servererror", nil); !errors.Is(err, ErrRejected) {
		t.Errorf("plain dyndns2 reading Dynu's servererror: %v, want an unknown answer (ErrRejected)", err)
	}
}
