package ddns

import (
	"fmt"
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

// failNote is the last failure journaled for a record, until a success.
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
}

// JournalPath is the journal this engine appends to; "" when it keeps none
// (a dry run, or an engine that does not hold the state's lock).
func (e *Engine) JournalPath() string { return e.journal.Path() }

// journalPass appends what the pass did to each record. Called with passMu
// held, after the records' outcomes are known.
func (e *Engine) journalPass(jobs []*job) {
	if e.journal == nil {
		return
	}
	now := e.clock.Now()
	for _, j := range jobs {
		r := j.res
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
			msg := r.Err.Error()
			n := e.fails[j.key]
			if n != nil && n.err == msg && now.Sub(n.at) < failRepeat {
				n.attempts++
				continue
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
}

// append writes one entry; a journal that cannot be written is logged and
// the pass goes on: the journal is for people, the state is for the
// updater.
func (e *Engine) append(ent journal.Entry) {
	if err := e.journal.Append(ent); err != nil {
		e.log.Warn("cannot write the address journal", "error", err)
	}
}
