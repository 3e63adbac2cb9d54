//go:build chaos && linux

package chaos

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/testsupport/e2e"
)

// testSocketDeleted deletes the control socket of a running supervisor (a
// cleaner of /tmp, a careless rm): within seconds the supervisor listens
// again, `supervisor status` answers, and the child was not disturbed.
func testSocketDeleted(t *testing.T) {
	s := newSup(t)
	s.Write(e2e.DryrunConfig(`restart_delay = "0s"`))
	s.Start()
	before := s.WaitStatus("the child to run", 20*time.Second, e2e.Running)
	if err := os.Remove(s.Socket); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	after := s.WaitStatus("status on a new socket after the old one was deleted", 15*time.Second, e2e.Running)
	t.Logf("status answered again %s after the socket was deleted", time.Since(t0).Round(100*time.Millisecond))
	if after.Child.PID != before.Child.PID || after.Child.Restarts != before.Child.Restarts {
		t.Errorf("the child was disturbed: pid %d restarts %d before, pid %d restarts %d after",
			before.Child.PID, before.Child.Restarts, after.Child.PID, after.Child.Restarts)
	}
	if out, code := s.CLI("status", "--socket", s.Socket); code != ipc.StatusChildRunning {
		t.Errorf("supervisor status after the socket came back: exit %d\n%s", code, out)
	}
}

// testPlantedLockFolder: another user (nobody) created the supervisor's
// socket folder first and planted the lock file as a symlink to a file of
// the victim's. The supervisor refuses to start with a message naming the
// folder's owner, and the victim file is untouched.
func testPlantedLockFolder(t *testing.T) {
	needRoot(t, "give a folder to another user (chown)")
	s := newSup(t)
	folder := filepath.Join(s.Dir, "ddns-planted")
	s.Socket = filepath.Join(folder, ipc.SocketFileName)
	victim := filepath.Join(s.Dir, "victim")
	const content = "the victim's data\n"
	must(t, os.WriteFile(victim, []byte(content), 0o600))
	must(t, os.Mkdir(folder, 0o777))
	must(t, os.Chmod(folder, 0o777))
	lock := s.Socket + ".lock"
	must(t, os.Symlink(victim, lock))
	must(t, os.Lchown(lock, 65534, 65534))
	must(t, os.Chown(folder, 65534, 65534))
	s.Write(e2e.DryrunConfig(""))
	s.Start()
	code, ok := s.WaitExit(20 * time.Second)
	if !ok || code != 1 {
		t.Fatalf("supervisor with a planted socket folder: exit %d (ended %v), want 1\n%s", code, ok, s.Out)
	}
	if out := s.Out.String(); !strings.Contains(out, "belongs to uid 65534") {
		t.Errorf("the refusal does not name the folder's owner:\n%s", out)
	}
	if b, err := os.ReadFile(victim); err != nil || string(b) != content {
		t.Errorf("the victim file holds %q (%v); want it untouched", b, err)
	}
}

// testLogsOfControlBytes: a child that prints 1,000 lines of 64 KB of
// control bytes (six times longer once JSON-escaped). `supervisor logs -n
// 1000` answers with the newest lines that fit its reply budget and says
// how many it left out, instead of building a reply of hundreds of MB that
// the client refuses.
func testLogsOfControlBytes(t *testing.T) {
	s := newSup(t)
	script := `head -c 65535000 /dev/zero | tr '\0' '\1' | fold -b -w 65535; echo; echo printed-all; exec sleep 3600`
	s.Write(e2e.DryrunConfig(fmt.Sprintf("command = [\"/bin/bash\", \"-c\", %q]\nlog_lines = 1000", script)))
	s.Start()
	if !e2e.Eventually(60*time.Second, func() bool {
		out, code := s.CLI("logs", "-n", "1", "--socket", s.Socket)
		return code == 0 && strings.Contains(out, "printed-all")
	}) {
		t.Fatalf("the child's last line never showed in `supervisor logs -n 1`\n%s", s.Out)
	}
	out, code := s.CLI("logs", "-n", "1000", "--socket", s.Socket)
	if code != 0 {
		t.Fatalf("supervisor logs -n 1000: exit %d\n%.500s", code, out)
	}
	if !strings.Contains(out, "older lines left out") {
		t.Errorf("the reply does not say lines were left out (%d bytes)", len(out))
	}
	if len(out) > 4<<20 {
		t.Errorf("supervisor logs printed %d bytes, more than the reply budget", len(out))
	}
	t.Logf("supervisor logs -n 1000 of 64 KB control-byte lines: %d bytes printed", len(out))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// testStatusForAnyUserCustomFolder: with status_for_any_user and a socket
// in a custom folder that does not exist yet, another user (nobody) gets
// the status from `supervisor status` and is refused `stop`. (The old
// supervisor created the folder 0700 before the socket's rules ran, so
// nobody could not reach the socket at all.)
func testStatusForAnyUserCustomFolder(t *testing.T) {
	needRoot(t, "run a client as another user (nobody)")
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		skipf(t, "needs setpriv (util-linux) to run a client as nobody")
	}
	s := newSup(t)
	// Every folder on the way must be traversable by nobody.
	for d := s.Dir; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		must(t, os.Chmod(d, 0o755))
	}
	bin := filepath.Join(s.Dir, "supervisor")
	copyBinary(t, bins.Path("supervisor"), bin)
	s.Socket = filepath.Join(s.Dir, "control", "s.sock")
	s.Write(e2e.DryrunConfig("status_for_any_user = true"))
	s.Start()
	s.WaitStatus("the child to run", 20*time.Second, e2e.Running)
	asNobody := func(args ...string) (string, int) {
		c := exec.Command(setpriv, append([]string{"--reuid=nobody", "--regid=nogroup", "--clear-groups", bin}, args...)...)
		c.Env = e2e.Env(s.Dir)
		out, err := c.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			return string(out), ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), 0
	}
	if out, code := asNobody("status", "--socket", s.Socket); code != ipc.StatusChildRunning {
		t.Errorf("supervisor status as nobody, custom socket folder: exit %d\n%s", code, out)
	}
	if out, code := asNobody("stop", "--socket", s.Socket); code == 0 || !strings.Contains(out, "permission denied") {
		t.Errorf("supervisor stop as nobody: exit %d\n%s", code, out)
	}
	if st, ok := s.Status(); !ok || !e2e.Running(st) {
		t.Errorf("the child after nobody's refused stop: %+v (answered %v)", st.Child, ok)
	}
}

// copyBinary copies src to dst, mode 0755, for a user who cannot read the
// folder the binaries were built in.
func copyBinary(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	must(t, err)
	must(t, os.WriteFile(dst, b, 0o755))
}

// testHTTPOtherUsers: the real supervisor's loopback HTTP endpoint without a
// token. Another user (nobody) gets /healthz with the verdict only and is
// refused /status; a request whose Host is not loopback (DNS rebinding) is
// refused; nobody holding 64 idle connections (the whole default cap) does
// not keep the owner's /healthz from answering.
func testHTTPOtherUsers(t *testing.T) {
	needRoot(t, "run a client as another user (nobody)")
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		skipf(t, "needs setpriv (util-linux) to run a client as nobody")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		skipf(t, "needs curl to send requests as nobody")
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	must(t, err)
	addr := ln.Addr().String()
	ln.Close()
	s := newSup(t)
	s.Write(e2e.DryrunConfig(`restart_delay = "0s"`) + fmt.Sprintf("\n[http]\nlisten = %q\n", addr))
	s.Start()
	s.WaitStatus("the child to run", 20*time.Second, e2e.Running)
	get := func(path, host string) (int, string) {
		req, err := http.NewRequest("GET", "http://"+addr+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if host != "" {
			req.Host = host
		}
		resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(b))
	}
	if !e2e.Eventually(10*time.Second, func() bool { code, _ := get("/status", ""); return code == 200 }) {
		t.Fatalf("the owner never got /status from %s\n%s", addr, s.Out)
	}
	nobody := func(script string) *exec.Cmd {
		return exec.Command(setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups", "bash", "-c", script)
	}
	out, err := nobody(`curl -s -o /dev/null -w '%{http_code}\n' http://` + addr + `/status; curl -s http://` + addr + `/healthz`).Output()
	if err != nil {
		t.Fatalf("curl as nobody: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 || lines[0] != "403" {
		t.Errorf("/status as nobody: %q, want 403", out)
	}
	if len(lines) == 2 && lines[1] != `{"ok":true}` && lines[1] != `{"ok":false}` {
		t.Errorf("/healthz as nobody: %q, want the verdict only", lines[1])
	}
	if code, body := get("/status", "rebind.attacker.example"); code != 421 {
		t.Errorf("/status with Host rebind.attacker.example: %d %s, want 421", code, body)
	}
	_, port, _ := net.SplitHostPort(addr)
	hold := nobody(`for i in $(seq 64); do exec {fd}<>/dev/tcp/127.0.0.1/` + port + `; done; echo held; read`)
	stdin, err := hold.StdinPipe()
	must(t, err)
	stdout, err := hold.StdoutPipe()
	must(t, err)
	must(t, hold.Start())
	defer func() { stdin.Close(); hold.Wait() }()
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); line != "held\n" {
		t.Fatalf("the holder said %q", line)
	}
	t0 := time.Now()
	if code, body := get("/healthz", ""); code != 200 {
		t.Errorf("the owner's /healthz while nobody holds 64 connections: %d %s", code, body)
	}
	t.Logf("owner's /healthz while nobody holds 64 idle connections: %s", time.Since(t0).Round(time.Millisecond))
}
