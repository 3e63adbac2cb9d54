// Package clocktest provides Fake, a clock.Clock that moves only when a test
// says so.
package clocktest

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/ddnsd/ddns/clock"
)

// Fake is a clock.Clock for tests: time moves only through Advance and Set.
// Timers run on a monotonic counter that only Advance moves, as real timers
// do, so Set can step the wall clock backwards or forwards without firing or
// delaying any timer.
type Fake struct {
	mu      sync.Mutex
	now     time.Time
	mono    time.Duration
	seq     int
	timers  []*fakeTimer
	changed chan struct{} // closed and replaced whenever timers change
}

// New returns a fake clock showing start.
func New(start time.Time) *Fake {
	return &Fake{now: start, changed: make(chan struct{})}
}

type fakeTimer struct {
	clock  *Fake
	c      chan time.Time
	at     time.Duration // monotonic deadline
	seq    int
	active bool
}

// Now returns the fake wall time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// NewTimer arms a timer d from now; d <= 0 fires at once.
func (f *Fake) NewTimer(d time.Duration) clock.Timer {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	t := &fakeTimer{clock: f, c: make(chan time.Time, 1), at: f.mono + d, seq: f.seq}
	if d <= 0 {
		t.c <- f.now
	} else {
		t.active = true
		f.timers = append(f.timers, t)
	}
	f.notifyLocked()
	return t
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

func (t *fakeTimer) Stop() bool {
	f := t.clock
	f.mu.Lock()
	defer f.mu.Unlock()
	was := t.active
	if was {
		t.active = false
		f.removeLocked(t)
		f.notifyLocked()
	}
	return was
}

func (f *Fake) removeLocked(t *fakeTimer) {
	for i, x := range f.timers {
		if x == t {
			f.timers = append(f.timers[:i], f.timers[i+1:]...)
			return
		}
	}
}

func (f *Fake) notifyLocked() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// Advance moves both clocks forward by d, firing every timer that falls due,
// earliest first (ties in the order they were armed).
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	target := f.mono + d
	for {
		sort.SliceStable(f.timers, func(i, j int) bool {
			if f.timers[i].at != f.timers[j].at {
				return f.timers[i].at < f.timers[j].at
			}
			return f.timers[i].seq < f.timers[j].seq
		})
		if len(f.timers) == 0 || f.timers[0].at > target {
			break
		}
		t := f.timers[0]
		f.timers = f.timers[1:]
		f.now = f.now.Add(t.at - f.mono)
		f.mono = t.at
		t.active = false
		t.c <- f.now // capacity 1 and fires once: never blocks
	}
	f.now = f.now.Add(target - f.mono)
	f.mono = target
	f.notifyLocked()
}

// Set steps the wall clock to t, forwards or backwards, like an NTP step or a
// user changing the date. Timers are not affected.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = t
}

// Pending returns how many timers are armed and have not fired or been stopped.
func (f *Fake) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.timers)
}

// WaitForTimers blocks until at least n timers are pending, so a test can
// Advance only once the loop has armed what it should, instead of sleeping.
func (f *Fake) WaitForTimers(ctx context.Context, n int) error {
	for {
		f.mu.Lock()
		got, ch := len(f.timers), f.changed
		f.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// Until returns the time left before the earliest pending timer fires, and
// false when none is pending.
func (f *Fake) Until() (time.Duration, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.timers) == 0 {
		return 0, false
	}
	first := f.timers[0].at
	for _, t := range f.timers[1:] {
		first = min(first, t.at)
	}
	return first - f.mono, true
}
