//go:build linux

package ipc

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPeerCredentials checks that the server sees the client's real uid and
// pid, as the kernel reports them.
func TestPeerCredentials(t *testing.T) {
	peers := make(chan Peer, 1)
	s := startServer(t, ServerOptions{Handler: func(ctx context.Context, req Request, p Peer, w ReplyWriter) {
		peers <- p
		echoHandler(ctx, req, p, w)
	}})
	mustStatus(t, s.Path())
	p := <-peers
	if !p.Known || p.UID != os.Geteuid() || p.PID != os.Getpid() {
		t.Fatalf("peer %+v, want uid %d pid %d known", p, os.Geteuid(), os.Getpid())
	}
}

// TestOtherUserRefused runs a real client as the user nobody against a
// server run by root, with the socket's folder and file opened so that nobody
// can connect at all: only the peer-credential check stands in the way.
func TestOtherUserRefused(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a client as another user (nobody)")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("needs setpriv (util-linux) to run a client as nobody")
	}
	// A folder every user can traverse, holding a copy of this test binary
	// (the go build cache folder is private to root).
	base, err := os.MkdirTemp("", "ipc-peer-")
	must(t, err)
	t.Cleanup(func() { os.RemoveAll(base) })
	must(t, os.Chmod(base, 0o755))
	bin := filepath.Join(base, "ipc.test")
	copyFile(t, bin)

	tests := []struct {
		cmd      Command
		anyUser  bool
		keepMode bool // leave the modes Listen chose instead of opening them
		wantOK   bool
		wantText string // in the reply's error, or in the client's stderr
	}{
		{CmdStatus, false, false, false, "permission denied: uid 65534"},
		{CmdStatus, true, false, true, ""},
		{CmdRestart, false, false, false, "permission denied: uid 65534"},
		{CmdRestart, true, false, false, "permission denied: uid 65534"},
		{CmdLogs, true, false, false, "permission denied"},
		{CmdReport, true, false, false, "permission denied"},
		// Listen's own modes: closed to others by default, reachable for
		// status when allowed.
		{CmdStatus, false, true, false, "connect: permission denied"},
		{CmdStatus, true, true, true, ""},
	}
	for i, tt := range tests {
		name := string(tt.cmd)
		if tt.anyUser {
			name += "/status-for-any-user"
		}
		if tt.keepMode {
			name += "/modes-from-listen"
		}
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(base, "s"+string(rune('a'+i)), "ddns")
			s := startServer(t, ServerOptions{Path: filepath.Join(dir, SocketFileName), AllowStatusFromAnyUser: tt.anyUser})
			if !tt.keepMode {
				// Open the door wide: the test wants the uid check, not
				// the file modes, to refuse.
				must(t, os.Chmod(filepath.Dir(dir), 0o755))
				must(t, os.Chmod(dir, 0o755))
				must(t, os.Chmod(s.Path(), 0o666))
			}

			cmd := exec.Command(setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups", bin, "-test.run=^$")
			// atexit_sleep_ms: a -race binary otherwise lingers 1s at exit.
			cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0", envHelper+"=client", envArg+"="+s.Path(), envCmd+"="+string(tt.cmd))
			out, err := cmd.Output()
			if err != nil {
				var stderr string
				if ee, ok := err.(*exec.ExitError); ok {
					stderr = string(ee.Stderr)
				}
				if tt.keepMode && !tt.wantOK && strings.Contains(stderr, tt.wantText) {
					return // the file modes kept nobody out, as they should
				}
				t.Fatalf("client as nobody: %v: %s", err, stderr)
			}
			var rep Reply
			if err := json.Unmarshal(out, &rep); err != nil {
				t.Fatalf("client output %q: %v", out, err)
			}
			if rep.OK != tt.wantOK || !strings.Contains(rep.Error, tt.wantText) {
				t.Fatalf("reply %+v, want ok=%v and error containing %q", rep, tt.wantOK, tt.wantText)
			}
			mustStatus(t, s.Path()) // the owner is still served
		})
	}
}

func copyFile(t *testing.T, dst string) {
	t.Helper()
	self, err := os.Executable()
	must(t, err)
	in, err := os.Open(self)
	must(t, err)
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	must(t, err)
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	must(t, out.Close())
}
