package ddnsgo

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ddnsd/ddns/configs"
)

func runMain(args ...string) (stdout, stderr string, code int) {
	var o, e bytes.Buffer
	code = Main(args, &o, &e)
	return o.String(), e.String(), code
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestHostileInputIsRefusedWithItsPlace: each bad input exits 2 with one
// message naming the file, and the line where there is one.
func TestHostileInputIsRefusedWithItsPlace(t *testing.T) {
	dir := t.TempDir()
	huge := filepath.Join(dir, "huge.yaml")
	if err := os.WriteFile(huge, bytes.Repeat([]byte("# padding\n"), MaxInputSize/10+1), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		content string
		want    []string
	}{
		{name: "not YAML", content: "dnsconf: []\nlang: zh\n  x: y\n", want: []string{":3: not YAML that ddns-go could read: mapping values are not allowed"}},
		{name: "unclosed list", content: "dnsconf:\n  - ipv4: [unclosed\n", want: []string{"not YAML that ddns-go could read", "did not find expected"}},
		{name: "a tab indent", content: "dnsconf:\n\t- dns: {}\n", want: []string{":2: not YAML that ddns-go could read", "tab"}},
		{name: "plain text", content: "hello, I am not a config\n", want: []string{":1:", "text, not a ddns-go config"}},
		{name: "a list", content: "- a\n- b\n", want: []string{":1:", "a list, not a ddns-go config"}},
		{name: "empty file", content: "", want: []string{"empty, not a ddns-go config"}},
		{name: "empty dnsconf", content: "dnsconf: []\nlang: zh\n", want: []string{":1: dnsconf: the list is empty"}},
		{name: "null dnsconf", content: "dnsconf:\nlang: zh\n", want: []string{":1: dnsconf: the list is empty"}},
		{name: "dnsconf not a list", content: "dnsconf: yes\n", want: []string{":1: dnsconf: is YAML"}},
		{name: "unknown provider", content: "dnsconf:\n  - ipv4: {enable: true, gettype: url, url: 'https://4.ipw.cn', domains: [a.example.com]}\n    dns:\n      name: route99\n",
			want: []string{":4: dnsconf[0].dns.name: \"route99\" is not a provider ddns-go knows", "alidns, aliesa, baiducloud, callback"}},
		{name: "no provider", content: "dnsconf:\n  - ipv4: {enable: true, domains: [a.example.com]}\n    dns: {id: x}\n",
			want: []string{":3: dnsconf[0].dns.name: no provider is named"}},
		{name: "key twice", content: "dnsconf:\n  - dns: {name: alidns}\n    dns: {name: cloudflare}\n", want: []string{":3: dnsconf[0].dns: is given twice (also at line 2)"}},
		{name: "empty secret", content: "dnsconf:\n  - ipv4: {enable: true, gettype: url, url: 'https://4.ipw.cn', domains: [a.example.com]}\n    dns: {name: cloudflare, secret: ''}\n",
			want: []string{":3: dnsconf[0].dns: provider cloudflare needs its dns.secret"}},
		{name: "enable not a bool", content: "dnsconf:\n  - ipv4: {enable: maybe}\n", want: []string{":2: dnsconf[0].ipv4.enable: \"maybe\" is not true or false"}},
		{name: "domains not a list", content: "dnsconf:\n  - ipv4: {enable: true, domains: a.example.com}\n", want: []string{":2: dnsconf[0].ipv4.domains: is YAML text, not a list"}},
		{name: "nothing enabled", content: "dnsconf:\n  - ipv4: {enable: false, domains: [a.example.com]}\n    dns: {name: cloudflare, secret: t}\n",
			want: []string{":1: dnsconf: nothing could be converted", ":2: dnsconf[0].ipv4.enable: ipv4 is off in ddns-go"}},
		{name: "missing file", path: filepath.Join(dir, "nope.yaml"), want: []string{"cannot read the ddns-go config", "nope.yaml"}},
		{name: "a folder", path: dir, want: []string{"cannot read the ddns-go config", "is a folder, not a regular file"}},
		{name: "huge file", path: huge, want: []string{"huge.yaml is", "more than the limit of 1 MiB"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.path
			if p == "" {
				p = writeTemp(t, "in.yaml", tc.content)
			}
			out, errOut, code := runMain(p)
			if code != 2 {
				t.Errorf("exit %d, want 2; stderr:\n%s", code, errOut)
			}
			if out != "" {
				t.Errorf("stdout is not empty on a refusal:\n%s", out)
			}
			if !strings.Contains(errOut, p) {
				t.Errorf("the message does not name the file %s:\n%s", p, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("the message lacks %q:\n%s", w, errOut)
				}
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{nil, {"a.yaml", "b.yaml"}, {"--bogus", "a.yaml"}} {
		_, errOut, code := runMain(args...)
		if code != 2 || !strings.Contains(errOut, "usage: updater import-ddns-go FILE") {
			t.Errorf("Main(%q): exit %d, stderr:\n%s", args, code, errOut)
		}
	}
	out, errOut, code := runMain("--help")
	if code != 0 || !strings.Contains(errOut+out, "--secrets-dir DIR") {
		t.Errorf("--help: exit %d, output:\n%s%s", code, out, errOut)
	}
}

const sampleWithSecrets = `dnsconf:
  - name: home
    ipv4: {enable: true, gettype: url, url: 'https://4.ipw.cn', domains: [home.example.com]}
    dns: {name: cloudflare, secret: cfTokenSecretValue42}
  - ipv6: {enable: true, gettype: netInterface, netinterface: eth0, domains: ['nas:example.cn']}
    dns: {name: alidns, id: LTAIkeyid, secret: aliSecretValue77}
    ttl: "600"
webhook:
  webhookurl: https://api.telegram.example/botTgSecretValue99/sendMessage
  webhookrequestbody: '{"text":"#{ipv4Addr} #{ipv4Result}"}'
  webhookheaders: |
    X-Source: ddns
`

// TestSecretsDirMovesEverySecretToOwnerOnlyFiles: with --secrets-dir the
// config names files, holds no secret, and loads as it is.
func TestSecretsDirMovesEverySecretToOwnerOnlyFiles(t *testing.T) {
	dir := t.TempDir()
	in := writeTemp(t, "ddns.yaml", sampleWithSecrets)
	out := filepath.Join(dir, "config.toml")
	secrets := filepath.Join(dir, "secrets")
	stdout, stderr, code := runMain(in, "--out", out, "--secrets-dir", secrets)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout with --out: %q", stdout)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"cfTokenSecretValue42", "aliSecretValue77", "TgSecretValue99"} {
		if strings.Contains(string(data), s) || strings.Contains(stderr, s) {
			t.Errorf("secret %s is in the config or on stderr:\n%s\n%s", s, data, stderr)
		}
	}
	for _, k := range []string{"api_token_file", "access_key_secret_file", "url_file"} {
		if !strings.Contains(string(data), k+" = ") {
			t.Errorf("the config lacks %s:\n%s", k, data)
		}
	}
	if strings.Contains(stderr, "written inline") {
		t.Errorf("warned of inline secrets with --secrets-dir:\n%s", stderr)
	}
	if runtime.GOOS != "windows" {
		for _, p := range []string{out, filepath.Join(secrets, "home.api_token"), filepath.Join(secrets, "alidns.access_key_secret"), filepath.Join(secrets, "notify.url")} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("%s has mode %v, want 0600", p, fi.Mode().Perm())
			}
		}
		if fi, err := os.Stat(secrets); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("the secrets folder: %v, %v; want mode 0700", fi, err)
		}
	}
	cfg, err := configs.LoadFile(out, loadOptions())
	if err != nil {
		t.Fatalf("the config with secret files does not load: %v\n%s", err, data)
	}
	if got := cfg.Providers["home"].Params["api_token"]; got != "cfTokenSecretValue42" {
		t.Errorf("api_token read from its file = %q", got)
	}
	if len(cfg.Notify) != 1 || cfg.Notify[0].URL != "https://api.telegram.example/botTgSecretValue99/sendMessage" {
		t.Errorf("notify URL from its file: %+v", cfg.Notify)
	}
	if len(cfg.Warnings) != 0 {
		t.Errorf("warnings loading the config: %q", cfg.Warnings)
	}

	// A second run refuses to replace what the first wrote.
	if _, stderr, code := runMain(in, "--out", out, "--secrets-dir", secrets); code != 1 || !strings.Contains(stderr, "already exists; give --force") {
		t.Errorf("second run: exit %d, stderr:\n%s", code, stderr)
	}
	if _, stderr, code := runMain(in, "--out", out, "--secrets-dir", secrets, "--force"); code != 0 {
		t.Errorf("second run with --force: exit %d, stderr:\n%s", code, stderr)
	}
}

// TestInlineSecretsAreWarnedOf: without --secrets-dir the secrets are in
// the config, and stderr says so (never quoting them).
func TestInlineSecretsAreWarnedOf(t *testing.T) {
	in := writeTemp(t, "ddns.yaml", sampleWithSecrets)
	stdout, stderr, code := runMain(in)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "3 secret(s) are written inline") || !strings.Contains(stderr, "--secrets-dir") {
		t.Errorf("no warning of inline secrets:\n%s", stderr)
	}
	for _, s := range []string{"cfTokenSecretValue42", "aliSecretValue77", "TgSecretValue99"} {
		if strings.Contains(stderr, s) {
			t.Errorf("stderr quotes secret %s:\n%s", s, stderr)
		}
		if !strings.Contains(stdout, s) {
			t.Errorf("the config lacks secret %s", s)
		}
	}
	checkConverted(t, "stdout", []byte(stdout))
}

// TestHostileKeysStayInertInTheOutputAndOnStderr: a YAML key or value of
// control characters (an ANSI sequence, NUL, DEL, a line separator, a bidi
// override) reaches the TOML's comments and stderr escaped: the config
// still loads (TOML refuses a raw control character anywhere, comments
// included), and nothing acts on the terminal.
func TestHostileKeysStayInertInTheOutputAndOnStderr(t *testing.T) {
	const hostile = `"\e[2J\0\x7f\u2028\u202e"`
	in := writeTemp(t, "ddns.yaml", "dnsconf:\n  - ipv4: {enable: true, gettype: url, url: 'https://4.ipw.cn', domains: [home.example.com]}\n"+
		"    dns: {name: cloudflare, secret: x, "+hostile+": y}\n    "+hostile+": z\n")
	out, errOut, code := runMain(in)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	if _, err := configs.Parse("out.toml", []byte(out), loadOptions()); err != nil {
		t.Fatalf("the converted config does not load: %v\n%s", err, out)
	}
	for name, text := range map[string]string{"stdout": out, "stderr": errOut} {
		if i := strings.IndexFunc(text, func(r rune) bool {
			return r < 0x20 && r != '\n' && r != '\t' || r == 0x7f || r == 0x2028 || r == 0x202e
		}); i >= 0 {
			t.Errorf("%s holds %q raw:\n%q", name, text[i:i+1], text)
		}
	}
	if !strings.Contains(errOut, `\x1b[2J`) {
		t.Errorf("stderr does not show the key escaped:\n%s", errOut)
	}
	// A refusal that names the key (given twice) is escaped too.
	in = writeTemp(t, "twice.yaml", "dnsconf:\n  - dns: {name: alidns}\n    "+hostile+": 1\n    "+hostile+": 2\n")
	_, errOut, code = runMain(in)
	if code != 2 || strings.ContainsAny(errOut, "\x1b\x00\x7f\u2028\u202e") {
		t.Errorf("a refusal naming a hostile key: exit %d, stderr %q", code, errOut)
	}
}

// TestSecretsRoundTripAndPrintInert: a secret holding what breaks TOML
// (quotes, backslashes, a newline that could start a key of its own) or
// acts on a terminal (C1 CSI, a line separator, a bidi override) reads back
// from the written config as the same secret, and the config printed to
// stdout holds none of them raw.
func TestSecretsRoundTripAndPrintInert(t *testing.T) {
	const secret = "a\"b\\c\n[providers.evil]\ntype = \"webhook\"\u009b31m\u2028\u202e'''"
	in := writeTemp(t, "ddns.yaml", "dnsconf:\n  - name: home\n    ipv4: {enable: true, gettype: url, url: 'https://4.ipw.cn', domains: [home.example.com]}\n"+
		"    dns: {name: cloudflare, secret: \"a\\\"b\\\\c\\n[providers.evil]\\ntype = \\\"webhook\\\"\\u009b31m\\u2028\\u202e'''\"}\n")
	out, errOut, code := runMain(in)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	if strings.ContainsAny(out, "\u009b\u2028\u202e") {
		t.Errorf("the printed config holds terminal controls raw:\n%q", out)
	}
	cfg, err := configs.Parse("out.toml", []byte(out), loadOptions())
	if err != nil {
		t.Fatalf("the config does not load: %v\n%s", err, out)
	}
	if got := cfg.Providers["home"].Params["api_token"]; got != secret {
		t.Errorf("the secret reads back as %q, want %q", got, secret)
	}
	if _, ok := cfg.Providers["evil"]; ok || len(cfg.Providers) != 1 {
		t.Errorf("the secret injected providers: %v", cfg.Providers)
	}
}
