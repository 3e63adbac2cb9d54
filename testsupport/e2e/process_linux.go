//go:build linux

package e2e

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ddnsd/ddns/testsupport/linebuf"
)

// stopGuard bounds the wait for a process to end after SIGTERM before it is
// killed: a failure guard, not a pace.
const stopGuard = 20 * time.Second

// Process is one program a test started, its stdout and stderr collected
// together in Out.
type Process struct {
	// Cmd is the started command. Read Cmd.ProcessState only after Exited
	// or a wait returned.
	Cmd *exec.Cmd
	// Out is the output; it is closed when the output ends.
	Out *linebuf.Buffer

	t       testing.TB
	exited  chan struct{} // closed when Cmd.Wait returned
	waitErr error
}

// Start starts argv with env, collects its output, and at the end of the
// test stops it (SIGTERM, then kill -9 after 20 s) unless it has exited,
// and shows its output if the test failed.
func Start(t testing.TB, argv, env []string) *Process {
	t.Helper()
	p := &Process{Cmd: exec.Command(argv[0], argv[1:]...), Out: &linebuf.Buffer{}, t: t, exited: make(chan struct{})}
	p.Cmd.Env = env
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	p.Cmd.Stdout, p.Cmd.Stderr = pw, pw
	if err := p.Cmd.Start(); err != nil {
		pr.Close()
		pw.Close()
		t.Fatalf("cannot start %s: %v", argv[0], err)
	}
	pw.Close()
	go p.Out.Feed(pr)
	go func() {
		p.waitErr = p.Cmd.Wait()
		close(p.exited)
	}()
	name := filepath.Base(argv[0])
	t.Cleanup(func() {
		if !p.Exited() {
			p.Cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-p.exited:
			case <-time.After(stopGuard):
				p.Cmd.Process.Kill()
				<-p.exited
			}
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", name, p.Out)
		}
	})
	return p
}

// PID is the process's pid.
func (p *Process) PID() int { return p.Cmd.Process.Pid }

// Exited reports whether the process has ended (and been reaped).
func (p *Process) Exited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// Signal sends sig to the process.
func (p *Process) Signal(sig os.Signal) {
	p.t.Helper()
	if err := p.Cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("cannot send %v to pid %d: %v", sig, p.PID(), err)
	}
}

// Stop sends SIGTERM and waits for the process to end; it returns how it
// ended (nil for exit 0, an *exec.ExitError otherwise). A process still
// running 20 s later is killed and the test fails.
func (p *Process) Stop() error {
	p.t.Helper()
	p.Cmd.Process.Signal(syscall.SIGTERM)
	if _, ok := p.WaitExit(stopGuard); !ok {
		p.Kill9()
		p.t.Fatalf("pid %d still ran %s after SIGTERM; killed it", p.PID(), stopGuard)
	}
	return p.waitErr
}

// Kill9 kills the process with SIGKILL and reaps it.
func (p *Process) Kill9() {
	p.Cmd.Process.Kill()
	<-p.exited
}

// WaitExit waits up to timeout for the process to end on its own, then for
// the end of its output (the part a child still holding the pipe writes
// within the same bound). It returns the exit code (-1 for a signal) and
// whether the process ended in time.
func (p *Process) WaitExit(timeout time.Duration) (code int, ok bool) {
	guard := time.NewTimer(timeout)
	defer guard.Stop()
	select {
	case <-p.exited:
	case <-guard.C:
		return 0, false
	}
	select {
	case <-p.Out.Done():
	case <-guard.C:
	}
	var ee *exec.ExitError
	if errors.As(p.waitErr, &ee) {
		return ee.ExitCode(), true
	}
	return p.Cmd.ProcessState.ExitCode(), true
}
