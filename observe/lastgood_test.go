package observe

import (
	"strings"
	"testing"

	"github.com/ddnsd/ddns/ipc"
)

// TestHealthNamesLastGoodConfig: a supervisor running on its last good
// config (the file has an error) says so in /healthz's warnings, with the
// copy's date and the error, and stays healthy: the records are still kept.
func TestHealthNamesLastGoodConfig(t *testing.T) {
	st := healthyStatus(t0)
	since := ipc.TimeOf(t0.Add(-48 * 3600e9))
	st.Supervisor.ConfigError = "config.toml:3:1: expected '=' after a key"
	st.Supervisor.RunningOnLastGood, st.Supervisor.LastGoodSince = true, &since
	h := NewHealthChecker(iv).Check(st, t0)
	w := strings.Join(h.Warnings, "\n")
	if !h.OK || !strings.Contains(w, "running on the last good config (valid as of 2026-11-01T12:00:00Z)") || !strings.Contains(w, "config.toml:3:1") {
		t.Errorf("health %+v, want OK with a warning naming the last good config and the error", h)
	}
}
