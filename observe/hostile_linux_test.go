//go:build linux

package observe

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPeerUIDOfLoopbackConnection: the uid owning the client end of a
// loopback connection is found, by sock_diag and by /proc/net alike, and a
// socket that does not exist is reported missing, not as an error.
func TestPeerUIDOfLoopbackConnection(t *testing.T) {
	for _, network := range []string{"tcp4", "tcp6"} {
		t.Run(network, func(t *testing.T) {
			addr := "127.0.0.1:0"
			if network == "tcp6" {
				addr = "[::1]:0"
			}
			ln, err := net.Listen(network, addr)
			if err != nil {
				t.Skipf("no %s loopback here: %v", network, err)
			}
			defer ln.Close()
			c, err := net.Dial(network, ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			sc, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			defer sc.Close()
			local, remote := sc.LocalAddr().(*net.TCPAddr), sc.RemoteAddr().(*net.TCPAddr)
			if uid, ok := peerUID(local, remote); !ok || uid != os.Geteuid() {
				t.Errorf("peerUID = %d, %v; want %d (this process)", uid, ok, os.Geteuid())
			}
			uid, found, err := diagUID(remote, local)
			if err != nil || !found || uid != os.Geteuid() {
				t.Errorf("sock_diag: uid %d, found %v, %v; want %d", uid, found, err, os.Geteuid())
			}
			if uid, ok := procPeerUID(local, remote); !ok || uid != os.Geteuid() {
				t.Errorf("/proc/net: uid %d, %v; want %d", uid, ok, os.Geteuid())
			}
			// A socket that does not exist is not found, and is no error.
			gone := *remote
			gone.Port = 1
			if _, found, err := diagUID(&gone, local); found || err != nil {
				t.Errorf("sock_diag for no socket: found %v, %v", found, err)
			}
		})
	}
}

// asNobody runs a shell command as nobody and returns its stdout, or skips
// when that is not possible here.
func asNobody(t *testing.T, script string) *exec.Cmd {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a client as another user (nobody)")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("needs setpriv (util-linux) to run a client as nobody")
	}
	return exec.Command(setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups", "bash", "-c", script)
}

// TestOtherLocalUserGetsOnlyHealth: without a token, another local user
// (nobody) is refused /status and /metrics and gets /healthz without
// details, while the supervisor's own user reads everything; with
// StatusForAnyUser, nobody reads /status too.
func TestOtherLocalUserGetsOnlyHealth(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("needs curl to send requests as nobody")
	}
	f := &fakeSupervisor{st: healthyStatus(t0), now: t0}
	f.st.Child.State = "backoff" // unhealthy: /healthz has reasons to hide
	for _, anyUser := range []bool{false, true} {
		t.Run("status_for_any_user="+strconv.FormatBool(anyUser), func(t *testing.T) {
			_, base := startServer(t, Options{StatusForAnyUser: anyUser}, f)
			fetch := func(path string) (int, string) {
				out, err := asNobody(t, "curl -s -w '\\n%{http_code}' "+base+path).Output()
				if err != nil {
					t.Fatalf("curl %s as nobody: %v", path, err)
				}
				// curl prints the body, then a newline and the status code.
				i := strings.LastIndex(string(out), "\n")
				if i < 0 {
					t.Fatalf("curl %s as nobody printed %q", path, out)
				}
				n, _ := strconv.Atoi(strings.TrimSpace(string(out[i+1:])))
				return n, strings.TrimSpace(string(out[:i]))
			}
			code, body := fetch("/healthz")
			if code != 503 {
				t.Errorf("/healthz as nobody: %d %s, want 503", code, body)
			}
			if anyUser != strings.Contains(body, "reasons") {
				t.Errorf("/healthz as nobody (any user %v): %s; want reasons only for any user", anyUser, body)
			}
			for _, path := range []string{"/status", "/metrics"} {
				code, body := fetch(path)
				if want := map[bool]int{false: 403, true: 200}[anyUser]; code != want {
					t.Errorf("%s as nobody: %d, want %d", path, code, want)
				}
				if !anyUser && strings.Contains(body, "203.0.113.7") {
					t.Errorf("%s as nobody leaked the status: %s", path, body)
				}
			}
			if code, body := get(t, "GET", base+"/status", ""); code != 200 || !strings.Contains(body, "203.0.113.7") {
				t.Errorf("/status as the owner: %d %s", code, body)
			}
			if code, body := get(t, "GET", base+"/healthz", ""); code != 503 || !strings.Contains(body, "reasons") {
				t.Errorf("/healthz as the owner: %d %s; want the reasons", code, body)
			}
		})
	}
}

// TestOtherUserCannotStarveHealthz: another local user holding 64 idle
// connections (the whole default cap) gets only its own share, and the
// owner's /healthz still answers at once.
func TestOtherUserCannotStarveHealthz(t *testing.T) {
	f := &fakeSupervisor{st: healthyStatus(t0), now: t0}
	s, base := startServer(t, Options{ReadHeaderTimeout: time.Minute}, f)
	port := strconv.Itoa(s.Addr().(*net.TCPAddr).Port)
	cmd := asNobody(t, `for i in $(seq 64); do exec {fd}<>/dev/tcp/127.0.0.1/`+port+`; done; echo held; read`)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Wait() })
	sc := bufio.NewScanner(out)
	if !sc.Scan() || sc.Text() != "held" {
		t.Fatalf("the holder said %q (%v)", sc.Text(), sc.Err())
	}
	if code, body := get(t, "GET", base+"/healthz", ""); code != 200 {
		t.Fatalf("/healthz as the owner while nobody holds 64 connections: %d %s", code, body)
	}
}

// BenchmarkPeerUID is the cost an accepted loopback connection pays to be
// identified.
func BenchmarkPeerUID(b *testing.B) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	sc, err := ln.Accept()
	if err != nil {
		b.Fatal(err)
	}
	defer sc.Close()
	local, remote := sc.LocalAddr().(*net.TCPAddr), sc.RemoteAddr().(*net.TCPAddr)
	for b.Loop() {
		if _, ok := peerUID(local, remote); !ok {
			b.Fatal("not found")
		}
	}
}
