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
)

// waitLimit bounds every wait for an expected Change; it is a failure guard,
// never a pacing delay.
const waitLimit = 5 * time.Second

// quietFor is how long the negative checks ("nothing is sent") listen. It is
// ten debounce periods: a spurious Change would have been sent well within it.
const quietFor = 10 * DefaultDebounce

// cfgText is a valid config whose updater interval is n minutes, so each
// Change can be matched to the save that caused it.
func cfgText(n int) string { return fmt.Sprintf("[updater]\ninterval = \"%dm\"\n", n) }

type testLogWriter struct{ t testing.TB }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func startWatcher(t testing.TB, o WatchOptions) *Watcher {
	t.Helper()
	if o.Logger == nil {
		o.Logger = hclog.New(&hclog.LoggerOptions{Name: "watch", Level: hclog.Trace, Output: testLogWriter{t}})
	}
	ctx, cancel := context.WithCancel(context.Background())
	w, err := Watch(ctx, o)
	if err != nil {
		cancel()
		t.Fatalf("Watch: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		if err := w.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return w
}

// next returns the next Change, failing the test if none comes in time.
func next(t testing.TB, w *Watcher) Change {
	t.Helper()
	select {
	case c, ok := <-w.Changes():
		if !ok {
			t.Fatal("Changes closed while a change was expected")
		}
		return c
	case <-time.After(waitLimit):
		t.Fatalf("no Change within %v", waitLimit)
	}
	return Change{}
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

// none is a negative check: it listens for a bounded time (quietFor) and
// fails if any Change arrives. The bound is the test's choice of "soon
// enough"; it does not pace the test.
func none(t testing.TB, w *Watcher, why string) {
	t.Helper()
	select {
	case c := <-w.Changes():
		t.Fatalf("%s: unexpected Change (Config=%v Err=%v Hash=%s)", why, c.Config != nil, c.Err, c.Hash)
	case <-time.After(quietFor):
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
				wantConfig(t, next(t, w), n)
			}
			none(t, w, "after the last save")
		})
	}
}

func TestWatchInvalidThenValid(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	write(t, path, cfgText(1))
	w := startWatcher(t, WatchOptions{Path: path})

	bad := "[updater]\ninterval = \"banana\"\n"
	write(t, path, bad)
	c := next(t, w)
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
	none(t, w, "the same invalid content saved again")

	renameOver(t, path, cfgText(2))
	wantConfig(t, next(t, w), 2)
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
	c := next(t, w)
	if c.Err == nil || c.Config != nil {
		t.Fatalf("half-written file: want Err, got Config=%v Err=%v", c.Config != nil, c.Err)
	}
	// The rest of the write must produce a valid Change.
	_, err = f.WriteString("7m\"\n")
	must(t, err)
	must(t, f.Close())
	wantConfig(t, next(t, w), 7)
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
	none(t, w, "saves of identical content, a touch and a chmod")

	// The watcher is still alive and the next Change is the real one.
	write(t, path, cfgText(2))
	wantConfig(t, next(t, w), 2)
}

func TestWatchBurstCoalesces(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	write(t, path, cfgText(1))
	w := startWatcher(t, WatchOptions{Path: path})

	// Ten saves, half renamed over, half written in place one byte per
	// write: a watcher reading at every event would see many half-written
	// files. The saves run while this goroutine receives, so every Change
	// sent is counted (an unreceived one would be replaced by a newer one).
	saved := make(chan error, 1)
	go func() {
		saved <- func() error {
			for n := 2; n <= 11; n++ {
				if n%2 == 1 {
					tmp := path + ".tmp"
					if err := os.WriteFile(tmp, []byte(cfgText(n)), 0o600); err != nil {
						return err
					}
					if err := os.Rename(tmp, path); err != nil {
						return err
					}
					continue
				}
				f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
				if err != nil {
					return err
				}
				for _, b := range []byte(cfgText(n)) {
					if _, err := f.Write([]byte{b}); err != nil {
						f.Close()
						return err
					}
				}
				if err := f.Close(); err != nil {
					return err
				}
			}
			return nil
		}()
	}()
	var got []Change
	for {
		c := next(t, w)
		got = append(got, c)
		if c.Hash == hashOf([]byte(cfgText(11))) {
			break
		}
	}
	must(t, <-saved)
	wantConfig(t, got[len(got)-1], 11)
	none(t, w, "after the burst's final content")
	t.Logf("got %d changes", len(got))
	if len(got) > 3 {
		t.Fatalf("10 rapid saves gave %d changes; want them coalesced into 1 to 3", len(got))
	}
}

func TestWatchDeletedReportedAfterGrace(t *testing.T) {
	const grace = 150 * time.Millisecond
	path := filepath.Join(t.TempDir(), "config.toml")
	write(t, path, cfgText(1))
	w := startWatcher(t, WatchOptions{Path: path, Grace: grace})

	removed := time.Now()
	must(t, os.Remove(path))
	c := next(t, w)
	if !errors.Is(c.Err, ErrDeleted) || c.Config != nil || c.Hash != "" {
		t.Fatalf("want ErrDeleted, got Config=%v Err=%v Hash=%q", c.Config != nil, c.Err, c.Hash)
	}
	if !strings.Contains(c.Err.Error(), path) || !strings.Contains(c.Err.Error(), "keeping the running config") {
		t.Fatalf("message %q should name the file and say the running config is kept", c.Err)
	}
	if waited := c.At.Sub(removed); waited < grace {
		t.Fatalf("deletion reported after %v, before the %v grace period ended", waited, grace)
	}
	none(t, w, "file still missing")

	// A recreate is reported, even with the content it had before, since the
	// receiver was told the file was gone.
	write(t, path, cfgText(1))
	wantConfig(t, next(t, w), 1)
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
	none(t, w, "file truncated, not yet written")
	_, err = f.WriteString(cfgText(5))
	must(t, err)
	must(t, f.Close())
	wantConfig(t, next(t, w), 5)
}

func TestWatchEmptyFileReportedAfterGrace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	write(t, path, cfgText(1))
	w := startWatcher(t, WatchOptions{Path: path, Grace: 50 * time.Millisecond})

	write(t, path, "")
	c := next(t, w)
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
			wantConfig(t, next(t, w), 3)
			write(t, path, cfgText(4))
			wantConfig(t, next(t, w), 4)
		})
	}
}

func TestWatchInitialHash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	write(t, path, cfgText(2))

	// The caller runs config 1; the file already holds config 2.
	w := startWatcher(t, WatchOptions{Path: path, Initial: hashOf([]byte(cfgText(1)))})
	wantConfig(t, next(t, w), 2)

	// The caller runs what the file holds: nothing to report.
	w2 := startWatcher(t, WatchOptions{Path: path, Initial: hashOf([]byte(cfgText(2)))})
	none(t, w2, "the file holds the config the caller runs")
}

func TestWatchReadError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	w := startWatcher(t, WatchOptions{Path: path})

	must(t, os.Mkdir(path, 0o755))
	c := next(t, w)
	if c.Err == nil || c.Config != nil || !strings.Contains(c.Err.Error(), "cannot read the config file") {
		t.Fatalf("a folder where the file should be: want a read error, got Config=%v Err=%v", c.Config != nil, c.Err)
	}
	must(t, os.Remove(path))
	write(t, path, cfgText(2))
	wantConfig(t, next(t, w), 2)
}

func TestWatchUsesLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	write(t, path, cfgText(1))
	keys := KeyTable{"dryrun": {}}
	w := startWatcher(t, WatchOptions{Path: path, Load: func(p string) (*Config, error) {
		return LoadFile(p, Options{ProviderKeys: keys})
	}})

	write(t, path, "[providers.x]\ntype = \"nosuch\"\n")
	c := next(t, w)
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
		select {
		case h := <-seen:
			if h != hashOf([]byte(cfgText(n))) {
				t.Fatalf("parsed %s, want config %d", h, n)
			}
		case <-time.After(waitLimit):
			t.Fatalf("config %d was not parsed", n)
		}
	}
	wantConfig(t, next(t, w), 3)
	none(t, w, "the superseded change must not follow")
}

func TestWatchStopsAllGoroutines(t *testing.T) {
	base := runtime.NumGoroutine()
	path := filepath.Join(t.TempDir(), "config.toml")
	write(t, path, cfgText(1))

	for _, how := range []string{"cancel", "close"} {
		ctx, cancel := context.WithCancel(context.Background())
		w, err := Watch(ctx, WatchOptions{Path: path})
		must(t, err)
		write(t, path, cfgText(2))
		wantConfig(t, next(t, w), 2)
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
	w := startWatcher(b, WatchOptions{Path: path, Logger: hclog.NewNullLogger()})
	tmp := path + ".tmp"
	var lat []time.Duration
	n := 1
	for b.Loop() {
		n++
		text := cfgText(n)
		write(b, tmp, text)
		start := time.Now()
		must(b, os.Rename(tmp, path))
		c := next(b, w)
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
