package ddnsgo

import (
	"bytes"
	"errors"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/notify"
	"github.com/ddnsd/ddns/providers"
	"github.com/ddnsd/ddns/providers/spec"
	"github.com/hashicorp/go-hclog"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// loadOptions are the supervisor's (cmd/supervisor/config.go): what
// `supervisor check` validates with.
func loadOptions() configs.Options {
	return configs.Options{ProviderKeys: spec.Default(), NotifyTemplate: notify.CheckTemplate,
		Getenv: func(string) string { return "" }}
}

// checkConverted loads toml as `supervisor check` does, then builds every
// provider as the updater does (its constructors parse the webhook
// templates, which check does not), and returns the config.
func checkConverted(t *testing.T, name string, toml []byte) *configs.Config {
	t.Helper()
	cfg, err := configs.Parse(name, toml, loadOptions())
	if err != nil {
		t.Fatalf("the converted config does not pass check: %v\n%s", err, toml)
	}
	reg := providers.Default()
	for _, n := range sortedKeys(cfg.Providers) {
		p := cfg.Providers[n]
		if _, err := reg.New(p.Type, providers.Env{Name: n, Logger: hclog.NewNullLogger()}, providers.Params(p.Params)); err != nil {
			t.Errorf("provider %s of the converted config does not build: %v", n, err)
		}
	}
	return cfg
}

// TestGoldenSamples converts every sample under testdata (real ddns-go
// configs, each naming its source) and compares the output, or the
// refusal, with its golden file; every converted one must pass check.
// Run with -update to rewrite the golden files after a deliberate change.
func TestGoldenSamples(t *testing.T) {
	samples, err := filepath.Glob("testdata/*.yaml")
	if err != nil || len(samples) < 5 {
		t.Fatalf("want at least 5 samples under testdata, found %d (%v)", len(samples), err)
	}
	converted := 0
	for _, in := range samples {
		t.Run(filepath.Base(in), func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			res, cerr := Convert(data, Options{Name: in, Shell: []string{"sh", "-c"}})
			var got []byte
			golden := strings.TrimSuffix(in, ".yaml")
			if cerr != nil {
				var ie *InputError
				if !errors.As(cerr, &ie) {
					t.Fatalf("refused with %T, not an *InputError: %v", cerr, cerr)
				}
				got, golden = []byte(cerr.Error()+"\n"), golden+".err"
			} else {
				got, golden = res.TOML, golden+".toml"
				checkConverted(t, in, res.TOML)
				converted++
			}
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("no golden file (run with -update): %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (run with -update if the change is meant):\n%s", golden, got)
			}
		})
	}
	if converted < 5 {
		t.Errorf("%d samples converted, want at least 5", converted)
	}
}

// TestConvertedRecordsAndSources checks what the samples promise by
// their comments: sources by type, records by zone, name and TTL.
func TestConvertedRecordsAndSources(t *testing.T) {
	tests := []struct {
		file    string
		records []string // "provider zone name type ttl"
		v4, v6  []string // Source.String()
	}{
		{"cloudflare-two-entries.yaml",
			[]string{"h610 imdomestic.com h610 A 1", "h610 imdomestic.com tailscale A 1", "h610 imdomestic.com @ A 1"},
			[]string{"interface ppp0"}, nil},
		{"cloudflare-compose.yaml",
			[]string{"cloudflare example.org home A 1", "cloudflare example.org home AAAA 1"},
			[]string{"http https://ip.3322.net", "http https://4.ipw.cn"}, []string{"interface eth0"}},
		{"cloudflare-proxied.yaml",
			[]string{"mqe example.com mqe A 1", "mqe example.com ssh A 1", "mqe example.com mqe AAAA 1", "mqe example.com ssh AAAA 1"},
			[]string{"http https://ip.3322.net", "http https://4.ipw.cn", "http https://v4.yinghualuo.cn/bejson"}, []string{"interface eth0"}},
		{"tencentcloud-url.yaml",
			[]string{"tencentcloud example.cn nas A 600"},
			[]string{"http https://ip.3322.net", "http https://4.ipw.cn", "http https://v4.yinghualuo.cn/bejson"}, nil},
		{"callback-cmd-webhook.yaml",
			[]string{"duck myhome.duckdns.org @ A 600", "lan-device hossin.work b AAAA 600", "lan-device hossin.work @ AAAA 600"},
			[]string{"http https://api.ipify.org"},
			[]string{`command ["sh" "-c" "ip -6 neigh show | grep 'aa:bb:cc:dd:ee:ff' | grep -v fe80 | head -n1 | awk '{print $1}'"]`}},
		{"callback-json-params.yaml",
			[]string{"webhook example.net www A 300", "webhook example.net api A 300", "webhook example.net www AAAA 300"},
			[]string{"http https://4.ipw.cn"}, []string{"http https://6.ipw.cn", "http https://v6.ident.me"}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile("testdata/" + tc.file)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Convert(data, Options{Name: tc.file})
			if err != nil {
				t.Fatal(err)
			}
			cfg := checkConverted(t, tc.file, res.TOML)
			var recs []string
			for _, r := range cfg.Records {
				recs = append(recs, strings.Join([]string{r.Provider, r.Zone, r.Name, r.Type, strconv.Itoa(r.TTL)}, " "))
			}
			if !slices.Equal(recs, tc.records) {
				t.Errorf("records:\n got %q\nwant %q", recs, tc.records)
			}
			str := func(ss []configs.Source) (out []string) {
				for _, s := range ss {
					out = append(out, s.String())
				}
				return out
			}
			if got := str(cfg.IP.V4); !slices.Equal(got, tc.v4) {
				t.Errorf("ip.v4:\n got %q\nwant %q", got, tc.v4)
			}
			if got := str(cfg.IP.V6); !slices.Equal(got, tc.v6) {
				t.Errorf("ip.v6:\n got %q\nwant %q", got, tc.v6)
			}
		})
	}
}

func TestParseDomain(t *testing.T) {
	tests := []struct {
		in, zone, name, params, why string
	}{
		{in: "sub.example.com", zone: "example.com", name: "sub"},
		{in: "example.com", zone: "example.com", name: "@"},
		{in: "a.b.example.co.uk", zone: "example.co.uk", name: "a.b"},
		{in: "  www.Example.COM  ", zone: "example.com", name: "www"},
		{in: "www:example.cn.eu.org", zone: "example.cn.eu.org", name: "www"},
		{in: "home.duckdns.org", zone: "home.duckdns.org", name: "@"}, // duckdns.org is a public suffix
		{in: "x.example.com?proxied=true&comment=hi", zone: "example.com", name: "x", params: "comment=hi&proxied=true"},
		{in: "a.b.example.com", zone: "example.com", name: "a.b"},
		{in: "example.com.example.com", zone: "example.com", name: "example.com"},
		{in: "example.com.cn", zone: "example.com.cn", name: "@"},
		{in: "x:example.com.cn", zone: "example.com.cn", name: "x"},
		{in: "y:x.example.com?Line=oversea&RecordId=7", zone: "x.example.com", name: "y", params: "Line=oversea&RecordId=7"},
		{in: "家.例子.中国", zone: "例子.中国", name: "家"},
		{in: "www:localhost", why: "no dot"},
		{in: "a:b:example.com", why: "more than one"},
		{in: "com", why: "public suffix"},
		{in: "x.example.com?%zz", why: "do not parse"},
	}
	for _, tc := range tests {
		d, why := parseDomain(tc.in)
		if tc.why != "" {
			if !strings.Contains(why, tc.why) {
				t.Errorf("parseDomain(%q): reason %q, want one saying %q", tc.in, why, tc.why)
			}
			continue
		}
		if why != "" || d.zone != tc.zone || d.name != tc.name || d.params.Encode() != tc.params {
			t.Errorf("parseDomain(%q) = zone %q name %q params %q (%s), want %q %q %q", tc.in, d.zone, d.name, d.params.Encode(), why, tc.zone, tc.name, tc.params)
		}
	}
}

func TestTranslateVariables(t *testing.T) {
	tests := []struct {
		in, want string
		params   map[string]string
		unknown  []string
	}{
		{in: "https://x/?d=#{domain}&ip=#{ip}&t=#{recordType}&ttl=#{ttl}", want: "https://x/?d={{.Name}}&ip={{.Address}}&t={{.Type}}&ttl={{.TTL}}"},
		{in: "#{zone}/#{nope}", params: map[string]string{"zone": "example.net"}, want: "example.net/#{nope}", unknown: []string{"#{nope}"}},
		// A literal "{{" must reach the service as written, not run.
		{in: `{"a":"{{x}}","ip":"#{ip}"}`, want: `{"a":"{{"{{"}}x}}","ip":"{{.Address}}"}`},
	}
	for _, tc := range tests {
		got, unknown := translate(tc.in, callbackVars, tc.params)
		if got != tc.want || !slices.Equal(unknown, tc.unknown) {
			t.Errorf("translate(%q) = %q, %q; want %q, %q", tc.in, got, unknown, tc.want, tc.unknown)
		}
	}
}

// TestCallbackTemplatesRender checks that a translated callback sends what
// ddns-go sent: the webhook provider renders the URL and body for a record.
func TestCallbackTemplatesRender(t *testing.T) {
	in := `dnsconf:
  - ipv4:
      enable: true
      gettype: url
      url: https://4.ipw.cn
      domains: ["www:example.net?zone=z1"]
    dns:
      name: callback
      id: "https://hook.example/#{zone}?d=#{domain}&ip=#{ip}"
      secret: '{"{{literal}}":"#{recordType}","ttl":#{ttl}}'
    ttl: "120"
`
	res, err := Convert([]byte(in), Options{Name: "cb.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := checkConverted(t, "cb.yaml", res.TOML)
	p := cfg.Providers["webhook"]
	if got, want := p.Params["url"], "https://hook.example/z1?d={{.Name}}&ip={{.Address}}"; got != want {
		t.Errorf("url = %q, want %q", got, want)
	}
	if got, want := p.Params["body"], `{"{{"{{"}}literal}}":"{{.Type}}","ttl":{{.TTL}}}`; got != want {
		t.Errorf("body = %q, want %q", got, want)
	}
	if got := p.Params["headers"].(map[string]any)["Content-Type"]; got != "application/json" {
		t.Errorf("Content-Type = %v, want application/json (the body is JSON once filled in)", got)
	}
	if p.Params["method"] != "POST" {
		t.Errorf("method = %v, want POST (ddns-go posts when there is a body)", p.Params["method"])
	}
}

// TestProxiedIsWrittenOnTheRecord: ddns-go's ?proxied= is per domain, and
// so is a record's proxied here: one account, each record with its own
// setting where the domain gave one (only "true" is true, as in ddns-go).
func TestProxiedIsWrittenOnTheRecord(t *testing.T) {
	in := `dnsconf:
  - ipv4:
      enable: true
      gettype: url
      url: https://4.ipw.cn
      domains: ["a.example.com", "b.example.com?proxied=true", "c.example.com?proxied=false", "d.example.com?proxied=1"]
    dns: {name: cloudflare, secret: tok}
`
	res, err := Convert([]byte(in), Options{Name: "p.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := checkConverted(t, "p.yaml", res.TOML)
	if len(cfg.Providers) != 1 || cfg.Providers["cloudflare"].Params["proxied"] != nil {
		t.Errorf("providers = %v, want one cloudflare account without proxied of its own", cfg.Providers)
	}
	show := func(p *bool) string {
		if p == nil {
			return "unset"
		}
		return strconv.FormatBool(*p)
	}
	got := map[string]string{}
	for _, r := range cfg.Records {
		if r.Provider != "cloudflare" {
			t.Errorf("record %s is on provider %q, want cloudflare", r.Name, r.Provider)
		}
		got[r.Name] = show(r.Proxied)
	}
	want := map[string]string{"a": "unset", "b": "true", "c": "false", "d": "false"}
	if !maps.Equal(got, want) {
		t.Errorf("proxied by record = %v, want %v", got, want)
	}
	lines := NoteLines("p.yaml", res.Notes)
	if w := `p.yaml:6: dnsconf[0].ipv4.domains: proxied=1 of "d.example.com?proxied=1" written as proxied = false`; !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, w) }) {
		t.Errorf("no note starting %q in:\n%s", w, strings.Join(lines, "\n"))
	}
	if !strings.Contains(string(res.TOML), "is left proxied or not as Cloudflare has it, as ddns-go left it") {
		t.Errorf("the account lacks the comment about records without proxied:\n%s", res.TOML)
	}
}

// TestIPv6RegMapsToSelectors: ddns-go's ipv6reg becomes an interface
// source's index ("@N", N-1) or match (a regular expression), each with a
// note saying how the two differ; what ddns-go could not use is noted and
// left out.
func TestIPv6RegMapsToSelectors(t *testing.T) {
	tests := []struct {
		reg   string
		want  string // the source as the TOML writes it
		note  string // the start of the note's text after "KEY: "
		index *int
	}{
		{reg: "@2", want: `{ type = "interface", name = "eth0", index = 1 }`, note: `"@2" written as index = 1: ddns-go counted`, index: ptr(1)},
		{reg: "@1", want: `{ type = "interface", name = "eth0", index = 0 }`, note: `"@1" written as index = 0`, index: ptr(0)},
		{reg: "@10", want: `{ type = "interface", name = "eth0", index = 9 }`, note: `"@10" written as index = 9`, index: ptr(9)},
		{reg: "@0", want: `{ type = "interface", name = "eth0" }`, note: `"@0" not converted: ddns-go counts from @1`},
		{reg: "^2001:db8:", want: `{ type = "interface", name = "eth0", match = "^2001:db8:" }`, note: `"^2001:db8:" written as match: where no address matched`},
		{reg: "@x", want: `{ type = "interface", name = "eth0", match = "@x" }`, note: `"@x" written as match`},
		{reg: "::(1|2)$", want: `{ type = "interface", name = "eth0", match = "::(1|2)$" }`, note: `"::(1|2)$" written as match`},
		{reg: "(?<=1)", want: `{ type = "interface", name = "eth0" }`, note: `"(?<=1)" not converted: it is not a regular expression Go accepts`},
	}
	for _, tc := range tests {
		t.Run(tc.reg, func(t *testing.T) {
			in := "dnsconf:\n  - ipv6: {enable: true, gettype: netInterface, netinterface: eth0, ipv6reg: " + strconv.Quote(tc.reg) + ", domains: [v6.example.com]}\n" +
				"    dns: {name: cloudflare, secret: tok}\n"
			res, err := Convert([]byte(in), Options{Name: "r.yaml"})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(res.TOML), "  "+tc.want+",\n") {
				t.Errorf("the output lacks %s:\n%s", tc.want, res.TOML)
			}
			lines := NoteLines("r.yaml", res.Notes)
			if w := "r.yaml:2: dnsconf[0].ipv6.ipv6reg: " + tc.note; !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, w) }) {
				t.Errorf("no note starting %q in:\n%s", w, strings.Join(lines, "\n"))
			}
			cfg := checkConverted(t, "r.yaml", res.TOML)
			if len(cfg.IP.V6) != 1 {
				t.Fatalf("ip.v6 = %v, want one source", cfg.IP.V6)
			}
			if got := cfg.IP.V6[0].Index; (got == nil) != (tc.index == nil) || got != nil && *got != *tc.index {
				t.Errorf("index = %v, want %v", got, tc.index)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestNotesNameTheLine: what is not converted is listed with its line,
// on stderr's format and in the TOML's comments.
func TestNotesNameTheLine(t *testing.T) {
	in := "dnsconf:\n" + // 1
		"  - ipv6:\n" + // 2
		"      enable: true\n" + // 3
		"      gettype: netInterface\n" + // 4
		"      netinterface: eth0\n" + // 5
		"      domains: ['v6.example.com?comment=hi']\n" + // 6
		"    dns: {name: alidns, id: i, secret: s}\n" + // 7
		"    Ttl: 600\n" // 8
	res, err := Convert([]byte(in), Options{Name: "n.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	lines := NoteLines("n.yaml", res.Notes)
	want := map[int]string{
		6: `dnsconf[0].ipv6.domains: parameter comment=hi of "v6.example.com?comment=hi" ignored: alidns takes no per-record parameters here`,
		8: "dnsconf[0].Ttl: ignored: ddns-go reads keys in lower case only",
	}
	for line, w := range want {
		prefix := "n.yaml:" + strconv.Itoa(line) + ": " + w
		if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, prefix) }) {
			t.Errorf("no note starting %q in:\n%s", prefix, strings.Join(lines, "\n"))
		}
		if c := "#   line " + strconv.Itoa(line) + ": " + w; !strings.Contains(string(res.TOML), c) {
			t.Errorf("the TOML's comments lack %q:\n%s", c, res.TOML)
		}
	}
	checkConverted(t, "n.yaml", res.TOML)
}

// ddnsgoProviders are the names ddns-go's dns/index.go (v6, at commit
// 5874c2e, which added desec) selects a provider by, in its order.
var ddnsgoProviders = []string{"alidns", "aliesa", "tencentcloud", "trafficroute", "dnspod", "dnsla", "cloudflare",
	"huaweicloud", "callback", "baiducloud", "porkbun", "godaddy", "namecheap", "namesilo", "vercel", "dynadot",
	"dynv6", "spaceship", "nowcn", "eranet", "tnethk", "gcore", "edgeone", "nsone", "name_com", "rainyun",
	"hipmdnsmgr", "cloudns", "desec"}

// TestMappingTableAgreesWithSpecs: every ddns-go provider is either mapped
// or listed as unsupported, never both; every mapped one uses a type this
// build has with that type's keys, so a provider renamed elsewhere cannot
// silently fall out of the import; and no unsupported one names a type
// this build has, so a provider added here is not left unmapped.
func TestMappingTableAgreesWithSpecs(t *testing.T) {
	for _, name := range ddnsgoProviders {
		_, mapped := mappings[name]
		_, listed := unsupported[name]
		if mapped == listed {
			t.Errorf("ddns-go's %s: in the mapping table %v, in the unsupported list %v; want exactly one", name, mapped, listed)
		}
	}
	for _, name := range append(sortedKeys(mappings), sortedKeys(unsupported)...) {
		if !slices.Contains(ddnsgoProviders, name) {
			t.Errorf("%s is not one of ddns-go's providers", name)
		}
	}
	for _, name := range sortedKeys(mappings) {
		m := mappings[name]
		if m.ours == "" {
			if m.why == "" {
				t.Errorf("ddns-go's %s maps to nothing and says no reason", name)
			}
			continue
		}
		if _, _, ok := spec.Default().Keys(m.ours); !ok {
			t.Errorf("ddns-go's %s maps to %q, which this build has no spec for", name, m.ours)
			continue
		}
		if m.params == nil {
			continue // callback: webhook.go builds its keys
		}
		ps := m.params(dnsAccount{id: value{s: "id"}, secret: value{s: "secret"}})
		if why := usable(spec.Default(), m.ours, ps); why != "" {
			t.Errorf("ddns-go's %s: %s", name, why)
		}
	}
	for _, name := range sortedKeys(unsupported) {
		if _, _, ok := spec.Default().Keys(name); ok {
			t.Errorf("ddns-go's %s is listed as unsupported, but this build has a provider of type %q: map it", name, name)
		}
	}
}

// TestEveryMappedProviderConverts: one entry per mapped ddns-go provider
// becomes a table of its type holding ddns-go's id and secret under that
// type's keys, with ddns-go's TTL for an empty ttl, and passes check.
func TestEveryMappedProviderConverts(t *testing.T) {
	tests := []struct {
		name string
		typ  string
		keys map[string]any // the table's keys, type excepted
		ttl  int
	}{
		{"alidns", "alidns", map[string]any{"access_key_id": "ID", "access_key_secret": "SECRET"}, 600},
		{"tencentcloud", "tencentcloud", map[string]any{"secret_id": "ID", "secret_key": "SECRET"}, 600},
		{"cloudflare", "cloudflare", map[string]any{"api_token": "SECRET"}, 1},
		{"huaweicloud", "huaweicloud", map[string]any{"access_key_id": "ID", "secret_access_key": "SECRET"}, 300},
		{"porkbun", "porkbun", map[string]any{"api_key": "ID", "secret_api_key": "SECRET"}, 600},
		{"godaddy", "godaddy", map[string]any{"api_key": "ID", "api_secret": "SECRET"}, 600},
		{"namesilo", "namesilo", map[string]any{"api_key": "SECRET"}, 3600},
		{"dynv6", "dynv6", map[string]any{"token": "SECRET"}, 600},
		{"desec", "desec", map[string]any{"token": "SECRET"}, 3600},
	}
	covered := map[string]bool{"callback": true} // TestCallback*
	for _, tc := range tests {
		covered[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			in := "dnsconf:\n  - ipv4: {enable: true, gettype: url, url: 'https://4.ipw.cn', domains: [a.example.com]}\n" +
				"    dns: {name: " + tc.name + ", id: ID, secret: SECRET}\n"
			res, err := Convert([]byte(in), Options{Name: "m.yaml"})
			if err != nil {
				t.Fatal(err)
			}
			cfg := checkConverted(t, "m.yaml", res.TOML)
			p, ok := cfg.Providers[tc.typ]
			if !ok || p.Type != tc.typ {
				t.Fatalf("providers = %v, want one named and typed %s", cfg.Providers, tc.typ)
			}
			if !maps.Equal(p.Params, tc.keys) {
				t.Errorf("keys = %v, want %v", p.Params, tc.keys)
			}
			if len(cfg.Records) != 1 || cfg.Records[0].TTL != tc.ttl {
				t.Errorf("records = %+v, want one with TTL %d", cfg.Records, tc.ttl)
			}
		})
	}
	for _, name := range sortedKeys(mappings) {
		if mappings[name].ours != "" && !covered[name] {
			t.Errorf("ddns-go's %s is mapped, and no case here converts it", name)
		}
	}
}

// TestABuildWithoutTheTypeListsTheEntry: against a build whose schema
// lacks a mapped type (or takes other keys), the entry is listed as not yet
// supported with its domains, and the rest converts.
func TestABuildWithoutTheTypeListsTheEntry(t *testing.T) {
	in := "dnsconf:\n  - ipv4: {enable: true, gettype: url, url: 'https://4.ipw.cn', domains: [a.example.com]}\n    dns: {name: cloudflare, secret: tok}\n" +
		"  - ipv4: {enable: true, gettype: url, url: 'https://4.ipw.cn', domains: [p.example.com]}\n    dns: {name: porkbun, id: pk, secret: sk}\n" +
		"  - ipv4: {enable: true, gettype: url, url: 'https://4.ipw.cn', domains: [g.example.com]}\n    dns: {name: godaddy, id: gk, secret: gs}\n"
	schema := schemaEdit{base: spec.Default(), keys: map[string][]string{"porkbun": nil, "godaddy": {"api_token"}}}
	res, err := Convert([]byte(in), Options{Name: "c.yaml", Supported: schema})
	if err != nil {
		t.Fatal(err)
	}
	lines := NoteLines("c.yaml", res.Notes)
	for _, w := range []string{
		`c.yaml:5: dnsconf[1].dns.name: provider "porkbun" (porkbun) not converted, with its domains p.example.com (A): not yet supported: this build has no provider of type "porkbun"`,
		`c.yaml:7: dnsconf[2].dns.name: provider "godaddy" (godaddy) not converted, with its domains g.example.com (A): not yet supported: this build's "godaddy" provider takes api_token, not api_key`,
	} {
		if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, w) }) {
			t.Errorf("no note starting %q in:\n%s", w, strings.Join(lines, "\n"))
		}
	}
	if res.Records != 1 || res.Providers != 1 {
		t.Errorf("%d records on %d providers, want the cloudflare one only:\n%s", res.Records, res.Providers, res.TOML)
	}
}

// schemaEdit is base with some types' keys replaced: nil keys for a type
// the build lacks.
type schemaEdit struct {
	base Schema
	keys map[string][]string
}

func (s schemaEdit) Keys(typ string) (keys, secrets []string, ok bool) {
	if k, edited := s.keys[typ]; edited {
		return k, k, k != nil
	}
	return s.base.Keys(typ)
}

// TestAProviderDDNSGoDoesNotKnowIsRefused: ddns-go falls back to alidns
// for a name it does not know; the import refuses it instead, naming the
// line and ddns-go's names.
func TestAProviderDDNSGoDoesNotKnowIsRefused(t *testing.T) {
	for _, name := range []string{"route99", "gandi", "duckdns"} { // the last two are ours, not ddns-go's
		t.Run(name, func(t *testing.T) {
			in := "dnsconf:\n  - ipv4: {enable: true, gettype: url, url: 'https://4.ipw.cn', domains: [a.example.com]}\n    dns: {name: " + name + ", secret: tok}\n"
			_, err := Convert([]byte(in), Options{Name: "u.yaml"})
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v, want an *InputError", err)
			}
			if w := "u.yaml:3: dnsconf[0].dns.name: \"" + name + "\" is not a provider ddns-go knows"; !strings.HasPrefix(err.Error(), w) {
				t.Errorf("err = %q, want it to start %q", err, w)
			}
			if !strings.Contains(err.Error(), "alidns, aliesa, baiducloud, callback, cloudflare, cloudns, desec, dnsla, dnspod, dynadot, dynv6") {
				t.Errorf("err = %q, want it to list ddns-go's names", err)
			}
		})
	}
}

// TestConversionCases: the shapes ddns-go accepts besides its own
// writing, and the choices where this program differs.
func TestConversionCases(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		records []string // "provider zone name type ttl"
		notes   []string // substrings, each of some note
		toml    []string // substrings of the output
	}{
		{name: "the format before v5 (one entry at the top)",
			in:      "ipv4: {enable: true, gettype: url, url: 'https://4.ipw.cn', domains: [a.example.com]}\ndns: {name: alidns, id: k, secret: s}\nttl: '600'\n",
			records: []string{"alidns example.com a A 600"}},
		{name: "an anchor shared by two entries",
			in: "dnsconf:\n  - ipv4: &v4 {enable: true, gettype: url, url: 'https://4.ipw.cn', domains: [a.example.com]}\n    dns: &acct {name: cloudflare, secret: tok}\n" +
				"  - ipv6: {enable: true, gettype: netInterface, netinterface: eth0, domains: [a.example.com]}\n    dns: *acct\n",
			records: []string{"cloudflare example.com a A 1", "cloudflare example.com a AAAA 1"}},
		{name: "a TTL the provider refuses is raised, and auto is the provider's default",
			in: "dnsconf:\n  - ipv4: {enable: true, gettype: url, url: 'https://4.ipw.cn', domains: [a.example.com]}\n    dns: {name: cloudflare, secret: tok}\n    ttl: '5'\n" +
				"  - ipv4: {enable: true, gettype: url, url: 'https://4.ipw.cn', domains: [b.example.com]}\n    dns: {name: tencentcloud, id: i, secret: s}\n    ttl: auto\n",
			records: []string{"cloudflare example.com a A 60", "tencentcloud example.com b A 600"},
			notes:   []string{"dnsconf[0].ttl: 5 is not a TTL cloudflare accepts; written as 60"}},
		{name: "entries with different sources share one list",
			in: "dnsconf:\n  - ipv4: {enable: true, gettype: netInterface, netinterface: eth0, domains: [a.example.com]}\n    dns: {name: cloudflare, secret: tok}\n" +
				"  - ipv4: {enable: true, gettype: cmd, cmd: 'curl -s https://4.ipw.cn', domains: [b.example.com]}\n    dns: {name: cloudflare, secret: tok}\n",
			records: []string{"cloudflare example.com a A 1", "cloudflare example.com b A 1"},
			notes:   []string{"dnsconf[1].ipv4: this entry takes its IPv4 address from other sources than the first one"},
			toml:    []string{`{ type = "interface", name = "eth0" },`, `{ type = "command", command = ["sh", "-c", "curl -s https://4.ipw.cn"] },`, "this program refuses private"}},
		{name: "one name and type set by two entries",
			in: "dnsconf:\n  - ipv4: {enable: true, gettype: url, url: 'https://4.ipw.cn', domains: [a.example.com]}\n    dns: {name: cloudflare, secret: tok}\n" +
				"  - ipv4: {enable: true, gettype: url, url: 'https://4.ipw.cn', domains: [a.example.com]}\n    dns: {name: alidns, id: i, secret: s}\n",
			records: []string{"cloudflare example.com a A 1"},
			notes:   []string{"a.example.com A skipped: dnsconf[0] already sets it"}},
		{name: "a provider with no equivalent is listed, the rest converted",
			in: "dnsconf:\n  - ipv4: {enable: true, gettype: url, url: 'https://4.ipw.cn', domains: [a.example.com]}\n    dns: {name: cloudflare, secret: tok}\n" +
				"  - ipv4: {enable: true, gettype: url, url: 'https://4.ipw.cn', domains: [v.example.com]}\n    dns: {name: vercel, secret: tok}\n",
			records: []string{"cloudflare example.com a A 1"},
			notes:   []string{`provider "vercel" not converted, with its domains v.example.com (A): this program has no provider for Vercel yet`}},
		{name: "a TTL ddns-go's namesilo does not send is noted, and 3600 written",
			in:      "dnsconf:\n  - ipv4: {enable: true, gettype: url, url: 'https://4.ipw.cn', domains: [n.example.com]}\n    dns: {name: namesilo, secret: k}\n    ttl: '7200'\n",
			records: []string{"namesilo example.com n A 3600"},
			notes:   []string{`c.yaml:4: dnsconf[0].ttl: "7200" ignored: ddns-go's namesilo sends 3600 whatever ttl says`}},
		{name: "a godaddy entry without dns.secret is listed, naming the key it would fill",
			in: "dnsconf:\n  - ipv4: {enable: true, gettype: url, url: 'https://4.ipw.cn', domains: [g.example.com]}\n    dns: {name: godaddy, id: key, secret: ''}\n" +
				"  - ipv4: {enable: true, gettype: url, url: 'https://4.ipw.cn', domains: [a.example.com]}\n    dns: {name: cloudflare, secret: tok}\n",
			records: []string{"cloudflare example.com a A 1"},
			notes:   []string{"provider godaddy needs its dns.secret (for api_secret here), and it is empty"}},
		{name: "an entry with an empty secret or a bad callback URL is listed, the rest converted",
			in: "dnsconf:\n  - ipv4: {enable: true, gettype: url, url: 'https://4.ipw.cn', domains: [a.example.com]}\n    dns: {name: cloudflare, secret: tok}\n" +
				"  - ipv4: {enable: true, gettype: url, url: 'https://4.ipw.cn', domains: [b.example.com]}\n    dns: {name: alidns, id: i, secret: ''}\n" +
				"  - ipv4: {enable: true, gettype: url, url: 'https://4.ipw.cn', domains: [c.example.com]}\n    dns: {name: callback, id: 'ftp://x/#{ip}'}\n",
			records: []string{"cloudflare example.com a A 1"},
			notes: []string{"c.yaml:5: dnsconf[1].dns: provider alidns needs its dns.secret (for access_key_secret here), and it is empty",
				"c.yaml:7: dnsconf[2].dns.id: the callback URL is not an http:// or https:// URL"}},
		{name: "a name that is not ASCII is written as is, with a note",
			in:      "dnsconf:\n  - ipv4: {enable: true, gettype: url, url: 'https://4.ipw.cn', domains: [家.例子.中国]}\n    dns: {name: alidns, id: i, secret: s}\n",
			records: []string{"alidns 例子.中国 家 A 600"},
			notes:   []string{`c.yaml:2: dnsconf[0].ipv4.domains: "家.例子.中国" is written as is`}},
		{name: "an unknown gettype and an empty cmd fall back to the defaults",
			in:      "dnsconf:\n  - ipv4: {enable: true, gettype: dns, domains: [a.example.com]}\n    ipv6: {enable: true, gettype: cmd, cmd: '', domains: [a.example.com]}\n    dns: {name: cloudflare, secret: tok}\n",
			records: []string{"cloudflare example.com a A 1", "cloudflare example.com a AAAA 1"},
			notes:   []string{`"dns" is not url, netInterface or cmd`, "dnsconf[0].ipv6.cmd: the command is empty"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Convert([]byte(tc.in), Options{Name: "c.yaml", Shell: []string{"sh", "-c"}})
			if err != nil {
				t.Fatal(err)
			}
			cfg := checkConverted(t, "c.yaml", res.TOML)
			var recs []string
			for _, r := range cfg.Records {
				recs = append(recs, strings.Join([]string{r.Provider, r.Zone, r.Name, r.Type, strconv.Itoa(r.TTL)}, " "))
			}
			if !slices.Equal(recs, tc.records) {
				t.Errorf("records:\n got %q\nwant %q", recs, tc.records)
			}
			lines := NoteLines("c.yaml", res.Notes)
			for _, w := range tc.notes {
				if !slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, w) }) {
					t.Errorf("no note with %q in:\n%s", w, strings.Join(lines, "\n"))
				}
			}
			for _, w := range tc.toml {
				if !strings.Contains(string(res.TOML), w) {
					t.Errorf("the output lacks %q:\n%s", w, res.TOML)
				}
			}
		})
	}
}
