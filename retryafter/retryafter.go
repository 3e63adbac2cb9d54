// Package retryafter reads HTTP Retry-After values (RFC 9110, section
// 10.2.3), the one place a server says how long to stay away: the providers'
// retry transport waits that long before the next attempt, and the address
// detector rests an echo service that asked for it.
package retryafter

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxDelay bounds a delay-seconds value: a bogus or hostile huge number must
// not silence a caller for weeks.
const MaxDelay = 24 * time.Hour

// Value is one parsed Retry-After: exactly one of Delay (from delay-seconds;
// may be 0, "retry now") or At (from an HTTP date) is meaningful, told apart
// by At.IsZero().
type Value struct {
	Delay time.Duration // delay-seconds, capped at MaxDelay
	At    time.Time     // the HTTP date; zero for delay-seconds
}

// Parse reads v, a header value: delay-seconds (a non-negative integer,
// capped at MaxDelay) or an HTTP date in any of the formats http.ParseTime
// accepts. Surrounding white space is ignored. ok is false for an empty,
// negative or unreadable value, which callers treat as "no advice".
func Parse(v string) (Value, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return Value{}, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return Value{}, false
		}
		if secs > int64(MaxDelay/time.Second) {
			return Value{Delay: MaxDelay}, true
		}
		return Value{Delay: time.Duration(secs) * time.Second}, true
	}
	when, err := http.ParseTime(v)
	if err != nil {
		return Value{}, false
	}
	return Value{At: when}, true
}

// Wait is how long to wait from now: the Delay, or the time until At, where
// a date in the past means "now" (0).
func (v Value) Wait(now time.Time) time.Duration {
	if v.At.IsZero() {
		return v.Delay
	}
	return max(v.At.Sub(now), 0)
}
