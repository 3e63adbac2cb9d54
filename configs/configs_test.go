package configs

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var testKeys = KeyTable{
	"cloudflare": {Keys: []string{"api_token", "proxied"}, Secrets: []string{"api_token"}},
	"dryrun":     {},
}

func parse(t *testing.T, src string) (*Config, error) {
	t.Helper()
	return Parse("test.toml", []byte(src), Options{ProviderKeys: testKeys, Getenv: func(k string) string {
		if k == "CF_TOKEN" {
			return "env-secret-value"
		}
		return ""
	}})
}

func TestEmbeddedDefaultIsValid(t *testing.T) {
	cfg, err := Parse(EmbeddedName, EmbeddedDefault(), Options{ProviderKeys: testKeys})
	if err != nil {
		t.Fatalf("embedded default does not load: %v", err)
	}
	if p := cfg.Providers["local"]; p.Type != "dryrun" {
		t.Fatalf("embedded default provider = %+v, want dryrun", p)
	}
	if !cfg.IP.AllowPrivate || len(cfg.IP.V4) != 1 || cfg.IP.V4[0].Type != "interface" {
		t.Fatalf("embedded default ip = %+v", cfg.IP)
	}
	if cfg.Probe.DNS == nil || len(cfg.Probe.DNS) != 0 || cfg.Probe.TCP == nil {
		t.Fatalf("embedded default must disable probes explicitly: %+v", cfg.Probe)
	}
}

func TestDefaultsApplyAndZeroStays(t *testing.T) {
	cfg, err := parse(t, `
[supervisor]
restart_delay = "0s"
[providers.p]
type = "dryrun"
[[records]]
provider = "p"
zone = "Example.COM."
name = "home"
`)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Supervisor.RestartDelay.Duration != 0 {
		t.Errorf("restart_delay = %v, want 0 as written", cfg.Supervisor.RestartDelay)
	}
	if cfg.Supervisor.RestartDelayMax.Duration != 5*time.Minute || cfg.Supervisor.CrashLoopRestarts != 5 {
		t.Errorf("defaults not applied: %+v", cfg.Supervisor)
	}
	r := cfg.Records[0]
	if r.Zone != "example.com" || r.Type != "A" || r.TTL != DefaultTTL || r.FQDN() != "home.example.com" {
		t.Errorf("record not normalised: %+v", r)
	}
	if cfg.Probe.DNS != nil {
		t.Errorf("probe.dns absent must stay nil (derive), got %v", cfg.Probe.DNS)
	}
}

func TestErrorsCarryPositionAndKey(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string // each must appear in the error text
	}{
		{"unknown key", "[supervisor]\nrestart_dealy = \"1s\"\n", []string{"test.toml:2:1: supervisor.restart_dealy: unknown key"}},
		{"bad duration", "[probe]\ninterval = \"5 seconds\"\n", []string{"test.toml:2:", "probe.interval", "not a duration"}},
		{"wrong type", "[supervisor]\ncrash_loop_restarts = \"five\"\n", []string{"test.toml:2:1: supervisor.crash_loop_restarts", "incompatible types"}},
		{"syntax", "[supervisor\n", []string{"test.toml:2:1:", "expected"}},
		{"undefined provider", "[providers.a]\ntype = \"dryrun\"\n\n[[records]]\nprovider = \"a\"\nzone = \"x.org\"\n\n[[records]]\nprovider = \"b\"\nzone = \"x.org\"\n", []string{"test.toml:9:1: records.1.provider: no provider named \"b\""}},
		{"empty command", "[supervisor]\ncommand = []\n", []string{"test.toml:2:1: supervisor.command: the command is empty"}},
		{"unknown provider type", "[providers.a]\ntype = \"nope\"\n", []string{"test.toml:2:1: providers.a.type: unknown provider type \"nope\""}},
		{"unknown provider key", "[providers.a]\ntype = \"cloudflare\"\napi_tokn = \"x\"\n", []string{"test.toml:3:1: providers.a.api_tokn: unknown key", "api_token (or api_token_file, api_token_env)"}},
		{"bad source key", "[ip]\nv4 = [{ type = \"http\", url = \"https://a.example\" },\n      { type = \"dns\", url = \"x\", server = \"1.1.1.1:53\", name = \"n\" }]\n", []string{"test.toml:3:23: ip.v4.1.url: does not apply"}},
		{"two secrets", "[providers.a]\ntype = \"cloudflare\"\napi_token = \"x\"\napi_token_env = \"CF_TOKEN\"\n", []string{"providers.a.api_token: give only one"}},
		{"env unset", "[providers.a]\ntype = \"cloudflare\"\napi_token_env = \"NOPE\"\n", []string{"test.toml:3:1: providers.a.api_token_env: the environment variable NOPE is not set"}},
		{"record type", "[providers.a]\ntype = \"dryrun\"\n[[records]]\nprovider = \"a\"\nzone = \"x.org\"\ntype = \"MX\"\n", []string{"test.toml:6:1: records.0.type: \"MX\" is not A or AAAA"}},
		{"duplicate record", "[providers.a]\ntype = \"dryrun\"\n[[records]]\nprovider = \"a\"\nzone = \"x.org\"\n[[records]]\nprovider = \"a\"\nzone = \"x.org\"\nname = \"@\"\n", []string{"test.toml:6:1: records.1: x.org A is already defined"}},
		{"public listen without token", "[http]\nlisten = \"0.0.0.0:9876\"\n", []string{"test.toml:2:1: http.listen", "needs a bearer token"}},
		{"tcp probe", "[probe]\ntcp = [\"1.1.1.1\"]\n", []string{"test.toml:2:8: probe.tcp.0", "not host:port"}},
		{"notify event", "[[notify]]\ntype = \"ping\"\nurl = \"https://hc.example/abc\"\nevents = [\"bogus\"]\n", []string{"test.toml:4:11: notify.0.events.0: unknown event \"bogus\""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, tc.src)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\n does not contain %q", err, w)
				}
			}
			if _, ok := AsErrors(err); !ok {
				t.Errorf("error is not a located Errors: %T", err)
			}
		})
	}
}

func TestSecretsResolveAndNeverShow(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("file-secret-value\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "c.toml")
	src := "[providers.a]\ntype = \"cloudflare\"\napi_token_file = \"token\"\n[providers.b]\ntype = \"cloudflare\"\napi_token_env = \"CF_TOKEN\"\n[providers.c]\ntype = \"cloudflare\"\napi_token = \"inline-secret-value\"\n"
	if err := os.WriteFile(cfgPath, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadFile(cfgPath, Options{ProviderKeys: testKeys, Getenv: func(k string) string { return map[string]string{"CF_TOKEN": "env-secret-value"}[k] }})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"a": "file-secret-value", "b": "env-secret-value", "c": "inline-secret-value"} {
		if got := cfg.Providers[name].Params["api_token"]; got != want {
			t.Errorf("provider %s token = %q, want %q", name, got, want)
		}
	}
	warnings := strings.Join(cfg.Warnings, "\n")
	if !strings.Contains(warnings, "readable by other users") || !strings.Contains(warnings, "c.toml:9:1: providers.c.api_token") {
		t.Errorf("warnings = %q", warnings)
	}
	out := cfg.Masked() + warnings
	for _, s := range []string{"file-secret-value", "env-secret-value", "inline-secret-value"} {
		if strings.Contains(out, s) {
			t.Errorf("secret %q leaked into:\n%s", s, out)
		}
	}
	if !strings.Contains(cfg.Masked(), Mask) {
		t.Errorf("masked config shows no mask:\n%s", cfg.Masked())
	}
}

func TestMaskedHidesNotifyURLSecrets(t *testing.T) {
	cfg := Defaults()
	cfg.Notify = []Notify{{URL: "https://user:pw@hc.example/ping/abc?token=s3cret"}}
	got := cfg.Masked()
	if strings.Contains(got, "pw@") || strings.Contains(got, "s3cret") || !strings.Contains(got, "hc.example/ping/abc") {
		t.Errorf("Masked shows a notify URL's secret or hides its host and path:\n%s", got)
	}
}

func TestLocateOrder(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if got := Locate("/flag.toml", getenv); got != "/flag.toml" {
		t.Errorf("flag: %q", got)
	}
	env[EnvConfig] = "/env.toml"
	if got := Locate("", getenv); got != "/env.toml" {
		t.Errorf("env: %q", got)
	}
	delete(env, EnvConfig)
	home := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", home)
	t.Setenv("HOME", home)
	userDir, err := os.UserConfigDir()
	if err != nil {
		t.Skip("no user config dir:", err)
	}
	if got := Locate("", getenv); got != "" && got != SystemConfigPath(getenv) {
		t.Errorf("nothing present: %q", got)
	}
	p := filepath.Join(userDir, "ddns", "config.toml")
	os.MkdirAll(filepath.Dir(p), 0o700)
	os.WriteFile(p, []byte(""), 0o600)
	if got := Locate("", getenv); got != p {
		t.Errorf("user file: got %q want %q", got, p)
	}
}

func TestScannerPositions(t *testing.T) {
	src := "a = 1 # c\n[t.\"q\"]\nk = { x = \"}\", y = [1, 2] }\n[[arr]]\nz = '''\nmulti\n'''\n[[arr]]\nz = 2\n"
	pos := locate(src)
	for key, want := range map[string]Pos{"a": {1, 1}, "t.q": {2, 1}, "t.q.k": {3, 1}, "t.q.k.x": {3, 7}, "t.q.k.y": {3, 16}, "t.q.k.y.1": {3, 24}, "arr.0.z": {5, 1}, "arr.1.z": {9, 1}} {
		if got := pos[key]; got != want {
			t.Errorf("%s at %v, want %v", key, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(EmbeddedDefault())
	f.Add([]byte("[supervisor]\ncommand = []\n"))
	f.Add([]byte("[[records]]\nprovider = \"x\"\n"))
	f.Add([]byte("[ip]\nv4 = [{ type = \"dns\", name = \"}\" }]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse("fuzz.toml", data, Options{ProviderKeys: testKeys, Getenv: func(string) string { return "" }})
		if err == nil && cfg == nil {
			t.Fatal("nil config without error")
		}
		if err != nil && !strings.HasPrefix(err.Error(), "fuzz.toml") {
			t.Fatalf("error without file name: %v", err)
		}
		_ = locate(string(data))
	})
}

// tablesOf lists the TOML tables of a section type: the section itself
// (header, as written in a file) and every array of tables inside it, found
// by walking the struct's toml tags, so a new section or array is covered
// without touching the test. Maps (headers, log levels) take any key and
// are not tables of fixed keys.
func tablesOf(header string, typ reflect.Type, array bool) []string {
	var out []string
	if array {
		out = append(out, "[["+header+"]]")
	} else {
		out = append(out, "["+header+"]")
	}
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if tag == "" || tag == "-" || !f.IsExported() {
			continue
		}
		ft := f.Type
		switch {
		case ft.Kind() == reflect.Struct && ft != reflect.TypeOf(Duration{}):
			out = append(out, tablesOf(header+"."+tag, ft, false)...)
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			out = append(out, tablesOf(header+"."+tag, ft.Elem(), true)...)
		}
	}
	return out
}

// TestUnknownKeyInEverySectionAndArray puts a misspelt key into every table
// of the schema ([supervisor], [probe], [ip], each [[ip.v4]] source,
// [[records]], [[notify]], [http], [log], ..., and a [providers.NAME]
// table) and wants each refused with an error that names the key where it
// stands.
func TestUnknownKeyInEverySectionAndArray(t *testing.T) {
	var tables []string
	ct := reflect.TypeOf(Config{})
	for i := 0; i < ct.NumField(); i++ {
		f := ct.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if tag == "" || tag == "-" {
			continue
		}
		switch {
		case f.Type.Kind() == reflect.Struct:
			tables = append(tables, tablesOf(tag, f.Type, false)...)
		case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct:
			tables = append(tables, tablesOf(tag, f.Type.Elem(), true)...)
		}
	}
	for _, want := range []string{"[supervisor]", "[probe]", "[updater]", "[ip]", "[[ip.v4]]", "[[ip.v6]]", "[[records]]", "[http]", "[[notify]]", "[log]"} {
		if !slices.Contains(tables, want) {
			t.Fatalf("the schema walk missed %s; found %v", want, tables)
		}
	}
	tables = append(tables, "[providers.home]")
	for _, table := range tables {
		t.Run(table, func(t *testing.T) {
			name := strings.Trim(table, "[]")
			if strings.HasPrefix(table, "[[") {
				name += ".0" // the first (and only) entry of the array
			}
			src := table + "\nmisspelt_key = 1\n"
			if name == "providers.home" {
				src = table + "\ntype = \"cloudflare\"\nmisspelt_key = 1\n"
			}
			_, err := parse(t, src)
			line := strings.Count(src, "\n")
			want := fmt.Sprintf("test.toml:%d:1: %s.misspelt_key: unknown key", line, name)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("%q: want an error containing %q, got: %v", src, want, err)
			}
		})
	}
}

// TestUnknownKeyInArraysNamesEachEntry: an unknown key inside an array of
// tables is reported at each entry that has it, by index, including inline
// tables in an array.
func TestUnknownKeyInArraysNamesEachEntry(t *testing.T) {
	src := "[ip]\nv4 = [{ type = \"http\", url = \"https://a.example\" }, { type = \"http\", urll = \"https://b.example\" }]\n" +
		"[providers.p]\ntype = \"dryrun\"\n" +
		"[[records]]\nprovider = \"p\"\nzone = \"example.com\"\nname = \"a\"\nttll = 60\n" +
		"[[records]]\nprovider = \"p\"\nzone = \"example.com\"\nname = \"b\"\n" +
		"[[records]]\nprovider = \"p\"\nzone = \"example.com\"\nname = \"c\"\nttll = 60\n"
	_, err := parse(t, src)
	if err == nil {
		t.Fatal("unknown keys in arrays were accepted")
	}
	for _, want := range []string{
		"test.toml:2:70: ip.v4.1.urll: unknown key",
		"test.toml:9:1: records.0.ttll: unknown key",
		"test.toml:18:1: records.2.ttll: unknown key",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("want %q in:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "records.1.") || strings.Count(err.Error(), "unknown key") != 3 {
		t.Errorf("want exactly the three unknown keys:\n%v", err)
	}
}

// ttlSchema is testKeys with a provider that refuses TTLs below 60 (except
// 1) and warns below 600, as a stand-in for the real provider specs.
type ttlSchema struct{ KeyTable }

func (ttlSchema) CheckTTL(typ string, ttl int) (string, error) {
	switch {
	case typ != "cloudflare" || ttl == 1:
		return "", nil
	case ttl < 60:
		return "", fmt.Errorf("%d is not a TTL cloudflare accepts: use 1 (automatic) or 60 to 86400 seconds", ttl)
	case ttl < 600:
		return fmt.Sprintf("%d is below 600 on some plans", ttl), nil
	}
	return "", nil
}

func TestRecordTTLCheckedByProviderType(t *testing.T) {
	const head = "[providers.a]\ntype = \"cloudflare\"\napi_token = \"x\"\n[providers.d]\ntype = \"dryrun\"\n"
	tests := []struct {
		name, records string
		wantErr       string // "" = loads
		wantWarn      string
	}{
		{"refused TTL located at its key", "[[records]]\nprovider = \"a\"\nzone = \"x.org\"\nttl = 30\n",
			"test.toml:9:1: records.0.ttl: 30 is not a TTL cloudflare accepts: use 1 (automatic) or 60 to 86400 seconds (provider \"a\" is of type cloudflare)", ""},
		{"automatic", "[[records]]\nprovider = \"a\"\nzone = \"x.org\"\nttl = 1\n", "", ""},
		{"warned", "[[records]]\nprovider = \"a\"\nzone = \"x.org\"\nttl = 120\n", "", "test.toml:9:1: records.0.ttl: 120 is below 600 on some plans"},
		{"default TTL checked too", "[[records]]\nprovider = \"a\"\nzone = \"x.org\"\n", "", "records.0.ttl: 300 is below 600"},
		{"other type unaffected", "[[records]]\nprovider = \"d\"\nzone = \"x.org\"\nttl = 30\n", "", ""},
		{"negative stays one error", "[[records]]\nprovider = \"a\"\nzone = \"x.org\"\nttl = -5\n", "records.0.ttl: must be positive, not -5", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Parse("test.toml", []byte(head+tc.records), Options{ProviderKeys: ttlSchema{testKeys}})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				if es, _ := AsErrors(err); len(es) != 1 {
					t.Errorf("%d errors, want 1: %v", len(es), err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(cfg.Warnings, "\n")
			if (tc.wantWarn == "") != (got == "") || !strings.Contains(got, tc.wantWarn) {
				t.Errorf("warnings %q, want %q", got, tc.wantWarn)
			}
		})
	}
}
