//go:build linux

package ipc

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// asNobody starts this test binary as a helper running as nobody, and
// returns its stdout lines; closing stdin ends a "hold" helper.
func asNobody(t *testing.T, mode, arg, cmdArg string) (lines *bufio.Scanner, stdin io.WriteCloser) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a client as another user (nobody)")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("needs setpriv (util-linux) to run a client as nobody")
	}
	base, err := os.MkdirTemp("", "ipc-nobody-")
	must(t, err)
	t.Cleanup(func() { os.RemoveAll(base) })
	must(t, os.Chmod(base, 0o755))
	bin := filepath.Join(base, "ipc.test")
	copyFile(t, bin)
	cmd := exec.Command(setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups", bin, "-test.run=^$")
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0", envHelper+"="+mode, envArg+"="+arg, envCmd+"="+cmdArg)
	cmd.Stderr = os.Stderr
	stdin, err = cmd.StdinPipe()
	must(t, err)
	out, err := cmd.StdoutPipe()
	must(t, err)
	must(t, cmd.Start())
	t.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	return bufio.NewScanner(out), stdin
}

// TestOtherUserCannotStarveRoot: with status for any user, another user
// (nobody) who opens as many connections as it can and holds them idle gets
// only its own share; root's status still answers at once, and a stop from
// root is still taken.
func TestOtherUserCannotStarveRoot(t *testing.T) {
	const maxConns = 16
	dir := filepath.Join(openTempDir(t), "ddns")
	s := startServer(t, ServerOptions{
		Path: filepath.Join(dir, SocketFileName), AllowStatusFromAnyUser: true,
		MaxConns: maxConns, OtherIdleTimeout: time.Minute,
	})
	lines, stdin := asNobody(t, "hold", s.Path(), strconv.Itoa(2*maxConns))
	if !lines.Scan() {
		t.Fatalf("the holding client printed nothing: %v", lines.Err())
	}
	var held, busy int
	if _, err := fmt.Sscanf(lines.Text(), "held=%d busy=%d", &held, &busy); err != nil {
		t.Fatalf("holding client said %q: %v", lines.Text(), err)
	}
	if held == 0 || held >= maxConns || held+busy != 2*maxConns {
		t.Errorf("nobody holds %d connections and was refused %d; want some, fewer than all %d", held, busy, maxConns)
	}
	// Root, while nobody holds its share.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, cmd := range []Command{CmdStatus, CmdStop} {
		c, err := Dial(ctx, s.Path())
		must(t, err)
		rep, err := c.Do(ctx, Request{Cmd: cmd})
		c.Close()
		if err != nil || !rep.OK {
			t.Fatalf("root's %s while nobody holds %d connections: %+v, %v", cmd, held, rep, err)
		}
	}
	stdin.Close()
}

// TestOtherUsersIdleConnectionsCloseQuickly: a silent connection of another
// user is closed after OtherIdleTimeout, while one of the owner, silent for
// longer, is still served.
func TestOtherUsersIdleConnectionsCloseQuickly(t *testing.T) {
	dir := filepath.Join(openTempDir(t), "ddns")
	logger, logs := testLogger(t)
	s := startServer(t, ServerOptions{
		Path: filepath.Join(dir, SocketFileName), AllowStatusFromAnyUser: true, Logger: logger,
		IdleTimeout: time.Minute, OtherIdleTimeout: 200 * time.Millisecond,
	})
	own := dial(t, s.Path()) // silent from now on
	lines, stdin := asNobody(t, "hold", s.Path(), "1")
	if !lines.Scan() || lines.Text() != "held=1 busy=0" {
		t.Fatalf("holding client said %q (%v)", lines.Text(), lines.Err())
	}
	// The server closes nobody's connection (the helper is not told):
	// its log says so, with nobody's uid.
	if _, err := logs.Wait("peer_uid=65534", 10*time.Second); err != nil {
		t.Fatalf("nobody's idle connection was not closed within 10s (OtherIdleTimeout 200ms): %v\n%s", err, logs)
	}
	rep, err := own.Do(ctxT(t), Request{Cmd: CmdStatus})
	if err != nil || !rep.OK {
		t.Fatalf("the owner's connection, silent for longer than nobody's: %+v, %v", rep, err)
	}
	stdin.Close()
}

// openTempDir is a fresh folder every user may traverse, for a socket folder
// other users must reach.
func openTempDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "ipc-open-")
	must(t, err)
	t.Cleanup(func() { os.RemoveAll(d) })
	must(t, os.Chmod(d, 0o755))
	return d
}

// TestOtherUsersCannotFloodTheLog: another user sending refused requests in
// a loop gets each refusal as a reply, but the supervisor's log says so
// once, not once per request.
func TestOtherUsersCannotFloodTheLog(t *testing.T) {
	const n = 50
	dir := filepath.Join(openTempDir(t), "ddns")
	logger, logs := testLogger(t)
	s := startServer(t, ServerOptions{Path: filepath.Join(dir, SocketFileName), AllowStatusFromAnyUser: true, Logger: logger})
	cmds := strings.TrimSuffix(strings.Repeat("restart,", n), ",")
	lines, stdin := asNobody(t, "client-seq", s.Path(), cmds)
	stdin.Close()
	got := 0
	for lines.Scan() {
		if !strings.Contains(lines.Text(), "permission denied") {
			t.Fatalf("reply %d: %s, want a refusal", got, lines.Text())
		}
		got++
	}
	if got != n {
		t.Fatalf("%d replies to %d refused requests", got, n)
	}
	if c := logs.Count("refused a request"); c != 1 {
		t.Errorf("%d log lines for %d refused requests from one other user, want 1:\n%s", c, n, logs)
	}
}
