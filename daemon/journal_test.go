package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/journal"
	"github.com/ddnsd/ddns/readiness"
	"github.com/ddnsd/ddns/supervise"
	"github.com/ddnsd/ddns/testsupport/linebuf"
)

// gateProber is a prober whose verdict the test sets.
type gateProber struct {
	mu    sync.Mutex
	ready bool
}

func (p *gateProber) set(ready bool) { p.mu.Lock(); p.ready = ready; p.mu.Unlock() }

func (p *gateProber) Fresh(context.Context, time.Duration) readiness.Verdict {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ready {
		return readiness.Verdict{Ready: true, Reason: "fake: ready"}
	}
	return readiness.Verdict{Ready: false, Reason: "dns api.example.com: no such host"}
}

func (p *gateProber) Last() (readiness.Verdict, bool) { return p.Fresh(context.Background(), 0), true }

// kinds lists the entries as "kind pid code" words, for comparing.
func kinds(es []journal.Entry) []string {
	var out []string
	for _, e := range es {
		w := e.Kind
		if e.PID != 0 {
			w += fmt.Sprintf(" pid %d", e.PID)
		}
		if e.Code != nil {
			w += fmt.Sprintf(" code %d", *e.Code)
		}
		out = append(out, w)
	}
	return out
}

// TestSupervisorJournalsItsEvents drives the application (fake clock, fake
// children) through a start, a wait for the network and its end, an exit
// with a code and the restart, a rejected and an applied config and a
// kill, and reads the journal back through History, merged with the
// updater's journal beside the state file the config names.
func TestSupervisorJournalsItsEvents(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state.json")
	text := fmt.Sprintf("[probe]\nenabled = true\ninterval = \"1h\"\n[updater]\nstate_file = %q\n", state)
	cfg := parse(t, strings.Replace(fmt.Sprintf(baseConfig, "", ""), "[probe]\nenabled = false\n[updater]\n", text, 1))
	if cfg.Updater.StateFile != state || !cfg.Probe.Enabled {
		t.Fatalf("test config: state_file %q, probes %v", cfg.Updater.StateFile, cfg.Probe.Enabled)
	}
	prober := &gateProber{}
	h := newHarness(t, cfg, nil, func(o *Options) {
		o.JournalPath = JournalPath(dir, o.ConfigPath)
		o.Probers = func(ProbeSpec) Prober { return prober }
	})
	// The updater's journal, as the engine writes it.
	uj, err := journal.Open(journal.BesideState(state), journal.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	h.run()
	h.waitState(supervise.StateWaitingNetwork)
	h.clk.Advance(time.Minute)
	prober.set(true)
	h.app.sup.NetworkChanged()
	first := h.started()
	if err := uj.Append(journal.Entry{At: h.clk.Now(), Kind: journal.KindChanged, Record: "home.example.com/A", Old: "192.0.2.1", New: "192.0.2.2"}); err != nil {
		t.Fatal(err)
	}
	h.clk.Advance(time.Minute)
	first.exitWith(3)
	second := h.started()
	h.clk.Advance(time.Minute)
	bad := errors.New(`test.toml:5:16: supervisor.stop_timeout: "3 seconds" is not a duration`)
	h.reloadTo(nil, bad)
	h.clk.Advance(time.Minute)
	if rep := h.reloadTo(cfg, nil); !rep.OK {
		t.Fatalf("valid reload refused: %+v", rep)
	}
	h.clk.Advance(time.Minute)
	second.end(supervise.ExitStatus{Code: -1, Signal: "killed"})
	h.started()

	res, err := h.app.History(journal.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(kinds(res.Entries), ", ")
	want := "config_applied, network_down, network_up, started pid 100, changed, exited pid 100 code 3, restarted pid 101, " +
		"config_rejected, config_applied, exited pid 101, restarted pid 102"
	if got != want {
		t.Fatalf("journal:\n got %s\nwant %s", got, want)
	}
	byKind := map[string]journal.Entry{}
	for _, e := range res.Entries {
		byKind[e.Kind] = e
	}
	if e := byKind[journal.KindConfigRejected]; e.Error != bad.Error() || !e.At.Equal(start.Add(3*time.Minute)) {
		t.Errorf("config_rejected entry: %+v", e)
	}
	if e := byKind[journal.KindConfigApplied]; !strings.Contains(e.Detail, "config generation 2 applied") {
		t.Errorf("last config_applied entry: %+v", e)
	}
	if e := byKind[journal.KindNetworkDown]; !strings.Contains(e.Error, "no such host") {
		t.Errorf("network_down entry: %+v", e)
	}
	if e := byKind[journal.KindExited]; !strings.Contains(e.Detail, "killed by signal killed") {
		t.Errorf("the kill's exit entry: %+v", e)
	}
}

// TestSupervisorJournalsAStartOnAnInvalidConfig: the config a supervisor
// could not start on is journaled as rejected.
func TestSupervisorJournalsAStartOnAnInvalidConfig(t *testing.T) {
	dir := t.TempDir()
	d := configs.Defaults()
	d.Supervisor.Command = []string{"/opt/ddns/updater"}
	d.Updater.StateFile = filepath.Join(dir, "state.json")
	bad := errors.New("test.toml:1:1: not TOML")
	h := newHarness(t, &d, bad, func(o *Options) { o.JournalPath = JournalPath(dir, o.ConfigPath) })
	res, err := h.app.History(journal.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 1 || res.Entries[0].Kind != journal.KindConfigRejected || res.Entries[0].Error != bad.Error() ||
		!strings.Contains(res.Entries[0].Detail, "waiting for a valid save") {
		t.Fatalf("journal: %+v", res.Entries)
	}
}

func TestJournalPathIsPerConfig(t *testing.T) {
	a, b := JournalPath("/var/lib/ddns", "/etc/ddns/a.toml"), JournalPath("/var/lib/ddns", "/etc/ddns/b.toml")
	if a == b || filepath.Dir(a) != "/var/lib/ddns/journal" || JournalPath("/var/lib/ddns", "") != "/var/lib/ddns/journal/supervisor-default.jsonl" {
		t.Fatalf("journal paths %q, %q", a, b)
	}
}

// TestJournalPathOfARelativeConfigIsItsAbsolutePath: a supervisor started
// on "ddns.toml" from the config's folder keeps the journal one started on
// the full path keeps, so History finds the same entries either way.
func TestJournalPathOfARelativeConfigIsItsAbsolutePath(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, abs := JournalPath("/var/lib/ddns", "ddns.toml"), JournalPath("/var/lib/ddns", filepath.Join(wd, "ddns.toml"))
	if rel != abs {
		t.Fatalf("journal of ddns.toml %q, of %s %q; want one path", rel, filepath.Join(wd, "ddns.toml"), abs)
	}
}

// TestJournalKeepsAnExitCodeOfZero: a child that exits with code 0 is
// journaled with code 0, not without a code (as a kill by a signal is).
func TestJournalKeepsAnExitCodeOfZero(t *testing.T) {
	dir := t.TempDir()
	cfg := config(t, "", fmt.Sprintf("state_file = %q", filepath.Join(dir, "state.json")))
	h := newHarness(t, cfg, nil, func(o *Options) { o.JournalPath = JournalPath(dir, o.ConfigPath) })
	zero, killed := 0, -1
	h.app.journalEvent(supervise.Event{At: start, Kind: supervise.EventExited, PID: 100, Code: &zero})
	h.app.journalEvent(supervise.Event{At: start.Add(time.Second), Kind: supervise.EventExited, PID: 101, Code: &killed})
	res, err := h.app.History(journal.Filter{Kinds: []string{journal.KindExited}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(kinds(res.Entries), ", "), "exited pid 100 code 0, exited pid 101"; got != want {
		t.Fatalf("journal:\n got %s\nwant %s", got, want)
	}
}

// TestJournalNeverHoldsUpTheLoop: with the writer stuck (a hung disk), the
// supervise loop's events are dropped, not waited on, and History still
// answers within its bound.
func TestJournalNeverHoldsUpTheLoop(t *testing.T) {
	dir := t.TempDir()
	cfg := config(t, "", fmt.Sprintf("state_file = %q", filepath.Join(dir, "state.json")))
	h := newHarness(t, cfg, nil, func(o *Options) { o.JournalPath = JournalPath(dir, o.ConfigPath) })
	h.app.jw.stop()
	// A writer nobody drains: its queue fills and stays full.
	h.app.jw = &journalWriter{ch: make(chan journalOp, 1), stopCh: make(chan struct{}), done: make(chan struct{})}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 3 * journalQueue {
			h.app.journalEvent(supervise.Event{At: start, Kind: supervise.EventStopped})
		}
		h.app.History(journal.Filter{})
	}()
	select {
	case <-done:
	case <-time.After(wait):
		t.Fatal("journaling blocked with the writer stuck")
	}
}

// countingLogger counts the warnings a journal writer logs.
type countingLogger struct {
	mu   sync.Mutex
	msgs []string
}

func (l *countingLogger) Warn(msg string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, fmt.Sprint(append([]any{msg}, args...)...))
}

// TestJournalWriterLogsAFailingJournalOnce: the supervisor's journal,
// every write of which fails (its path replaced by a folder; a full disk
// fails alike), costs one warning for 50 entries, not 50; once it can be
// written again the log says so once, with how many were lost.
func TestJournalWriterLogsAFailingJournalOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal", "s.jsonl")
	j, err := journal.Open(path, journal.Limits{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	log := &countingLogger{}
	w := newJournalWriter(j, log)
	at := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	for i := range 50 {
		w.ch <- journalOp{e: journal.Entry{At: at.Add(time.Duration(i) * time.Second), Kind: journal.KindRestarted, PID: i + 1}}
	}
	w.flush()
	log.mu.Lock()
	got := slices.Clone(log.msgs)
	log.mu.Unlock()
	if len(got) != 1 || !strings.Contains(got[0], "cannot write the journal") {
		t.Fatalf("%d warnings for 50 failed entries, want 1: %q", len(got), got)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	w.ch <- journalOp{e: journal.Entry{At: at.Add(time.Hour), Kind: journal.KindNetworkUp}}
	w.stop()
	if len(log.msgs) != 2 || !strings.Contains(log.msgs[1], "the journal is written again") || !strings.Contains(log.msgs[1], fmt.Sprint("entries_lost", 50)) {
		t.Fatalf("the recovery is not logged once with 50 entries lost: %q", log.msgs)
	}
	res, err := journal.Read(journal.Filter{}, path)
	if err != nil || len(res.Entries) != 1 {
		t.Fatalf("the journal holds %d entries after the recovery, want 1 (%v)", len(res.Entries), err)
	}
}

// TestFullJournalQueueIsLoggedOnce: with the writer stuck (a hung disk),
// the events dropped from its full queue cost one warning, not one each.
func TestFullJournalQueueIsLoggedOnce(t *testing.T) {
	dir := t.TempDir()
	cfg := config(t, "", fmt.Sprintf("state_file = %q", filepath.Join(dir, "state.json")))
	logs := &linebuf.Buffer{}
	h := newHarness(t, cfg, nil, func(o *Options) {
		o.JournalPath = JournalPath(dir, o.ConfigPath)
		o.Logger = hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Warn})
	})
	h.app.jw.stop()
	h.app.jw = &journalWriter{ch: make(chan journalOp, 1), stopCh: make(chan struct{}), done: make(chan struct{})}
	for range 3 * journalQueue {
		h.app.journalEvent(supervise.Event{At: start, Kind: supervise.EventStopped})
	}
	if n := logs.Count("the journal's queue is full"); n != 1 {
		t.Fatalf("%d warnings for %d dropped events, want 1:\n%s", n, 3*journalQueue-1, logs)
	}
}
