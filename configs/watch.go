package configs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/hashicorp/go-hclog"

	"github.com/ddnsd/ddns/clock"
)

// Defaults of WatchOptions.
const (
	// DefaultDebounce is short: editors finish a save (write, chmod, rename)
	// within a few milliseconds, and identical content is dropped by its hash
	// anyway, so the debounce only has to outwait a save in progress. 20 ms
	// keeps the reload latency (event + debounce + parse) well under 50 ms.
	DefaultDebounce = 20 * time.Millisecond
	// DefaultGrace is how long a deleted or emptied file may stay so before
	// it is reported: long enough for delete-then-recreate saves and
	// truncate-then-write saves, short enough to tell the user soon.
	DefaultGrace = time.Second
)

// ErrDeleted is the Err of a Change reporting that the config file is gone
// and has not come back within the grace period. The caller keeps running
// with the config it has; a later recreate is reported as a new Change.
var ErrDeleted = errors.New("config file deleted; keeping the running config")

// WatchOptions configure Watch.
type WatchOptions struct {
	// Path is the config file to watch. It need not exist yet.
	Path string
	// Debounce is how long the folder must stay quiet after an event before
	// the file is read; zero means DefaultDebounce. A burst that never stops
	// is still read every ten debounce periods.
	Debounce time.Duration
	// Grace is how long the file may be missing, or empty, before that state
	// is reported; zero means DefaultGrace. An empty file is almost always a
	// save in progress (truncate, then write), and an empty config is valid,
	// so reporting it at once would swap the running config for the defaults.
	Grace time.Duration
	// Logger receives debug lines about events and watches; nil discards them.
	Logger hclog.Logger
	// Load parses the file; nil means LoadFile(path, Options{}). Callers pass
	// a closure over LoadFile with their Options.
	Load func(path string) (*Config, error)
	// Initial is the Hash of the config the caller already runs (Config.Hash).
	// When it differs from the file's content at Watch time, that content is
	// reported at once, so a save between the caller's load and Watch is not
	// lost. Empty: the content found at Watch time is the baseline.
	Initial string
	// Clock times the debounce, the grace period and the retries, and dates
	// each Change; nil means clock.System().
	Clock clock.Clock

	// scanned, when set (by this package's tests), is called by the
	// watcher's goroutine after every read of the file, with whether a
	// Change is then waiting for the receiver and how many Changes the
	// receiver has taken so far: the event tests wait on instead of
	// sleeping.
	scanned func(pending bool, delivered int)
}

// Change is one effective change of the watched file.
type Change struct {
	// Config is the new config; nil when the file is invalid, unreadable or gone.
	Config *Config
	// Err says why Config is nil: the file:line:col problems (see AsErrors),
	// a read error, or ErrDeleted.
	Err error
	// Hash identifies the content that was read ("" when none could be).
	Hash string
	// At is when the change was detected.
	At time.Time
}

// Watcher reports each change of one config file, however it was saved: in
// place, by a temporary file renamed over it, by delete and recreate, by a
// symlink swap (Kubernetes ConfigMap volumes), or with its folder replaced.
//
// It watches the file's folder, never the file (a watch on the file is lost
// when an editor renames a new file over it), and reads the file after each
// quiet period, comparing a hash of its content with the last one reported:
// a touch, a chmod or a save of identical bytes sends nothing. It also
// watches the folder's parent, so a folder deleted or renamed and created
// again is noticed at once and watched again (on kqueue systems, where a
// folder watch opens every file inside it, it polls with backoff instead).
// When a watch cannot be set up (a folder missing), it retries with backoff.
//
// One goroutine owns all state. It never waits for the receiver: when the
// receiver falls behind, an unreceived Change is replaced by a newer one, so
// the receiver always sees the latest state and never a stale one.
type Watcher struct {
	out    chan Change
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
	err    error // fsnotify's Close result, set before done closes

	fs       *fsnotify.Watcher
	log      hclog.Logger
	clock    clock.Clock
	scanned  func(pending bool, delivered int)
	load     func(string) (*Config, error)
	debounce time.Duration
	maxWait  time.Duration
	grace    time.Duration

	path   string // absolute, cleaned
	dir    string // the file's folder
	parent string // the folder's parent ("" when not watched)

	// Derived from the last scan.
	isLink bool   // the path is a symlink: any event in dir may change what it resolves to
	target string // the symlink's resolved file, "" when not a symlink

	watched  map[string]os.FileInfo // folders watched, with the identity they had
	retryIn  time.Duration          // next backoff step; 0 when nothing to retry
	retryT   clock.Timer            // nil when not armed, as debT and graceT
	debT     clock.Timer
	burst    time.Time // first event of the current burst
	graceT   clock.Timer
	graceEnd bool // set only during the scan that the grace timer triggers

	key       string  // state of the file as last computed
	delivered string  // state the receiver last got
	pending   *Change // computed but not yet received
	pendKey   string
	sent      int // Changes the receiver has taken
}

// States that are not a content hash.
const (
	keyMissing = "missing"
	keyReadErr = "read-error: "
)

const (
	retryFirst = 50 * time.Millisecond
	retryMax   = 5 * time.Second
)

// Watch starts watching o.Path. It returns once the watches are set up and
// the baseline is read, so any later save is reported. Every goroutine it
// starts ends when ctx ends or Close is called; Changes is then closed.
func Watch(ctx context.Context, o WatchOptions) (*Watcher, error) {
	if o.Path == "" {
		return nil, errors.New("cannot watch the config file: no path given")
	}
	abs, err := filepath.Abs(o.Path)
	if err != nil {
		return nil, fmt.Errorf("cannot watch the config file %s: %w", o.Path, err)
	}
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("cannot watch the config file %s: %w", abs, err)
	}
	w := &Watcher{
		out:      make(chan Change),
		done:     make(chan struct{}),
		fs:       fw,
		log:      o.Logger,
		clock:    o.Clock,
		scanned:  o.scanned,
		load:     o.Load,
		debounce: o.Debounce,
		grace:    o.Grace,
		path:     abs,
		dir:      filepath.Dir(abs),
		watched:  map[string]os.FileInfo{},
	}
	if w.log == nil {
		w.log = hclog.NewNullLogger()
	}
	if w.clock == nil {
		w.clock = clock.System()
	}
	if w.load == nil {
		w.load = func(p string) (*Config, error) { return LoadFile(p, Options{}) }
	}
	if w.debounce <= 0 {
		w.debounce = DefaultDebounce
	}
	w.maxWait = 10 * w.debounce
	if w.grace <= 0 {
		w.grace = DefaultGrace
	}
	if p := filepath.Dir(w.dir); watchParentDir && p != w.dir {
		w.parent = p
	}
	// Watch first, read second: a save between the two is then both seen
	// in the baseline and reported by an event, never lost.
	w.ensureWatches()
	if o.Initial != "" {
		w.key, w.delivered = o.Initial, o.Initial
		w.scan()
		w.afterScan()
	} else {
		w.key = w.baseline()
		w.delivered = w.key
	}

	ctx, w.cancel = context.WithCancel(ctx)
	go w.run(ctx)
	return w, nil
}

// Changes delivers one Change per effective content change. It is closed
// when the watcher stops.
func (w *Watcher) Changes() <-chan Change { return w.out }

// Close stops the watcher and waits for its goroutines to end. It is safe to
// call more than once, and after the context has ended.
func (w *Watcher) Close() error {
	w.once.Do(w.cancel)
	<-w.done
	return w.err
}

func (w *Watcher) run(ctx context.Context) {
	defer func() {
		disarm(&w.debT)
		disarm(&w.graceT)
		disarm(&w.retryT)
		w.err = w.fs.Close()
		close(w.out)
		close(w.done)
	}()
	events, errs := w.fs.Events, w.fs.Errors
	for {
		var out chan Change
		var next Change
		if w.pending != nil {
			out, next = w.out, *w.pending
		}
		select {
		case <-ctx.Done():
			return
		case out <- next:
			w.delivered, w.pending = w.pendKey, nil
			w.sent++
		case ev, ok := <-events:
			if !ok {
				return
			}
			if w.relevant(ev.Name) {
				w.log.Trace("config folder event", "event", ev.String())
				w.poke(w.clock.Now())
			}
		case err, ok := <-errs:
			if !ok {
				return
			}
			// An overflow means events were lost: read the file again.
			w.log.Debug("config watch error; reading the file again", "path", w.path, "error", err)
			w.poke(w.clock.Now())
		case <-timerC(w.debT):
			w.debT = nil
			w.scan()
			w.afterScan()
		case <-timerC(w.graceT):
			w.graceT = nil
			w.graceEnd = true
			w.scan()
			w.graceEnd = false
			w.afterScan()
		case <-timerC(w.retryT):
			w.retryT = nil
			w.scan()
			w.afterScan()
		}
	}
}

// relevant reports whether an event on name may change what the path reads.
func (w *Watcher) relevant(name string) bool {
	name = filepath.Clean(name)
	switch {
	case name == w.path, name == w.dir:
		return true
	case w.target != "" && name == w.target:
		return true
	case w.isLink && filepath.Dir(name) == w.dir:
		// A symlinked file may change through any link in its folder, as
		// when a ConfigMap volume swaps its ..data link.
		return true
	}
	return false
}

// afterScan tells the tests' hook that a read of the file is done.
func (w *Watcher) afterScan() {
	if w.scanned != nil {
		w.scanned(w.pending != nil, w.sent)
	}
}

// poke starts or extends the quiet period after an event.
func (w *Watcher) poke(now time.Time) {
	if w.debT != nil && !w.debT.Stop() {
		// The quiet period ended before this event was taken: the read it
		// called for is due, as if the timer had been taken first. Dropping
		// the fired timer would put the read off by another period.
		w.debT = nil
		w.scan()
		w.afterScan()
	}
	// A debounce still set was pending and is stopped now: extend it.
	if w.debT == nil {
		w.burst = now
		w.debT = w.clock.NewTimer(w.debounce)
		return
	}
	wait := w.debounce
	if left := w.burst.Add(w.maxWait).Sub(now); left < wait {
		wait = max(left, 0)
	}
	w.debT = w.clock.NewTimer(wait)
}

// timerC is t's channel; nil (never ready) when t is not armed.
func timerC(t clock.Timer) <-chan time.Time {
	if t == nil {
		return nil
	}
	return t.C()
}

// disarm stops *t and forgets it.
func disarm(t *clock.Timer) {
	if *t != nil {
		(*t).Stop()
		*t = nil
	}
}

// ensureWatches watches the folders the path needs, again when a folder was
// replaced, and schedules a retry with backoff when one cannot be watched.
func (w *Watcher) ensureWatches() {
	want := []string{w.dir}
	if w.parent != "" {
		want = append(want, w.parent)
	}
	if w.target != "" {
		if td := filepath.Dir(w.target); td != w.dir && td != w.parent {
			want = append(want, td)
		}
	}
	// fsnotify forgets a watch whose folder was deleted or moved; the
	// identity check alone would miss a new folder that reuses the old
	// folder's inode number, as tmpfs and ext4 do.
	live := w.fs.WatchList()
	failed := false
	for _, d := range want {
		// Stat before Add: if the folder is replaced in between, the identity
		// kept is the old one, so the next check adds the watch again.
		fi, err := os.Stat(d)
		if err == nil && !fi.IsDir() {
			err = fmt.Errorf("%s is not a folder", d)
		}
		if err != nil {
			w.unwatch(d)
			// A symlink's target folder that vanished is not worth a retry:
			// the next scan resolves the link again.
			if d == w.dir || d == w.parent {
				failed = true
			}
			w.log.Debug("cannot watch a config folder yet", "folder", d, "error", err)
			continue
		}
		if old, ok := w.watched[d]; ok && os.SameFile(old, fi) && slices.Contains(live, d) {
			continue
		}
		w.unwatch(d)
		if err := w.fs.Add(d); err != nil {
			failed = true
			w.log.Debug("cannot watch a config folder yet", "folder", d, "error", err)
			continue
		}
		w.watched[d] = fi
		w.log.Trace("watching config folder", "folder", d)
	}
	for d := range w.watched {
		if !slices.Contains(want, d) {
			w.unwatch(d)
		}
	}
	if !failed {
		w.retryIn = 0
		disarm(&w.retryT)
		return
	}
	if w.retryT != nil {
		return // a retry is already due
	}
	if w.retryIn == 0 {
		w.retryIn = retryFirst
	} else {
		w.retryIn = min(2*w.retryIn, retryMax)
	}
	w.retryT = w.clock.NewTimer(w.retryIn)
}

func (w *Watcher) unwatch(d string) {
	if _, ok := w.watched[d]; !ok {
		return
	}
	delete(w.watched, d)
	// The kernel may have dropped the watch already (folder deleted); fsnotify
	// then reports it as unknown, which is what we want anyway.
	_ = w.fs.Remove(d)
}

// resolve notes whether the path is a symlink and where it leads.
func (w *Watcher) resolve() {
	w.isLink, w.target = false, ""
	fi, err := os.Lstat(w.path)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		return
	}
	w.isLink = true
	if t, err := filepath.EvalSymlinks(w.path); err == nil {
		w.target = t
	}
}

// baseline is the state of the file at Watch time, without parsing it.
func (w *Watcher) baseline() string {
	w.resolve()
	w.ensureWatches()
	data, err := ReadRegularFile(w.path, MaxConfigSize)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return keyMissing
	case err != nil:
		return keyReadErr + err.Error()
	}
	return hashOf(data)
}

// scan reads the file and records its state when it changed.
func (w *Watcher) scan() {
	w.resolve()
	w.ensureWatches()
	data, err := ReadRegularFile(w.path, MaxConfigSize)
	now := w.clock.Now()
	if errors.Is(err, fs.ErrNotExist) {
		w.missing(now)
		return
	}
	if err != nil {
		w.stopGrace()
		w.set(keyReadErr+err.Error(), Change{Err: fmt.Errorf("cannot read the config file: %w", err), At: now})
		return
	}
	h := hashOf(data)
	if h == w.key {
		w.stopGrace()
		return
	}
	if len(data) == 0 && !w.graceEnd {
		w.startGrace()
		return
	}
	w.stopGrace()
	cfg, err := w.load(w.path)
	if errors.Is(err, fs.ErrNotExist) {
		w.missing(now) // gone between the two reads
		return
	}
	if cfg != nil && cfg.Hash != "" {
		// What Load parsed is what counts. If the file changed between the
		// two reads, the write that changed it sends another event.
		h = cfg.Hash
	}
	if err != nil {
		cfg = nil
	} else if cfg == nil {
		err = fmt.Errorf("config file %s: the load function returned neither a config nor an error", w.path)
	}
	w.set(h, Change{Config: cfg, Err: err, Hash: h, At: now})
}

// missing handles a file that is not there: wait out the grace period for a
// recreate, then report it once.
func (w *Watcher) missing(now time.Time) {
	if w.key == keyMissing {
		w.stopGrace()
		return
	}
	if !w.graceEnd {
		w.startGrace()
		return
	}
	w.set(keyMissing, Change{Err: fmt.Errorf("%s: %w", w.path, ErrDeleted), At: now})
}

func (w *Watcher) startGrace() {
	if w.graceT != nil {
		return // the first sighting starts the clock; later events do not extend it
	}
	w.graceT = w.clock.NewTimer(w.grace)
}

func (w *Watcher) stopGrace() { disarm(&w.graceT) }

// set records a new state and queues its Change, replacing any unreceived
// one; a state equal to what the receiver already has cancels the queue.
func (w *Watcher) set(key string, c Change) {
	if key == w.key {
		return
	}
	w.key = key
	if key == w.delivered {
		w.pending = nil
		return
	}
	if c.Err != nil {
		w.log.Debug("config file changed and is not usable", "path", w.path, "error", c.Err)
	} else {
		w.log.Debug("config file changed", "path", w.path, "hash", c.Hash)
	}
	w.pending, w.pendKey = &c, key
}
