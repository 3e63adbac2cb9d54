package ddns

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
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
	// WantedProxied is the Cloudflare proxied setting a pass enforces,
	// nil when none is asked (the record is left as Cloudflare has it);
	// CurrentProxied is the one the record holds, when known.
	WantedProxied, CurrentProxied *bool
	// Change is "unchanged", "update", "repair", "create", or "unknown"
	// (current unknown: a pass would set it to be sure, or cannot tell).
	Change string
	// Decision is the engine's decision for the record, the one a pass
	// would apply (zero when detection failed: a pass would not touch it).
	Decision Decision
	Err      error
}

// Plan computes what a pass would do without doing it: it detects the
// addresses and takes, for each record, the decision a pass would take
// (Decide), reading the provider's records (Get) where that decision needs
// them. It makes no change anywhere and writes no state.
func (e *Engine) Plan(ctx context.Context) ([]PlanItem, error) {
	e.passMu.Lock()
	defer e.passMu.Unlock()
	now := e.clock.Now()
	addrs, derrs := e.detectAll(ctx)
	items := make([]PlanItem, len(e.records))
	var jobs []*job
	for i, r := range e.records {
		j := &job{i: i, rec: r, key: RecordKey(r.FQDN(), r.Type), proxied: e.wantedProxied(r)}
		it := PlanItem{Name: r.FQDN(), Type: r.Type, Provider: r.Provider, WantedProxied: j.proxied}
		j.st, j.haveSt = e.state.Records[j.key]
		if err := derrs[familyOf(r.Type)]; err != nil {
			it.Err = err
		} else {
			it.Wanted = addrs[familyOf(r.Type)]
			j.want = it.Wanted
			jobs = append(jobs, j)
		}
		if j.haveSt {
			it.Current, _ = netip.ParseAddr(j.st.Address)
			it.CurrentProxied = j.st.Proxied
			it.CurrentFrom = "state file"
		} else {
			it.CurrentFrom = "unknown"
		}
		items[i] = it
	}
	forEachByProvider(ctx, jobs, e.cfg.Updater.Concurrency, func(j *job) {
		it := &items[j.i]
		d := e.decide(ctx, j, now)
		it.Decision, it.Current, it.CurrentProxied = d, d.Current, d.CurrentProxied
		switch {
		case !d.FromProvider && d.Kind != DecideSetUnread:
			it.CurrentFrom = "state file"
		case d.Kind == DecideSetUnread:
			it.CurrentFrom = "provider cannot read records"
		case d.Kind == DecideFail:
			it.CurrentFrom = "provider unreadable"
			it.Err = d.Err
		case d.Records > 1:
			it.CurrentFrom = fmt.Sprintf("provider, %d records", d.Records)
		default:
			it.CurrentFrom = "provider"
		}
	})
	var errs []error
	for i := range items {
		it := &items[i]
		switch d := it.Decision; {
		case it.Err != nil || !it.Wanted.IsValid():
			it.Change = "unknown"
		case d.Kind == DecideNothing:
			it.Change = "unchanged"
		case d.Kind == DecideCreate:
			it.Change = "create"
		case d.Kind == DecideUpdate:
			it.Change = "update"
		case d.Kind == DecideRepair:
			it.Change = "repair"
		default:
			it.Change = "unknown"
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
//
// A record that asks a proxied setting shows it beside both addresses
// ("current 1.2.3.4 unproxied (provider), wanted 1.2.3.4 proxied"), and
// "proxied unknown" when the current one is not known.
func WritePlan(w io.Writer, items []PlanItem) error {
	for _, it := range items {
		cur := addrOrWord(it.Current, "none")
		if it.Change == "unknown" && !it.Current.IsValid() {
			cur = "unknown"
		}
		want := addrOrWord(it.Wanted, "unknown")
		if it.WantedProxied != nil {
			want += " " + proxiedWord(it.WantedProxied)
			if it.Current.IsValid() {
				cur += " " + proxiedWord(it.CurrentProxied)
			}
		}
		verdict := map[string]string{"unchanged": "nothing to do", "update": "would update", "create": "would create",
			"repair": "would repair", "unknown": "would set"}[it.Change]
		// The reason is shown where the addresses alone do not explain the verdict.
		if d := it.Decision; it.Err == nil && d.Writes() && d.Kind != DecideCreate && !(d.Kind == DecideUpdate && d.Reason == ReasonAddressDiffers) {
			verdict += " (" + d.Reason.String() + ")"
		}
		if it.Err != nil {
			verdict = "cannot tell: " + oneLine(it.Err.Error())
		}
		if _, err := fmt.Fprintf(w, "%s %s (%s): current %s (%s), wanted %s: %s\n", it.Name, it.Type, it.Provider, cur, it.CurrentFrom, want, verdict); err != nil {
			return err
		}
	}
	return nil
}

func proxiedWord(p *bool) string {
	switch {
	case p == nil:
		return "proxied unknown"
	case *p:
		return "proxied"
	}
	return "unproxied"
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
