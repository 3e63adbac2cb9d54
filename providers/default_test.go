package providers

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ddnsd/ddns/providers/spec"
	"github.com/hashicorp/go-hclog"
)

func TestDefaultRegistry(t *testing.T) {
	r := Default()
	want := []string{"alidns", "cloudflare", "dryrun", "dyndns2", "rfc2136", "tencentcloud", "webhook",
		"duckdns", "dynu", "dynv6", "huaweicloud", "namesilo", "noip", "ovh",
		"desec", "gandi", "hetzner", "godaddy", "porkbun", "namecheap",
	}
	slices.Sort(want)
	if got := r.Types(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Types() = %q, want %q", got, want)
	}
	for _, typ := range want {
		s, _ := r.Lookup(typ)
		if s.Type != typ || s.New == nil {
			t.Errorf("%s: spec %+v", typ, s)
		}
		for _, sec := range s.Secrets {
			if !slices.Contains(s.Keys, sec) {
				t.Errorf("%s: secret %q is not among its keys %q", typ, sec, s.Keys)
			}
		}
	}
	// The keys the design fixes for the cloud providers.
	fixed := map[string][]string{
		"cloudflare":   {"api_token", "proxied"},
		"alidns":       {"access_key_id", "access_key_secret"},
		"tencentcloud": {"secret_id", "secret_key"},
	}
	for typ, keys := range fixed {
		s, _ := r.Lookup(typ)
		for _, k := range keys {
			if !slices.Contains(s.Keys, k) {
				t.Errorf("%s lacks key %q", typ, k)
			}
		}
	}
	// A constructor refuses missing keys, naming the key and the account.
	_, err := r.New("cloudflare", Env{Name: "home", Logger: hclog.NewNullLogger()}, Params{})
	if err == nil || !strings.Contains(err.Error(), `"home"`) || !strings.Contains(err.Error(), "api_token") {
		t.Errorf("missing api_token: %v", err)
	}
}

// TestAdaptersMatchSpecs keeps the adapters and the declarative specs the
// supervisor reads (package spec) describing the same types: same list, same
// keys, and a constructor that refuses a table lacking the spec's first
// required key, naming it.
func TestAdaptersMatchSpecs(t *testing.T) {
	r, specs := Default(), spec.Default()
	if got, want := r.Types(), specs.Types(); !slices.Equal(got, want) {
		t.Fatalf("adapters %q, specs %q", got, want)
	}
	for _, s := range specs.Specs() {
		a, _ := r.Lookup(s.Type)
		keys, secrets := s.KeyNames()
		if !slices.Equal(a.Keys, keys) || !slices.Equal(a.Secrets, secrets) {
			t.Errorf("%s: adapter keys %q secrets %q, spec %q %q", s.Type, a.Keys, a.Secrets, keys, secrets)
		}
		_, err := r.New(s.Type, Env{Name: "acct"}, Params{})
		req := s.Required()
		switch {
		case len(req) == 0 && err != nil:
			t.Errorf("%s: no key is required, but an empty table is refused: %v", s.Type, err)
		case len(req) > 0 && (err == nil || !strings.Contains(err.Error(), req[0])):
			t.Errorf("%s: an empty table gives %v, want an error naming %q", s.Type, err, req[0])
		}
	}
}
