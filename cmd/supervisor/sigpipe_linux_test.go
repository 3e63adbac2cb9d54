package main

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/testsupport/e2e"
)

// TestStderrReaderGoneDoesNotKill runs the supervisor with its stderr a
// pipe whose reader is already closed (`supervisor run | head` after head
// exited): every log line then meets EPIPE, which must not kill it.
func TestStderrReaderGoneDoesNotKill(t *testing.T) {
	e := newEnv(t, "[supervisor]\ncommand = [\"/bin/sleep\", \"600\"]\n[probe]\nenabled = false\n")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	cmd := exec.Command(e.Bins.Path("supervisor"), "run", "--config", e.Config)
	cmd.Env = e2e.Env(e.Dir)
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	st := e.WaitStatus("running", 20*time.Second, e2e.Running)
	// A restart logs several lines, each into the broken pipe.
	if out, code := e.CLI("restart", "--socket", e.Socket); code != 0 {
		t.Fatalf("restart: exit %d\n%s", code, out)
	}
	e.WaitStatus("a new child", 20*time.Second, func(s2 ipc.Status) bool { return e2e.Running(s2) && s2.Child.PID != st.Child.PID })
	select {
	case err := <-exited:
		t.Fatalf("the supervisor died with its stderr reader gone: %v", err)
	default:
	}
	if _, ok := e.Status(); !ok {
		t.Fatal("status got no answer")
	}
}
