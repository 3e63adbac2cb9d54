package ipc

import (
	"testing"
	"time"
)

func TestWatchdogEnvRoundTrip(t *testing.T) {
	for _, d := range []time.Duration{3 * time.Second, 90 * time.Second, 1500 * time.Millisecond} {
		e := WatchdogEnv(d)
		v := e[len(EnvWatchdogUSec)+1:]
		got, err := ParseWatchdogUSec(v)
		if err != nil || got != d {
			t.Errorf("%s: parsed %v, %v; want %v", e, got, err, d)
		}
	}
	if e := WatchdogEnv(30 * time.Second); e != "DDNS_WATCHDOG_USEC=30000000" {
		t.Errorf("WatchdogEnv(30s) = %q", e)
	}
}

func TestParseWatchdogUSecRefusesNonsense(t *testing.T) {
	for _, v := range []string{"abc", "-5", "0", "1.5"} {
		if _, err := ParseWatchdogUSec(v); err == nil {
			t.Errorf("%q accepted", v)
		}
	}
	if d, err := ParseWatchdogUSec(""); d != 0 || err != nil {
		t.Errorf("empty: %v, %v; want 0, nil", d, err)
	}
}
