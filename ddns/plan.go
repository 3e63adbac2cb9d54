package ddns

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/ddnsd/ddns/providers"
)

// PlanItem is one record in a dry run: what it holds and what a pass would
// make it hold.
type PlanItem struct {
	Name     string
	Type     string
	Provider string
	// Current is what the record holds, when known.
	Current netip.Addr
	// CurrentFrom says where Current came from: "state file", "provider",
	// or, when it is not known, why ("provider cannot read records").
	CurrentFrom string
	Wanted      netip.Addr // invalid when detection failed
	// Change is "unchanged", "update", "create", or "unknown" (current
	// unknown: a pass would set it to be sure).
	Change string
	Err    error
}

// Plan computes what a pass would do without doing it: it detects the
// addresses and reads each record's current value from the state file, or
// from the provider (Get) when the state has none. It makes no change
// anywhere and writes no state.
func (e *Engine) Plan(ctx context.Context) ([]PlanItem, error) {
	e.passMu.Lock()
	defer e.passMu.Unlock()
	addrs, derrs := e.detectAll(ctx)
	items := make([]PlanItem, len(e.records))
	var jobs []*job
	for i, r := range e.records {
		it := PlanItem{Name: r.FQDN(), Type: r.Type, Provider: r.Provider}
		if err := derrs[familyOf(r.Type)]; err != nil {
			it.Err = err
		} else {
			it.Wanted = addrs[familyOf(r.Type)]
		}
		items[i] = it
		j := &job{i: i, rec: r, key: RecordKey(r.FQDN(), r.Type)}
		j.st, j.haveSt = e.state.Records[j.key]
		jobs = append(jobs, j)
	}
	forEachByProvider(ctx, jobs, e.cfg.Updater.Concurrency, func(j *job) {
		it := &items[j.i]
		if j.haveSt && j.st.Provider == j.rec.Provider {
			it.Current, _ = netip.ParseAddr(j.st.Address)
			it.CurrentFrom = "state file"
		} else {
			have, err := e.providers[j.rec.Provider].Get(ctx, j.rec.Zone, j.rec.Name, j.rec.Type)
			switch {
			case errors.Is(err, providers.ErrUnsupported):
				it.CurrentFrom = "provider cannot read records"
			case err != nil:
				it.CurrentFrom = "provider unreadable"
				it.Err = errors.Join(it.Err, err)
			case len(have) == 0:
				it.CurrentFrom = "provider"
			default:
				it.Current, it.CurrentFrom = have[0].Addr, "provider"
				if len(have) > 1 {
					it.CurrentFrom = fmt.Sprintf("provider, %d records", len(have))
				}
			}
		}
	})
	var errs []error
	for i := range items {
		it := &items[i]
		switch {
		case it.Err != nil || !it.Wanted.IsValid():
			it.Change = "unknown"
		case strings.HasPrefix(it.CurrentFrom, "provider cannot"), it.CurrentFrom == "provider unreadable":
			it.Change = "unknown"
		case !it.Current.IsValid():
			it.Change = "create"
		case it.Current == it.Wanted && !strings.Contains(it.CurrentFrom, "records"):
			it.Change = "unchanged"
		default:
			it.Change = "update"
		}
		if it.Err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", it.Name, it.Type, it.Err))
		}
	}
	return items, errors.Join(errs...)
}

// WritePlan prints a plan, one line per record:
//
//	home.example.com A (cloudflare-home): current 1.2.3.4 (state file), wanted 5.6.7.8: would update
func WritePlan(w io.Writer, items []PlanItem) error {
	for _, it := range items {
		cur := addrOrWord(it.Current, "none")
		if it.Change == "unknown" && !it.Current.IsValid() {
			cur = "unknown"
		}
		want := addrOrWord(it.Wanted, "unknown")
		verdict := map[string]string{"unchanged": "nothing to do", "update": "would update", "create": "would create",
			"unknown": "would set"}[it.Change]
		if it.Err != nil {
			verdict = "cannot tell: " + oneLine(it.Err.Error())
		}
		if _, err := fmt.Fprintf(w, "%s %s (%s): current %s (%s), wanted %s: %s\n", it.Name, it.Type, it.Provider, cur, it.CurrentFrom, want, verdict); err != nil {
			return err
		}
	}
	return nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
