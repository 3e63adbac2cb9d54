package daemon

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/supervise"
)

// TestTokenFileChangeEndsWaitingConfig: an updater whose credentials were
// refused (exit 5) waits for its config, and a save of the token file the
// config names (api_token_file, relative) ends the wait at once, although
// the config file itself did not change. Status says what the wait is for
// and when the long retry comes.
func TestTokenFileChangeEndsWaitingConfig(t *testing.T) {
	cfgPath, _, load := lastGoodSetup(t)
	cfg, err := load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, cfg, nil, func(o *Options) { o.ConfigPath, o.Load = cfgPath, load })
	h.run()
	p := h.started()
	token := h.fileWatcher(filepath.Join(filepath.Dir(cfgPath), "token"))
	p.exitWith(int(ipc.ExitAuth))
	h.waitState(supervise.StateWaitingConfig)
	st := h.status()
	var detail string
	for _, e := range st.Events {
		if e.Kind == string(supervise.EventWaitingConfig) {
			detail = e.Detail
		}
	}
	if !strings.Contains(detail, "a file it names") || !strings.Contains(detail, "retry in 15m0s") ||
		st.Child.NextStartInSeconds != (15*time.Minute).Seconds() {
		t.Errorf("waiting-config says %q, next start in %vs; want the files and a retry in 15m", detail, st.Child.NextStartInSeconds)
	}
	token.ch <- configs.Change{Hash: "new"}
	h.started()
	snap := h.app.sup.Snapshot()
	if snap.State != supervise.StateRunning {
		t.Fatalf("state %s after the token file changed, want running", snap.State)
	}
	found := false
	for _, e := range snap.Events {
		found = found || e.Kind == supervise.EventFilesChanged && strings.Contains(e.Detail, "providers.cf.api_token_file")
	}
	if !found {
		t.Errorf("no files-changed event naming the key: %+v", snap.Events)
	}
}

// TestWaitingConfigLongRetry: with nothing changed, the updater is tried
// again 15 minutes after it waited for its config.
func TestWaitingConfigLongRetry(t *testing.T) {
	h := newHarness(t, config(t, "", ""), nil)
	h.run()
	p := h.started()
	p.exitWith(int(ipc.ExitConfig))
	h.waitState(supervise.StateWaitingConfig)
	h.clk.Advance(15*time.Minute - time.Second)
	h.noStart("before the retry")
	h.clk.Advance(time.Second)
	h.started()
}
