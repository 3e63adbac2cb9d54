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

// TestCommandSourceKillsEscapedGrandchildren: a script whose grandchild
// leaves its process group and session (setsid) and outlives the script;
// the grandchild is killed once the script is done, on success as on
// timeout, so none piles up pass after pass.
func TestCommandSourceKillsEscapedGrandchildren(t *testing.T) {
	for _, tc := range []struct {
		name, tail string
		timeout    bool
	}{
		{"after a successful run", "echo 192.0.2.7", false},
		{"after a timeout", "sleep 1000", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pidFile := filepath.Join(t.TempDir(), "gc.pid")
			// The grandchild writes its own pid once it is in a session of its own.
			script := `setsid sh -c 'echo $$ > "$0.tmp"; mv "$0.tmp" "$0"; exec sleep 1000' "$0" > /dev/null 2>&1 &
while [ ! -e "$0" ]; do :; done
` + tc.tail
			src := NewCommandSource([]string{"/bin/sh", "-c", script, pidFile})
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_, err := src.Detect(ctx, IPv4)
			if tc.timeout != errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Detect: %v", err)
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
			deadline := time.Now().Add(5 * time.Second)
			for !processGone(pid) {
				if time.Now().After(deadline) {
					t.Fatalf("the escaped grandchild %d still runs after the script's end", pid)
				}
				time.Sleep(5 * time.Millisecond) // polling another process's end; no event exists for it
			}
		})
	}
}
