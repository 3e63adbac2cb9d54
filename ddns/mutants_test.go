package ddns

// Tests that state behaviours mutation testing (mutate/run ./ddns) found
// unchecked: each names the behaviour, and the comment above it the
// mutant it kills.

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/netprobe"
	"github.com/ddnsd/ddns/testsupport/linebuf"
	"github.com/hashicorp/go-hclog"
)

// Kills the boundary mutants of DecisionKind.String and Reason.String (an
// index one past the table panics).
func TestDecisionKindsAndReasonsPrintTheirNames(t *testing.T) {
	cases := []struct {
		got, want string
	}{
		{DecideNothing.String(), "nothing"},
		{DecideFail.String(), "fail"},
		{DecisionKind(len(kindNames)).String(), fmt.Sprintf("DecisionKind(%d)", len(kindNames))},
		{ReasonNone.String(), ""},
		{ReasonReadFailed.String(), "the provider's records could not be read"},
		{Reason(len(reasonText)).String(), fmt.Sprintf("Reason(%d)", len(reasonText))},
	}
	for _, tc := range cases {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// A detection that asked no source at all (none configured for the family,
// or fewer than the quorum) is a failure of the program's setup, exit code
// 1, not data the provider or the sources rejected (4): a supervisor must
// not wait for a new address that cannot come. Kills the boundary mutant of
// isRejected's "some source was tried".
func TestDetectionThatAskedNoSourceIsNotRejectedData(t *testing.T) {
	one := []netprobe.Source{&fakeSource{addr: netip.MustParseAddr("192.0.2.1")}}
	cases := []struct {
		name string
		d    *netprobe.Detector
	}{
		{"no sources", &netprobe.Detector{}},
		{"fewer sources than the quorum", &netprobe.Detector{Sources: one, Quorum: 3}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.d.Detect(context.Background(), netprobe.IPv4)
			if err == nil {
				t.Fatal("Detect succeeded")
			}
			if got := ExitCodeFor(err); got != ipc.ExitFailure {
				t.Fatalf("ExitCodeFor(%v) = %d, want %d", err, got, ipc.ExitFailure)
			}
			if got := ExitCodeFor(fmt.Errorf("home.example.com A: %w", err)); got != ipc.ExitFailure {
				t.Fatalf("wrapped: ExitCodeFor = %d, want %d", got, ipc.ExitFailure)
			}
		})
	}
}

// A pass whose records all succeeded but whose state file could not be
// written says so in its error, and its exit code (what --once returns) is
// not 0. Kills the negation of "r.StateErr != nil" in PassResult.Err.
func TestStateSaveFailureIsThePassError(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "not-a-folder")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := newRig(t, testConfig(t, "", "home example.com A acct"), filepath.Join(file, "state.json"))
	res := r.eng.Pass(context.Background())
	if res.Changed != 1 || res.Failed != 0 {
		t.Fatalf("pass: %s; want the record set", res.Summary())
	}
	if res.StateErr == nil {
		t.Fatal("saving under a regular file did not fail")
	}
	if err := res.Err(); !errors.Is(err, res.StateErr) {
		t.Fatalf("Err() = %v; want it to hold the state error %v", err, res.StateErr)
	}
	if code := res.Code(); code != ipc.ExitFailure {
		t.Fatalf("Code() = %d, want %d", code, ipc.ExitFailure)
	}
}

// Unchanged records are logged at info on the first pass only, so a person
// starting the updater sees every record once and later quiet passes stay
// quiet at the default level. Kills the negation of "e.passes == 0".
func TestUnchangedRecordsAreLoggedAtInfoOnTheFirstPassOnly(t *testing.T) {
	r := newRig(t, testConfig(t, "", "home example.com A acct"), filepath.Join(t.TempDir(), "state.json"))
	r.provs["acct"].put("home.example.com/A", netip.MustParseAddr("11.22.33.44")) // already right
	info := &linebuf.Buffer{}
	r.eng.log = hclog.New(&hclog.LoggerOptions{Output: info, Level: hclog.Info})
	const line = "home.example.com A: 11.22.33.44 (unchanged)"

	if res := r.eng.Pass(context.Background()); res.Records[0].Action != ActionUnchanged {
		t.Fatalf("first pass: action %s, want unchanged", res.Records[0].Action)
	}
	if n := strings.Count(info.String(), line); n != 1 {
		t.Fatalf("first pass logged %q %d times at info, want once:\n%s", line, n, info)
	}
	r.clock.Advance(time.Minute)
	if res := r.eng.Pass(context.Background()); res.Records[0].Action != ActionUnchanged {
		t.Fatalf("second pass: action %s, want unchanged", res.Records[0].Action)
	}
	if n := strings.Count(info.String(), line); n != 1 {
		t.Fatalf("after the second pass %q is logged %d times at info, want still once:\n%s", line, n, info)
	}
}

// A record's changed_at is when the updater last changed its address: a
// TTL-only update keeps it, an address change moves it, in the state file
// and in reports. Kills the negation of "j.res.Previous != j.want".
func TestChangedAtMovesOnlyWhenTheAddressChanges(t *testing.T) {
	r := newRig(t, testConfig(t, "", "home example.com A acct"), filepath.Join(t.TempDir(), "state.json"))
	created := r.clock.Now()
	if res := r.eng.Pass(context.Background()); res.Records[0].Action != ActionUpdated {
		t.Fatalf("first pass: %s, action %s", res.Summary(), res.Records[0].Action)
	}

	r.clock.Advance(time.Hour)
	r.eng.records[0].TTL = 60 // the config's ttl changed, the address did not
	if res := r.eng.Pass(context.Background()); res.Records[0].Action != ActionUpdated {
		t.Fatalf("TTL-only pass: %s, action %s; want the record set", res.Summary(), res.Records[0].Action)
	}
	checkChanged := func(when string, want time.Time) {
		t.Helper()
		st, err := LoadState(r.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Records["home.example.com/A"].ChangedAt; !got.Equal(want) {
			t.Errorf("%s: state changed_at %s, want %s", when, got, want)
		}
		if got := r.eng.Records()[0].ChangedAt; got.String() != ipc.TimeOf(want).String() {
			t.Errorf("%s: reported changed_at %s, want %s", when, got, ipc.TimeOf(want))
		}
	}
	checkChanged("after a TTL-only update", created)

	r.clock.Advance(time.Hour)
	moved := r.clock.Now()
	r.src4.set("11.22.33.45")
	if res := r.eng.Pass(context.Background()); res.Records[0].Action != ActionUpdated {
		t.Fatalf("address pass: %s, action %s", res.Summary(), res.Records[0].Action)
	}
	checkChanged("after an address change", moved)
}

// Without a systemd watchdog (WATCHDOG_USEC unset) Run sends no
// "WATCHDOG=1": not on a heartbeat during a slow pass, not after the pass,
// not on a heartbeat between passes; the heartbeats still report to the
// supervisor. Kills the boundary mutants of the three "o.Watchdog > 0".
func TestNoWatchdogMeansNoWatchdogNotifications(t *testing.T) {
	r := newRig(t, testConfig(t, "", "home example.com A acct"), filepath.Join(t.TempDir(), "s.json"))
	p := r.provs["acct"]
	p.entered, p.release = make(chan struct{}), make(chan struct{})
	released := false
	release := func() {
		if !released {
			released = true
			close(p.release)
		}
	}
	t.Cleanup(release)
	rn := startRun(t, r, 0)
	noWatchdog := func(when string) {
		t.Helper()
		if n := rn.notes(); strings.Contains(n, "WATCHDOG=1") {
			t.Fatalf("%s: WATCHDOG=1 sent without a watchdog (notes: %s)", when, n)
		}
	}
	r.clock.waitAfter(t, HeartbeatInterval) // the first heartbeat timer
	select {
	case <-p.entered: // the first pass's Set is in flight and stays there
	case <-time.After(10 * time.Second):
		t.Fatal("no Set started")
	}
	r.clock.Advance(HeartbeatInterval)
	r.clock.waitAfter(t, HeartbeatInterval) // handled and re-armed
	rn.report(t)
	noWatchdog("heartbeat during a slow pass")

	release()
	if res := rn.pass(t); res.Changed != 1 {
		t.Fatalf("pass: %s", res.Summary())
	}
	noWatchdog("after the pass")

	r.clock.Advance(HeartbeatInterval)
	r.clock.waitAfter(t, HeartbeatInterval)
	noWatchdog("heartbeat between passes")
	if n := rn.notes(); !strings.Contains(n, "READY=1") {
		t.Fatalf("notes %s; want READY=1 after the first pass", n)
	}
	rn.cancel()
	if code := rn.exit(t); code != ipc.ExitOK {
		t.Fatalf("exit %d, want 0", code)
	}
}

// A report the supervisor did not take is noted in the debug log (the pass
// goes on regardless); a delivered report is not. Kills the negation of the
// Send error check in Run's report.
func TestUndeliveredReportIsNotedInTheDebugLog(t *testing.T) {
	const note = "report not delivered"
	cases := []struct {
		name      string
		reachable bool
	}{
		{"supervisor listening", true},
		{"no supervisor at the socket", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, testConfig(t, "", "home example.com A acct"), filepath.Join(t.TempDir(), "s.json"))
			var path string
			if tc.reachable {
				path = startSupervisorSocket(t, make(chan ipc.Report, 10))
			} else {
				path = filepath.Join(t.TempDir(), "nobody.sock")
			}
			reporter := ipc.NewReporter(path, nil)
			t.Cleanup(func() { reporter.Close() })
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			passes := make(chan *PassResult)
			done := make(chan ipc.ExitCode, 1)
			go func() {
				done <- r.eng.Run(ctx, RunOptions{Reporter: reporter, Passes: passes,
					Notify: func(string) (bool, error) { return true, nil }})
			}()
			select {
			case res := <-passes: // sent after the pass's report
				if res.Changed != 1 {
					t.Fatalf("pass: %s", res.Summary())
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no pass within 10s")
			}
			if got := strings.Contains(r.logs.String(), note); got == tc.reachable {
				t.Fatalf("log has %q: %v, want %v:\n%s", note, got, !tc.reachable, r.logs)
			}
			cancel()
			select {
			case code := <-done:
				if code != ipc.ExitOK {
					t.Fatalf("exit %d, want 0", code)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return within 10s of the stop")
			}
		})
	}
}

// Starting the engine removes the temporary files an interrupted write left
// beside the state file and logs each one it removed, by name. Kills the
// negation of "os.Remove(m) == nil" (the files went, the log said nothing).
func TestStaleTempFileRemovalIsLogged(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "state.json.777"+tempSuffix)
	if err := os.WriteFile(stale, []byte(`{"vers`), 0o600); err != nil {
		t.Fatal(err)
	}
	r := newRig(t, testConfig(t, "", "home example.com A acct"), filepath.Join(dir, "state.json"))
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("stale temp file kept: %v", err)
	}
	if log := r.logs.String(); !strings.Contains(log, "removed a temporary state file left by an interrupted write") || !strings.Contains(log, stale) {
		t.Fatalf("no log line naming the removed file %s:\n%s", stale, log)
	}
}
