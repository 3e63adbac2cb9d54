package spec_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/providers/spec"
)

// TestConfigsRefuseCloudflareTTL30 is what `supervisor check` sees: the
// registry is the configs.ProviderSchema it loads with, and a TTL
// Cloudflare refuses is an error at the TTL's line and column, naming the
// key and the allowed values.
func TestConfigsRefuseCloudflareTTL30(t *testing.T) {
	src := "[providers.home]\ntype = \"cloudflare\"\napi_token = \"secret-token-value\"\n\n" +
		"[[records]]\nprovider = \"home\"\nzone = \"example.com\"\nname = \"home\"\nttl = 30\n"
	_, err := configs.Parse("config.toml", []byte(src), configs.Options{ProviderKeys: spec.Default()})
	want := "config.toml:9:1: records.0.ttl: 30 is not a TTL cloudflare accepts: use 1 (automatic) or 60 to 86400 seconds"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want one containing %q", err, want)
	}
	if strings.Contains(err.Error(), "secret-token-value") {
		t.Errorf("the error shows the secret: %v", err)
	}

	// The same file with an accepted TTL loads, and its secret is known as one.
	cfg, err := configs.Parse("config.toml", []byte(strings.Replace(src, "ttl = 30", "ttl = 60", 1)), configs.Options{ProviderKeys: spec.Default()})
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Providers["home"].Secrets; len(got) != 1 || got[0] != "api_token" {
		t.Errorf("secrets = %q, want [api_token]", got)
	}
}

// TestConfigsRecordProxied: a record's proxied is read for a Cloudflare
// account and refused, at its line and column, for any other type.
func TestConfigsRecordProxied(t *testing.T) {
	src := "[providers.home]\ntype = \"cloudflare\"\napi_token = \"secret-token-value\"\nproxied = false\n\n" +
		"[[records]]\nprovider = \"home\"\nzone = \"example.com\"\nname = \"home\"\nproxied = true\n\n" +
		"[[records]]\nprovider = \"home\"\nzone = \"example.com\"\nname = \"mail\"\n"
	cfg, err := configs.Parse("config.toml", []byte(src), configs.Options{ProviderKeys: spec.Default()})
	if err != nil {
		t.Fatal(err)
	}
	if p := cfg.Records[0].Proxied; p == nil || !*p {
		t.Errorf("records.0.proxied = %v, want true", p)
	}
	if p := cfg.Records[1].Proxied; p != nil {
		t.Errorf("records.1.proxied = %v, want unset (the account's)", *p)
	}

	other := "[providers.home]\ntype = \"duckdns\"\ntoken = \"secret-token-value\"\n\n" +
		"[[records]]\nprovider = \"home\"\nzone = \"duckdns.org\"\nname = \"home\"\nproxied = true\n"
	_, err = configs.Parse("config.toml", []byte(other), configs.Options{ProviderKeys: spec.Default()})
	want := `config.toml:9:1: records.0.proxied: only records of a cloudflare provider take proxied; provider "home" is of type duckdns`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want one containing %q", err, want)
	}
}

// TestConfigsKnowTheLibdnsProviders: each provider type added for issue 15
// loads from a config with its keys and the default TTL, its secrets
// recognised as such (also when given as X_env).
func TestConfigsKnowTheLibdnsProviders(t *testing.T) {
	t.Setenv("GANDI_PAT", "gandi-pat-value")
	tests := []struct {
		typ     string
		keys    string
		secrets []string
	}{
		{"desec", `token = "desec-token-value"`, []string{"token"}},
		{"gandi", `token_env = "GANDI_PAT"`, []string{"token"}},
		{"hetzner", `token = "hz-token-value"`, []string{"token"}},
		{"godaddy", "api_key = \"gd-key\"\napi_secret = \"gd-secret-value\"", []string{"api_secret"}},
		{"porkbun", "api_key = \"pk1_value\"\nsecret_api_key = \"sk1_value\"", []string{"api_key", "secret_api_key"}},
		{"namecheap", "api_user = \"alice\"\napi_key = \"nc-key-value\"\nclient_ip = \"198.51.100.7\"", []string{"api_key"}},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			src := "[providers.p]\ntype = \"" + tt.typ + "\"\n" + tt.keys + "\n\n[[records]]\nprovider = \"p\"\nzone = \"example.com\"\nname = \"home\"\n"
			cfg, err := configs.Parse("config.toml", []byte(src), configs.Options{ProviderKeys: spec.Default()})
			if err != nil {
				t.Fatal(err)
			}
			got := cfg.Providers["p"].Secrets
			for _, s := range tt.secrets {
				if !slices.Contains(got, s) {
					t.Errorf("secrets %q lack %q", got, s)
				}
			}
		})
	}
}
