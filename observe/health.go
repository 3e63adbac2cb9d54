package observe

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ddnsd/ddns/ipc"
)

// Health is the /healthz verdict, also its JSON body.
type Health struct {
	OK bool `json:"ok"`
	// Reasons says why OK is false, one short sentence each.
	Reasons []string `json:"reasons,omitempty"`
	// Warnings are worth knowing but do not fail the check (a config file
	// that no longer loads while the child keeps running on the last good one).
	Warnings []string `json:"warnings,omitempty"`
}

// HealthChecker turns status documents into a Health verdict. It keeps a
// little memory between calls (since when each record has been failing), so
// one checker should serve all calls. It is safe for concurrent use.
//
// The rules, with I the updater's interval:
//   - the child must be in state "running";
//   - the network must be ready;
//   - every record must have synced within 2·I. One failed pass (a slow or
//     broken echo service) leaves the last sync at most 2·I old at the next
//     pass, so it does not fail the check; two failed passes in a row do;
//   - a record that has never synced fails once the child has run for 2·I
//     (a fresh start gets time for its first pass);
//   - a record error fails the check only once this checker has seen it
//     persist for longer than I. Errors are tracked by presence, not text,
//     so an error whose wording changes between passes is still the same
//     failure.
type HealthChecker struct {
	mu       sync.Mutex
	interval time.Duration
	errSince map[string]time.Time
}

// NewHealthChecker returns a checker for an updater running every interval
// (0: DefaultInterval).
func NewHealthChecker(interval time.Duration) *HealthChecker {
	h := &HealthChecker{errSince: map[string]time.Time{}}
	h.SetInterval(interval)
	return h
}

// SetInterval changes the interval, for a reloaded config.
func (h *HealthChecker) SetInterval(interval time.Duration) {
	if interval <= 0 {
		interval = DefaultInterval
	}
	h.mu.Lock()
	h.interval = interval
	h.mu.Unlock()
}

// Check judges st as of now.
func (h *HealthChecker) Check(st ipc.Status, now time.Time) Health {
	h.mu.Lock()
	defer h.mu.Unlock()
	var hl Health
	iv := h.interval

	if st.Child.State != "running" {
		r := "child is " + orUnknown(st.Child.State)
		if e := st.Child.LastExit; e != nil {
			r += " after " + exitText(*e)
		}
		hl.Reasons = append(hl.Reasons, r)
	}
	if !st.Network.Ready {
		r := "network not ready"
		if st.Network.Reason != "" {
			r += ": " + st.Network.Reason
		} else {
			var failed []string
			for _, c := range st.Network.Checks {
				if !c.OK {
					failed = append(failed, c.Kind+" "+c.Target)
				}
			}
			if len(failed) > 0 {
				r += ": failing " + strings.Join(failed, ", ")
			}
		}
		hl.Reasons = append(hl.Reasons, r)
	}

	childUp := time.Duration(st.Child.UptimeSeconds * float64(time.Second))
	seen := make(map[string]bool, len(st.Records))
	for _, rec := range st.Records {
		key, who := ipc.RecordKey(rec.Name, rec.Type), rec.Name+" "+rec.Type
		seen[key] = true
		synced := rec.SyncedAt.Time()
		switch {
		case synced.IsZero():
			if st.Child.State == "running" && childUp > 2*iv {
				hl.Reasons = append(hl.Reasons, fmt.Sprintf("%s: never synced in %s of running", who, roundAge(childUp)))
			}
		case now.Sub(synced) > 2*iv:
			hl.Reasons = append(hl.Reasons, fmt.Sprintf("%s: last synced %s ago", who, roundAge(now.Sub(synced))))
		}
		if rec.Error == "" {
			delete(h.errSince, key)
			continue
		}
		since, ok := h.errSince[key]
		if !ok {
			since = now
			h.errSince[key] = now
		}
		if d := now.Sub(since); d > iv {
			hl.Reasons = append(hl.Reasons, fmt.Sprintf("%s: failing for %s: %s", who, roundAge(d), clip(rec.Error, 200)))
		}
	}
	for key := range h.errSince {
		if !seen[key] {
			delete(h.errSince, key) // record removed from the config
		}
	}
	switch {
	case st.Supervisor.RunningOnLastGood && st.Supervisor.LastGoodSince != nil:
		hl.Warnings = append(hl.Warnings, "running on the last good config (valid as of "+st.Supervisor.LastGoodSince.Time().UTC().Format(time.RFC3339)+"): "+clip(st.Supervisor.ConfigError, 300))
	case st.Supervisor.ConfigError != "":
		hl.Warnings = append(hl.Warnings, "config not reloaded: "+clip(st.Supervisor.ConfigError, 300))
	}
	hl.OK = len(hl.Reasons) == 0
	return hl
}

func exitText(e ipc.ExitInfo) string {
	var parts []string
	switch {
	case e.Signal != "":
		parts = append(parts, "signal "+e.Signal)
	default:
		parts = append(parts, fmt.Sprintf("exit code %d", e.Code))
	}
	if e.Reason != "" {
		parts = append(parts, e.Reason)
	}
	return strings.Join(parts, ", ")
}

func orUnknown(s string) string {
	if s == "" {
		return "in an unknown state"
	}
	return s
}

func roundAge(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Second)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
