package ipc

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// EnvWatchdogUSec names the environment variable through which the
// supervisor tells its child the watchdog period, in microseconds as a
// decimal integer (like systemd's WATCHDOG_USEC). A child that sees it
// reports at a third of that period, so that one late or lost report never
// trips the watchdog; without it (no watchdog) the child keeps its own
// heartbeat pace.
const EnvWatchdogUSec = "DDNS_WATCHDOG_USEC"

// WatchdogEnv is the EnvWatchdogUSec entry ("NAME=value") for period d.
func WatchdogEnv(d time.Duration) string {
	return EnvWatchdogUSec + "=" + strconv.FormatInt(d.Microseconds(), 10)
}

// ParseWatchdogUSec reads an EnvWatchdogUSec value: "" is no watchdog
// (0, nil); anything but a positive decimal count of microseconds is an
// error that names the variable.
func ParseWatchdogUSec(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("$%s is %q: want a positive number of microseconds", EnvWatchdogUSec, v)
	}
	return time.Duration(n) * time.Microsecond, nil
}

// EnvConfigOrigin names the environment variable through which the
// supervisor tells a child started on its last good copy of the config
// which file that copy stands for. The child keys its default state file on
// it, so the supervised updater and `updater --once --config FILE` share
// one state (and its lock) whichever file each was handed.
const EnvConfigOrigin = "DDNS_CONFIG_ORIGIN"
