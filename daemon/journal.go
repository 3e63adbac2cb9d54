package daemon

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/journal"
	"github.com/ddnsd/ddns/supervise"
)

// The journal: the supervisor appends its own events (restarts with exit
// codes, network outages and recoveries, configs applied or rejected,
// crash-loop pauses) to a journal in its state folder
// (Options.JournalPath), and the updater appends what it did to each record
// to its own journal beside its state file. History merges both.

// JournalPath is where the supervisor on the config at configPath keeps
// its journal inside dir (the supervisor's state folder): one journal per
// config path, like the last good copy, so two supervisors on two configs
// never write one file. configPath "" is the embedded default.
func JournalPath(dir, configPath string) string {
	name := "supervisor-default.jsonl"
	if configPath != "" {
		if abs, err := filepath.Abs(configPath); err == nil {
			configPath = abs
		}
		sum := sha256.Sum256([]byte(configPath))
		name = "supervisor-" + hex.EncodeToString(sum[:8]) + ".jsonl"
	}
	return filepath.Join(dir, "journal", name)
}

// JournalPaths are the journals to read for the supervisor whose own
// journal is supervisorJournal ("" for none), running cfg from the file at
// configPath: its own and the updater's, beside the state file cfg names
// (configs.StateFileFor). `supervisor history` and History read these.
func JournalPaths(supervisorJournal string, cfg *configs.Config, configPath string) []string {
	var paths []string
	if supervisorJournal != "" {
		paths = append(paths, supervisorJournal)
	}
	if sf, err := configs.StateFileFor(cfg, configPath); err == nil {
		paths = append(paths, journal.BesideState(sf))
	}
	return paths
}

// History returns the entries of both journals (the supervisor's and the
// running config's updater's) that pass f, oldest first. It reads the
// files on each call and is safe to call from any goroutine: the dashboard
// calls it from the HTTP endpoint. A file that cannot be read is named in
// the error, and the Result still holds what the others had.
func (a *App) History(f journal.Filter) (journal.Result, error) {
	a.jw.flush()
	a.mu.Lock()
	cfg := a.cfg
	a.mu.Unlock()
	return journal.Read(f, JournalPaths(a.o.JournalPath, cfg, a.cfgPath)...)
}

// note queues e for the supervisor's journal, if it keeps one; At
// defaults to now. It never blocks: it runs on the supervise loop (through
// onEvent), and a journal on a hung disk must not stop supervision. A full
// queue drops the entry, and the log says so.
func (a *App) note(e journal.Entry) {
	if a.jw == nil {
		return
	}
	if e.At.IsZero() {
		e.At = a.clk.Now()
	}
	select {
	case a.jw.ch <- journalOp{e: e}:
		a.jw.full.Store(false)
	default:
		// Said once while the queue stays full (a disk that hangs for
		// an hour would otherwise repeat it with every event).
		if !a.jw.full.Swap(true) {
			a.logger.Warn("the journal's queue is full (the disk does not keep up); entries are lost until it drains", "kind", e.Kind)
		}
	}
}

// journalQueue is how many entries may wait for the disk.
const journalQueue = 256

// journalWriter writes the supervisor's journal in a goroutine of its own.
type journalWriter struct {
	j      *journal.Journal
	logger interface{ Warn(string, ...any) }
	ch     chan journalOp
	stopCh chan struct{}
	done   chan struct{}
	// down: the last write failed and the log said so; lost counts the
	// entries lost since. Only run's goroutine touches them.
	down bool
	lost int
	// full: note found the queue full and said so; cleared when an entry
	// fits again.
	full atomic.Bool
}

// journalOp is an entry to write, or (flushed set) a request to say when
// everything queued before it is written.
type journalOp struct {
	e       journal.Entry
	flushed chan struct{}
}

func newJournalWriter(j *journal.Journal, logger interface{ Warn(string, ...any) }) *journalWriter {
	w := &journalWriter{j: j, logger: logger, ch: make(chan journalOp, journalQueue),
		stopCh: make(chan struct{}), done: make(chan struct{})}
	go w.run()
	return w
}

func (w *journalWriter) run() {
	defer close(w.done)
	for {
		select {
		case op := <-w.ch:
			w.do(op)
		case <-w.stopCh:
			for {
				select {
				case op := <-w.ch:
					w.do(op)
				default:
					return
				}
			}
		}
	}
}

func (w *journalWriter) do(op journalOp) {
	if op.flushed != nil {
		close(op.flushed)
		return
	}
	// A journal that cannot be written (a full disk, a read-only file, a
	// path someone replaced) is logged when it starts failing and when it
	// works again, not once per entry: a crash loop or a flapping network
	// would otherwise repeat the warning with every event.
	if err := w.j.Append(op.e); err != nil {
		w.lost++
		if !w.down {
			w.down = true
			w.logger.Warn("cannot write the journal; supervision goes on without it, and this is logged again only once it works", "error", err)
		}
		return
	}
	if w.down {
		w.logger.Warn("the journal is written again", "entries_lost", w.lost)
		w.down, w.lost = false, 0
	}
}

// journalWait bounds how long a reader waits for queued entries, and how
// long the end of Run waits for the last ones: a disk that hangs loses
// them rather than hanging the supervisor.
const journalWait = 2 * time.Second

// flush waits until the entries queued so far are written (at most
// journalWait), so that History shows what just happened.
func (w *journalWriter) flush() {
	if w == nil {
		return
	}
	op := journalOp{flushed: make(chan struct{})}
	t := time.NewTimer(journalWait)
	defer t.Stop()
	select {
	case w.ch <- op:
	case <-w.done:
		return
	case <-t.C:
		return
	}
	select {
	case <-op.flushed:
	case <-w.done:
	case <-t.C:
	}
}

// stop writes what is queued (at most journalWait) and ends the writer.
func (w *journalWriter) stop() {
	if w == nil {
		return
	}
	select {
	case <-w.stopCh:
	default:
		close(w.stopCh)
	}
	t := time.NewTimer(journalWait)
	defer t.Stop()
	select {
	case <-w.done:
	case <-t.C:
	}
}

// journalEvent journals the supervise events a person asks about later:
// the child's starts (the first as started, later ones as restarted),
// exits with their code, the network waits and recoveries, pauses (crash
// loop, a config the updater refuses), failed starts and stops. Health
// checks that kill the child (watchdog, memory) are not journaled on their
// own: the exit that follows carries their reason. Runs on the supervise
// loop.
func (a *App) journalEvent(e supervise.Event) {
	ent := journal.Entry{At: e.At, PID: e.PID, Detail: e.Detail}
	switch e.Kind {
	case supervise.EventStarted:
		ent.Kind = journal.KindStarted
		if a.journalStarts > 0 {
			ent.Kind = journal.KindRestarted
		}
		a.journalStarts++
	case supervise.EventExited:
		ent.Kind = journal.KindExited
		if e.Code != nil && *e.Code >= 0 {
			code := *e.Code
			ent.Code = &code
		}
	case supervise.EventStartFailed:
		ent.Kind, ent.Error, ent.Detail = journal.KindStartFailed, e.Detail, ""
	case supervise.EventWaitingNetwork:
		if a.journalNet {
			return // still down, for another reason: status shows it
		}
		a.journalNet = true
		ent.Kind, ent.Error, ent.Detail = journal.KindNetworkDown, e.Detail, ""
	case supervise.EventNetworkReady:
		if !a.journalNet {
			return
		}
		a.journalNet = false
		ent.Kind = journal.KindNetworkUp
	case supervise.EventCrashLoop, supervise.EventWaitingConfig:
		ent.Kind = journal.KindPaused
	case supervise.EventStopped:
		ent.Kind = journal.KindStopped
	default:
		return
	}
	a.note(ent)
}

// journalStart journals the config the supervisor starts on: applied, or
// rejected (running on the last good copy, or waiting for a valid save).
func (a *App) journalStart(cfg *configs.Config) {
	switch {
	case a.o.ConfigErr != nil && !a.o.LastGoodSince.IsZero():
		a.note(journal.Entry{Kind: journal.KindConfigRejected, Error: a.o.ConfigErr.Error(),
			Detail: "supervisor started; running on the last good config, valid since " + a.o.LastGoodSince.UTC().Format(time.RFC3339)})
	case a.o.ConfigErr != nil:
		a.note(journal.Entry{Kind: journal.KindConfigRejected, Error: a.o.ConfigErr.Error(),
			Detail: "supervisor started; waiting for a valid save"})
	default:
		a.note(journal.Entry{Kind: journal.KindConfigApplied,
			Detail: fmt.Sprintf("supervisor started on config generation 1 (hash %s)", cfg.Hash)})
	}
}
