package observe

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ddnsd/ddns/clock"
	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/journal"
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
	h := &fakeHistory{res: journal.Result{Entries: []journal.Entry{
		{At: now.Add(-3 * time.Minute), Kind: journal.KindChanged, Record: "home.example.com/A", Old: hostile, New: "203.0.113.7"},
		{At: now.Add(-2 * time.Minute), Kind: journal.KindFailed, Record: "home.example.com/A", Error: hostile},
		{At: now.Add(-time.Minute), Kind: journal.KindNetworkDown, Error: hostile},
	}}}
	_, base := startServer(t, Options{Clock: clock.System(), History: h.History}, f)
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
	if n := strings.Count(dom, "&lt;img src=x id=injected"); n < 7 {
		t.Errorf("the hostile text shows as text %d times, want at least 7 (address, error, check, config error, event, journal failure, old address):\n%s", n, dom)
	}
	if dir := os.Getenv("DASH_PREVIEW"); dir != "" {
		b.Screenshot(t, base+"/", filepath.Join(dir, "hostile.png"), 1200, 900, 3*time.Second)
		os.WriteFile(filepath.Join(dir, "hostile.html"), []byte(dom), 0o644)
	}
}

// TestPageDrawsTheJournal: over a journal of two days, the page marks each
// address change, failed pass, restart and network outage on the
// timeline, shows whether the last change was verified and when the
// address was set, and lists the journal's changes, and its supervisor
// entries from before the running supervisor started, among the events.
func TestPageDrawsTheJournal(t *testing.T) {
	b := chromium.Require(t)
	now := time.Now()
	st := healthyStatus(now)
	st.Records[0].ChangedAt = ipc.TimeOf(now.Add(-5 * time.Hour))
	st.Supervisor.UptimeSeconds = 3600 // started after the restart below
	code := 1
	h := &fakeHistory{res: journal.Result{Entries: []journal.Entry{
		{At: now.Add(-40 * time.Hour), Kind: journal.KindChanged, Record: "home.example.com/A", Old: "203.0.113.5", New: "203.0.113.6", Verified: true},
		{At: now.Add(-30 * time.Hour), Kind: journal.KindNetworkDown, Error: "tcp 1.1.1.1:443: connection refused"},
		{At: now.Add(-29 * time.Hour), Kind: journal.KindNetworkUp},
		{At: now.Add(-20 * time.Hour), Kind: journal.KindFailed, Record: "home.example.com/A", Error: "the provider refused the record"},
		{At: now.Add(-19 * time.Hour), Kind: journal.KindFailed, Record: "home.example.com/A", Error: "the provider refused the record"},
		{At: now.Add(-10 * time.Hour), Kind: journal.KindExited, PID: 7, Code: &code},
		{At: now.Add(-10 * time.Hour), Kind: journal.KindRestarted, PID: 8, Detail: "after exit code 1"},
		{At: now.Add(-5 * time.Hour), Kind: journal.KindChanged, Record: "home.example.com/A", Old: "203.0.113.6", New: "203.0.113.7", Verified: false},
	}}}
	f := &fakeSupervisor{st: st, now: now}
	_, base := startServer(t, Options{Clock: clock.System(), History: h.History}, f)
	dom := b.DumpDOM(t, base+"/", 3*time.Second)
	for _, want := range []string{
		`data-changes="2"`, `data-failures="2"`, `data-restarts="1"`, `data-outages="1"`,
		`data-verified="no"`, `data-address="203.0.113.7"`,
		`<li class="event" data-kind="changed">`,
		`<li class="event" data-kind="restarted"><span class="at">`, // from before this supervisor started
		`<li class="event" data-kind="exited" data-bad="">`,
		`id="range" class="muted">(last 1 d 19 h)</span>`,
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("the page lacks %s:\n%s", want, dom)
		}
	}
	if strings.Contains(dom, `data-open="yes"`) {
		t.Errorf("an outage that ended is drawn as still going on:\n%s", dom)
	}
	if dir := os.Getenv("DASH_PREVIEW"); dir != "" {
		b.Screenshot(t, base+"/", filepath.Join(dir, "journal.png"), 1200, 900, 3*time.Second)
		b.Screenshot(t, base+"/", filepath.Join(dir, "phone.png"), 390, 844, 3*time.Second)
	}
}

// TestPageAsksForTheToken: with a token configured, the page opens (its
// shell needs none), finds /status refused and shows the token form and
// nothing of the data.
func TestPageAsksForTheToken(t *testing.T) {
	b := chromium.Require(t)
	now := time.Now()
	f := &fakeSupervisor{st: healthyStatus(now), now: now}
	h := &fakeHistory{}
	_, base := startServer(t, Options{Clock: clock.System(), Token: "tok-chromium-31", History: h.History}, f)
	dom := b.DumpDOM(t, base+"/", 3*time.Second)
	for _, want := range []string{`<form id="auth" class="card" autocomplete="off">`, `<main id="main" hidden="">`, `data-state="warn">token needed<`} {
		if !strings.Contains(dom, want) {
			t.Errorf("the page lacks %s:\n%s", want, dom)
		}
	}
	if strings.Contains(dom, "203.0.113.7") || len(h.got) != 0 {
		t.Errorf("data reached a page without the token:\n%s", dom)
	}
}

// TestPageSendsTheTokenAsAHeader drives the token form over the DevTools
// protocol: a wrong token is refused and said so, the right one opens the
// data; it is kept in the tab's sessionStorage, never in the address, and
// the page's requests carry it (the endpoint answers /status and /history
// only with it).
func TestPageSendsTheTokenAsAHeader(t *testing.T) {
	b := chromium.Require(t)
	const token = "tok-devtools-8e21"
	now := time.Now()
	f := &fakeSupervisor{st: healthyStatus(now), now: now}
	h := &fakeHistory{}
	_, base := startServer(t, Options{Clock: clock.System(), Token: token, History: h.History}, f)
	p := b.Open(t, base+"/")
	p.WaitFor("the token form", `!document.getElementById('auth').hidden`, 20*time.Second)
	submit := func(tok string) {
		p.Eval(fmt.Sprintf(`document.getElementById('token').value = %q; document.getElementById('auth').requestSubmit(); true`, tok), nil)
	}
	submit("not-" + token)
	p.WaitFor("the refusal", `document.getElementById('problem').textContent.includes('The token was refused')`, 20*time.Second)
	submit(token)
	p.WaitFor("the records", `document.querySelector('[data-record="home.example.com/A"] [data-address="203.0.113.7"]') !== null`, 20*time.Second)
	var got struct {
		Stored, Href, Field string
		FormHidden          bool
	}
	p.Eval(`({Stored: sessionStorage.getItem('ddns.token'), Href: location.href, Field: document.getElementById('token').value, FormHidden: document.getElementById('auth').hidden})`, &got)
	if got.Stored != token || got.Field != "" || !got.FormHidden {
		t.Errorf("after the token: %+v; want it in sessionStorage, the field emptied and the form hidden", got)
	}
	if strings.Contains(got.Href, token) || got.Href != base+"/" {
		t.Errorf("the address is %q: the token must never be in a URL", got.Href)
	}
	if len(h.got) == 0 {
		t.Error("the page never read /history with the token")
	}
}

// TestPageKeepsRefreshingThroughIdleCloses: the endpoint closes a
// kept-alive connection after IdleTimeout, here shorter than the page's
// polling interval, so every poll finds its connection closed; the page
// still shows each new address as it comes.
func TestPageKeepsRefreshingThroughIdleCloses(t *testing.T) {
	b := chromium.Require(t)
	now := time.Now()
	f := &fakeSupervisor{st: healthyStatus(now), now: now}
	_, base := startServer(t, Options{Clock: clock.System(), IdleTimeout: 200 * time.Millisecond, History: (&fakeHistory{}).History}, f)
	p := b.Open(t, base+"/")
	for _, addr := range []string{"203.0.113.7", "203.0.113.8", "203.0.113.9"} {
		f.set(func(st *ipc.Status, _ *time.Time) {
			st.Records = []ipc.RecordStatus{{Name: "home.example.com", Type: "A", Address: addr, SyncedAt: ipc.TimeOf(time.Now())}}
		})
		p.WaitFor("the page to show "+addr, fmt.Sprintf(`document.querySelector('[data-address=%q]') !== null`, addr), 20*time.Second)
	}
	var problem string
	p.Eval(`document.getElementById('problem').textContent`, &problem)
	if problem != "" {
		t.Errorf("the page shows a problem after idle closes: %q", problem)
	}
}
