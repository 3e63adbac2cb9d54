//go:build linux

package ipc

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRefusedRequestKeepsTheConnection: a request refused for its sender's
// uid is answered with the refusal, and the same connection then serves a
// request that uid may send (status, with status for any user on).
func TestRefusedRequestKeepsTheConnection(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a client as another user (nobody)")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("needs setpriv (util-linux) to run a client as nobody")
	}
	base, err := os.MkdirTemp("", "ipc-refusal-")
	must(t, err)
	t.Cleanup(func() { os.RemoveAll(base) })
	must(t, os.Chmod(base, 0o755))
	bin := filepath.Join(base, "ipc.test")
	copyFile(t, bin)
	dir := filepath.Join(base, "ddns")
	s := startServer(t, ServerOptions{Path: filepath.Join(dir, SocketFileName), AllowStatusFromAnyUser: true})
	must(t, os.Chmod(dir, 0o755))
	must(t, os.Chmod(s.Path(), 0o666))

	cmd := exec.Command(setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups", bin, "-test.run=^$")
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0", envHelper+"=client-seq", envArg+"="+s.Path(), envCmd+"=restart,status")
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("client as nobody: %v: %s", err, stderr)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 {
		t.Fatalf("want two replies, got %q", out)
	}
	var refused, answered Reply
	must(t, json.Unmarshal([]byte(lines[0]), &refused))
	must(t, json.Unmarshal([]byte(lines[1]), &answered))
	if refused.OK || !strings.Contains(refused.Error, "permission denied: uid 65534") {
		t.Errorf("restart as nobody: %+v, want a refusal", refused)
	}
	if !answered.OK {
		t.Errorf("status as nobody after the refusal, same connection: %+v", answered)
	}
}
