//go:build !windows

package ddns

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A state file whose name holds glob characters still has its stale
// temporary files removed at start, and a file that only an unescaped
// pattern would match (someone else's) is left alone. Windows does not
// escape (see globEscape). Kills the negation of globEscape's GOOS check.
func TestStaleTempFilesOfAStateNameWithGlobCharacters(t *testing.T) {
	dir := t.TempDir()
	ours := filepath.Join(dir, "st[1]*?.json.42"+tempSuffix)
	theirs := filepath.Join(dir, "st1xy.json.42"+tempSuffix) // matches st[1]*?.json.*.tmp unescaped
	for _, f := range []string{ours, theirs} {
		if err := os.WriteFile(f, []byte(`{"vers`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	newRig(t, testConfig(t, "", "home example.com A acct"), filepath.Join(dir, "st[1]*?.json"))
	if _, err := os.Stat(ours); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the state file's own stale temp file was kept: %v", err)
	}
	if _, err := os.Stat(theirs); err != nil {
		t.Errorf("a file that is not ours was removed: %v", err)
	}
}

// The state file's place on a Unix host (the paths are Unix ones): systemd's $STATE_DIRECTORY wins wherever it is
// absolute; on Windows without %LOCALAPPDATA% the home folder's AppData is
// used; with nothing to go on the error says to set state_file. Kills the
// negation of 'd != ""' for STATE_DIRECTORY (the existing cases give it as
// root, whose fallback is the same path).
func TestStatePathForFallbacks(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	cases := []struct {
		name, goos string
		env        func(string) string
		uid        int
		home       string
		want       string // "" means an error naming state_file
	}{
		{"systemd StateDirectory for a user", "linux", env("STATE_DIRECTORY", "/srv/ddns-state"), 1000, "/home/u", "/srv/ddns-state/state.json"},
		{"systemd StateDirectory beats XDG", "linux", env("STATE_DIRECTORY", "/srv/a:/srv/b", "XDG_STATE_HOME", "/x"), 1000, "/home/u", "/srv/a/state.json"},
		{"relative StateDirectory ignored", "linux", env("STATE_DIRECTORY", "state"), 1000, "/home/u", "/home/u/.local/state/ddns/state.json"},
		{"windows without LOCALAPPDATA", "windows", env(), -1, "/home/u", filepath.Join("/home/u", "AppData", "Local", "ddns", "state.json")},
		{"windows with nothing", "windows", env(), -1, "", ""},
		{"macOS user without a home", "darwin", env(), 501, "", ""},
		{"Unix user without a home", "linux", env(), 1000, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := statePathFor(tc.goos, tc.env, tc.uid, tc.home)
			if tc.want == "" {
				if err == nil || !strings.Contains(err.Error(), "state_file") {
					t.Fatalf("got %q, %v; want an error saying to set state_file", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
