package netprobe

// WatchAddresses (one implementation per system, in watch_*.go) returns a
// channel that receives a value soon after any of the machine's addresses,
// routes or links change, so the updater can look for a new public address
// at once instead of at its next interval. The channel has a buffer of one
// and sends never block: a burst of changes coalesces into one or two
// values, and a slow reader sees "something changed" rather than a queue.
// The channel is closed when ctx is done (or, after an error is logged, when
// the watch itself fails). Systems without an implementation return an error
// wrapping errors.ErrUnsupported; the caller falls back to its interval.

// notify sends on ch without blocking: a pending value already says
// "something changed".
func notify(ch chan<- struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
