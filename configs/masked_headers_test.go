package configs

import (
	"strings"
	"testing"
)

func TestMaskHeaderValue(t *testing.T) {
	for _, c := range []struct{ name, value, want string }{
		{"Content-Type", "application/json", "application/json"},
		{"Authorization", "Bearer {{.Token}}", "Bearer {{.Token}}"},
		{"Authorization", "{{.Token}}", "{{.Token}}"},
		{"Authorization", "Bearer abcdefghijklmnopqrstuvwxyz", Mask},
		{"X-Api-Key", "notifyHeaderKeyV5cd31", Mask},
		{"X-Api-Key", "short", Mask},
		{"X-Broken", "{{.Token", Mask},
	} {
		if got := maskHeaderValue(c.name, c.value); got != c.want {
			t.Errorf("maskHeaderValue(%q, %q) = %q, want %q", c.name, c.value, got, c.want)
		}
	}
}

// check's rendering of a provider table hides a credential written into a
// URL (a webhook's query key, a user:password) and literal header values.
func TestMaskedHidesProviderURLAndHeaderSecrets(t *testing.T) {
	src := `[providers.hook]
type = "webhook"
url = "https://hooks.example.net/u/AbCdEf0123456789xyz?key=literalQueryKey42"
headers = { "X-Api-Key" = "literalHeaderKey77", "Content-Type" = "application/json" }
[providers.dyn]
type = "dyndns2"
server = "https://user:serverPassw0rd99@dyn.example.net"
username = "u"
password = "pw"
[[records]]
provider = "hook"
zone = "example.com"
name = "home"
`
	cfg, err := Parse("test.toml", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := cfg.Masked()
	for _, secret := range []string{"literalQueryKey42", "AbCdEf0123456789xyz", "literalHeaderKey77", "serverPassw0rd99"} {
		if strings.Contains(out, secret) {
			t.Errorf("Masked shows %q:\n%s", secret, out)
		}
	}
	for _, kept := range []string{"hooks.example.net", "application/json", "dyn.example.net"} {
		if !strings.Contains(out, kept) {
			t.Errorf("Masked lost %q, which is no secret:\n%s", kept, out)
		}
	}
}
