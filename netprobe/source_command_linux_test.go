package netprobe

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCommandSourceTimeoutKillsGrandchildren runs a script that forks a
// sleeping grandchild and then hangs: the deadline must take both, not
// leave the grandchild behind on every pass.
func TestCommandSourceTimeoutKillsGrandchildren(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "gc.pid")
	script := `sleep 1000 & echo $! > "$0"; wait`
	src := NewCommandSource([]string{"/bin/sh", "-c", script, pidFile})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := src.Detect(ctx, IPv4)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hung script: %v, want the deadline", err)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("the script did not start its grandchild: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	// The kill was sent before Detect returned; only init's reaping may lag.
	deadline := time.Now().Add(5 * time.Second)
	for !processGone(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("the grandchild %d still runs after the timeout", pid)
		}
		time.Sleep(5 * time.Millisecond) // polling another process's end; no event exists for it
	}
}

// processGone reports whether pid no longer runs (a zombie counts as gone).
func processGone(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && len(s) > i+2 && (s[i+2] == 'Z' || s[i+2] == 'X')
}
