package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/providers/providertest"
	"github.com/ddnsd/ddns/testsupport/linebuf"
)

// updaterBin is the updater built once for all tests.
var updaterBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "updater-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	updaterBin = filepath.Join(dir, "updater")
	if runtime.GOOS == "windows" {
		updaterBin += ".exe"
	}
	out, err := exec.Command("go", "build", "-o", updaterBin, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// env is a clean environment: no config, supervisor or systemd from the
// machine running the tests, and home folders inside dir.
func env(dir string) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dir,
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"),
		"XDG_STATE_HOME=" + filepath.Join(dir, "state"),
	}
}

type result struct {
	code           int
	stdout, stderr string
}

func runUpdater(t *testing.T, dir string, args ...string) result {
	t.Helper()
	cmd := exec.Command(updaterBin, args...)
	cmd.Env = env(dir)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errb.String()}
}

// closedPort returns a loopback port nobody listens on.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func echoURL(t *testing.T, addr string) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadString('\n')
					if err != nil || line == "\r\n" {
						break
					}
				}
				fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s\n", len(addr)+1, addr)
			}()
		}
	}()
	t.Cleanup(func() { l.Close() })
	return "http://" + l.Addr().String() + "/"
}

func writeConfig(t *testing.T, dir, sourceURL, endpoint, token string) string {
	t.Helper()
	path := filepath.Join(dir, "config.toml")
	cfg := fmt.Sprintf(`[updater]
state_file = %q
timeout = "5s"
[ip]
v4 = [{ type = "http", url = %q }]
[providers.cf]
type = "cloudflare"
api_token = %q
endpoint = %q
[[records]]
provider = "cf"
zone = "example.com"
name = "home"
`, filepath.Join(dir, "state.json"), sourceURL, token, endpoint)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestOnceExitCodes(t *testing.T) {
	cases := []struct {
		name   string
		setup  func(t *testing.T, api *providertest.Cloudflare) (source, token string)
		want   int
		stderr string // expected in stderr
	}{
		{"success", func(t *testing.T, api *providertest.Cloudflare) (string, string) {
			return echoURL(t, "11.22.33.44"), "tok"
		}, 0,
			"home.example.com A: updated none → 11.22.33.44"},
		{"network unreachable", func(t *testing.T, api *providertest.Cloudflare) (string, string) {
			return "http://" + closedPort(t) + "/", "tok"
		}, 3, "connection refused"},
		{"rejected", func(t *testing.T, api *providertest.Cloudflare) (string, string) {
			api.RejectWrites(true)
			return echoURL(t, "11.22.33.44"), "tok"
		}, 4, "9005"},
		{"auth", func(t *testing.T, api *providertest.Cloudflare) (string, string) {
			return echoURL(t, "11.22.33.44"), "sekrit-wrong-token"
		}, 5,
			"credentials"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			api := providertest.NewCloudflare("tok", "example.com")
			defer api.Close()
			src, tok := tc.setup(t, api)
			cfg := writeConfig(t, dir, src, api.URL, tok)
			r := runUpdater(t, dir, "--config", cfg, "--once")
			if r.code != tc.want || !strings.Contains(r.stderr, tc.stderr) {
				t.Fatalf("exit %d, want %d; stderr should contain %q:\n%s", r.code, tc.want, tc.stderr, r.stderr)
			}
			if strings.Contains(r.stderr, tok) {
				t.Errorf("the token reached the log:\n%s", r.stderr)
			}
			if tc.want == 0 {
				if got := api.Lookup("home.example.com", "A"); len(got) != 1 || got[0] != "11.22.33.44" {
					t.Fatalf("API holds %v", got)
				}
				if !strings.Contains(r.stderr, "pass finished: 1 record, 1 changed, 0 failed in") {
					t.Errorf("no summary line:\n%s", r.stderr)
				}
				// Second run: the state says all is well; no API call.
				api.Calls()
				if r := runUpdater(t, dir, "--config", cfg, "--once"); r.code != 0 {
					t.Fatalf("second run: exit %d\n%s", r.code, r.stderr)
				}
				if c := api.Calls(); providertest.Total(c) != 0 {
					t.Fatalf("second run made API calls: %v", c)
				}
			}
		})
	}
}

func TestConfigErrorExit2(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.toml")
	os.WriteFile(path, []byte("[updater]\ninterval = \"5m\"\nintervall = \"1m\"\n"), 0o600)
	r := runUpdater(t, dir, "--config", path, "--once")
	if r.code != 2 {
		t.Fatalf("exit %d, want 2\n%s", r.code, r.stderr)
	}
	if !regexp.MustCompile(regexp.QuoteMeta(path) + `:3:1: .*intervall`).MatchString(r.stderr) {
		t.Fatalf("stderr does not locate the error as file:line:col:\n%s", r.stderr)
	}
	// A provider the registry refuses is located at its table.
	os.WriteFile(path, []byte("[ip]\nv4 = [{ type = \"interface\" }]\n[providers.cf]\ntype = \"cloudflare\"\n[[records]]\nprovider = \"cf\"\nzone = \"example.com\"\n"), 0o600)
	r = runUpdater(t, dir, "--config", path, "--once")
	if r.code != 2 || !strings.Contains(r.stderr, "providers.cf") || !strings.Contains(r.stderr, "api_token") {
		t.Fatalf("missing api_token: exit %d\n%s", r.code, r.stderr)
	}
	if r := runUpdater(t, dir, "--bogus"); r.code != 2 {
		t.Fatalf("unknown flag: exit %d", r.code)
	}
	if r := runUpdater(t, dir, "--config", filepath.Join(dir, "missing.toml")); r.code != 2 {
		t.Fatalf("missing file: exit %d\n%s", r.code, r.stderr)
	}
}

func TestDryRunPrintsPlanAndWritesNothing(t *testing.T) {
	dir := t.TempDir()
	api := providertest.NewCloudflare("tok", "example.com")
	defer api.Close()
	api.Put("home.example.com", "A", "9.9.9.9")
	cfg := writeConfig(t, dir, echoURL(t, "11.22.33.44"), api.URL, "tok")
	r := runUpdater(t, dir, "--config", cfg, "--dry-run")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	want := "home.example.com A (cf): current 9.9.9.9 (provider), wanted 11.22.33.44: would update\n"
	if r.stdout != want {
		t.Fatalf("stdout %q, want %q", r.stdout, want)
	}
	if c := api.Calls(); providertest.Writes(c) != 0 {
		t.Fatalf("the dry run wrote: %v", c)
	}
	if got := api.Lookup("home.example.com", "A"); got[0] != "9.9.9.9" {
		t.Fatalf("record changed to %v", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "state.json")); !os.IsNotExist(err) {
		t.Fatalf("the dry run wrote a state file: %v", err)
	}
}

func TestEmbeddedDefaultRunsOffline(t *testing.T) {
	if _, err := os.Stat("/etc/ddns/config.toml"); err == nil {
		t.Skip("/etc/ddns/config.toml exists on this machine, so the embedded default is not used")
	}
	dir := t.TempDir()
	r := runUpdater(t, dir, "--once")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{`file="(embedded default)"`, "would set home.example.internal A ", "pass finished: 1 record, 1 changed, 0 failed"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("log lacks %q:\n%s", want, r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "state", "ddns", "state.json")); err != nil {
		t.Errorf("no state file in $XDG_STATE_HOME: %v", err)
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		if r := runUpdater(t, t.TempDir(), args...); r.code != 0 || !strings.HasPrefix(r.stdout, "updater ") {
			t.Errorf("%v: exit %d, %q", args, r.code, r.stdout)
		}
	}
}

// TestLongRunningSignalsAndIdleRSS runs the updater on the embedded default,
// reads its memory after the first pass, asks for a pass with SIGHUP and
// stops it with SIGTERM.
func TestLongRunningSignalsAndIdleRSS(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc and sends Unix signals")
	}
	dir := t.TempDir()
	cmd := exec.Command(updaterBin)
	cmd.Env = env(dir)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var out linebuf.Buffer
	go out.Feed(stderr)
	lines := out.Cursor() // each wait sees only the lines after the last one found
	lines.WaitLine(t, "pass finished", 20*time.Second)
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`VmRSS:\s+(\d+) kB`).FindSubmatch(status)
	if m == nil {
		t.Fatalf("no VmRSS in:\n%s", status)
	}
	kb, _ := strconv.Atoi(string(m[1]))
	t.Logf("updater RSS at idle after its first pass: %.1f MB", float64(kb)/1024)
	if kb > 15*1024 {
		t.Errorf("RSS %d kB is over the 15 MB target", kb)
	}

	cmd.Process.Signal(syscall.SIGHUP)
	lines.WaitLine(t, "pass requested", 20*time.Second)
	lines.WaitLine(t, "pass finished: 1 record, 0 changed", 20*time.Second)
	cmd.Process.Signal(syscall.SIGTERM)
	select { // all of stderr read before Wait closes the pipe
	case <-out.Done():
	case <-time.After(20 * time.Second):
		t.Fatalf("the updater did not end within 20s of SIGTERM:\n%s", &out)
	}
	err = cmd.Wait()
	if err != nil {
		t.Fatalf("after SIGTERM: %v; want exit 0", err)
	}
}

// TestLogSettings runs the binary with [log] settings and checks that they
// reach its log: JSON lines, per-component levels, and the log file, which
// is dropped under the supervisor (whose socket variable is then set).
func TestLogSettings(t *testing.T) {
	cases := []struct {
		name       string
		log        string // the [log] section's body
		supervised bool
		check      func(t *testing.T, stderr, file string)
	}{
		{"json", `format = "json"`, false, func(t *testing.T, stderr, _ string) {
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if len(lines) < 2 {
				t.Fatalf("expected several log lines:\n%s", stderr)
			}
			for _, l := range lines {
				var m map[string]any
				if err := json.Unmarshal([]byte(l), &m); err != nil {
					t.Fatalf("not a JSON line: %q: %v", l, err)
				}
				if m["@message"] == nil || m["@level"] == nil || m["@module"] == nil {
					t.Fatalf("JSON line lacks @message, @level or @module: %q", l)
				}
			}
			if !strings.Contains(stderr, `"@message":"config loaded"`) {
				t.Errorf("no config loaded line:\n%s", stderr)
			}
		}},
		{"component level", "level = \"info\"\n[log.levels]\nupdater = \"warn\"", false, func(t *testing.T, stderr, _ string) {
			if strings.Contains(stderr, "config loaded") {
				t.Errorf("levels.updater = warn still logs info lines:\n%s", stderr)
			}
		}},
		{"file alone", `file = "LOGFILE"`, false, func(t *testing.T, stderr, file string) {
			if !strings.Contains(file, "config loaded") {
				t.Errorf("log file lacks the config line: %q", file)
			}
			if strings.Contains(stderr, "config loaded") {
				t.Errorf("stderr is not a terminal, so the log should go to the file only:\n%s", stderr)
			}
		}},
		{"file under the supervisor", `file = "LOGFILE"`, true, func(t *testing.T, stderr, file string) {
			if file != "" {
				t.Errorf("the updater wrote the log file under the supervisor: %q", file)
			}
			if !strings.Contains(stderr, "config loaded") {
				t.Errorf("stderr lacks the log under the supervisor:\n%s", stderr)
			}
		}},
		{"bad level", `level = "loud"`, false, func(t *testing.T, stderr, _ string) {
			if !strings.Contains(stderr, `log.level: "loud"`) {
				t.Errorf("no message for the bad level:\n%s", stderr)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			logFile := filepath.Join(dir, "logs", "updater.log")
			api := providertest.NewCloudflare("tok", "example.com")
			defer api.Close()
			cfg := writeConfig(t, dir, echoURL(t, "11.22.33.44"), api.URL, "tok")
			section := strings.ReplaceAll(tc.log, "LOGFILE", filepath.ToSlash(logFile))
			body, _ := os.ReadFile(cfg)
			if err := os.WriteFile(cfg, append(body, []byte("[log]\n"+section+"\n")...), 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(updaterBin, "--config", cfg, "--once")
			cmd.Env = env(dir)
			if tc.supervised {
				// Nobody listens there: the report is not delivered, which
				// the updater logs at debug and otherwise ignores.
				cmd.Env = append(cmd.Env, "DDNS_SUPERVISOR_SOCKET="+filepath.Join(dir, "none.sock"))
			}
			var errb bytes.Buffer
			cmd.Stderr = &errb
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			// A bad level is a config error found before anything runs.
			want := 0
			if tc.name == "bad level" {
				want = 2
			}
			if code != want {
				t.Fatalf("exit %d, want %d\n%s", code, want, errb.String())
			}
			file, _ := os.ReadFile(logFile)
			tc.check(t, errb.String(), string(file))
		})
	}
}

// SIGTERM during a --once pass is a request to stop: the contract's 0, as
// in the long-running mode. Before, the interrupted pass's errors decided
// the code (3 here: the address lookup was cut short). The final report
// still reaches the supervisor (a real socket server here), although the
// signal has ended the pass's context: it must not be sent with that
// context.
func TestOnceStoppedBySIGTERMReportsAndExits0(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM on Windows")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	arrived := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err == nil {
			arrived <- c // never answered: the pass waits on the address source
		}
	}()
	dir := t.TempDir()
	api := providertest.NewCloudflare("tok", "example.com")
	defer api.Close()
	cfg := writeConfig(t, dir, "http://"+l.Addr().String()+"/", api.URL, "tok")
	reports := make(chan ipc.Report, 10)
	sock := filepath.Join(dir, ipc.SocketFileName)
	srv, err := ipc.Listen(ipc.ServerOptions{Path: sock, Handler: func(ctx context.Context, req ipc.Request, _ ipc.Peer, w ipc.ReplyWriter) {
		if req.Cmd == ipc.CmdReport && req.Report != nil {
			reports <- *req.Report
			_ = w.Send(ipc.Reply{OK: true})
			return
		}
		_ = w.Send(ipc.Reply{Error: "only reports here"})
	}})
	if err != nil {
		t.Fatal(err)
	}
	srvCtx, stopSrv := context.WithCancel(context.Background())
	defer stopSrv()
	go srv.Serve(srvCtx)
	defer srv.Close()

	cmd := exec.Command(updaterBin, "--config", cfg, "--once")
	cmd.Env = append(env(dir), ipc.EnvSocket+"="+sock)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-arrived:
		defer c.Close()
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the updater never asked the address source")
	}
	select {
	case rep := <-reports:
		cmd.Process.Kill()
		t.Fatalf("a report (%+v) before the pass ended", rep)
	default:
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if code != 0 {
		t.Fatalf("exit %d after SIGTERM, want 0:\n%s", code, errb.String())
	}
	select {
	case rep := <-reports:
		if rep.PID != cmd.Process.Pid || len(rep.Records) != 1 || rep.Records[0].Name != "home.example.com" {
			t.Errorf("final report %+v; want pid %d and the record home.example.com", rep, cmd.Process.Pid)
		}
	default:
		t.Fatalf("the updater exited without its final report reaching the supervisor:\n%s", errb.String())
	}
}
