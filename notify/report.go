package notify

import (
	"fmt"
	"time"

	"github.com/ddnsd/ddns/ipc"
)

// recordState is what ObserveReport remembers of one record.
type recordState struct {
	address      string
	failing      bool
	failingSince time.Time
}

// ObserveReport turns a child report into events, firing once per
// transition of each record, however often the same state is reported:
//
//   - address-changed when a record's address differs from the last one
//     seen. For a record seen for the first time, when its changed_at is
//     after the Notifier was created (the child changed it while we were
//     watching; the old address is then unknown);
//   - update-failed when a record's error appears (also on first sight);
//   - update-recovered when it clears.
//
// A report without records (a heartbeat) changes nothing, and a record
// that reports no address yet keeps the last one known.
func (n *Notifier) ObserveReport(r ipc.Report) {
	at := r.At
	if at.IsZero() {
		at = n.clock.Now()
	}
	var out []Event
	n.mu.Lock()
	for _, rec := range r.Records {
		key := ipc.RecordKey(rec.Name, rec.Type)
		ev := Event{Record: rec.Name, Type: rec.Type, Provider: rec.Provider, At: at}
		prev, known := n.records[key]
		if !known {
			prev = &recordState{}
			n.records[key] = prev
		}
		if rec.Address != "" && rec.Address != prev.address {
			if prev.address != "" || n.changedSinceStart(rec) {
				e := ev
				e.Kind, e.OldAddress, e.NewAddress = KindAddressChanged, prev.address, rec.Address
				out = append(out, e)
			}
			prev.address = rec.Address
		}
		failing := rec.Error != ""
		switch {
		case failing && !prev.failing:
			e := ev
			e.Kind, e.Error, e.NewAddress = KindUpdateFailed, rec.Error, rec.Address
			out = append(out, e)
			prev.failing, prev.failingSince = true, at
		case !failing && prev.failing:
			e := ev
			e.Kind, e.NewAddress = KindUpdateRecovered, rec.Address
			e.Detail = fmt.Sprintf("failing since %s (%s)", stamp(prev.failingSince), at.Sub(prev.failingSince).Round(time.Second))
			out = append(out, e)
			prev.failing, prev.failingSince = false, time.Time{}
		}
	}
	n.mu.Unlock()
	for _, e := range out {
		n.emit(e)
	}
}

// changedSinceStart reports whether the record's changed_at is after the
// Notifier was created.
func (n *Notifier) changedSinceStart(rec ipc.RecordStatus) bool {
	return !rec.ChangedAt.IsZero() && rec.ChangedAt.Time().After(n.started)
}
