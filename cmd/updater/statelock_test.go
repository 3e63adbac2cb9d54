package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ddnsd/ddns/testsupport/linebuf"
)

// offlineConfig writes a config without state_file whose one record, name,
// goes to the dry-run provider: it runs without a network.
func offlineConfig(t *testing.T, path, name string) {
	t.Helper()
	cfg := fmt.Sprintf(`[updater]
interval = "1m"
[probe]
dns = []
tcp = []
[ip]
v4 = [{ type = "interface" }]
allow_private = true
defaults = false
[providers.local]
type = "dryrun"
[[records]]
provider = "local"
zone = "example.internal"
name = %q
type = "A"
`, name)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
}

// stateRecords lists the record keys of every state file in the default
// state folder, by file name.
func stateRecords(t *testing.T, dir string) map[string][]string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "state", "ddns", "state*.json"))
	out := map[string][]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var st struct{ Records map[string]json.RawMessage }
		if err := json.Unmarshal(b, &st); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for k := range st.Records {
			out[filepath.Base(f)] = append(out[filepath.Base(f)], k)
		}
	}
	return out
}

// startDaemon starts a long-running updater on cfg and waits for its first
// pass.
func startDaemon(t *testing.T, dir, cfg string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(updaterBin, "--config", cfg)
	cmd.Env = env(dir)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out linebuf.Buffer
	go out.Feed(stderr)
	t.Cleanup(func() { cmd.Process.Kill(); <-out.Done(); cmd.Wait() })
	out.Cursor().WaitLine(t, "pass finished", 20*time.Second)
	return cmd
}

// The default state file is per config: a one-shot run on another config
// beside a running daemon keeps to its own state. Before, both used
// state.json and the one-shot run replaced the daemon's records with its own.
func TestDefaultStateIsPerConfig(t *testing.T) {
	dir := t.TempDir()
	daemonCfg, otherCfg := filepath.Join(dir, "daemon.toml"), filepath.Join(dir, "other.toml")
	offlineConfig(t, daemonCfg, "daemon")
	offlineConfig(t, otherCfg, "other")
	startDaemon(t, dir, daemonCfg)
	if r := runUpdater(t, dir, "--once", "--config", otherCfg); r.code != 0 {
		t.Fatalf("--once on the other config: exit %d\n%s", r.code, r.stderr)
	}
	got := stateRecords(t, dir)
	if len(got) != 2 {
		t.Fatalf("state files %v; want one per config", got)
	}
	seen := map[string]bool{}
	for file, keys := range got {
		if len(keys) != 1 {
			t.Errorf("%s holds %v; want one config's one record", file, keys)
		}
		seen[strings.Join(keys, ",")] = true
	}
	if !seen["daemon.example.internal/A"] || !seen["other.example.internal/A"] {
		t.Errorf("state files %v; want daemon's record in one and other's in the other", got)
	}
}

// Two updaters on one state: the second exits 1 at once with a message
// naming the lock's holder, and the first keeps running. Before, both ran
// and saved over each other.
func TestSecondUpdaterOnOneStateExits1(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.toml")
	offlineConfig(t, cfg, "home")
	daemon := startDaemon(t, dir, cfg)
	for _, args := range [][]string{{"--once", "--config", cfg}, {"--config", cfg}} {
		r := runUpdater(t, dir, args...)
		if r.code != 1 {
			t.Fatalf("%v beside a running updater: exit %d, want 1\n%s", args, r.code, r.stderr)
		}
		want := fmt.Sprintf("locked by pid %d", daemon.Process.Pid)
		if runtime.GOOS == "windows" {
			want = "locked by" // the holder's lock keeps its pid from being read
		}
		if !strings.Contains(r.stderr, "another updater uses this state file") || !strings.Contains(r.stderr, want) {
			t.Errorf("%v: message lacks the reason or %q:\n%s", args, want, r.stderr)
		}
	}
	// A dry run writes nothing, so it needs no lock.
	if r := runUpdater(t, dir, "--dry-run", "--config", cfg); r.code != 0 {
		t.Errorf("--dry-run beside a running updater: exit %d\n%s", r.code, r.stderr)
	}
	// Once the first is gone the lock is free again.
	daemon.Process.Kill()
	daemon.Wait()
	if r := runUpdater(t, dir, "--once", "--config", cfg); r.code != 0 {
		t.Fatalf("--once after the daemon ended: exit %d\n%s", r.code, r.stderr)
	}
}
