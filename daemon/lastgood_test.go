package daemon

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/providers/spec"
)

const lastGoodConfig = `[supervisor]
restart_delay = "0s"
[probe]
enabled = false
[providers.cf]
type = "cloudflare"
api_token_file = "token"
[[records]]
provider = "cf"
zone = "example.com"
name = "home"
`

// lockedBuffer is a log sink the test reads while the app writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// lastGoodSetup writes a config whose token file is named relative to it.
func lastGoodSetup(t *testing.T, extra ...string) (cfgPath, copyPath string, load func(string) (*configs.Config, error)) {
	t.Helper()
	dir := t.TempDir()
	cfgPath = filepath.Join(dir, "config.toml")
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte("secret-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfgPath, []byte(lastGoodConfig+strings.Join(extra, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	copyPath = LastGoodPath(filepath.Join(t.TempDir(), "state"), cfgPath)
	load = func(p string) (*configs.Config, error) {
		return configs.LoadFile(p, configs.Options{ProviderKeys: spec.Default()})
	}
	return cfgPath, copyPath, load
}

func childArgs(h *harness, i int) []string {
	h.starter.mu.Lock()
	defer h.starter.mu.Unlock()
	return h.starter.cmds[i].Args
}

// TestChildRunsOnLastGoodCopy: the updater is started on the supervisor's
// private copy of the config it accepted (0600, in the state folder, its
// relative token file still found beside the original), and a broken save
// leaves that copy alone, so the child's next start runs on the last good
// config instead of exiting 2. Status says so, and since when.
func TestChildRunsOnLastGoodCopy(t *testing.T) {
	cfgPath, copyPath, load := lastGoodSetup(t)
	cfg, err := load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, cfg, nil, func(o *Options) {
		o.ConfigPath, o.Load, o.LastGoodPath = cfgPath, load, copyPath
	})
	h.run()
	first := h.started()
	if got := childArgs(h, 0); !slices.Equal(got, []string{"--config", copyPath}) {
		t.Fatalf("child args %v, want --config %s", got, copyPath)
	}
	// The copy stands for the file the user edits: the child keys its
	// state on that one, so `updater --once --config FILE` shares it.
	h.starter.mu.Lock()
	env := h.starter.cmds[0].Env
	h.starter.mu.Unlock()
	if !slices.Contains(env, ipc.EnvConfigOrigin+"="+cfgPath) {
		t.Errorf("child env lacks %s=%s: %q", ipc.EnvConfigOrigin, cfgPath, env)
	}
	fi, err := os.Stat(copyPath)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the copy: %v, mode %v; want a 0600 file", err, fi)
	}
	cp, err := load(copyPath)
	if err != nil || cp.Providers["cf"].Params["api_token"] != "secret-token" {
		t.Fatalf("the copy does not load with the original's token file: %v", err)
	}
	good, _ := os.ReadFile(copyPath)

	if err := os.WriteFile(cfgPath, []byte("[providers.cf\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if rep := h.request(ipc.Request{Cmd: ipc.CmdReload}, ipc.Peer{}); rep.OK {
		t.Fatalf("reload of a broken file: %+v", rep)
	}
	first.exitWith(1) // a crash: the child restarts
	h.started()
	if got := childArgs(h, 1); !slices.Equal(got, []string{"--config", copyPath}) {
		t.Errorf("restarted child args %v, want the last good copy %s", got, copyPath)
	}
	if now, _ := os.ReadFile(copyPath); !bytes.Equal(now, good) {
		t.Errorf("the broken save reached the copy:\n%s", now)
	}
	st := h.status().Supervisor
	if st.ConfigError == "" || !st.RunningOnLastGood || st.LastGoodSince == nil || !st.LastGoodSince.Time().Equal(cfg.LoadedAt) || st.LastGoodPath != copyPath {
		t.Errorf("status %+v, want the config error and running on the last good copy since %v", st, cfg.LoadedAt)
	}
}

// TestStartOnLastGoodCopyIsLoud: a supervisor started on a broken file with
// a last good copy runs its child on the copy and says so: status, a WARN
// log line naming the copy, a config-invalid notification.
func TestStartOnLastGoodCopyIsLoud(t *testing.T) {
	posts := make(chan string, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		posts <- string(b)
	}))
	defer srv.Close()
	cfgPath, copyPath, load := lastGoodSetup(t, fmt.Sprintf("[[notify]]\ntype = \"webhook\"\nurl = %q\nevents = [\"config-invalid\"]\n", srv.URL))
	cfg, err := load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	h1 := newHarness(t, cfg, nil, func(o *Options) { o.ConfigPath, o.Load, o.LastGoodPath = cfgPath, load, copyPath })
	_ = h1 // New saved the copy
	if err := os.WriteFile(cfgPath, []byte("[providers.cf\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, loadErr := load(cfgPath)
	good, fi, err := LoadLastGood(copyPath, load)
	if loadErr == nil || err != nil {
		t.Fatalf("broken file: %v; copy: %v", loadErr, err)
	}
	var logs lockedBuffer
	h := newHarness(t, good, loadErr, func(o *Options) {
		o.ConfigPath, o.Load, o.LastGoodPath, o.LastGoodSince = cfgPath, load, copyPath, fi.ModTime()
		o.Logger = hclog.New(&hclog.LoggerOptions{Output: &logs, Level: hclog.Info})
	})
	h.run()
	h.started()
	if got := childArgs(h, 0); !slices.Equal(got, []string{"--config", copyPath}) {
		t.Errorf("child args %v, want the last good copy", got)
	}
	st := h.status().Supervisor
	if !st.RunningOnLastGood || st.ConfigError == "" || st.LastGoodSince == nil || !st.LastGoodSince.Time().Equal(fi.ModTime()) {
		t.Errorf("status %+v, want running on the last good copy since %v", st, fi.ModTime())
	}
	if l := logs.String(); !strings.Contains(l, "[WARN]") || !strings.Contains(l, "last good copy") || !strings.Contains(l, copyPath) {
		t.Errorf("no WARN line naming the copy:\n%s", l)
	}
	select {
	case body := <-posts:
		if !strings.Contains(body, "config-invalid") || !strings.Contains(body, "last good config") {
			t.Errorf("notification %s, want config-invalid naming the last good config", body)
		}
	case <-time.After(wait):
		t.Error("no config-invalid notification")
	}
}

// TestCommandNamingTheConfigGetsTheCopy: a [supervisor] command that names
// the config file (as --config PATH or --config=PATH) is given the last good
// copy in its place; other arguments stay.
func TestCommandNamingTheConfigGetsTheCopy(t *testing.T) {
	cfgPath, copyPath, load := lastGoodSetup(t)
	text := strings.Replace(lastGoodConfig, "[supervisor]\n", fmt.Sprintf("[supervisor]\ncommand = [\"/opt/updater\", \"--config\", %q, \"--config=%s\", \"-v\"]\n", cfgPath, cfgPath), 1)
	if err := os.WriteFile(cfgPath, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, cfg, nil, func(o *Options) { o.ConfigPath, o.Load, o.LastGoodPath = cfgPath, load, copyPath })
	h.run()
	h.started()
	if got, want := childArgs(h, 0), []string{"--config", copyPath, "--config=" + copyPath, "-v"}; !slices.Equal(got, want) {
		t.Errorf("child args %v, want %v", got, want)
	}
}
