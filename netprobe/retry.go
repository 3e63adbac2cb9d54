package netprobe

import (
	"context"
	"net/netip"
	"time"

	"github.com/ddnsd/ddns/backoff"
)

// The retry policy of one source's turn is the project's policy for every
// transport (backoff.Transient: up to 5 tries, 100 ms doubling to 10 s). A
// turn stays inside the Detector's SourceTimeout, so a source that keeps
// failing still passes the turn.

// retrier repeats a source's query while it fails transiently: a connection
// that failed, a timeout within the turn, an HTTP 5xx, a DNS SERVFAIL. A
// rate limit (403, 429) is not retried here: the Detector rests the source.
// The zero value uses the policy above; tests shorten it.
type retrier struct {
	attempts int                                              // 0: backoff.TransientAttempts
	delay    func(attempt int) time.Duration                  // wait before retry number attempt; nil: the policy
	wait     func(ctx context.Context, d time.Duration) error // nil: a timer that ctx ends
}

// do calls once until it succeeds, fails for good (transient false), ctx
// ends or the attempts run out, and returns the last answer.
func (r retrier) do(ctx context.Context, once func() (a netip.Addr, transient bool, err error)) (netip.Addr, error) {
	attempts := r.attempts
	if attempts <= 0 {
		attempts = backoff.TransientAttempts
	}
	delay := r.delay
	if delay == nil {
		delay = backoff.Transient.Delay
	}
	wait := r.wait
	if wait == nil {
		wait = backoff.Sleep
	}
	for attempt := 1; ; attempt++ {
		a, transient, err := once()
		if err == nil || !transient || attempt >= attempts || ctx.Err() != nil {
			return a, err
		}
		if wait(ctx, delay(attempt)) != nil {
			return a, err
		}
	}
}
