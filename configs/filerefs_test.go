package configs

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestPortableCopyReadsTheSameFiles: a copy of a config kept in another
// folder, made with Portable, reads the same secret files as the original,
// relative paths included (they resolve against the original's folder,
// not the copy's); Files lists every *_file key of providers, [http] and
// [[notify]] with its resolved path; nothing but those values changes.
func TestPortableCopyReadsTheSameFiles(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{"token": "tok\n", "sub/http-token": "h\n", "/abs-url": "https://hooks.example.test/x\n"} {
		p := filepath.Join(dir, name)
		if strings.HasPrefix(name, "/") {
			p = filepath.Join(dir, name[1:])
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	abs := filepath.Join(dir, "abs-url")
	src := "# a comment naming api_token_file = \"token\" stays as it is\n" +
		"[providers.a]\ntype = \"cloudflare\"\napi_token_file = \"token\"\n" +
		"[http]\nlisten = \"127.0.0.1:0\"\ntoken_file = 'sub/http-token'\n" +
		"[[notify]]\ntype = \"ping\"\nurl_file = \"" + abs + "\"\n"
	orig := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(orig, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	o := Options{ProviderKeys: testKeys}
	cfg, err := LoadFile(orig, o)
	if err != nil {
		t.Fatal(err)
	}
	want := []FileRef{
		{Key: "providers.a.api_token_file", Path: filepath.Join(dir, "token"), Written: "token"},
		{Key: "http.token_file", Path: filepath.Join(dir, "sub", "http-token"), Written: "sub/http-token"},
		{Key: "notify.0.url_file", Path: abs, Written: abs},
	}
	got := cfg.Files()
	eq := func(a, b FileRef) bool { return a.Key == b.Key && a.Path == b.Path && a.Written == b.Written }
	if !slices.EqualFunc(got, want, eq) {
		t.Errorf("Files() = %+v\nwant %+v", got, want)
	}
	out, err := Portable(cfg, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(t.TempDir(), "elsewhere", "last-good.toml")
	if err := os.MkdirAll(filepath.Dir(copyPath), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(copyPath, out, 0o600); err != nil {
		t.Fatal(err)
	}
	cp, err := LoadFile(copyPath, o)
	if err != nil {
		t.Fatalf("the copy does not load: %v\n%s", err, out)
	}
	if !slices.EqualFunc(cp.Files(), want, func(a, b FileRef) bool { return a.Key == b.Key && a.Path == b.Path }) {
		t.Errorf("the copy reads %+v, want the original's %+v", cp.Files(), want)
	}
	if cp.Providers["a"].Params["api_token"] != "tok" || cp.HTTP.Token != "h" {
		t.Errorf("the copy's secrets differ from the original's")
	}
	if !strings.HasPrefix(string(out), "# a comment naming api_token_file = \"token\" stays as it is\n") {
		t.Errorf("text outside the values changed:\n%s", out)
	}
}
