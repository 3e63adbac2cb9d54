package configs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKeysAreCaseSensitive: TOML keys are case-sensitive, so a key
// written in another case than the schema's is refused at its position,
// once, naming the key to write (the decoder alone matched it to the field
// regardless of case).
func TestKeysAreCaseSensitive(t *testing.T) {
	const provider = "[providers.home]\ntype = \"dryrun\"\n"
	tests := []struct {
		name, src string
		want      string // "" = loads
	}{
		{"TTL beside ttl", provider + "[[records]]\nprovider = \"home\"\nzone = \"example.com\"\nttl = 300\nTTL = 60\n",
			`test.toml:7:1: records.0.TTL: unknown key: keys are case-sensitive; write "ttl"`},
		{"a section", "[IP]\nv4 = []\n",
			`test.toml:1:1: IP: unknown key: keys are case-sensitive; write "ip"`},
		{"a key in a section", "[updater]\nInterval = \"5m\"\n",
			`test.toml:2:1: updater.Interval: unknown key: keys are case-sensitive; write "interval"`},
		{"a dotted key", "Updater.interval = \"5m\"\n",
			`test.toml:1:1: Updater: unknown key: keys are case-sensitive; write "updater"`},
		{"a key in an inline table in an array", "[ip]\nv4 = [{ type = \"http\", URL = \"https://example.net\" }]\n",
			`test.toml:2:24: ip.v4.0.URL: unknown key: keys are case-sensitive; write "url"`},
		{"the second record", provider + "[[records]]\nprovider = \"home\"\nzone = \"example.com\"\n[[records]]\nProvider = \"home\"\nzone = \"example.org\"\n",
			`test.toml:7:1: records.1.Provider: unknown key: keys are case-sensitive; write "provider"`},
		{"the providers table", "[Providers.home]\ntype = \"dryrun\"\n",
			`test.toml:1:1: Providers: unknown key: keys are case-sensitive; write "providers"`},
		{"names chosen by the user keep their case", "[providers.Home]\ntype = \"dryrun\"\n[log.levels]\nDDNS = \"debug\"\n" +
			"[[records]]\nprovider = \"Home\"\nzone = \"example.com\"\n", ""},
		{"exact keys", provider + "[updater]\ninterval = \"5m\"\n[[records]]\nprovider = \"home\"\nzone = \"example.com\"\nttl = 300\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("test.toml", []byte(tc.src), Options{ProviderKeys: testKeys})
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error %v,\nwant %s", err, tc.want)
			}
		})
	}
}

// TestShippedConfigsUseExactKeys: the embedded default and every example
// write each key in the schema's case (other problems, such as secrets
// from unset variables, are the example tests' business).
func TestShippedConfigsUseExactKeys(t *testing.T) {
	files := map[string][]byte{EmbeddedName: EmbeddedDefault()}
	paths, err := filepath.Glob(filepath.Join("examples", "*.toml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no examples found (%v)", err)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files[p] = data
	}
	for name, data := range files {
		_, err := Parse(name, data, Options{ProviderKeys: testKeys, Getenv: func(string) string { return "x" }})
		if err != nil && strings.Contains(err.Error(), "case-sensitive") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
