package configs_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/providers/spec"
)

// Secret files and variables named by an example; only lines that are not
// comments count.
var (
	fileKey = regexp.MustCompile(`^(\s*[a-z0-9_]+_file\s*=\s*)"([^"]*)"`)
	envKey  = regexp.MustCompile(`^\s*([a-z0-9_]+)_env\s*=\s*"([^"]*)"`)
)

// loadExample loads the example src (named name) as a user who followed
// it would: every secret file it names exists (written into a temporary
// folder, the example's paths pointed there) and every variable it names
// is set. It checks provider keys against the real provider registry, so a
// misspelt provider key fails as it would in `supervisor check`.
func loadExample(t *testing.T, name, src string) (*configs.Config, error) {
	t.Helper()
	dir := t.TempDir()
	env := map[string]string{}
	lines := strings.Split(src, "\n")
	for i, line := range lines {
		if m := fileKey.FindStringSubmatch(line); m != nil && m[2] != "" {
			secret := filepath.Join(dir, filepath.Base(m[2]))
			if err := os.WriteFile(secret, []byte("c2VjcmV0LWZvci1hLXRlc3Q=\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			lines[i] = m[1] + `"` + filepath.ToSlash(secret) + `"` + line[len(m[0]):]
		}
		if m := envKey.FindStringSubmatch(line); m != nil {
			env[m[2]] = "c2VjcmV0LWZvci1hLXRlc3Q="
			if strings.HasPrefix(m[1], "url") {
				env[m[2]] = "https://hooks.example/x"
			}
		}
	}
	path := filepath.Join(dir, filepath.Base(name))
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	return configs.LoadFile(path, configs.Options{
		ProviderKeys: spec.Default(),
		Getenv: func(k string) string {
			v, ok := env[k]
			if !ok {
				t.Errorf("%s reads $%s, which it does not name in an *_env key", name, k)
			}
			return v
		},
	})
}

// TestExamplesAreValid loads every shipped example with the provider
// registry's keys, its secret files present and its variables set: an
// example that a user copies must pass `supervisor check` as it stands.
func TestExamplesAreValid(t *testing.T) {
	files, _ := filepath.Glob("examples/*.toml")
	if len(files) < 5 {
		t.Fatalf("expected the five example files, found %v", files)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := loadExample(t, f, string(data))
			if err != nil {
				t.Fatalf("%s does not load: %v", f, err)
			}
			if len(cfg.Providers) == 0 || len(cfg.Records) == 0 {
				t.Errorf("%s: %d providers, %d records; an example shows at least one of each", f, len(cfg.Providers), len(cfg.Records))
			}
		})
	}
}

// TestExampleWithAMisspeltProviderKeyFails: the check above would catch a
// typo in a provider table of an example.
func TestExampleWithAMisspeltProviderKeyFails(t *testing.T) {
	data, err := os.ReadFile("examples/cloudflare.toml")
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(data), "api_token_file", "api_tokn_file", 1)
	if bad == string(data) {
		t.Fatal("examples/cloudflare.toml has no api_token_file line to misspell")
	}
	_, err = loadExample(t, "cloudflare.toml", bad)
	if err == nil || !strings.Contains(err.Error(), "providers.") || !strings.Contains(err.Error(), "api_tokn_file: unknown key") {
		t.Fatalf("misspelt provider key: %v", err)
	}
}
