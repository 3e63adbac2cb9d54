package configs

import "time"

// Defaults returns a Config holding every default value. It is the one table
// of defaults: a file is decoded on top of it, so a key the file leaves out
// keeps the value given here, and a key the file sets to zero stays zero.
func Defaults() Config {
	d := func(v time.Duration) Duration { return Duration{v} }
	return Config{
		Supervisor: Supervisor{
			RestartDelay:      d(time.Second),
			RestartDelayMax:   d(5 * time.Minute),
			LongRestartDelay:  d(30 * time.Second),
			StableAfter:       d(60 * time.Second),
			CrashLoopRestarts: 5,
			CrashLoopWindow:   d(60 * time.Second),
			CrashLoopCooldown: d(10 * time.Minute),
			StopTimeout:       d(10 * time.Second),
			LogLines:          1000,
			EventHistory:      256,
		},
		Probe: Probe{
			Enabled:     true,
			Interval:    d(5 * time.Second),
			IntervalMax: d(time.Minute),
			Timeout:     d(2 * time.Second),
		},
		Updater: Updater{
			Interval:        d(5 * time.Minute),
			Resync:          d(24 * time.Hour),
			Timeout:         d(30 * time.Second),
			Concurrency:     16,
			NetworkGrace:    d(5 * time.Minute),
			WatchInterfaces: true,
		},
		IP:  IP{Defaults: true},
		Log: Log{Level: "info", Format: "text", MaxSizeMB: 10, MaxFiles: 5},
	}
}

// MinWatchdog is the shortest [supervisor] watchdog the updater can honour:
// it reports at a third of the period it is given, and a report takes a
// round trip on the control socket plus, between passes, a wakeup; a second
// between reports is the least that stays clear of scheduling noise on a
// busy machine. Shorter periods would kill a healthy child, so they are
// refused at load.
const MinWatchdog = 3 * time.Second

// WaitConfigRetry and WaitConfigRetryMax are waiting-config's long retry:
// after the updater refused its config or had its credentials refused
// (exit 2 or 5), the supervisor tries it again after 15 minutes, doubling
// up to 6 hours, besides starting it at once when the config or a file it
// names changes. A REFUSED from a frozen zone or a 403 from a provider's
// edge can pass on its own; a retry every few hours costs the provider
// nothing.
const (
	WaitConfigRetry    = 15 * time.Minute
	WaitConfigRetryMax = 6 * time.Hour
)

// RestartJitter spreads the supervisor's restart delays by ±10%, so that
// many machines restarted by the same outage do not retry in lockstep. It is
// not a key of the file; it lives here so that every default the supervisor
// runs with comes from this one table.
const RestartJitter = 0.1

// DefaultTTL is the TTL of a record that sets none, in seconds.
const DefaultTTL = 300

// Notification defaults.
const (
	defaultNotifyTimeout = 10 * time.Second
	defaultNotifyRetries = 5
	defaultNotifyQueue   = 64
)
