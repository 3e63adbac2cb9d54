package ddns

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/netprobe"
	"github.com/ddnsd/ddns/providers"
	"github.com/hashicorp/go-hclog"
)

// runner runs Engine.Run in the background and exposes its passes.
type runner struct {
	passes chan *PassResult
	done   chan ipc.ExitCode
	cancel context.CancelFunc
	trig   chan struct{}
	watch  chan struct{}

	mu       sync.Mutex
	notified []string

	// reports receives what the supervisor's socket (a real ipc server,
	// the test's) was sent; the handler drops reports nobody reads.
	reports chan ipc.Report
}

// startSupervisorSocket serves a supervisor's socket that acknowledges
// every report and passes it on to reports.
func startSupervisorSocket(t *testing.T, reports chan<- ipc.Report) string {
	t.Helper()
	// Not t.TempDir: its name grows with the test's name and with GOTMPDIR
	// (gremlins sets one, see mutate/run), and a socket's path must fit in
	// about 100 bytes.
	dir, err := os.MkdirTemp("", "ddns-sup-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, ipc.SocketFileName)
	srv, err := ipc.Listen(ipc.ServerOptions{Path: path, Handler: func(ctx context.Context, req ipc.Request, _ ipc.Peer, w ipc.ReplyWriter) {
		if req.Cmd != ipc.CmdReport || req.Report == nil {
			_ = w.Send(ipc.Reply{Error: "this test's supervisor takes only reports"})
			return
		}
		select {
		case reports <- *req.Report:
		default:
		}
		_ = w.Send(ipc.Reply{OK: true})
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go srv.Serve(ctx)
	t.Cleanup(func() { cancel(); srv.Close() })
	return path
}

// report waits for the next report the supervisor receives.
func (rn *runner) report(t *testing.T) ipc.Report {
	t.Helper()
	select {
	case rep := <-rn.reports:
		return rep
	case <-time.After(10 * time.Second):
		t.Fatal("no report reached the supervisor within 10s")
	}
	return ipc.Report{}
}

func startRun(t *testing.T, r *rig, watchdog time.Duration) *runner {
	t.Helper()
	return startRunJitter(t, r, watchdog, func() float64 { return 0.5 }) // no jitter: exact waits
}

// startRunJitter is startRun with the retry schedule's jitter drawn from rand.
func startRunJitter(t *testing.T, r *rig, watchdog time.Duration, rand func() float64) *runner {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	rn := &runner{passes: make(chan *PassResult), done: make(chan ipc.ExitCode, 1), cancel: cancel,
		trig: make(chan struct{}, 1), watch: make(chan struct{}, 1), reports: make(chan ipc.Report, 100)}
	reporter := ipc.NewReporter(startSupervisorSocket(t, rn.reports), nil)
	t.Cleanup(func() { reporter.Close() })
	t.Cleanup(cancel)
	go func() {
		rn.done <- r.eng.Run(ctx, RunOptions{
			Trigger:   rn.trig,
			Reporter:  reporter,
			Passes:    rn.passes,
			Watchdog:  watchdog,
			RetryRand: rand,
			Notify: func(s string) (bool, error) {
				rn.mu.Lock()
				defer rn.mu.Unlock()
				rn.notified = append(rn.notified, s)
				return true, nil
			},
			Watch: func(ctx context.Context, _ hclog.Logger) (<-chan struct{}, error) { return rn.watch, nil },
		})
	}()
	return rn
}

func (rn *runner) pass(t *testing.T) *PassResult {
	t.Helper()
	select {
	case res := <-rn.passes:
		return res
	case code := <-rn.done:
		t.Fatalf("Run returned %d while a pass was expected", code)
	case <-time.After(10 * time.Second):
		t.Fatal("no pass within 10s")
	}
	return nil
}

func (rn *runner) exit(t *testing.T) ipc.ExitCode {
	t.Helper()
	select {
	case code := <-rn.done:
		return code
	case res := <-rn.passes:
		t.Fatalf("another pass (%s) instead of the expected exit", res.Summary())
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10s")
	}
	return 0
}

func (rn *runner) notes() string {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	return strings.Join(rn.notified, "|")
}

func TestRunPassesOnIntervalTriggerAndStop(t *testing.T) {
	r := newRig(t, testConfig(t, "", "home example.com A acct"), filepath.Join(t.TempDir(), "s.json"))
	rn := startRun(t, r, 0)
	if res := rn.pass(t); res.Changed != 1 {
		t.Fatalf("first pass: %s", res.Summary())
	}
	if n := rn.notes(); !strings.Contains(n, "READY=1") || !strings.Contains(n, "STATUS=last pass: 1 record, 1 changed") {
		t.Errorf("systemd notifications: %s", n)
	}
	r.clock.waitAfter(t, time.Minute)
	r.src4.set("11.22.33.45")
	r.clock.Advance(time.Minute)
	if res := rn.pass(t); res.Changed != 1 {
		t.Fatalf("interval pass: %s", res.Summary())
	}
	r.src4.set("11.22.33.46")
	rn.trig <- struct{}{}
	if res := rn.pass(t); res.Changed != 1 || res.Records[0].Address.String() != "11.22.33.46" {
		t.Fatalf("triggered pass: %s", res.Summary())
	}
	rn.cancel()
	if code := rn.exit(t); code != ipc.ExitOK {
		t.Fatalf("stop: exit %d, want 0", code)
	}
}

func TestRunWatchEventRunsADebouncedPass(t *testing.T) {
	r := newRig(t, testConfig(t, "", "home example.com A acct"), filepath.Join(t.TempDir(), "s.json"))
	rn := startRun(t, r, 0)
	rn.pass(t)
	r.src4.set("11.22.33.45")
	rn.watch <- struct{}{}
	r.clock.waitAfter(t, WatchDebounce)
	rn.watch <- struct{}{} // a burst: still one pass
	r.clock.Advance(WatchDebounce)
	if res := rn.pass(t); res.Changed != 1 {
		t.Fatalf("pass after the event: %s", res.Summary())
	}
	select {
	case res := <-rn.passes:
		t.Fatalf("a second pass for one burst: %s", res.Summary())
	default:
	}
}

func TestRunHeartbeatAndWatchdog(t *testing.T) {
	r := newRig(t, testConfig(t, "", "home example.com A acct"), filepath.Join(t.TempDir(), "s.json"))
	rn := startRun(t, r, 20*time.Second)
	rn.pass(t)
	r.clock.waitAfter(t, time.Minute)
	before := strings.Count(rn.notes(), "WATCHDOG=1")
	r.clock.Advance(10 * time.Second) // half the watchdog period
	r.clock.waitAfter(t, 10*time.Second)
	if after := strings.Count(rn.notes(), "WATCHDOG=1"); after != before+1 {
		t.Fatalf("WATCHDOG=1 sent %d times after half a period; want %d", after, before+1)
	}
}

// The retry waits are spread by ±10% (RetryJitter) and never exceed the
// interval, so machines that failed together do not retry together.
func TestRunRetryIsJittered(t *testing.T) {
	cfg := testConfig(t, "", "a example.com A acct")
	r := newRig(t, cfg, filepath.Join(t.TempDir(), "s.json"))
	r.provs["acct"].errAll = errors.New("fake: the provider answered 500")
	rn := startRunJitter(t, r, 0, func() float64 { return 0 }) // the lowest draw: -10%
	rn.pass(t)
	r.clock.waitAfter(t, 4500*time.Millisecond) // 5s × 0.9
	r.clock.Advance(4500 * time.Millisecond)
	rn.pass(t)
	r.clock.waitAfter(t, 9*time.Second) // 10s × 0.9
}

// The supervisor's watchdog period (DDNS_WATCHDOG_USEC) sets the report
// heartbeat to a third of it; before, reports came every 30 s whatever the
// period, so a watchdog of 30 s or less killed a healthy updater.
func TestRunHeartbeatFollowsTheSupervisorWatchdog(t *testing.T) {
	r := newRig(t, testConfig(t, "", "home example.com A acct"), filepath.Join(t.TempDir(), "s.json"))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	reports := make(chan ipc.Report, 100)
	reporter := ipc.NewReporter(startSupervisorSocket(t, reports), nil)
	t.Cleanup(func() { reporter.Close() })
	passes := make(chan *PassResult, 10)
	go r.eng.Run(ctx, RunOptions{Reporter: reporter, Passes: passes, SupervisorWatchdog: 15 * time.Second,
		Notify: func(string) (bool, error) { return false, nil }})
	<-passes
	<-reports // the pass's report
	for range 3 {
		r.clock.waitAfter(t, 5*time.Second)
		r.clock.Advance(5 * time.Second)
		select {
		case <-reports:
		case <-time.After(10 * time.Second):
			t.Fatal("no heartbeat report 5s (a third of the 15s watchdog) after the last")
		}
	}
}

func TestHeartbeatPeriod(t *testing.T) {
	for _, c := range []struct {
		supervisor, systemd, want time.Duration
	}{
		{0, 0, HeartbeatInterval},
		{15 * time.Second, 0, 5 * time.Second},
		{3 * time.Minute, 0, time.Minute},
		{0, 20 * time.Second, 10 * time.Second},
		{30 * time.Second, 10 * time.Second, 5 * time.Second},
		{30 * time.Second, time.Minute, 10 * time.Second},
		{time.Millisecond, 0, MinHeartbeat},
	} {
		if got := Heartbeat(c.supervisor, c.systemd); got != c.want {
			t.Errorf("Heartbeat(%s, %s) = %s, want %s", c.supervisor, c.systemd, got, c.want)
		}
	}
}

func TestRunPolicy(t *testing.T) {
	auth := fmt.Errorf("fake: %w", providers.ErrAuth)
	rejected := fmt.Errorf("fake: %w", providers.ErrRejected)
	network := fmt.Errorf("fake: %w", providers.ErrNetwork)

	t.Run("credentials rejected: exit 5 after one pass", func(t *testing.T) {
		r := newRig(t, testConfig(t, "", "a example.com A acct", "b example.com A other"), filepath.Join(t.TempDir(), "s.json"))
		r.provs["acct"].errAll = auth
		rn := startRun(t, r, 0)
		rn.pass(t)
		if code := rn.exit(t); code != ipc.ExitAuth {
			t.Fatalf("exit %d, want 5", code)
		}
	})
	t.Run("every record rejected: exit 4", func(t *testing.T) {
		r := newRig(t, testConfig(t, "", "a example.com A acct", "b example.com A acct"), filepath.Join(t.TempDir(), "s.json"))
		r.provs["acct"].errAll = rejected
		rn := startRun(t, r, 0)
		rn.pass(t)
		if code := rn.exit(t); code != ipc.ExitRejected {
			t.Fatalf("exit %d, want 4", code)
		}
	})
	t.Run("some records rejected: keep running", func(t *testing.T) {
		r := newRig(t, testConfig(t, "", "a example.com A acct", "b example.com A acct"), filepath.Join(t.TempDir(), "s.json"))
		r.provs["acct"].errFor["b.example.com/A"] = rejected
		rn := startRun(t, r, 0)
		rn.pass(t)
		r.clock.waitAfter(t, time.Minute)
		r.clock.Advance(time.Minute)
		if res := rn.pass(t); res.Failed != 1 {
			t.Fatalf("second pass: %s", res.Summary())
		}
		rn.cancel()
		if code := rn.exit(t); code != ipc.ExitOK {
			t.Fatalf("exit %d, want 0", code)
		}
	})
	t.Run("network down longer than the grace: exit 3", func(t *testing.T) {
		r := newRig(t, testConfig(t, "", "a example.com A acct"), filepath.Join(t.TempDir(), "s.json"))
		r.provs["acct"].errAll = network
		rn := startRun(t, r, 0)
		first := rn.pass(t) // t0: down
		// Failing passes follow on the retry schedule (5s doubling to the
		// 1m interval); down for about 9 minutes, then up for one pass:
		// the count starts over.
		retry := retrySchedule(time.Minute)
		for {
			d := retry()
			r.clock.waitAfter(t, d)
			r.clock.Advance(d)
			if res := rn.pass(t); res.Started.Sub(first.Started) >= 9*time.Minute {
				break
			}
		}
		r.provs["acct"].errAll = nil
		d := retry()
		r.clock.waitAfter(t, d)
		r.clock.Advance(d)
		if res := rn.pass(t); res.Failed != 0 {
			t.Fatalf("recovery pass: %s", res.Summary())
		}
		r.provs["acct"].errAll = network
		r.src4.set("11.22.33.45") // so the pass calls the provider
		// After the good pass the schedule starts over from the interval.
		r.clock.waitAfter(t, time.Minute)
		r.clock.Advance(time.Minute)
		down := rn.pass(t)
		retry = retrySchedule(time.Minute)
		last := down
		for {
			d := retry()
			r.clock.waitAfter(t, d)
			r.clock.Advance(d)
			select {
			case res := <-rn.passes:
				last = res
				continue
			case code := <-rn.done:
				if code != ipc.ExitNetwork {
					t.Fatalf("exit %d, want 3", code)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("stuck")
			}
			break
		}
		// The pass that stops the loop is the first at or after
		// network_grace (10m) from the first failing one; every pass
		// before it was inside the grace.
		if got := last.Started.Sub(down.Started); got < 10*time.Minute {
			t.Fatalf("stopped after %s of failing passes, want at least network_grace 10m", got)
		}
	})
}

// retrySchedule returns the run loop's waits after consecutive failed
// passes, one per call: RetryFirst doubling up to interval.
func retrySchedule(interval time.Duration) func() time.Duration {
	d := time.Duration(0)
	return func() time.Duration {
		if d == 0 {
			d = RetryFirst
		} else {
			d = min(2*d, interval)
		}
		return d
	}
}

// A failed pass is followed by another within seconds, on a schedule that
// doubles up to the interval; a good pass resets it. Before, a failed pass
// waited for the whole interval.
func TestRunRetriesAFailedPassSoon(t *testing.T) {
	// An unexpected failure (a 500 the transport gave up on): the network
	// grace, which would stop the loop, counts only network failures.
	network := errors.New("fake: the provider answered 500")
	cfg := testConfig(t, "", "a example.com A acct")
	cfg.Updater.Interval.Duration = 5 * time.Minute
	r := newRig(t, cfg, filepath.Join(t.TempDir(), "s.json"))
	p := r.provs["acct"]
	p.errAll = network
	rn := startRun(t, r, 0)
	rn.pass(t)
	for _, want := range []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second, 160 * time.Second, 5 * time.Minute, 5 * time.Minute} {
		r.clock.waitAfter(t, want)
		r.clock.Advance(want)
		if res := rn.pass(t); res.Failed != 1 {
			t.Fatalf("retry after %s: %s", want, res.Summary())
		}
	}
	p.mu.Lock()
	p.errAll = nil
	p.mu.Unlock()
	r.clock.waitAfter(t, 5*time.Minute)
	r.clock.Advance(5 * time.Minute)
	if res := rn.pass(t); res.Failed != 0 || res.Changed != 1 {
		t.Fatalf("pass after the outage: %s", res.Summary())
	}
	// Good pass: the next one waits the interval; a failure after it
	// starts the schedule over from RetryFirst.
	r.clock.waitAfter(t, 5*time.Minute)
	p.mu.Lock()
	p.errAll = network
	p.mu.Unlock()
	r.src4.set("11.22.33.45")
	r.clock.Advance(5 * time.Minute)
	if res := rn.pass(t); res.Failed != 1 {
		t.Fatalf("failing pass: %s", res.Summary())
	}
	r.clock.waitAfter(t, RetryFirst)
	r.clock.Advance(RetryFirst)
	rn.pass(t)
}

func TestStopLetsTheCallInFlightFinishAndReports(t *testing.T) {
	cfg := testConfig(t, "", "a example.com A acct", "b example.com A acct", "c example.com A acct")
	cfg.Updater.Concurrency = 1
	r := newRig(t, cfg, filepath.Join(t.TempDir(), "s.json"))
	p := r.provs["acct"]
	p.entered, p.release = make(chan struct{}), make(chan struct{})
	rn := startRun(t, r, 0)
	select {
	case <-p.entered: // the first Set is in flight
	case <-time.After(10 * time.Second):
		t.Fatal("no Set started")
	}
	rn.cancel() // SIGTERM
	close(p.release)
	res := rn.pass(t)
	if res.Changed != 1 || res.Failed != 2 {
		t.Fatalf("%s; want the call in flight finished and the rest skipped", res.Summary())
	}
	// The report after the cut-short pass is sent although Run's context
	// has ended: the supervisor learns what the last pass did.
	rep := rn.report(t)
	if len(rep.Records) != 3 || rep.Records[0].Address == "" && rep.Records[1].Address == "" && rep.Records[2].Address == "" {
		t.Fatalf("final report %+v; want the three records, the finished one with its address", rep)
	}
	if code := rn.exit(t); code != ipc.ExitOK {
		t.Fatalf("exit %d, want 0", code)
	}
	st, err := LoadState(r.path)
	if err != nil || len(st.Records) != 1 {
		t.Fatalf("state after the stop: %v %+v; want the finished record saved", err, st)
	}
}

// A pass held up by a slow provider (each call may take [updater] timeout,
// 30 s by default) still lets Run send its heartbeat and systemd's
// WATCHDOG=1 on time; before, nothing was sent until the pass ended, so a
// watchdog shorter than a slow pass killed a healthy updater.
func TestHeartbeatDuringASlowPass(t *testing.T) {
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
	rn := startRun(t, r, 20*time.Second)
	r.clock.waitAfter(t, 10*time.Second) // the first heartbeat timer
	select {
	case <-p.entered: // the pass's Set is in flight and stays there
	case <-time.After(10 * time.Second):
		t.Fatal("no Set started")
	}
	r.clock.Advance(10 * time.Second)
	r.clock.waitAfter(t, 10*time.Second) // the heartbeat was handled and re-armed
	if n := strings.Count(rn.notes(), "WATCHDOG=1"); n != 1 {
		t.Fatalf("WATCHDOG=1 sent %d times during the pass; want 1 (notes: %s)", n, rn.notes())
	}
	// The heartbeat's report reached the supervisor while the pass still
	// runs (its Set is held), so the supervisor's watchdog is fed too.
	select {
	case <-rn.reports:
	default:
		t.Fatal("no report reached the supervisor during the slow pass")
	}
	r.clock.Advance(10 * time.Second)
	r.clock.waitAfter(t, 10*time.Second)
	rn.report(t) // and one per heartbeat, not only the first
	release()
	if res := rn.pass(t); res.Changed != 1 {
		t.Fatalf("pass: %s", res.Summary())
	}
}

// TestVerdictStopsAtExactlyTheNetworkGrace: the network counts as down
// too long from the pass that starts network_grace after the first failing
// one, not only after it; a pass within the grace keeps running.
func TestVerdictStopsAtExactlyTheNetworkGrace(t *testing.T) {
	r := newRig(t, testConfig(t, "", "a example.com A acct"), filepath.Join(t.TempDir(), "s.json"))
	r.provs["acct"].errAll = fmt.Errorf("fake: %w", providers.ErrNetwork)
	grace := r.eng.cfg.Updater.NetworkGrace.Duration
	var since time.Time
	for _, step := range []struct {
		advance time.Duration
		want    ipc.ExitCode
	}{
		{0, ipc.ExitOK},                   // the first failing pass starts the count
		{grace - time.Second, ipc.ExitOK}, // a second short of the grace
		{time.Second, ipc.ExitNetwork},    // exactly the grace
	} {
		r.clock.Advance(step.advance)
		res := r.eng.Pass(context.Background())
		if res.Failed != 1 {
			t.Fatalf("pass at +%s: %s; want the record failed", step.advance, res.Summary())
		}
		if code, why := r.eng.verdict(res, &since); code != step.want {
			t.Fatalf("verdict %d after %s down (%q); want %d with network_grace %s", code, res.Started.Sub(since), why, step.want, grace)
		}
	}
}

// TestRunListensToTheRouterOnlyForRouterSources: with watch_interfaces,
// Run listens for the router's announcements when an address comes from
// the router (a upnp or natpmp source), and not for other sources.
func TestRunListensToTheRouterOnlyForRouterSources(t *testing.T) {
	for _, tt := range []struct {
		source string
		listen bool
	}{
		{`{ type = "natpmp" }`, true},
		{`{ type = "upnp" }`, true},
		{`{ type = "interface", name = "fake0" }`, false},
		{`{ type = "http", url = "http://127.0.0.1:1/ip" }`, false},
	} {
		t.Run(tt.source, func(t *testing.T) {
			cfg, err := configs.Parse("test.toml", []byte(`
[updater]
interval = "1h"
watch_interfaces = true
[ip]
v4 = [`+tt.source+`]
defaults = false
[providers.acct]
type = "fake"
[[records]]
provider = "acct"
zone = "example.com"
name = "home"
`), configs.Options{})
			if err != nil {
				t.Fatal(err)
			}
			src := &fakeSource{}
			src.set("11.22.33.44")
			eng, err := New(cfg, Options{Registry: fakeRegistry(map[string]*fakeProvider{"acct": newFakeProvider()}),
				Clock: newFakeClock(), StatePath: filepath.Join(t.TempDir(), "s.json"),
				Sources: map[netprobe.Family][]netprobe.Source{netprobe.IPv4: {src}}})
			if err != nil {
				t.Fatal(err)
			}
			silent := func(ctx context.Context) (<-chan struct{}, error) {
				ch := make(chan struct{})
				context.AfterFunc(ctx, func() { close(ch) })
				return ch, nil
			}
			var listened atomic.Bool
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			passes, done := make(chan *PassResult), make(chan ipc.ExitCode, 1)
			go func() {
				done <- eng.Run(ctx, RunOptions{Passes: passes, Notify: func(string) (bool, error) { return false, nil },
					Watch: func(ctx context.Context, _ hclog.Logger) (<-chan struct{}, error) { return silent(ctx) },
					WatchRouter: func(ctx context.Context, _ hclog.Logger) (<-chan struct{}, error) {
						listened.Store(true)
						return silent(ctx)
					},
					WatchUPnP: func(ctx context.Context, _ hclog.Logger, _ string) (<-chan struct{}, error) { return silent(ctx) },
				})
			}()
			select {
			case <-passes: // the watches are set up before the first pass
			case <-time.After(10 * time.Second):
				t.Fatal("no pass within 10s")
			}
			cancel()
			<-done
			if listened.Load() != tt.listen {
				t.Fatalf("listened for the router's announcements: %v; want %v", listened.Load(), tt.listen)
			}
		})
	}
}
