package ddns

import (
	"context"
	"fmt"
	"math/rand"
	"net/netip"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/providers"
)

func TestDecide(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	want, other := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.9")
	rec := configs.Record{Provider: "acct", Zone: "example.com", Name: "home", Type: "A", TTL: 300}
	fresh := RecordState{Address: want.String(), Provider: "acct", TTL: 300, ResyncedAt: now.Add(-time.Hour)}
	with := func(f func(*RecordState)) RecordState { s := fresh; f(&s); return s }
	read := func(recs ...providers.Record) Observed { return Observed{Read: true, Records: recs} }
	pr := func(a netip.Addr, ttl time.Duration) providers.Record {
		return providers.Record{Zone: "example.com", Name: "home", Type: "A", Addr: a, TTL: ttl}
	}
	tests := []struct {
		name    string
		st      RecordState
		haveSt  bool
		obs     Observed
		ttl     int // the record's TTL; 0 means rec's
		kind    DecisionKind
		reason  Reason
		current netip.Addr
	}{
		{"state matches, no resync due", fresh, true, Observed{}, 0, DecideNothing, ReasonStateMatches, want},
		{"state holds another address", with(func(s *RecordState) { s.Address = other.String() }), true, Observed{}, 0, DecideUpdate, ReasonAddressDiffers, other},
		{"only the TTL changed in the config", fresh, true, Observed{}, 60, DecideUpdate, ReasonTTLDiffers, want},
		{"state TTL unknown is not a change", with(func(s *RecordState) { s.TTL = 0 }), true, Observed{}, 60, DecideNothing, ReasonStateMatches, want},
		{"no state: read first", RecordState{}, false, Observed{}, 0, DecideRead, ReasonNoState, netip.Addr{}},
		{"another account: read first", with(func(s *RecordState) { s.Provider = "old" }), true, Observed{}, 0, DecideRead, ReasonNewProvider, want},
		{"resync due: read first", with(func(s *RecordState) { s.ResyncedAt = now.Add(-25 * time.Hour) }), true, Observed{}, 0, DecideRead, ReasonResyncDue, want},
		{"no state, provider holds it", RecordState{}, false, read(pr(want, 300*time.Second)), 0, DecideNothing, ReasonProviderMatches, want},
		{"no state, provider holds none", RecordState{}, false, read(), 0, DecideCreate, ReasonNoRecord, netip.Addr{}},
		{"no state, provider holds another", RecordState{}, false, read(pr(other, 300*time.Second)), 0, DecideUpdate, ReasonAddressDiffers, other},
		{"no state, provider holds two", RecordState{}, false, read(pr(want, 300*time.Second), pr(other, 300*time.Second)), 0, DecideUpdate, ReasonExtraRecords, want},
		{"no state, provider's TTL differs", RecordState{}, false, read(pr(want, 600*time.Second)), 0, DecideUpdate, ReasonTTLDiffers, want},
		{"provider TTL 0 (unknown) is not a difference", RecordState{}, false, read(pr(want, 0)), 0, DecideNothing, ReasonProviderMatches, want},
		{"resync: provider raised the TTL we published", with(func(s *RecordState) { s.ResyncedAt = time.Time{} }), true, read(pr(want, 600*time.Second)), 0, DecideNothing, ReasonProviderMatches, want},
		{"resync: edited by hand", with(func(s *RecordState) { s.ResyncedAt = time.Time{} }), true, read(pr(other, 300*time.Second)), 0, DecideRepair, ReasonAddressDiffers, other},
		{"resync: deleted by hand", with(func(s *RecordState) { s.ResyncedAt = time.Time{} }), true, read(), 0, DecideRepair, ReasonNoRecord, netip.Addr{}},
		{"another account, provider holds another", with(func(s *RecordState) { s.Provider = "old" }), true, read(pr(other, 300*time.Second)), 0, DecideUpdate, ReasonAddressDiffers, other},
		{"cannot read", RecordState{}, false, Observed{Read: true, Err: fmt.Errorf("x: %w", providers.ErrUnsupported)}, 0, DecideSetUnread, ReasonCannotRead, netip.Addr{}},
		{"cannot read, state known", with(func(s *RecordState) { s.ResyncedAt = time.Time{} }), true, Observed{Read: true, Err: providers.ErrUnsupported}, 0, DecideSetUnread, ReasonCannotRead, want},
		{"read failed", RecordState{}, false, Observed{Read: true, Err: providers.ErrNetwork}, 0, DecideFail, ReasonReadFailed, netip.Addr{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rec
			if tt.ttl != 0 {
				r.TTL = tt.ttl
			}
			d := Decide(DecideInput{State: tt.st, HaveState: tt.haveSt, Provider: tt.obs, Want: want, Record: r, Resync: 24 * time.Hour, Now: now})
			if d.Kind != tt.kind || d.Reason != tt.reason || d.Current != tt.current {
				t.Errorf("got %s (%s), current %v; want %s (%s), current %v", d.Kind, d.Reason, d.Current, tt.kind, tt.reason, tt.current)
			}
			if (d.Kind == DecideFail) != (d.Err != nil) {
				t.Errorf("kind %s with error %v", d.Kind, d.Err)
			}
		})
	}
}

// TestPlanAgreesWithPass: for random states, provider contents and TTLs,
// the dry run's verdict is "writes" exactly when a pass then calls Set.
func TestPlanAgreesWithPass(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	want, other := "11.22.33.44", "1.2.3.4" // the rig's v4 address, and another
	pick := func(xs ...string) string { return xs[rng.Intn(len(xs))] }
	dir := t.TempDir()
	seen := map[DecisionKind]int{}
	for n := range 400 {
		cfg := testConfig(t, "", "home example.com A acct")
		cfg.Records[0].TTL = []int{60, 300}[rng.Intn(2)]
		on, off := true, false
		pxs := []*bool{nil, &on, &off}
		cfg.Records[0].Proxied = pxs[rng.Intn(3)]
		now := newFakeClock().Now()
		st := &State{Version: StateVersion, Records: map[string]RecordState{}}
		desc := fmt.Sprintf("case %d: ttl %d proxied %s", n, cfg.Records[0].TTL, fmtProxied(cfg.Records[0].Proxied))
		if rng.Intn(10) < 7 {
			rs := RecordState{Address: pick(want, other, ""), Provider: pick("acct", "acct", "old"), TTL: []int{0, 60, 300}[rng.Intn(3)],
				ResyncedAt: []time.Time{now, now.Add(-25 * time.Hour), {}}[rng.Intn(3)], Proxied: pxs[rng.Intn(3)]}
			st.Records["home.example.com/A"] = rs
			desc += fmt.Sprintf(", state %+v", rs)
		}
		path := filepath.Join(dir, fmt.Sprintf("state-%d.json", n))
		if err := st.Save(path); err != nil {
			t.Fatal(err)
		}
		r := newRig(t, cfg, path)
		f := r.provs["acct"]
		switch k := rng.Intn(20); {
		case k < 3:
			f.noRead = true
		case k < 5:
			f.errAll = fmt.Errorf("fake outage: %w", providers.ErrNetwork)
		}
		if rng.Intn(10) < 6 {
			f.put("home.example.com/A", netip.MustParseAddr(pick(want, other)))
		}
		if rng.Intn(10) < 2 {
			f.extra = map[string][]netip.Addr{"home.example.com/A": {netip.MustParseAddr(other)}}
		}
		f.ttl = []time.Duration{60 * time.Second, 300 * time.Second}[rng.Intn(2)]
		if rng.Intn(2) == 0 {
			f.reportPx, f.held = true, map[string]bool{"home.example.com/A": rng.Intn(2) == 0}
		}
		desc += fmt.Sprintf(", provider noRead=%v err=%v recs=%v extra=%v ttl=%s reportPx=%v held=%v", f.noRead, f.errAll, f.recs, f.extra, f.ttl, f.reportPx, f.held)

		items, _ := r.eng.Plan(context.Background())
		if _, sets := f.calls(); sets != 0 {
			t.Fatalf("%s: the plan called Set", desc)
		}
		d := items[0].Decision
		seen[d.Kind]++
		res := r.eng.Pass(context.Background())
		_, sets := f.calls()
		if d.Writes() != (sets > 0) {
			t.Fatalf("%s:\nplan decided %s (%s) and printed %q, but the pass made %d Set calls (action %s)",
				desc, d.Kind, d.Reason, items[0].Change, sets, res.Records[0].Action)
		}
		if (d.Kind == DecideFail) != (res.Records[0].Action == ActionFailed && sets == 0) {
			t.Fatalf("%s: plan decided %s, pass %s with %d sets", desc, d.Kind, res.Records[0].Action, sets)
		}
	}
	for _, k := range []DecisionKind{DecideNothing, DecideCreate, DecideUpdate, DecideRepair, DecideSetUnread, DecideFail} {
		if seen[k] == 0 {
			t.Errorf("no case decided %s; the generator misses it (seen %v)", k, seen)
		}
	}
}

// TestTTLOnlyChangeIsPublishedAtTheNextPass: a record whose config changes
// only its TTL is set at the next pass, not a resync (a day) later, and
// only once.
func TestTTLOnlyChangeIsPublishedAtTheNextPass(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	cfg := testConfig(t, "", "home example.com A acct")
	r := newRig(t, cfg, path)
	if res := r.eng.Pass(context.Background()); res.Err() != nil || res.Changed != 1 {
		t.Fatalf("first pass: %s, %v", res.Summary(), res.Err())
	}
	prov := r.provs["acct"]
	prov.calls()

	// The file is saved with ttl = 60: the updater restarts on it, with the
	// same state, one interval later.
	cfg2 := testConfig(t, "", "home example.com A acct")
	cfg2.Records[0].TTL = 60
	r2 := newRig(t, cfg2, path)
	r2.provs["acct"] = prov
	r2.eng.providers["acct"] = prov
	r2.clock.Advance(5 * time.Minute)
	res := r2.eng.Pass(context.Background())
	if res.Err() != nil || res.Records[0].Action != ActionUpdated {
		t.Fatalf("pass after the TTL change: %s, action %s, %v; want the record set", res.Summary(), res.Records[0].Action, res.Err())
	}
	if g, s := prov.calls(); s != 1 || g != 1 {
		t.Fatalf("after the TTL change: %d gets, %d sets; want the record set once without a read before it (1 get: the read-back)", g, s)
	}
	if got := prov.setTTL["home.example.com/A"]; got != 60*time.Second {
		t.Fatalf("published TTL %s, want 60s", got)
	}
	if res := r2.eng.Pass(context.Background()); res.Changed != 0 {
		t.Fatalf("the pass after: %s; want nothing set again", res.Summary())
	}
	if _, s := prov.calls(); s != 0 {
		t.Fatalf("the pass after: %d sets, want 0", s)
	}
}

// TestProviderTimeoutDefaultIsOneValue: configs (which imports nothing of
// ours) and providers state the same default for one provider call.
func TestProviderTimeoutDefaultIsOneValue(t *testing.T) {
	if got := configs.Defaults().Updater.Timeout.Duration; got != providers.DefaultTimeout {
		t.Fatalf("configs' default [updater] timeout is %s, providers.DefaultTimeout %s", got, providers.DefaultTimeout)
	}
}

// TestDecideProxied: a wanted proxied setting (Cloudflare's) is part of the
// decision: compared with what the state says was published, or, when the
// state does not say (a state from before proxied was kept), with what the
// provider reports; an unset one never causes a write.
func TestDecideProxied(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	want := netip.MustParseAddr("192.0.2.1")
	rec := configs.Record{Provider: "cf", Zone: "example.com", Name: "home", Type: "A", TTL: 300}
	on, off := true, false
	fresh := RecordState{Address: want.String(), Provider: "cf", TTL: 300, ResyncedAt: now.Add(-time.Hour)}
	stWith := func(p *bool) RecordState { s := fresh; s.Proxied = p; return s }
	read := func(p *bool, ttl time.Duration) Observed {
		return Observed{Read: true, Records: []providers.Record{{Zone: "example.com", Name: "home", Type: "A", Addr: want, TTL: ttl, Proxied: p}}}
	}
	tests := []struct {
		name    string
		st      RecordState
		haveSt  bool
		obs     Observed
		wantPx  *bool
		kind    DecisionKind
		reason  Reason
		current *bool
	}{
		{"unset: the state's address is enough", stWith(nil), true, Observed{}, nil, DecideNothing, ReasonStateMatches, nil},
		{"state published unproxied, proxied asked", stWith(&off), true, Observed{}, &on, DecideUpdate, ReasonProxiedDiffers, &off},
		{"state published proxied, unproxied asked", stWith(&on), true, Observed{}, &off, DecideUpdate, ReasonProxiedDiffers, &on},
		{"state published what is asked", stWith(&on), true, Observed{}, &on, DecideNothing, ReasonStateMatches, &on},
		{"state does not say, proxied asked: read", stWith(nil), true, Observed{}, &on, DecideRead, ReasonProxiedUnknown, nil},
		{"state does not say, provider already proxies", stWith(nil), true, read(&on, time.Second), &on, DecideNothing, ReasonProviderMatches, &on},
		{"state does not say, provider does not proxy", stWith(nil), true, read(&off, 300*time.Second), &on, DecideUpdate, ReasonProxiedDiffers, &off},
		{"no state, provider does not proxy", RecordState{}, false, read(&off, 300*time.Second), &on, DecideUpdate, ReasonProxiedDiffers, &off},
		{"no state, provider proxies, unset: TTL 1 is Cloudflare's", RecordState{}, false, read(&on, time.Second), nil, DecideNothing, ReasonProviderMatches, &on},
		{"no state, provider proxies, unproxied asked", RecordState{}, false, read(&on, time.Second), &off, DecideUpdate, ReasonProxiedDiffers, &on},
		{"resync: proxy switched off by hand", with2(stWith(&on), func(s *RecordState) { s.ResyncedAt = time.Time{} }), true, read(&off, 300*time.Second), &on, DecideRepair, ReasonProxiedDiffers, &off},
		{"provider does not report it, state published it", with2(stWith(&on), func(s *RecordState) { s.ResyncedAt = time.Time{} }), true, read(nil, 300*time.Second), &on, DecideNothing, ReasonProviderMatches, nil},
		{"provider does not report it, state does not say", RecordState{}, false, read(nil, 300*time.Second), &on, DecideUpdate, ReasonProxiedDiffers, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decide(DecideInput{State: tt.st, HaveState: tt.haveSt, Provider: tt.obs, Want: want, WantProxied: tt.wantPx, Record: rec, Resync: 24 * time.Hour, Now: now})
			if d.Kind != tt.kind || d.Reason != tt.reason || !reflect.DeepEqual(d.CurrentProxied, tt.current) {
				t.Errorf("got %s (%s), current proxied %v; want %s (%s), current proxied %v",
					d.Kind, d.Reason, fmtProxied(d.CurrentProxied), tt.kind, tt.reason, fmtProxied(tt.current))
			}
		})
	}
}

func with2(s RecordState, f func(*RecordState)) RecordState { f(&s); return s }

func fmtProxied(p *bool) string {
	if p == nil {
		return "unknown"
	}
	return fmt.Sprint(*p)
}
