// Package clock is the project's one source of time: a Clock interface with
// wall time for records and monotonic timers for delays, so that code which
// waits (backoff, crash-loop windows, debounces, intervals) is tested with
// clocktest.Fake instead of real time.
package clock

import "time"

// Clock is a source of time. Timers measure elapsed time
// (monotonic); Now is wall time for records. Keeping them apart is what lets a
// wall clock stepped backwards leave every pending delay intact.
type Clock interface {
	Now() time.Time
	NewTimer(d time.Duration) Timer
}

// Timer fires once on C after its duration unless stopped.
type Timer interface {
	C() <-chan time.Time
	// Stop prevents the timer from firing; it reports whether it was pending.
	Stop() bool
}

// System is the real clock.
func System() Clock { return systemClock{} }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) NewTimer(d time.Duration) Timer { return systemTimer{time.NewTimer(d)} }

type systemTimer struct{ t *time.Timer }

func (t systemTimer) C() <-chan time.Time { return t.t.C }
func (t systemTimer) Stop() bool          { return t.t.Stop() }
