package configs

import (
	"strings"
	"testing"
)

// TestInterfaceSelectorErrors: each selector key of an interface source is
// checked where it is written, with the file, line and column of the key.
func TestInterfaceSelectorErrors(t *testing.T) {
	for _, tc := range []struct {
		name, ip, want string // want "" = valid
	}{
		{"all valid v6", `v6 = [{ type = "interface", name = "eth0", index = 1, match = "^2001:", prefix = "2001:db8:1::/48" }]`, ""},
		{"suffix valid", `v6 = [{ type = "interface", suffix = "::1234" }]`, ""},
		{"suffix with prefix_length", `v6 = [{ type = "interface", suffix = "::a:1234", prefix_length = 56 }]`, ""},
		{"v4 index match prefix", `v4 = [{ type = "interface", index = 0, match = "^203\\.", prefix = "203.0.113.0/24" }]`, ""},
		{"negative index", "\nv6 = [{ type = \"interface\", index = -1 }]", "test.toml:3:29: ip.v6.0.index: must be 0 (the first address) or more, not -1"},
		{"bad regex", `v6 = [{ type = "interface", match = "2001:(db8" }]`, "test.toml:2:29: ip.v6.0.match: \"2001:(db8\" is not a regular expression (Go's RE2 syntax): error parsing regexp: missing closing ): `2001:(db8`"},
		{"bad prefix", `v6 = [{ type = "interface", prefix = "2001:db8::" }]`, `test.toml:2:29: ip.v6.0.prefix: "2001:db8::" is not a prefix in CIDR form`},
		{"prefix with host bits", `v6 = [{ type = "interface", prefix = "2001:db8:1::5/48" }]`, `ip.v6.0.prefix: "2001:db8:1::5/48" has bits set after its first 48; write "2001:db8:1::/48"`},
		{"v4 prefix under v6", `v6 = [{ type = "interface", prefix = "203.0.113.0/24" }]`, `ip.v6.0.prefix: "203.0.113.0/24" is not an IPv6 prefix, and this source is listed under ip.v6`},
		{"v6 prefix under v4", `v4 = [{ type = "interface", prefix = "2001:db8::/32" }]`, `ip.v4.0.prefix: "2001:db8::/32" is not an IPv4 prefix`},
		{"suffix bits in the prefix", `v6 = [{ type = "interface", suffix = "2001::1234" }]`, `test.toml:2:29: ip.v6.0.suffix: "2001::1234" has bits inside the first 64, which the current prefix supplies; keep only the last 64 bits: "::1234"`},
		{"suffix bits in a /56 prefix", `v6 = [{ type = "interface", suffix = "::100:0:0:0:1", prefix_length = 56 }]`, `has bits inside the first 56`},
		{"suffix not an address", `v6 = [{ type = "interface", suffix = "1234" }]`, `ip.v6.0.suffix: "1234" is not an IPv6 interface identifier`},
		{"suffix under v4", `v4 = [{ type = "interface", suffix = "::1" }]`, `ip.v4.0.suffix: an interface identifier goes on an IPv6 prefix`},
		{"prefix_length out of range", `v6 = [{ type = "interface", suffix = "::1", prefix_length = 128 }]`, `ip.v6.0.prefix_length: must be between 1 and 127, not 128`},
		{"prefix_length without suffix", `v6 = [{ type = "interface", prefix_length = 64 }]`, `ip.v6.0.prefix_length: applies only with suffix`},
		{"selector on another type", `v6 = [{ type = "http", url = "https://x.example", index = 0 }]`, `ip.v6.0.index: does not apply to a source of type "http"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, "[ip]\n"+tc.ip+"\n"+validBase)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("valid selector refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

// TestInterfaceSelectorMasked: `check` prints selector keys that are set
// and no empty ones for sources that set none.
func TestInterfaceSelectorMasked(t *testing.T) {
	cfg, err := parse(t, "[ip]\nv6 = [{ type = \"interface\", index = 0, suffix = \"::1234\" }, { type = \"interface\" }]\n"+validBase)
	if err != nil {
		t.Fatal(err)
	}
	out := cfg.Masked()
	for _, want := range []string{"index = 0", `suffix = "::1234"`} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %s:\n%s", want, out)
		}
	}
	if strings.Count(out, "index") != 1 || strings.Contains(out, "match") || strings.Contains(out, "prefix_length") {
		t.Errorf("check output shows selector keys nobody set:\n%s", out)
	}
}
