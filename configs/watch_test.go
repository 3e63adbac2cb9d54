package configs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ddnsd/ddns/clock"
	"github.com/ddnsd/ddns/clock/clocktest"
)

// waitLimit bounds every wait for an event the test expects (a file system
// event, a read of the file, a Change); it is a failure guard, never a pacing
// delay. The watcher's own timers run on a fake clock that moves only when
// the test fires them.
const waitLimit = 5 * time.Second

// cfgText is a valid config whose updater interval is n minutes, so each
// Change can be matched to the save that caused it.
func cfgText(n int) string { return fmt.Sprintf("[updater]\ninterval = \"%dm\"\n", n) }

type testLogWriter struct{ t testing.TB }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// scanReport is what the watcher's goroutine says after each read of the file.
type scanReport struct {
	pending   bool // a Change waits for the receiver
	delivered int  // Changes the receiver had taken by then
}

// watchHarness runs a Watcher whose debounce, grace and retry timers are on
// a fake clock, and which reports every read of the file, so a test saves,
// fires the timers the save armed and waits for the read they cause:
// nothing waits for real time to pass.
type watchHarness struct {
	t       testing.TB
	w       *Watcher
	clock   *clocktest.Fake // nil: the real clock (benchmarks)
	scans   chan scanReport
	got     int  // Changes received
	pending bool // a Change waits, as of the latest report after the last one received
}

func startWatcher(t testing.TB, o WatchOptions) *watchHarness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h := watchWith(t, ctx, o)
	t.Cleanup(func() {
		cancel()
		if err := h.w.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return h
}

// watchWith starts a watcher for ctx; the caller ends it.
func watchWith(t testing.TB, ctx context.Context, o WatchOptions) *watchHarness {
	t.Helper()
	h := &watchHarness{t: t, scans: make(chan scanReport, 4096)}
	if o.Logger == nil {
		o.Logger = hclog.New(&hclog.LoggerOptions{Name: "watch", Level: hclog.Trace, Output: testLogWriter{t}})
	}
	if o.Clock == nil {
		h.clock = clocktest.New(time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC))
		o.Clock = h.clock
	}
	o.scanned = func(pending bool, delivered int) {
		select {
		case h.scans <- scanReport{pending, delivered}:
		default:
			panic("the test stopped reading the watcher's scan reports")
		}
	}
	w, err := Watch(ctx, o)
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	h.w = w
	return h
}

// note takes a report into account. One made before the test received its
// latest Change says nothing about what is pending now.
func (h *watchHarness) note(r scanReport) {
	if r.delivered == h.got {
		h.pending = r.pending
	}
}

// drain notes the reports already made.
func (h *watchHarness) drain() {
	for {
		select {
		case r := <-h.scans:
			h.note(r)
		default:
			return
		}
	}
}

// fire waits until the watcher has armed a timer (after a save: until the
// save's file system event arrived), moves the fake clock to it (at least a
// debounce period, so a debounce re-armed by a later event meanwhile fires
// too) and waits for the read of the file that follows.
func (h *watchHarness) fire() {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := h.clock.WaitForTimers(ctx, 1); err != nil {
		h.t.Fatalf("the watcher armed no timer within %v: no file system event arrived", waitLimit)
	}
	d, _ := h.clock.Until()
	h.clock.Advance(max(d, h.w.debounce))
	select {
	case r := <-h.scans:
		h.note(r)
	case <-time.After(waitLimit):
		h.t.Fatalf("the watcher did not read the file within %v of its timer firing", waitLimit)
	}
	h.drain()
}

// next fires the watcher's timers until a Change waits, and returns it.
func (h *watchHarness) next() Change {
	h.t.Helper()
	if h.clock != nil {
		for i := 0; ; i++ {
			h.drain()
			if h.pending {
				break
			}
			if i == 50 {
				h.t.Fatal("no Change after 50 reads of the file")
			}
			h.fire()
		}
	}
	select {
	case c, ok := <-h.w.Changes():
		if !ok {
			h.t.Fatal("Changes closed while a change was expected")
		}
		h.got++
		h.pending = false
		return c
	case <-time.After(waitLimit):
		h.t.Fatalf("no Change within %v", waitLimit)
	}
	return Change{}
}

// none checks that no Change waits, and that firing every timer the watcher
// still has armed (late events of the last save) sends none either.
func (h *watchHarness) none(why string) {
	h.t.Helper()
	for i := 0; i < 20; i++ {
		h.drain()
		if h.pending {
			c := h.next()
			h.t.Fatalf("%s: unexpected Change (Config=%v Err=%v Hash=%s)", why, c.Config != nil, c.Err, c.Hash)
		}
		if h.clock.Pending() == 0 {
			return
		}
		h.fire()
	}
}

// noneAfterSave checks that the read caused by a save (there must be one)
// sends no Change, nor do the reads after it.
func (h *watchHarness) noneAfterSave(why string) {
	h.t.Helper()
	h.fire()
	h.none(why)
}

// wantConfig checks that c is a valid config with the interval of cfgText(n).
func wantConfig(t testing.TB, c Change, n int) {
	t.Helper()
	if c.Err != nil || c.Config == nil {
		t.Fatalf("want config %d, got Config=%v Err=%v", n, c.Config != nil, c.Err)
	}
	if got := c.Config.Updater.Interval.Duration; got != time.Duration(n)*time.Minute {
		t.Fatalf("want interval %dm, got %v", n, got)
	}
	if c.Hash != hashOf([]byte(cfgText(n))) {
		t.Fatalf("Hash = %q, want the hash of config %d", c.Hash, n)
	}
	if c.At.IsZero() {
		t.Fatal("At is not set")
	}
}

func write(t testing.TB, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// renameOver saves the way vim, sed -i and VS Code do: a temporary file in
// the same folder, renamed over the target.
func renameOver(t testing.TB, path, text string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".swp")
	write(t, tmp, text)
	must(t, os.Rename(tmp, path))
}

// configMap lays out a folder as a Kubernetes ConfigMap volume does:
// config.toml -> ..data/config.toml, ..data -> ..<timestamp>; swap replaces
// ..data atomically with a new timestamped folder and removes the old one.
type configMap struct {
	t    testing.TB
	dir  string
	cur  string
	seq  int
	Path string
	// keepOld leaves the previous timestamped folder in place.
	keepOld bool
}

func newConfigMap(t testing.TB, dir, text string) *configMap {
	m := &configMap{t: t, dir: dir, Path: filepath.Join(dir, "config.toml")}
	m.swap(text)
	must(t, os.Symlink(filepath.Join("..data", "config.toml"), m.Path))
	return m
}

func (m *configMap) swap(text string) {
	m.seq++
	ts := fmt.Sprintf("..2026_01_02_03_04_05.%09d", m.seq)
	must(m.t, os.Mkdir(filepath.Join(m.dir, ts), 0o755))
	write(m.t, filepath.Join(m.dir, ts, "config.toml"), text)
	tmp := filepath.Join(m.dir, "..data_tmp")
	must(m.t, os.Symlink(ts, tmp))
	must(m.t, os.Rename(tmp, filepath.Join(m.dir, "..data")))
	if m.cur != "" && !m.keepOld {
		must(m.t, os.RemoveAll(filepath.Join(m.dir, m.cur)))
	}
	m.cur = ts
}

func TestWatchSaveStyles(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks and renaming open folders need privileges on Windows")
	}
	type setup func(t *testing.T, root string) (path string, save func(text string))
	styles := []struct {
		name  string
		setup setup
	}{
		{"in place (truncate and write)", func(t *testing.T, root string) (string, func(string)) {
			p := filepath.Join(root, "config.toml")
			write(t, p, cfgText(1))
			return p, func(s string) { write(t, p, s) }
		}},
		{"temporary file renamed over", func(t *testing.T, root string) (string, func(string)) {
			p := filepath.Join(root, "config.toml")
			write(t, p, cfgText(1))
			return p, func(s string) { renameOver(t, p, s) }
		}},
		{"delete then recreate", func(t *testing.T, root string) (string, func(string)) {
			p := filepath.Join(root, "config.toml")
			write(t, p, cfgText(1))
			return p, func(s string) {
				must(t, os.Remove(p))
				write(t, p, s)
			}
		}},
		{"configmap symlink swap", func(t *testing.T, root string) (string, func(string)) {
			m := newConfigMap(t, root, cfgText(1))
			return m.Path, m.swap
		}},
		{"configmap symlink swap, old folder kept", func(t *testing.T, root string) (string, func(string)) {
			// Nothing happens to the file the link resolved to: only the
			// ..data link changes, so events on other names must count.
			m := newConfigMap(t, root, cfgText(1))
			m.keepOld = true
			return m.Path, m.swap
		}},
		{"symlink to a file elsewhere, target renamed over", func(t *testing.T, root string) (string, func(string)) {
			must(t, os.Mkdir(filepath.Join(root, "etc"), 0o755))
			must(t, os.Mkdir(filepath.Join(root, "srv"), 0o755))
			real := filepath.Join(root, "srv", "ddns.toml")
			write(t, real, cfgText(1))
			p := filepath.Join(root, "etc", "config.toml")
			must(t, os.Symlink(real, p))
			return p, func(s string) { renameOver(t, real, s) }
		}},
		{"folder renamed away and created again", func(t *testing.T, root string) (string, func(string)) {
			dir := filepath.Join(root, "ddns")
			must(t, os.Mkdir(dir, 0o755))
			p := filepath.Join(dir, "config.toml")
			write(t, p, cfgText(1))
			n := 0
			return p, func(s string) {
				n++
				must(t, os.Rename(dir, fmt.Sprintf("%s.old%d", dir, n)))
				must(t, os.Mkdir(dir, 0o755))
				write(t, p, s)
			}
		}},
		{"folder deleted and created again", func(t *testing.T, root string) (string, func(string)) {
			dir := filepath.Join(root, "ddns")
			must(t, os.Mkdir(dir, 0o755))
			p := filepath.Join(dir, "config.toml")
			write(t, p, cfgText(1))
			return p, func(s string) {
				must(t, os.RemoveAll(dir))
				must(t, os.Mkdir(dir, 0o755))
				write(t, p, s)
			}
		}},
	}
	for _, st := range styles {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			path, save := st.setup(t, t.TempDir())
			w := startWatcher(t, WatchOptions{Path: path})
			// Saves in this style alternate with writes in place (through
			// the symlink, if any): the later ones prove the watch survived
			// the earlier ones. A watch on the file itself, or one left on a
			// replaced folder, would see nothing after the first save.
			for n := 2; n <= 5; n++ {
				if n%2 == 0 {
					save(cfgText(n))
				} else {
					write(t, path, cfgText(n))
				}
				wantConfig(t, w.next(), n)
			}
			w.none("after the last save")
		})
	}
}

func TestWatchInvalidThenValid(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	write(t, path, cfgText(1))
	w := startWatcher(t, WatchOptions{Path: path})

	bad := "[updater]\ninterval = \"banana\"\n"
	write(t, path, bad)
	c := w.next()
	if c.Config != nil || c.Err == nil {
		t.Fatalf("invalid file: want Err and no Config, got Config=%v Err=%v", c.Config != nil, c.Err)
	}
	es, ok := AsErrors(c.Err)
	if !ok || len(es) != 1 || es[0].File != path || es[0].Pos != (Pos{Line: 2, Col: 13}) {
		t.Fatalf("want one located error at %s:2:13, got %v", path, c.Err)
	}
	if c.Hash != hashOf([]byte(bad)) {
		t.Fatalf("Hash = %q, want the invalid content's hash", c.Hash)
	}

	write(t, path, bad)
	w.noneAfterSave("the same invalid content saved again")

	renameOver(t, path, cfgText(2))
	wantConfig(t, w.next(), 2)
}

func TestWatchHalfWrittenThenComplete(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	write(t, path, cfgText(1))
	w := startWatcher(t, WatchOptions{Path: path})

	// A slow writer: truncate, write half the file, stall past the debounce.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	must(t, err)
	defer f.Close()
	_, err = f.WriteString("[updater]\ninterval = \"")
	must(t, err)
	c := w.next()
	if c.Err == nil || c.Config != nil {
		t.Fatalf("half-written file: want Err, got Config=%v Err=%v", c.Config != nil, c.Err)
	}
	// The rest of the write must produce a valid Change.
	_, err = f.WriteString("7m\"\n")
	must(t, err)
	must(t, f.Close())
	wantConfig(t, w.next(), 7)
}

func TestWatchIdenticalSavesSendNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	write(t, path, cfgText(1))
	w := startWatcher(t, WatchOptions{Path: path})

	write(t, path, cfgText(1))
	renameOver(t, path, cfgText(1))
	must(t, os.Remove(path))
	write(t, path, cfgText(1))
	now := time.Now()
	must(t, os.Chtimes(path, now, now))
	must(t, os.Chmod(path, 0o640))
	w.noneAfterSave("saves of identical content, a touch and a chmod")

	// The watcher is still alive and the next Change is the real one.
	write(t, path, cfgText(2))
	wantConfig(t, w.next(), 2)
}

func TestWatchBurstCoalesces(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	write(t, path, cfgText(1))
	loads := 0 // the watcher's goroutine counts; read once it reported its reads
	w := startWatcher(t, WatchOptions{Path: path, Load: func(p string) (*Config, error) {
		loads++
		return LoadFile(p, Options{})
	}})

	// Ten saves within one debounce period (the fake clock does not move
	// between them), half renamed over, half written in place one byte per
	// write: a watcher reading at every event would parse many half-written
	// files. They make one read, one parse and one Change.
	for n := 2; n <= 11; n++ {
		if n%2 == 1 {
			renameOver(t, path, cfgText(n))
			continue
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
		must(t, err)
		for _, b := range []byte(cfgText(n)) {
			if _, err := f.Write([]byte{b}); err != nil {
				f.Close()
				t.Fatal(err)
			}
		}
		must(t, f.Close())
	}
	wantConfig(t, w.next(), 11)
	w.none("after the burst's final content")
	if loads != 1 {
		t.Fatalf("10 saves within one debounce period were parsed %d times; want them coalesced into 1", loads)
	}
}

func TestWatchDeletedReportedAfterGrace(t *testing.T) {
	const grace = 150 * time.Millisecond
	path := filepath.Join(t.TempDir(), "config.toml")
	write(t, path, cfgText(1))
	w := startWatcher(t, WatchOptions{Path: path, Grace: grace})

	removed := w.clock.Now()
	must(t, os.Remove(path))
	w.fire() // the debounce: the file is missing, the grace period begins
	if w.drain(); w.pending {
		t.Fatal("the deletion was reported before the grace period ended")
	}
	c := w.next()
	if !errors.Is(c.Err, ErrDeleted) || c.Config != nil || c.Hash != "" {
		t.Fatalf("want ErrDeleted, got Config=%v Err=%v Hash=%q", c.Config != nil, c.Err, c.Hash)
	}
	if !strings.Contains(c.Err.Error(), path) || !strings.Contains(c.Err.Error(), "keeping the running config") {
		t.Fatalf("message %q should name the file and say the running config is kept", c.Err)
	}
	if waited := c.At.Sub(removed); waited < grace {
		t.Fatalf("deletion reported after %v, before the %v grace period ended", waited, grace)
	}
	w.none("file still missing")

	// A recreate is reported, even with the content it had before, since the
	// receiver was told the file was gone.
	write(t, path, cfgText(1))
	wantConfig(t, w.next(), 1)
}

func TestWatchEmptyFileWaitsForContent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	write(t, path, cfgText(1))
	w := startWatcher(t, WatchOptions{Path: path})

	// Truncated and left empty for longer than the debounce: an empty config
	// is valid (all defaults), yet reporting it would be wrong.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	must(t, err)
	defer f.Close()
	w.fire() // the debounce: the file is empty, the grace period begins
	if w.drain(); w.pending {
		t.Fatal("file truncated, not yet written: the empty file was reported before the grace period ended")
	}
	_, err = f.WriteString(cfgText(5))
	must(t, err)
	must(t, f.Close())
	wantConfig(t, w.next(), 5)
}

func TestWatchEmptyFileReportedAfterGrace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	write(t, path, cfgText(1))
	w := startWatcher(t, WatchOptions{Path: path, Grace: 50 * time.Millisecond})

	write(t, path, "")
	c := w.next()
	if c.Err != nil || c.Config == nil || c.Hash != hashOf(nil) {
		t.Fatalf("empty file kept past the grace: want its (default) config, got Config=%v Err=%v", c.Config != nil, c.Err)
	}
}

func TestWatchFileMissingAtStart(t *testing.T) {
	for _, depth := range []int{0, 1, 2} {
		t.Run(fmt.Sprintf("%d folders missing", depth), func(t *testing.T) {
			dir := t.TempDir()
			for i := range depth {
				dir = filepath.Join(dir, fmt.Sprintf("d%d", i))
			}
			path := filepath.Join(dir, "config.toml")
			w := startWatcher(t, WatchOptions{Path: path})

			// With two folders missing not even the parent can be watched:
			// the watcher retries with backoff until it can.
			must(t, os.MkdirAll(dir, 0o755))
			write(t, path, cfgText(3))
			wantConfig(t, w.next(), 3)
			write(t, path, cfgText(4))
			wantConfig(t, w.next(), 4)
		})
	}
}

func TestWatchInitialHash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	write(t, path, cfgText(2))

	// The caller runs config 1; the file already holds config 2.
	w := startWatcher(t, WatchOptions{Path: path, Initial: hashOf([]byte(cfgText(1)))})
	wantConfig(t, w.next(), 2)

	// The caller runs what the file holds: nothing to report.
	w2 := startWatcher(t, WatchOptions{Path: path, Initial: hashOf([]byte(cfgText(2)))})
	w2.none("the file holds the config the caller runs")
}

func TestWatchReadError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	w := startWatcher(t, WatchOptions{Path: path})

	must(t, os.Mkdir(path, 0o755))
	c := w.next()
	if c.Err == nil || c.Config != nil || !strings.Contains(c.Err.Error(), "cannot read the config file") {
		t.Fatalf("a folder where the file should be: want a read error, got Config=%v Err=%v", c.Config != nil, c.Err)
	}
	must(t, os.Remove(path))
	write(t, path, cfgText(2))
	wantConfig(t, w.next(), 2)
}

func TestWatchUsesLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	write(t, path, cfgText(1))
	keys := KeyTable{"dryrun": {}}
	w := startWatcher(t, WatchOptions{Path: path, Load: func(p string) (*Config, error) {
		return LoadFile(p, Options{ProviderKeys: keys})
	}})

	write(t, path, "[providers.x]\ntype = \"nosuch\"\n")
	c := w.next()
	if c.Err == nil || !strings.Contains(c.Err.Error(), "nosuch") {
		t.Fatalf("the caller's Load (with provider keys) was not used: Err=%v", c.Err)
	}
}

func TestWatchSlowReceiverGetsLatest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	write(t, path, cfgText(1))
	seen := make(chan string, 16)
	w := startWatcher(t, WatchOptions{Path: path, Load: func(p string) (*Config, error) {
		c, err := LoadFile(p, Options{})
		if c != nil {
			seen <- c.Hash
		}
		return c, err
	}})

	// Nobody receives while two saves are parsed, one after the other.
	for n := 2; n <= 3; n++ {
		write(t, path, cfgText(n))
		for parsed := false; !parsed; {
			w.fire()
			select {
			case h := <-seen:
				if h != hashOf([]byte(cfgText(n))) {
					t.Fatalf("parsed %s, want config %d", h, n)
				}
				parsed = true
			default: // a read before the save's own event: fire again
			}
		}
	}
	wantConfig(t, w.next(), 3)
	w.none("the superseded change must not follow")
}

func TestWatchStopsAllGoroutines(t *testing.T) {
	base := runtime.NumGoroutine()
	path := filepath.Join(t.TempDir(), "config.toml")
	write(t, path, cfgText(1))

	for _, how := range []string{"cancel", "close"} {
		ctx, cancel := context.WithCancel(context.Background())
		h := watchWith(t, ctx, WatchOptions{Path: path})
		w := h.w
		write(t, path, cfgText(2))
		wantConfig(t, h.next(), 2)
		write(t, path, cfgText(1)) // leave a change in flight
		if how == "cancel" {
			cancel()
		} else {
			must(t, w.Close())
		}
		deadline := time.After(waitLimit)
	drain:
		for {
			select {
			case _, ok := <-w.Changes():
				if !ok {
					break drain
				}
			case <-deadline:
				t.Fatalf("%s: Changes was not closed", how)
			}
		}
		must(t, w.Close()) // again, and after the context ended
		cancel()
	}

	// The goroutines have returned from their work; give the runtime a moment
	// to retire them, bounded by a deadline.
	deadline := time.Now().Add(waitLimit)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, %d before the watchers:\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		runtime.Gosched()
	}
}

func TestWatchNeedsPath(t *testing.T) {
	if _, err := Watch(context.Background(), WatchOptions{}); err == nil {
		t.Fatal("Watch without a path should fail")
	}
}

// BenchmarkReloadLatency measures the time from a new file renamed over the
// config to its Change arriving, debounce included (target: p95 under 50 ms).
func BenchmarkReloadLatency(b *testing.B) {
	path := filepath.Join(b.TempDir(), "config.toml")
	write(b, path, cfgText(1))
	// The real clock: the latency measured includes the real debounce.
	w := startWatcher(b, WatchOptions{Path: path, Logger: hclog.NewNullLogger(), Clock: clock.System()})
	tmp := path + ".tmp"
	var lat []time.Duration
	n := 1
	for b.Loop() {
		n++
		text := cfgText(n)
		write(b, tmp, text)
		start := time.Now()
		must(b, os.Rename(tmp, path))
		c := w.next()
		lat = append(lat, time.Since(start))
		if c.Config == nil || c.Hash != hashOf([]byte(text)) {
			b.Fatalf("got Config=%v Err=%v, want config %d", c.Config != nil, c.Err, n)
		}
	}
	slices.Sort(lat)
	ms := func(q float64) float64 {
		return float64(lat[min(len(lat)-1, int(q*float64(len(lat))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(ms(0.50), "p50-ms")
	b.ReportMetric(ms(0.95), "p95-ms")
}
