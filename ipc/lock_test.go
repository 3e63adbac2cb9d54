package ipc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// lockInChild tries AcquireLock(path) in a fresh process of this binary and
// returns its output and exit code.
func lockInChild(t *testing.T, path string) (string, int) {
	t.Helper()
	self, err := os.Executable()
	must(t, err)
	cmd := exec.Command(self, "-test.run=^$")
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0", envHelper+"=lock", envArg+"="+path)
	out, err := cmd.Output()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out)), code
}

func TestAcquireLockAcrossProcesses(t *testing.T) {
	path := filepath.Join(tempDir(t), "run", "supervisor.lock")
	release, err := AcquireLock(path)
	if err != nil {
		t.Fatalf("first AcquireLock: %v", err)
	}
	out, code := lockInChild(t, path)
	if code != 3 || !strings.HasPrefix(out, "locked=true") {
		t.Fatalf("second process while held: exit %d, %q; want ErrLocked", code, out)
	}
	for _, want := range []string{path, fmt.Sprintf("pid %d", os.Getpid())} {
		if !strings.Contains(out, want) {
			t.Errorf("error %q does not name %q", out, want)
		}
	}
	must(t, release())
	must(t, release()) // twice is harmless
	out, code = lockInChild(t, path)
	if code != 0 || out != "acquired" {
		t.Fatalf("second process after release: exit %d, %q; want it acquired", code, out)
	}
	// And this process can take it again.
	release, err = AcquireLock(path)
	if err != nil {
		t.Fatalf("AcquireLock after the child released: %v", err)
	}
	must(t, release())
}

func TestAcquireLockTwiceInOneProcess(t *testing.T) {
	path := filepath.Join(tempDir(t), "supervisor.lock")
	release, err := AcquireLock(path)
	must(t, err)
	defer release()
	if _, err := AcquireLock(path); err == nil {
		t.Fatal("a second AcquireLock of a held lock succeeded")
	} else if !strings.Contains(err.Error(), path) {
		t.Fatalf("error %q does not name the lock file", err)
	}
}

// A supervisor killed by SIGKILL releases nothing itself; the kernel drops
// its lock with its open files, so the leftover lock file (with the dead
// pid in it) must not block a new supervisor.
func TestAcquireLockAfterHolderKilled(t *testing.T) {
	path := filepath.Join(tempDir(t), "supervisor.lock")
	self, err := os.Executable()
	must(t, err)
	cmd := exec.Command(self, "-test.run=^$")
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0", envHelper+"=lock-hold", envArg+"="+path)
	out, err := cmd.StdoutPipe()
	must(t, err)
	must(t, cmd.Start())
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "acquired" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("holder process: %q, %v; want it to acquire the lock", line, err)
	}
	if _, err := AcquireLock(path); !errors.Is(err, ErrLocked) {
		t.Fatalf("AcquireLock while another process holds it: %v, want ErrLocked", err)
	}
	must(t, cmd.Process.Kill()) // SIGKILL: no deferred release runs
	_ = cmd.Wait()
	if b, _ := os.ReadFile(path); len(bytes.TrimSpace(b)) == 0 {
		t.Fatal("the killed holder's pid is not in the lock file; the test would not show a stale file is harmless")
	}
	release, err := AcquireLock(path)
	if err != nil {
		t.Fatalf("AcquireLock after the holder was killed: %v; a stale lock file must not block a new supervisor", err)
	}
	must(t, release())
}

// A holder whose pid cannot be read (an empty or foreign lock file) is
// named as "another process", never as pid 0.
func TestAcquireLockHolderWithoutPID(t *testing.T) {
	path := filepath.Join(tempDir(t), "supervisor.lock")
	release, err := AcquireLock(path)
	must(t, err)
	defer release()
	for _, content := range []string{"", "0\n", "not a pid\n"} {
		must(t, os.WriteFile(path, []byte(content), 0o600)) // the lock stays held: it is on the open file
		_, err := AcquireLock(path)
		if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "held by another process") || strings.Contains(err.Error(), "pid 0") {
			t.Errorf("lock file %q: %v; want ErrLocked naming another process", content, err)
		}
	}
}
