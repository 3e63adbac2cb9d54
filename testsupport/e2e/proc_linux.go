//go:build linux

package e2e

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Eventually checks cond every 10 ms until it holds (true) or timeout
// passes (false), for what only polling can see: the kernel's process
// table, a socket's reply. Output lines are waited for on linebuf instead.
func Eventually(timeout time.Duration, cond func() bool) bool {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		<-tick.C
	}
	return true
}

// ProcState is pid's state letter in /proc (R, S, Z, ...), "" when there
// is no such process.
func ProcState(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return ""
	}
	f := strings.Fields(s[i+1:])
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// Gone reports whether pid no longer exists, not even as a zombie.
func Gone(pid int) bool { return ProcState(pid) == "" }

// Ended reports whether pid has stopped running: gone, or a zombie its
// parent has not reaped yet.
func Ended(pid int) bool {
	st := ProcState(pid)
	return st == "" || st == "Z"
}

// Children lists the pids whose parent is pid.
func Children(pid int) []int {
	var out []int
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, task := range tasks {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, task.Name()))
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

// ZombiesOf lists pid's children in state Z.
func ZombiesOf(pid int) []int {
	var z []int
	for _, c := range Children(pid) {
		if ProcState(c) == "Z" {
			z = append(z, c)
		}
	}
	return z
}

// FDCount is the number of open file descriptors of pid.
func FDCount(t testing.TB, pid int) int {
	t.Helper()
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatalf("cannot count the descriptors of pid %d: %v", pid, err)
	}
	return len(ents)
}

// ProcessesWith lists live processes (not zombies) whose command line
// contains needle (a test's own temporary path), to find orphans of any
// generation.
func ProcessesWith(needle string) []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil || !strings.Contains(string(b), needle) {
			continue
		}
		if st := ProcState(pid); st != "" && st != "Z" {
			out = append(out, pid)
		}
	}
	return out
}
