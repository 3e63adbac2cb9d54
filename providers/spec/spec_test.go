package spec

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestCheckTTL(t *testing.T) {
	tests := []struct {
		typ     string
		ttl     int
		wantErr string // "" = accepted
		warn    bool
	}{
		{"cloudflare", 1, "", false},
		{"cloudflare", 30, "use 1 (automatic) or 60 to 86400 seconds", false},
		{"cloudflare", 59, "60 to 86400", false},
		{"cloudflare", 60, "", false},
		{"cloudflare", 86400, "", false},
		{"cloudflare", 86401, "60 to 86400", false},
		{"cloudflare", 0, "0 is not a TTL cloudflare accepts", false},
		{"alidns", 1, "", true},
		{"alidns", 599, "", true},
		{"alidns", 600, "", false},
		{"alidns", 86401, "1 to 86400", false},
		{"tencentcloud", 300, "", true},
		{"tencentcloud", 604800, "", false},
		{"tencentcloud", 604801, "1 to 604800", false},
		{"rfc2136", 1, "", false},
		{"rfc2136", 2147483647, "", false},
		{"rfc2136", 0, "1 to 2147483647", false},
		{"rfc2136", -5, "1 to 2147483647", false},
		{"dyndns2", 60, "", false},
		{"webhook", 0, "is not a TTL", false},
		{"dryrun", 1, "", false},
		{"desec", 60, "", true},
		{"desec", 3600, "", false},
		{"desec", 86401, "1 to 86400", false},
		{"gandi", 299, "300 to 2592000", false},
		{"gandi", 300, "", false},
		{"hetzner", 59, "60 to 2147483647", false},
		{"hetzner", 60, "", false},
		{"godaddy", 300, "", true},
		{"godaddy", 604801, "1 to 604800", false},
		{"godaddy", 600, "", false},
		{"porkbun", 300, "", true},
		{"porkbun", 600, "", false},
		{"namecheap", 60, "", false},
		{"namecheap", 60001, "60 to 60000", false},
		{"no-such-type", 300, "", false},
		{"no-such-type", 0, "is not a TTL", false},
	}
	reg := Default()
	for _, tt := range tests {
		warn, err := reg.CheckTTL(tt.typ, tt.ttl)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s ttl %d: unexpected error %v", tt.typ, tt.ttl, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s ttl %d: error %v, want one containing %q", tt.typ, tt.ttl, err, tt.wantErr)
		}
		if (warn != "") != tt.warn {
			t.Errorf("%s ttl %d: warning %q, want a warning: %v", tt.typ, tt.ttl, warn, tt.warn)
		}
	}
}

func TestProbeTargets(t *testing.T) {
	tests := []struct {
		typ       string
		params    map[string]any
		endpoint  string
		wantURLs  []string
		wantHosts []string
	}{
		{"cloudflare", nil, "", []string{"https://api.cloudflare.com"}, nil},
		{"cloudflare", nil, "http://127.0.0.1:8080", []string{"http://127.0.0.1:8080"}, nil},
		{"alidns", nil, "", []string{"https://alidns.aliyuncs.com"}, nil},
		{"tencentcloud", nil, "", []string{"https://dnspod.tencentcloudapi.com"}, nil},
		{"rfc2136", map[string]any{"server": "ns1.example.com"}, "", nil, []string{"ns1.example.com"}},
		{"rfc2136", map[string]any{"server": "192.0.2.1:5353"}, "", nil, []string{"192.0.2.1:5353"}},
		{"rfc2136", map[string]any{"server": "ns1.example.com"}, "tcp://127.0.0.1:5300/", nil, []string{"tcp://127.0.0.1:5300/"}},
		{"rfc2136", map[string]any{"server": "udp://[2001:db8::1]"}, "", nil, []string{"udp://[2001:db8::1]"}},
		{"rfc2136", nil, "", nil, nil},
		{"dyndns2", map[string]any{"server": "https://dynupdate.no-ip.com"}, "", []string{"https://dynupdate.no-ip.com"}, nil},
		{"dyndns2", map[string]any{"server": "https://dynupdate.no-ip.com"}, "http://127.0.0.1:1", []string{"http://127.0.0.1:1"}, nil},
		{"webhook", map[string]any{"url": "https://hook.example.net/x"}, "", []string{"https://hook.example.net/x"}, nil},
		{"webhook", map[string]any{"url": "https://{{.Zone}}/x"}, "", nil, nil},
		{"dryrun", nil, "", nil, nil},
		{"desec", nil, "", []string{"https://desec.io"}, nil},
		{"gandi", nil, "", []string{"https://api.gandi.net"}, nil},
		{"hetzner", nil, "", []string{"https://dns.hetzner.com"}, nil},
		{"godaddy", nil, "", []string{"https://api.godaddy.com"}, nil},
		{"porkbun", nil, "", []string{"https://api.porkbun.com"}, nil},
		{"namecheap", nil, "", []string{"https://api.namecheap.com"}, nil},
		{"no-such-type", nil, "http://127.0.0.1:1", nil, nil},
	}
	reg := Default()
	for _, tt := range tests {
		urls, hosts := reg.ProbeTargets(tt.typ, tt.params, tt.endpoint)
		if !slices.Equal(urls, tt.wantURLs) || !slices.Equal(hosts, tt.wantHosts) {
			t.Errorf("%s %v endpoint %q: got urls %q hosts %q, want %q %q", tt.typ, tt.params, tt.endpoint, urls, hosts, tt.wantURLs, tt.wantHosts)
		}
	}
}

func TestRegistryIsSortedAndComplete(t *testing.T) {
	reg := Default()
	types := reg.Types()
	want := []string{"alidns", "cloudflare", "dryrun", "dyndns2", "rfc2136", "tencentcloud", "webhook",
		"duckdns", "dynu", "dynv6", "huaweicloud", "namesilo", "noip", "ovh",
		"desec", "gandi", "hetzner", "godaddy", "porkbun", "namecheap",
	}
	slices.Sort(want)
	if !slices.Equal(types, want) {
		t.Fatalf("Types() = %q, want %q", types, want)
	}
	for _, s := range reg.Specs() {
		if s.Doc == "" {
			t.Errorf("%s: no Doc line", s.Type)
		}
		if s.TTL.Min < 1 || s.TTL.Max < s.TTL.Min {
			t.Errorf("%s: TTL limits %+v are not a range of positive values", s.Type, s.TTL)
		}
		seen := map[string]bool{}
		for _, k := range s.Keys {
			if seen[k.Name] || k.Name == "type" || k.Name == "endpoint" || strings.HasSuffix(k.Name, "_file") || strings.HasSuffix(k.Name, "_env") {
				t.Errorf("%s: key %q repeated or reserved", s.Type, k.Name)
			}
			seen[k.Name] = true
		}
		if got, ok := reg.Lookup(s.Type); !ok || got.Type != s.Type {
			t.Errorf("Lookup(%q) = %v, %v", s.Type, got.Type, ok)
		}
	}
	if _, ok := reg.Lookup("nope"); ok {
		t.Error("Lookup of an unknown type succeeded")
	}
	keys, secrets, ok := reg.Keys("cloudflare")
	if !ok || !slices.Equal(keys, []string{"api_token", "proxied", "zone_id"}) || !slices.Equal(secrets, []string{"api_token"}) {
		t.Errorf("Keys(cloudflare) = %q %q %v", keys, secrets, ok)
	}
}

// TestImportsOnlyStandardLibrary keeps the package free of provider SDKs
// and of this project's packages, which is what lets the supervisor use it
// without linking them.
func TestImportsOnlyStandardLibrary(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			path := strings.Trim(imp.Path.Value, `"`)
			if first, _, _ := strings.Cut(path, "/"); strings.Contains(first, ".") {
				t.Errorf("%s imports %s; this package may import only the standard library", f, path)
			}
		}
	}
}
