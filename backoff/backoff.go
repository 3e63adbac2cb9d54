// Package backoff is the project's one exponential backoff schedule: a first
// delay that doubles on every further attempt up to a cap, optionally spread
// by a random jitter so that many machines that failed together do not retry
// together.
//
// A Policy is a pure value: Delay(n) gives the wait before attempt n and
// keeps no state, so callers that already count failures (the supervisor's
// consecutive-failure count, a retry loop's attempt number) use it directly.
// Sequence adds the counter and its reset for callers that do not.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Policy describes one schedule. The zero value waits 0 every time.
//
// Contract of Delay(n), for n >= 1 (n < 1 counts as 1):
//   - the base delay is First * 2^(n-1), capped at Limit() = max(Max, First),
//     so a Max below First never shortens the first delay;
//   - with Jitter j > 0 (clamped to at most 1) the base is multiplied by a
//     factor drawn uniformly from [1-j, 1+j), then capped at Limit() again:
//     jitter never makes a wait exceed the cap;
//   - Jitter 0 gives exactly the base, which is how tests switch it off;
//   - the result is never negative and doubling never overflows.
type Policy struct {
	First  time.Duration // wait before the first retry (attempt 1)
	Max    time.Duration // cap on every wait; below First means First
	Jitter float64       // 0.1 spreads each wait by ±10%; 0 = none
	// Rand returns a number in [0,1) for the jitter; nil means
	// math/rand/v2's Float64. Tests pin it to make jittered waits exact.
	Rand func() float64
}

// Limit is the longest wait the policy ever returns: max(Max, First).
func (p Policy) Limit() time.Duration { return max(p.Max, p.First, 0) }

// Delay returns the wait before attempt n (1-based) as the Policy's
// contract describes.
func (p Policy) Delay(n int) time.Duration {
	limit := p.Limit()
	d := max(p.First, 0)
	for i := 1; i < n && d < limit; i++ {
		if d > limit/2 {
			d = limit
			break
		}
		d *= 2
	}
	d = min(d, limit)
	if j := min(p.Jitter, 1); j > 0 && d > 0 {
		r := p.Rand
		if r == nil {
			r = rand.Float64
		}
		d = time.Duration(float64(d) * (1 + j*(2*r()-1)))
	}
	return min(max(d, 0), limit)
}

// Sequence walks a Policy one attempt at a time. The zero value of its
// counter means "no attempt yet"; it is not safe for concurrent use.
type Sequence struct {
	Policy
	n int
}

// Next counts one more attempt and returns its wait: Delay(1) after a
// reset, then Delay(2), and so on.
func (s *Sequence) Next() time.Duration {
	s.n++
	return s.Delay(s.n)
}

// Attempts is how many times Next was called since the last Reset.
func (s *Sequence) Attempts() int { return s.n }

// Reset starts the schedule again from First (a success, a stable run).
func (s *Sequence) Reset() { s.n = 0 }

// Transient is the project's retry policy inside one pass, for every
// transport (the providers' HTTP transport, RFC 2136, the address sources):
// up to TransientAttempts tries, waiting 100 ms, 200 ms, 400 ms, ... capped
// at 10 s between them, without jitter (the calls are few and per account,
// so they do not arrive in herds).
var Transient = Policy{First: 100 * time.Millisecond, Max: 10 * time.Second}

// TransientAttempts is how many times a transient failure is tried in all.
const TransientAttempts = 5

// Sleep waits d, or until ctx ends (then it returns ctx's error): the wait
// between two tries.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
