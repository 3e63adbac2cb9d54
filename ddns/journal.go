package ddns

import (
	"fmt"
	"sync"
	"time"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/journal"
)

// The updater's journal: what each pass did to each record, beside the
// state file (journal.BesideState), written by the engine that holds the
// state's lock, so one updater at most writes it. A change is journaled
// once; a failure when it starts, when its error changes, and then at most
// once an hour while it lasts (failRepeat), so a record that fails at every
// pass through a week-long outage costs a line an hour, not one a pass, and
// the journal's bound still holds a year.

// failRepeat is how often a failure that goes on is journaled again.
const failRepeat = time.Hour

// failNote is the last failure journaled for a record, until a success
// (Engine.fails, under failMu).
type failNote struct {
	err      string
	at       time.Time // when it was journaled
	since    time.Time // when the failure began
	attempts int       // failed passes since it was journaled
}

// openJournal opens the journal beside the state file; without one the
// engine still runs, and says why.
func (e *Engine) openJournal() {
	j, err := journal.Open(journal.BesideState(e.statePath), journal.Limits{})
	if err != nil {
		e.log.Warn("running without the address journal", "error", err)
		return
	}
	e.journal = j
	e.fails = map[string]*failNote{}
	e.recallFailures()
}

// recallFailures reads the last hour of the journal back into fails, so
// that an updater started again (`updater --once` from cron, a restart by
// the supervisor) keeps to one line an hour for a failure that goes on,
// rather than one per run. A success journaled later forgets the failure;
// a success that was not journaled (the record was already right) is not
// seen, so a failure that comes back with the same error within the hour
// waits for the hour: the journal errs towards fewer lines.
func (e *Engine) recallFailures() {
	res, _ := journal.Read(journal.Filter{Since: e.clock.Now().Add(-failRepeat),
		Kinds: []string{journal.KindChanged, journal.KindFailed}}, e.journal.Path())
	for _, ent := range res.Entries {
		switch ent.Kind {
		case journal.KindChanged:
			delete(e.fails, ent.Record)
		case journal.KindFailed:
			if n := e.fails[ent.Record]; n != nil && n.err == ent.Error {
				n.at = ent.At
				continue
			}
			e.fails[ent.Record] = &failNote{err: ent.Error, at: ent.At, since: ent.At}
		}
	}
}

// JournalPath is the journal this engine appends to; "" when it keeps none
// (a dry run, or an engine that does not hold the state's lock).
func (e *Engine) JournalPath() string { return e.journal.Path() }

// journalJob appends what the pass did to j's record, as soon as its turn
// ends: a pass cut short (a kill, a stop) keeps the changes it made.
// Records run concurrently, so the failure memory has its own lock.
func (e *Engine) journalJob(j *job) {
	if e.journal == nil || j.journaled {
		return
	}
	j.journaled = true
	now := e.clock.Now()
	r := j.res
	e.failMu.Lock()
	defer e.failMu.Unlock()
	switch r.Action {
	case ActionUpdated, ActionRepaired:
		delete(e.fails, j.key)
		ent := journal.Entry{At: now, Kind: journal.KindChanged, Record: j.key, Provider: r.Provider,
			Old: addrOrWord(r.Previous, ""), New: r.Address.String(), Took: r.Took,
			Verified: j.rec.Verify != configs.VerifyNone}
		if r.Action == ActionRepaired {
			ent.Detail = "repaired: the record had been changed outside the updater"
		}
		e.append(ent)
	case ActionUnchanged:
		delete(e.fails, j.key)
	case ActionFailed:
		msg := journal.CleanText(r.Err.Error())
		n := e.fails[j.key]
		if n != nil && n.err == msg && now.Sub(n.at) < failRepeat {
			n.attempts++
			return
		}
		ent := journal.Entry{At: now, Kind: journal.KindFailed, Record: j.key, Provider: r.Provider,
			Old: addrOrWord(r.Previous, ""), New: addrOrWord(r.Address, ""), Took: r.Took, Error: msg}
		if n != nil && n.err == msg {
			ent.Detail = fmt.Sprintf("still failing since %s (%d more failed passes since the last entry)", n.since.UTC().Format(time.RFC3339), n.attempts)
			n.at, n.attempts = now, 0
		} else {
			e.fails[j.key] = &failNote{err: msg, at: now, since: now}
		}
		e.append(ent)
	}
}

// append writes one entry; a journal that cannot be written is logged and
// the pass goes on: the journal is for people, the state is for the
// updater.
func (e *Engine) append(ent journal.Entry) {
	// Added, not flushed: the line survives a kill at once, and Pass
	// flushes once for all its records (a thousand records changing
	// together cost one fsync, not a thousand).
	err := e.journal.Add(ent)
	e.journalDown.result(e.log, err)
}

// flushJournal puts the pass's entries on disk, with the state.
func (e *Engine) flushJournal() {
	if err := e.journal.Flush(); err != nil {
		e.journalDown.result(e.log, err)
	}
}

// journalDown remembers that the journal cannot be written, so that a full
// disk, a read-only file or a journal path someone replaced is logged once
// when it starts, not once per entry of every pass (a thousand records
// failing to journal would drown the log that says why), and once more
// when the journal is written again, with how many entries were lost.
type journalDown struct {
	mu   sync.Mutex
	down bool
	lost int
}

// journalLogger is the part of the engine's logger journalDown uses.
type journalLogger interface {
	Warn(msg string, args ...any)
	Info(msg string, args ...any)
}

// result takes the outcome of one write (nil: a line was written).
func (d *journalDown) result(log journalLogger, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err != nil {
		d.lost++
		if !d.down {
			d.down = true
			log.Warn("cannot write the address journal; updates go on without it, and this is logged again only once it works", "error", err)
		}
		return
	}
	if d.down {
		log.Info("the address journal is written again", "entries_lost", d.lost)
		d.down, d.lost = false, 0
	}
}
