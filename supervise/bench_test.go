package supervise

import (
	"testing"
	"time"

	"github.com/ddnsd/ddns/clock/clocktest"
)

// BenchmarkPolicyDecision measures what the loop does when a child exits:
// map the exit to an action, count the restart against the crash-loop
// window, compute the backoff delay, arm the timer and record the events in
// the ring. It calls the loop's own handler on a Supervisor whose Run is not
// running (so nothing else touches its state), with a fake clock and a fake
// process, so that only the decision is timed: no process, no real timer.
// The fake wall clock moves a crash-loop window per exit, so every exit is
// decided the same way and the ring stays full at its default capacity.
func BenchmarkPolicyDecision(b *testing.B) {
	cases := []struct {
		name string
		exit ExitStatus
		want State
	}{
		{"exit-1-backoff", ExitStatus{Code: 1}, StateBackoff},
		{"exit-2-wait-config", ExitStatus{Code: 2}, StateWaitingConfig},
		{"signal-backoff", ExitStatus{Code: -1, Signal: "killed"}, StateBackoff},
		{"exit-0-stop", ExitStatus{Code: 0}, StateStopped},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			start := time.Unix(1_700_000_000, 0)
			clock := clocktest.New(start)
			// The design's defaults: jitter on, crash-loop guard on.
			p := testPolicy()
			p.Jitter = 0.1
			p.CrashLoopRestarts = 5
			s := New(Options{Policy: p, Starter: newFakeStarter(), Clock: clock})
			proc := &fakeProc{pid: 101, done: make(chan struct{}), exit: tc.exit}
			i := 0
			for b.Loop() {
				i++
				clock.Set(start.Add(time.Duration(i) * p.CrashLoopWindow))
				s.proc, s.pid, s.state = proc, proc.pid, StateRunning
				s.onExit()
			}
			if s.state != tc.want {
				b.Fatalf("after %+v the state is %s, want %s", tc.exit, s.state, tc.want)
			}
		})
	}
}
