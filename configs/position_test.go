package configs

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestLocateKeys: the structural scanner finds every key where it is
// written, including bare keys made of the edge characters of each range,
// keys after a table header with a comment, and keys after strings with
// escaped quotes.
func TestLocateKeys(t *testing.T) {
	src := "[t] # a comment after the header\n" + // line 1
		"a = 1\n" +
		"z = \"say \\\"hi\\\"\"\n" +
		"A = 'x'\n" +
		"Z = [1, 2]\n" +
		"k0 = { in = 1 }\n" +
		"k9 = 2\n" +
		"_- = 3\n" +
		"[[arr]]\nx = 1\n[[arr]]\nx = 2\n" +
		"[u]\n" + // line 13
		"e = { a = \"x\\\"y\", b = 1 }\n" + // an escaped quote inside a basic string
		"l = { p = 'C:\\', q = 2 }\n" // a backslash ending a literal string
	pos := locate(src)
	want := map[string]Pos{
		"t": {1, 1}, "t.a": {2, 1}, "t.z": {3, 1}, "t.A": {4, 1}, "t.Z": {5, 1},
		"t.k0": {6, 1}, "t.k0.in": {6, 8}, "t.k9": {7, 1}, "t._-": {8, 1},
		"arr.0": {9, 1}, "arr.0.x": {10, 1}, "arr.1": {11, 1}, "arr.1.x": {12, 1},
		"u.e.b": {14, 19}, "u.l.q": {15, 18},
	}
	for k, w := range want {
		if got, ok := pos[k]; !ok || got != w {
			t.Errorf("%s at %v (found %v), want %v", k, got, ok, w)
		}
	}
}

// TestFindFallsBackToTheTable: a problem with a key the file leaves out
// (its default clashes with a written value) is reported at its table.
func TestFindFallsBackToTheTable(t *testing.T) {
	_, err := parse(t, "\n[supervisor]\nrestart_delay = \"10m\"\n"+validBase)
	if err == nil || !strings.Contains(err.Error(), "test.toml:2:1: supervisor.restart_delay_max: 5m0s is shorter than restart_delay (10m0s)") {
		t.Fatalf("want the default restart_delay_max refused at [supervisor]'s line: %v", err)
	}
}

// TestByUnindexed: the decoder's index-free name of a written key finds
// every written key it stands for, and nothing else.
func TestByUnindexed(t *testing.T) {
	src := "[[records]]\nttl = 1\n[[records]]\nttll = 2\n[[records]]\nttll = 3\n[ip]\nv4 = [{ type = \"http\" }, { urll = \"x\" }]\n[supervisor]\na = 1\n"
	pos, err := scan(src, defaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	m := pos.byUnindexed()
	tests := []struct {
		key  string
		want []string
	}{
		{"records.ttl", []string{"records.0.ttl"}},
		{"records.ttll", []string{"records.1.ttll", "records.2.ttll"}},
		{"ip.v4.urll", []string{"ip.v4.1.urll"}},
		{"supervisor.a", []string{"supervisor.a"}},
		{"probe.a", nil},
		{"records.name", nil},
	}
	for _, tt := range tests {
		got := slices.Clone(m[tt.key])
		slices.Sort(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("byUnindexed()[%q] = %q, want %q", tt.key, got, tt.want)
		}
	}
}

// TestMaskedShowsOnlyWhatIsSet: the printed config masks a token that is
// set, shows no token where none is, and an endpoint only when given.
func TestMaskedShowsOnlyWhatIsSet(t *testing.T) {
	bare, err := parse(t, validBase)
	if err != nil {
		t.Fatal(err)
	}
	if out := bare.Masked(); strings.Contains(out, Mask) || strings.Contains(out, "endpoint") {
		t.Errorf("a config without secrets or endpoint prints a mask or an endpoint:\n%s", out)
	}
	full, err := parse(t, "[http]\nlisten = \"127.0.0.1:9090\"\ntoken = \"s3cret-token\"\n[providers.e]\ntype = \"dryrun\"\nendpoint = \"http://127.0.0.1:8080\"\n"+validBase)
	if err != nil {
		t.Fatal(err)
	}
	out := full.Masked()
	if strings.Contains(out, "s3cret-token") || !strings.Contains(out, Mask) || !strings.Contains(out, "http://127.0.0.1:8080") {
		t.Errorf("masked config:\n%s", out)
	}
}

func TestSystemConfigPath(t *testing.T) {
	if runtime.GOOS == "windows" {
		if got := SystemConfigPath(func(string) string { return `D:\PD` }); got != filepath.Join(`D:\PD`, "ddns", "config.toml") {
			t.Errorf("got %q", got)
		}
		return
	}
	if got := SystemConfigPath(func(string) string { return "/elsewhere" }); got != "/etc/ddns/config.toml" {
		t.Errorf("got %q, want /etc/ddns/config.toml whatever the environment", got)
	}
}

// TestSecretFileReadableByOthersWarns: a secret file other users can read
// loads with a warning that says how to fix it; a private one without.
func TestSecretFileReadableByOthersWarns(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes are Unix permissions")
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		mode os.FileMode
		warn bool
	}{{0o600, false}, {0o644, true}} {
		secret := filepath.Join(dir, "token")
		must := func(err error) {
			if err != nil {
				t.Fatal(err)
			}
		}
		must(os.WriteFile(secret, []byte("tok\n"), 0o600))
		must(os.Chmod(secret, tc.mode))
		cfg, err := parse(t, "[providers.cf]\ntype = \"cloudflare\"\napi_token_file = \""+filepath.ToSlash(secret)+"\"\n"+validBase)
		if err != nil {
			t.Fatal(err)
		}
		warned := strings.Contains(strings.Join(cfg.Warnings, "\n"), "is readable by other users")
		if warned != tc.warn {
			t.Errorf("mode %o: warned %v, want %v (%q)", tc.mode, warned, tc.warn, cfg.Warnings)
		}
	}
}
