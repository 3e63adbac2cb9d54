package observe

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ddnsd/ddns/clock"
	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/testsupport/chromium"
)

// hostile is text a record, an error or an event could carry if a
// provider's API or an address source were hostile: markup that would run
// or inject elements if the page parsed it as HTML.
const hostile = `<img src=x id=injected onerror="document.title='pwned'"><script id=injected2>document.title='pwned'</script>`

// TestPageRendersHostileTextAsText loads the dashboard in headless
// Chromium over a status whose record, error, check, config error and event
// all carry markup, and checks that the DOM holds it as text only: no
// element the markup names, the title untouched, the text escaped where it
// belongs.
func TestPageRendersHostileTextAsText(t *testing.T) {
	b := chromium.Require(t)
	now := time.Now()
	st := healthyStatus(now)
	st.Records = append(st.Records, ipc.RecordStatus{Name: "evil" + hostile + ".example.com", Type: "A", Address: hostile, Error: "provider said: " + hostile, SyncedAt: ipc.TimeOf(now.Add(-time.Minute))})
	st.Network.Checks = append(st.Network.Checks, ipc.CheckStatus{Kind: "dns", Target: hostile, Error: hostile})
	st.Supervisor.ConfigError = "config.toml:3:1: " + hostile
	st.Supervisor.ConfigGeneration = 2
	st.Events = append(st.Events, ipc.EventStatus{At: ipc.TimeOf(now), Kind: "exited" + hostile, Detail: hostile})
	f := &fakeSupervisor{st: st, now: now}
	_, base := startServer(t, Options{Clock: clock.System()}, f)
	dom := b.DumpDOM(t, base+"/", 3*time.Second)
	if !strings.Contains(dom, `id="records"`) || !strings.Contains(dom, `data-record="home.example.com/A"`) {
		t.Fatalf("the page did not draw its records:\n%s", dom)
	}
	if !strings.Contains(dom, "<title>ddns dashboard</title>") {
		t.Errorf("the page's title changed: a script from the data ran:\n%s", dom)
	}
	for _, bad := range []string{`id="injected"`, `id="injected2"`, "<img", "<script id"} {
		if strings.Contains(dom, bad) {
			t.Errorf("the DOM holds %q: markup from the data was parsed as HTML:\n%s", bad, dom)
		}
	}
	if n := strings.Count(dom, "&lt;img src=x id=injected"); n < 5 {
		t.Errorf("the hostile text shows as text %d times, want at least 5 (address, error, check, config error, event):\n%s", n, dom)
	}
	if dir := os.Getenv("DASH_PREVIEW"); dir != "" {
		b.Screenshot(t, base+"/", filepath.Join(dir, "hostile.png"), 1200, 900, 3*time.Second)
		os.WriteFile(filepath.Join(dir, "hostile.html"), []byte(dom), 0o644)
	}
}
