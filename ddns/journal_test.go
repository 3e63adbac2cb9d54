package ddns

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ddnsd/ddns/journal"
	"github.com/ddnsd/ddns/netprobe"
	"github.com/ddnsd/ddns/providers"
	"github.com/ddnsd/ddns/providers/providertest"
	"github.com/ddnsd/ddns/testsupport/linebuf"
)

// TestEngineJournalsChangesAndFailures drives the engine against the fake
// Cloudflare API through a creation, a rejected write repeated over an
// hour and the change that finally takes, and reads the journal beside the
// state file.
func TestEngineJournalsChangesAndFailures(t *testing.T) {
	api := providertest.NewCloudflare("tok-123", "example.com")
	defer api.Close()
	echo := newEcho(t, "11.22.33.44")
	clock := newFakeClock()
	logs := &linebuf.Buffer{}
	state := filepath.Join(t.TempDir(), "state.json")
	eng, err := New(cloudflareConfig(t, api.URL, echo.URL, 1), Options{
		Logger: hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Debug}), Clock: clock,
		StatePath: state, LockState: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	if got, want := eng.JournalPath(), journal.BesideState(state); got != want {
		t.Fatalf("journal path %q, want %q", got, want)
	}
	pass := func() { eng.Pass(context.Background()) }

	pass() // creates the record
	t0 := clock.Now()
	pass() // unchanged: nothing journaled
	echo.set("11.22.33.45")
	api.RejectWrites(true)
	clock.Advance(time.Minute)
	pass() // rejected: journaled
	t1 := clock.Now()
	clock.Advance(10 * time.Minute)
	pass() // the same failure again within the hour: not journaled
	clock.Advance(time.Hour)
	pass() // still failing an hour later: journaled again, with the count
	t2 := clock.Now()
	api.RejectWrites(false)
	clock.Advance(time.Minute)
	pass() // the change takes
	t3 := clock.Now()

	res, err := journal.Read(journal.Filter{}, eng.JournalPath())
	if err != nil {
		t.Fatal(err)
	}
	got := res.Entries
	if len(got) != 4 {
		t.Fatalf("journal has %d entries, want 4: %+v\n%s", len(got), got, logs)
	}
	const key = "home.example.com/A"
	check := func(i int, e journal.Entry, at time.Time, kind, old, new string) {
		t.Helper()
		if !e.At.Equal(at) || e.Kind != kind || e.Record != key || e.Provider != "cf" || e.Old != old || e.New != new || e.Took <= 0 {
			t.Errorf("entry %d: %+v; want %s %s → %s at %v", i, e, kind, old, new, at)
		}
	}
	check(0, got[0], t0, journal.KindChanged, "", "11.22.33.44")
	check(1, got[1], t1, journal.KindFailed, "11.22.33.44", "11.22.33.45")
	check(2, got[2], t2, journal.KindFailed, "11.22.33.44", "11.22.33.45")
	check(3, got[3], t3, journal.KindChanged, "11.22.33.44", "11.22.33.45")
	if !got[0].Verified || !got[3].Verified || got[0].Error != "" || got[0].Detail != "" || got[3].Detail != "" {
		t.Errorf("changes not journaled as verified, error-free and without detail (they are no repairs): %+v, %+v", got[0], got[3])
	}
	if !strings.Contains(got[1].Error, "9005") || got[1].Error != got[2].Error {
		t.Errorf("failures do not carry the API's refusal: %q, %q", got[1].Error, got[2].Error)
	}
	if got[1].Detail != "" || !strings.Contains(got[2].Detail, "still failing since "+t1.UTC().Format(time.RFC3339)) || !strings.Contains(got[2].Detail, "(1 more failed passes") {
		t.Errorf("details: first failure %q, repeat %q", got[1].Detail, got[2].Detail)
	}
	raw, err := os.ReadFile(eng.JournalPath())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "tok-123") {
		t.Errorf("the API token reached the journal:\n%s", raw)
	}
}

// TestDryRunEngineKeepsNoJournal: an engine without the state's lock (a
// dry run) writes no journal, so it cannot interleave with the daemon's.
func TestDryRunEngineKeepsNoJournal(t *testing.T) {
	api := providertest.NewCloudflare("tok-123", "example.com")
	defer api.Close()
	echo := newEcho(t, "11.22.33.44")
	state := filepath.Join(t.TempDir(), "state.json")
	eng, err := New(cloudflareConfig(t, api.URL, echo.URL, 1), Options{Clock: newFakeClock(), StatePath: state})
	if err != nil {
		t.Fatal(err)
	}
	eng.Pass(context.Background())
	if eng.JournalPath() != "" {
		t.Errorf("journal path %q without the lock", eng.JournalPath())
	}
	if _, err := os.Stat(journal.BesideState(state)); !os.IsNotExist(err) {
		t.Errorf("a journal was written without the lock: %v", err)
	}
}

// TestRestartedEngineRemembersAFailureFromTheJournal: a failure that goes
// on across runs (`updater --once` from cron) is journaled once an hour,
// not once per run.
func TestRestartedEngineRemembersAFailureFromTheJournal(t *testing.T) {
	api := providertest.NewCloudflare("tok-123", "example.com")
	defer api.Close()
	api.RejectWrites(true)
	echo := newEcho(t, "11.22.33.44")
	clock := newFakeClock()
	state := filepath.Join(t.TempDir(), "state.json")
	once := func() {
		t.Helper()
		eng, err := New(cloudflareConfig(t, api.URL, echo.URL, 1), Options{Clock: clock, StatePath: state, LockState: true})
		if err != nil {
			t.Fatal(err)
		}
		defer eng.Close()
		if res := eng.Pass(context.Background()); res.Failed != 1 {
			t.Fatalf("pass: %d failed, want the rejected write", res.Failed)
		}
	}
	for range 4 { // every 15 minutes for an hour: the first run journals
		once()
		clock.Advance(15 * time.Minute)
	}
	once() // an hour after the first: journaled again
	res, err := journal.Read(journal.Filter{}, journal.BesideState(state))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 2 || res.Entries[0].Kind != journal.KindFailed || res.Entries[1].Kind != journal.KindFailed ||
		!strings.Contains(res.Entries[1].Detail, "still failing since") {
		t.Fatalf("journal after five runs over an hour: %+v", res.Entries)
	}
}

// TestEngineJournalsEachRecordWhenItsTurnEnds: a record's change is in the
// journal as soon as its write is done, before the pass ends, so a pass
// cut short by a kill keeps the changes it made.
func TestEngineJournalsEachRecordWhenItsTurnEnds(t *testing.T) {
	api := providertest.NewCloudflare("tok-123", "example.com")
	defer api.Close()
	gate := make(chan struct{})
	api.Gate(gate)
	echo := newEcho(t, "11.22.33.44")
	state := filepath.Join(t.TempDir(), "state.json")
	cfg := cloudflareConfig(t, api.URL, echo.URL, 2)
	cfg.Updater.Concurrency = 1
	eng, err := New(cfg, Options{Clock: newFakeClock(), StatePath: state, LockState: true})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	done := make(chan *PassResult, 1)
	go func() { done <- eng.Pass(context.Background()) }()
	gate <- struct{}{} // the first record's write; the second's waits
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, _ := journal.Read(journal.Filter{}, eng.JournalPath())
		if len(res.Entries) == 1 && res.Entries[0].Kind == journal.KindChanged {
			break
		}
		select {
		case <-done:
			t.Fatal("the pass ended with the second write held")
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the first record's change is not journaled while the pass goes on: %+v", res.Entries)
		}
		runtime.Gosched()
	}
	gate <- struct{}{}
	if res := <-done; res.Changed != 2 {
		t.Fatalf("pass: %s", res.Summary())
	}
	if res, _ := journal.Read(journal.Filter{}, eng.JournalPath()); len(res.Entries) != 2 {
		t.Fatalf("after the pass: %+v", res.Entries)
	}
}

// TestJournalThatCannotBeWrittenIsLoggedOnce: a journal every write of
// which fails (here its path was replaced by a folder after the engine
// opened it; a full disk fails the same way) costs the pass nothing (every
// record is set, the state is saved) and one warning, not one per entry
// nor one per pass; once the journal can be written again the log says so
// once, with how many entries were lost.
func TestJournalThatCannotBeWrittenIsLoggedOnce(t *testing.T) {
	api := providertest.NewCloudflare("tok-123", "example.com")
	defer api.Close()
	echo := newEcho(t, "11.22.33.44")
	clock := newFakeClock()
	logs := &linebuf.Buffer{}
	state := filepath.Join(t.TempDir(), "state.json")
	eng, err := New(cloudflareConfig(t, api.URL, echo.URL, 20), Options{
		Logger: hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Debug}), Clock: clock,
		StatePath: state, LockState: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	jpath := eng.JournalPath()
	if err := os.Remove(jpath); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(jpath, 0o700); err != nil {
		t.Fatal(err)
	}
	for i, addr := range []string{"11.22.33.44", "11.22.33.45"} {
		echo.set(addr)
		clock.Advance(time.Minute)
		res := eng.Pass(context.Background())
		if err := res.Err(); err != nil || res.Changed != 20 {
			t.Fatalf("pass %d: %d changed, error %v\n%s", i, res.Changed, err, logs)
		}
		saved, err := os.ReadFile(state)
		if err != nil || !strings.Contains(string(saved), addr) {
			t.Fatalf("pass %d: the state does not hold %s (%v)", i, addr, err)
		}
	}
	if n := logs.Count("cannot write the address journal"); n != 1 {
		t.Fatalf("%d warnings about the journal over 2 passes of 20 changes, want 1:\n%s", n, logs)
	}
	if err := os.Remove(jpath); err != nil {
		t.Fatal(err)
	}
	echo.set("11.22.33.46")
	clock.Advance(time.Minute)
	eng.Pass(context.Background())
	if n := logs.Count("the address journal is written again"); n != 1 || !logs.Contains("entries_lost=40") {
		t.Fatalf("the journal's recovery is not logged once with 40 entries lost:\n%s", logs)
	}
	if n := logs.Count("cannot write the address journal"); n != 1 {
		t.Fatalf("%d warnings about the journal, want still 1:\n%s", n, logs)
	}
	res, err := journal.Read(journal.Filter{}, jpath)
	if err != nil || len(res.Entries) != 20 {
		t.Fatalf("the journal holds %d entries after the recovery, want 20 (%v)", len(res.Entries), err)
	}
}

// TestRestartedEngineRemembersTheLatestFailure: the failure memory an
// engine rebuilds from the journal is the record's latest failure: after
// runs that failed with one error and then another, a run failing with the
// second again within the hour adds no line.
func TestRestartedEngineRemembersTheLatestFailure(t *testing.T) {
	clock := newFakeClock()
	prov := newFakeProvider()
	src := &fakeSource{}
	src.set("11.22.33.44")
	state := filepath.Join(t.TempDir(), "state.json")
	cfg := testConfig(t, "", "home example.com A acct")
	once := func(err error) {
		t.Helper()
		prov.errAll = err
		eng, nerr := New(cfg, Options{Registry: fakeRegistry(map[string]*fakeProvider{"acct": prov}), Clock: clock,
			StatePath: state, LockState: true, Sources: map[netprobe.Family][]netprobe.Source{netprobe.IPv4: {src}}})
		if nerr != nil {
			t.Fatal(nerr)
		}
		defer eng.Close()
		if res := eng.Pass(context.Background()); res.Failed != 1 {
			t.Fatalf("pass: %s; want the record failed", res.Summary())
		}
		clock.Advance(time.Minute)
	}
	first := fmt.Errorf("fake: the zone is locked: %w", providers.ErrRejected)
	second := fmt.Errorf("fake: the name is taken: %w", providers.ErrRejected)
	once(first)
	once(second)
	once(second) // the latest failure again: not journaled
	res, err := journal.Read(journal.Filter{}, journal.BesideState(state))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 2 || !strings.Contains(res.Entries[0].Error, "zone is locked") || !strings.Contains(res.Entries[1].Error, "name is taken") {
		t.Fatalf("journal after failing with one error, then twice with another: %+v; want one line for each error", res.Entries)
	}
}
