package ddns

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ddnsd/ddns/clock"
	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/dnsaddr"
	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/journal"
	"github.com/ddnsd/ddns/netprobe"
	"github.com/ddnsd/ddns/providers"
	"github.com/ddnsd/ddns/providers/spec"
	"github.com/hashicorp/go-hclog"
)

// Options are what New cannot read from the config.
type Options struct {
	// Logger receives the engine's log; nil discards it.
	Logger hclog.Logger
	// Registry builds the providers; nil means providers.Default().
	Registry *providers.Registry
	// Clock is the engine's time (resync, the run loop's timers); nil means
	// clock.System().
	Clock clock.Clock
	// StatePath overrides [updater] state_file and the per-user default
	// (DefaultStatePathFor the config's path).
	StatePath string
	// ConfigOrigin is the config file the loaded one stands for, when the
	// updater runs on the supervisor's last good copy (ipc.EnvConfigOrigin):
	// the default state file is keyed on it, not on the copy.
	ConfigOrigin string
	// HTTPClient is the base client of HTTP address sources, copied per
	// family (netprobe.FamilyClient); nil means a fresh one.
	HTTPClient *http.Client
	// Sources, when it has an entry for a family, replaces the sources the
	// config lists for it (tests, programs embedding the engine).
	Sources map[netprobe.Family][]netprobe.Source
	// Resolver finds a zone's authoritative servers for records with
	// verify = "authoritative"; nil means net.DefaultResolver.
	Resolver *net.Resolver
	// AuthoritativePort is the port those servers are asked on; "" means
	// 53 (tests run servers on other ports).
	AuthoritativePort string
	// LockState takes the state file's lock (LockState) before New reads
	// the state, so that one updater at most runs on a state; Close
	// releases it. Another holder fails New; a lock that cannot be made
	// at all (a read-only folder) is logged and the engine runs without
	// it. A dry run, which writes nothing, goes without.
	LockState bool
}

// Engine keeps a config's records pointed at this machine's addresses. Build
// it with New. Passes are serialized; status methods are safe to call from
// any goroutine.
type Engine struct {
	cfg       *configs.Config
	log       hclog.Logger
	clock     clock.Clock
	statePath string
	unlock    func() error // releases the state file's lock; nil when not taken
	detectors map[netprobe.Family]*netprobe.Detector
	providers map[string]providers.Provider
	// proxied is each account's proxied key, for the accounts whose
	// records take proxied and that set it (see wantedProxied).
	proxied   map[string]bool
	records   []configs.Record
	watchable bool // an interface source is configured
	routerSrc bool // a upnp or natpmp source is configured: its router may announce changes
	auth      *authChecker

	passMu sync.Mutex // one pass at a time; guards state and passes
	state  *State
	dirty  bool // state must be written even if no record changes (it was unusable)
	passes int

	mu     sync.Mutex // guards status
	status []recordStatus

	// journal is the address journal, opened when the state's lock is
	// taken (nil otherwise); fails its repeated failures (failMu).
	journal *journal.Journal
	failMu  sync.Mutex
	fails   map[string]*failNote
	// journalDown: the journal's last write failed, and the log said so
	// once (journalErr).
	journalDown journalDown
}

// recordStatus is one record's last result, for reports.
type recordStatus struct {
	address   netip.Addr
	syncedAt  time.Time
	changedAt time.Time
	err       error
}

// New builds the engine for cfg: one address detector per family, one
// provider per [providers.NAME] table, the records, and the state file
// (loaded now; an unusable one is logged and rebuilt by the first pass).
// Provider settings a constructor refuses come back as configs.Errors
// located at the provider's table ("file: providers.NAME: message"), so the
// caller treats them like any config error.
func New(cfg *configs.Config, opts Options) (*Engine, error) {
	log := opts.Logger
	if log == nil {
		log = hclog.NewNullLogger()
	}
	clk := opts.Clock
	if clk == nil {
		clk = clock.System()
	}
	reg := opts.Registry
	if reg == nil {
		reg = providers.Default()
	}
	file := configs.DisplayName(cfg.Path)
	e := &Engine{cfg: cfg, log: log, clock: clk, records: cfg.Records,
		detectors: map[netprobe.Family]*netprobe.Detector{}, providers: map[string]providers.Provider{}}
	e.auth = &authChecker{resolver: opts.Resolver, port: cmp.Or(opts.AuthoritativePort, dnsaddr.DefaultPort),
		timeout: cmp.Or(cfg.Updater.Timeout.Duration, providers.DefaultTimeout), attempts: authAttempts, schedule: authSchedule}

	var errs configs.Errors
	names := make([]string, 0, len(cfg.Providers))
	for n := range cfg.Providers {
		names = append(names, n)
	}
	sort.Strings(names)
	e.proxied = map[string]bool{}
	recordKeys := spec.Default()
	for _, n := range names {
		cp := cfg.Providers[n]
		if b, ok := cp.Params["proxied"].(bool); ok && slices.Contains(recordKeys.RecordKeys(cp.Type), "proxied") {
			e.proxied[n] = b
		}
		env := providers.Env{Name: cp.Name, Endpoint: cp.Endpoint, Logger: log.Named("provider"), Timeout: cfg.Updater.Timeout.Duration}
		p, err := reg.New(cp.Type, env, providers.Params(cp.Params))
		if err != nil {
			// The error is located at the account's table, which already
			// names it: the refusal alone follows.
			msg := err.Error()
			if se := (*providers.SettingsError)(nil); errors.As(err, &se) {
				msg = se.Err.Error()
			}
			errs = append(errs, &configs.FieldError{File: file, Pos: cfg.Pos("providers." + n), Key: "providers." + n, Msg: msg})
			continue
		}
		e.providers[n] = p
	}
	for i, r := range cfg.Records {
		if _, ok := cfg.Providers[r.Provider]; !ok {
			errs = append(errs, &configs.FieldError{File: file, Key: fmt.Sprintf("records.%d.provider", i), Msg: fmt.Sprintf("no provider named %q is defined", r.Provider)})
		}
	}

	for _, fam := range []netprobe.Family{netprobe.IPv4, netprobe.IPv6} {
		if !e.needs(fam) {
			continue
		}
		list, key := cfg.IP.V4, "ip.v4"
		if fam == netprobe.IPv6 {
			list, key = cfg.IP.V6, "ip.v6"
		}
		for _, s := range list {
			if s.Type == "interface" {
				e.watchable = true
			}
			if s.Type == "upnp" || s.Type == "natpmp" {
				e.routerSrc = true
			}
		}
		srcs, ok := opts.Sources[fam]
		if !ok {
			for _, s := range list {
				src, err := buildSource(s, fam, opts.HTTPClient)
				if err != nil {
					errs = append(errs, &configs.FieldError{File: file, Pos: cfg.Pos(key), Key: key, Msg: err.Error()})
					continue
				}
				srcs = append(srcs, src)
			}
			if len(list) == 0 && cfg.IP.Defaults {
				srcs = netprobe.DefaultSources(fam, opts.HTTPClient)
			}
		}
		if len(srcs) == 0 {
			errs = append(errs, &configs.FieldError{File: file, Pos: cfg.Pos(key), Key: key, Msg: fmt.Sprintf("records of type %s need an %v address source, but %s is empty and [ip] defaults = false", fam.RecordType(), fam, key)})
			continue
		}
		e.detectors[fam] = &netprobe.Detector{Sources: srcs, Quorum: cfg.IP.Quorum, AllowPrivate: cfg.IP.AllowPrivate,
			Clock: clk, Logger: log.Named("detect")}
	}
	if len(errs) > 0 {
		return nil, errs
	}

	e.statePath = opts.StatePath
	if e.statePath == "" {
		e.statePath = cfg.Updater.StateFile
	}
	if e.statePath == "" {
		key := cfg.Path
		if opts.ConfigOrigin != "" {
			key = opts.ConfigOrigin
		}
		p, err := DefaultStatePathFor(key)
		if err != nil {
			return nil, err
		}
		e.statePath = p
	}
	if opts.LockState {
		// Before anything touches the state: the temporaries removed
		// below may be another updater's write in progress.
		unlock, err := LockState(e.statePath)
		switch {
		case errors.Is(err, ErrStateInUse):
			return nil, err
		case err != nil:
			// A folder that cannot hold the lock (read-only, full of
			// inodes) cannot hold the state either: the pass still
			// publishes, and the save's failure is reported then.
			log.Warn("running without the state file's lock", "error", err)
		default:
			e.unlock = unlock
		}
		e.openJournal()
	}
	for _, m := range removeStaleTemps(e.statePath) {
		log.Info("removed a temporary state file left by an interrupted write", "file", m)
	}
	st, err := LoadState(e.statePath)
	if err != nil {
		log.Warn("state file unusable; rebuilding it from the providers' records", "file", e.statePath, "error", err)
		e.dirty = true
	}
	e.state = st
	e.status = make([]recordStatus, len(cfg.Records))
	return e, nil
}

func buildSource(s configs.Source, fam netprobe.Family, client *http.Client) (netprobe.Source, error) {
	switch s.Type {
	case "http":
		return netprobe.NewHTTPSource(s.URL, netprobe.FamilyClient(client, fam)), nil
	case "dns":
		return netprobe.NewDNSSource(s.Server, s.Name, s.QType, s.Class), nil
	case "interface":
		sel, err := interfaceSelector(s)
		if err != nil {
			return nil, err
		}
		return netprobe.NewInterfaceSourceWith(s.Name, sel), nil
	case "command":
		return netprobe.NewCommandSource(s.Command), nil
	case "upnp":
		return netprobe.NewUPnPSource(s.URL), nil
	case "natpmp":
		return netprobe.NewNATPMPSource(s.Gateway)
	}
	return nil, fmt.Errorf("unknown address source type %q", s.Type)
}

// interfaceSelector turns an interface source's selector keys, which
// configs has validated, into netprobe's form.
func interfaceSelector(s configs.Source) (netprobe.InterfaceSelector, error) {
	sel := netprobe.InterfaceSelector{PrefixLength: s.PrefixLength}
	var err error
	if s.Index != nil {
		sel.Index = *s.Index
	}
	if s.Match != "" {
		if sel.Match, err = regexp.Compile(s.Match); err != nil {
			return sel, fmt.Errorf("interface source match %q: %w", s.Match, err)
		}
	}
	if s.Prefix != "" {
		if sel.Prefix, err = netip.ParsePrefix(s.Prefix); err != nil {
			return sel, fmt.Errorf("interface source prefix: %w", err)
		}
	}
	if s.Suffix != "" {
		if sel.Suffix, err = netip.ParseAddr(s.Suffix); err != nil {
			return sel, fmt.Errorf("interface source suffix: %w", err)
		}
	}
	return sel, nil
}

// needs reports whether some record holds an address of family fam.
func (e *Engine) needs(fam netprobe.Family) bool {
	for _, r := range e.records {
		if r.Type == fam.RecordType() {
			return true
		}
	}
	return false
}

// familyOf is the family a record type holds.
func familyOf(typ string) netprobe.Family {
	if strings.EqualFold(typ, "AAAA") {
		return netprobe.IPv6
	}
	return netprobe.IPv4
}

// Close releases the state file's lock, when New took it. Safe to call more
// than once.
func (e *Engine) Close() error {
	if e.unlock == nil {
		return nil
	}
	return e.unlock()
}

// StatePath is the state file this engine reads and writes.
func (e *Engine) StatePath() string { return e.statePath }

// Watchable reports whether an interface address source is configured, so
// that address-change events from the kernel are worth a pass.
func (e *Engine) Watchable() bool { return e.watchable }

// Action is what a pass did with one record.
type Action string

// The actions of a pass.
const (
	// ActionUnchanged: the record already held the wanted address.
	ActionUnchanged Action = "unchanged"
	// ActionUpdated: the record was set to the wanted address.
	ActionUpdated Action = "updated"
	// ActionRepaired: the state said the record was right but the provider
	// held something else (edited by hand); it was set again.
	ActionRepaired Action = "repaired"
	// ActionFailed: the record could not be checked or set; see Err.
	ActionFailed Action = "failed"
	// ActionSkipped: the pass was stopped before the record's turn.
	ActionSkipped Action = "skipped"
)

// RecordResult is one record's outcome in a pass.
type RecordResult struct {
	Name     string // fully qualified, no trailing dot
	Type     string // "A" or "AAAA"
	Provider string // the [providers.NAME] account
	// Previous is what the record held before, when known: from the state
	// file, or from the provider when it was read.
	Previous netip.Addr
	Address  netip.Addr // the wanted address (invalid when detection failed)
	Action   Action
	Err      error
	Took     time.Duration
}

// PassResult is what a pass did.
type PassResult struct {
	Started  time.Time
	Took     time.Duration
	Records  []RecordResult
	Changed  int // records updated or repaired
	Failed   int
	StateErr error // the state file could not be written
}

// Err joins every record's error and the state file's, or is nil.
func (r *PassResult) Err() error {
	var errs []error
	for _, rr := range r.Records {
		if rr.Err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", rr.Name, rr.Type, rr.Err))
		}
	}
	if r.StateErr != nil {
		errs = append(errs, r.StateErr)
	}
	return errors.Join(errs...)
}

// Code is the pass's exit code (see ExitCodeFor).
func (r *PassResult) Code() ipc.ExitCode { return ExitCodeFor(r.Err()) }

// allFailed reports whether every record failed with an error of class code.
func (r *PassResult) allFailed(code ipc.ExitCode) bool {
	if len(r.Records) == 0 {
		return false
	}
	for _, rr := range r.Records {
		if rr.Err == nil || ExitCodeFor(rr.Err) != code {
			return false
		}
	}
	return true
}

// Summary is the pass in one line: "1 record, 0 changed, 0 failed in 3ms".
func (r *PassResult) Summary() string {
	noun := "records"
	if len(r.Records) == 1 {
		noun = "record"
	}
	return fmt.Sprintf("%d %s, %d changed, %d failed in %s", len(r.Records), noun, r.Changed, r.Failed, roundDur(r.Took))
}

func roundDur(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Microsecond)
}

// detectAll finds the address of every needed family, concurrently.
func (e *Engine) detectAll(ctx context.Context) (map[netprobe.Family]netip.Addr, map[netprobe.Family]error) {
	addrs := map[netprobe.Family]netip.Addr{}
	errs := map[netprobe.Family]error{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for fam, d := range e.detectors {
		wg.Go(func() {
			res, err := d.Detect(ctx, fam)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs[fam] = err
				return
			}
			addrs[fam] = res.Addr
		})
	}
	wg.Wait()
	return addrs, errs
}

// job is one record's turn in a pass.
type job struct {
	i         int
	rec       configs.Record
	key       string
	want      netip.Addr
	proxied   *bool // the proxied setting enforced (wantedProxied)
	st        RecordState
	haveSt    bool
	res       RecordResult
	newSt     RecordState
	changed   bool // newSt differs from st
	journaled bool // its outcome is in the journal
}

// forEachByProvider runs f for every job, at most conc at once per
// provider account. Once ctx ends, jobs not yet started are marked skipped.
func forEachByProvider(ctx context.Context, jobs []*job, conc int, f func(*job)) {
	byProv := map[string][]*job{}
	for _, j := range jobs {
		byProv[j.rec.Provider] = append(byProv[j.rec.Provider], j)
	}
	conc = max(conc, 1)
	var wg sync.WaitGroup
	for _, list := range byProv {
		ch := make(chan *job)
		for range min(conc, len(list)) {
			wg.Go(func() {
				for j := range ch {
					if ctx.Err() != nil {
						j.res.Action, j.res.Err = ActionSkipped, fmt.Errorf("not handled: the updater is stopping (%w)", ctx.Err())
						continue
					}
					f(j)
				}
			})
		}
		wg.Go(func() {
			defer close(ch)
			for _, j := range list {
				ch <- j
			}
		})
	}
	wg.Wait()
}

// Pass runs one update pass (see the package doc). When ctx ends, provider
// calls already started finish (each is bounded by [updater] timeout), no
// new record is started, and the state of the finished ones is saved.
func (e *Engine) Pass(ctx context.Context) *PassResult {
	e.passMu.Lock()
	defer e.passMu.Unlock()
	start := e.clock.Now()
	wall := time.Now()
	first := e.passes == 0
	e.passes++
	e.log.Info("pass started", "records", len(e.records))

	addrs, derrs := e.detectAll(ctx)
	for fam, err := range derrs {
		e.log.Error("cannot detect the address", "family", fam.String(), "error", err)
	}
	// Provider calls outlive ctx: a stop request lets them finish.
	callCtx := context.WithoutCancel(ctx)
	jobs := make([]*job, len(e.records))
	for i, r := range e.records {
		j := &job{i: i, rec: r, key: RecordKey(r.FQDN(), r.Type), proxied: e.wantedProxied(r)}
		j.st, j.haveSt = e.state.Records[j.key]
		j.res = RecordResult{Name: r.FQDN(), Type: r.Type, Provider: r.Provider}
		if j.haveSt {
			j.res.Previous, _ = netip.ParseAddr(j.st.Address)
		}
		fam := familyOf(r.Type)
		if err := derrs[fam]; err != nil {
			j.res.Action, j.res.Err = ActionFailed, err
		} else {
			j.want = addrs[fam]
			j.res.Address = j.want
		}
		jobs[i] = j
	}
	var todo []*job
	for _, j := range jobs {
		if j.res.Err == nil {
			todo = append(todo, j)
		}
	}
	forEachByProvider(ctx, todo, e.cfg.Updater.Concurrency, func(j *job) {
		e.syncRecord(callCtx, j, start)
		e.journalJob(j)
	})

	res := &PassResult{Started: start, Records: make([]RecordResult, len(jobs))}
	changedState := e.dirty
	keep := make(map[string]bool, len(jobs))
	for i, j := range jobs {
		keep[j.key] = true
		res.Records[i] = j.res
		switch j.res.Action {
		case ActionUpdated, ActionRepaired:
			res.Changed++
		case ActionFailed, ActionSkipped:
			res.Failed++
		}
		if j.changed {
			e.state.Records[j.key] = j.newSt
			changedState = true
		}
		e.logRecord(j.res, first)
		e.journalJob(j) // a record whose address could not be detected
	}
	e.flushJournal()
	for k := range e.state.Records {
		if !keep[k] {
			delete(e.state.Records, k) // a record no longer in the config
			changedState = true
		}
	}
	if changedState {
		if err := e.state.Save(e.statePath); err != nil {
			res.StateErr = err
			e.dirty = true // the records in memory are not on disk yet
			e.log.Error("cannot save the state; the next pass will check the providers again", "error", err)
		} else {
			e.dirty = false
		}
	}
	e.noteStatus(res, start)
	res.Took = time.Since(wall)
	e.log.Info("pass finished: " + res.Summary())
	return res
}

// decideInput is what Decide needs for j, before the provider is read.
func (e *Engine) decideInput(j *job, now time.Time) DecideInput {
	return DecideInput{State: j.st, HaveState: j.haveSt, Want: j.want, WantProxied: j.proxied, Record: j.rec,
		Resync: e.cfg.Updater.Resync.Duration, Now: now}
}

// wantedProxied is the Cloudflare proxied setting a pass enforces on r: the
// record's own, else its account's proxied key (for a provider type whose
// records take proxied), else nil, which leaves the record as the provider
// has it.
func (e *Engine) wantedProxied(r configs.Record) *bool {
	if r.Proxied != nil {
		return r.Proxied
	}
	if b, ok := e.proxied[r.Provider]; ok {
		return &b
	}
	return nil
}

// decide is Decide for j, reading the provider when the decision needs it.
// The read changes nothing, so Plan and Pass both call this.
func (e *Engine) decide(ctx context.Context, j *job, now time.Time) Decision {
	in := e.decideInput(j, now)
	d := Decide(in)
	if d.Kind == DecideRead {
		have, err := e.providers[j.rec.Provider].Get(ctx, j.rec.Zone, j.rec.Name, j.rec.Type)
		in.Provider = Observed{Read: true, Records: have, Err: err}
		d = Decide(in)
	}
	return d
}

// syncRecord brings one record to j.want by applying its Decision.
func (e *Engine) syncRecord(ctx context.Context, j *job, now time.Time) {
	t0 := time.Now()
	defer func() { j.res.Took = time.Since(t0) }()
	r := j.rec
	d := e.decide(ctx, j, now)
	j.res.Previous = d.Current
	switch d.Kind {
	case DecideNothing:
		j.res.Action = ActionUnchanged
		if d.FromProvider {
			// The comparison is recorded, so the next is a resync away.
			j.newSt = RecordState{Address: j.want.String(), Provider: r.Provider, TTL: r.TTL, Proxied: j.proxied, SyncedAt: now,
				ChangedAt: j.st.ChangedAt, ResyncedAt: now}
			j.changed = true
		}
		return
	case DecideFail:
		j.res.Action, j.res.Err = ActionFailed, d.Err
		return
	}
	action := ActionUpdated
	if d.Kind == DecideRepair {
		action = ActionRepaired
	}
	err := e.providers[r.Provider].Set(ctx, providers.Record{Zone: r.Zone, Name: r.Name, Type: r.Type, Addr: j.want, TTL: time.Duration(r.TTL) * time.Second, Proxied: j.proxied})
	if err != nil {
		j.res.Action, j.res.Err = ActionFailed, err
		return
	}
	// A provider's "done" is not proof (BIND and Knot answer NOERROR to an
	// address beside a CNAME and drop it): the state records only what a
	// read-back shows, so a write that did not take is tried again.
	if err := e.verifyWrite(ctx, j); err != nil {
		j.res.Action, j.res.Err = ActionFailed, err
		return
	}
	j.res.Action = action
	changedAt := j.st.ChangedAt
	if j.res.Previous != j.want || changedAt.IsZero() {
		changedAt = now
	}
	j.newSt = RecordState{Address: j.want.String(), Provider: r.Provider, TTL: r.TTL, Proxied: j.proxied, SyncedAt: now, ChangedAt: changedAt, ResyncedAt: now}
	j.changed = true
}

func addrOrWord(a netip.Addr, word string) string {
	if a.IsValid() {
		return a.String()
	}
	return word
}

// logRecord writes the per-record line. Unchanged records are logged at
// info on the first pass, so a person starting the updater sees every
// record's state, and at debug afterwards, so a quiet pass stays quiet.
func (e *Engine) logRecord(r RecordResult, first bool) {
	who := r.Name + " " + r.Type
	switch r.Action {
	case ActionUnchanged:
		lvl := hclog.Debug
		if first {
			lvl = hclog.Info
		}
		e.log.Log(lvl, fmt.Sprintf("%s: %s (unchanged)", who, r.Address))
	case ActionUpdated:
		e.log.Info(fmt.Sprintf("%s: updated %s → %s in %s", who, addrOrWord(r.Previous, "none"), r.Address, roundDur(r.Took)), "provider", r.Provider)
	case ActionRepaired:
		e.log.Warn(fmt.Sprintf("%s: repaired %s → %s in %s (the record was changed outside the updater)", who, addrOrWord(r.Previous, "none"), r.Address, roundDur(r.Took)), "provider", r.Provider)
	case ActionFailed, ActionSkipped:
		e.log.Error(fmt.Sprintf("%s: %s", who, r.Action), "provider", r.Provider, "error", r.Err)
	}
}

// noteStatus keeps each record's latest result for reports.
func (e *Engine) noteStatus(res *PassResult, now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, rr := range res.Records {
		s := &e.status[i]
		s.err = rr.Err
		if rr.Err != nil {
			continue
		}
		s.address = rr.Address
		s.syncedAt = now
		if st, ok := e.state.Records[RecordKey(rr.Name, rr.Type)]; ok {
			s.changedAt = st.ChangedAt
		}
	}
}

// Records returns each record's latest state, as sent in reports.
func (e *Engine) Records() []ipc.RecordStatus {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]ipc.RecordStatus, len(e.records))
	for i, r := range e.records {
		s := e.status[i]
		rs := ipc.RecordStatus{Name: r.FQDN(), Type: r.Type, Provider: r.Provider,
			SyncedAt: ipc.TimeOf(s.syncedAt), ChangedAt: ipc.TimeOf(s.changedAt)}
		if s.address.IsValid() {
			rs.Address = s.address.String()
		}
		if s.err != nil {
			rs.Error = s.err.Error()
		}
		out[i] = rs
	}
	return out
}

// Report is the heartbeat sent to the supervisor: this process and every
// record's latest state.
func (e *Engine) Report() ipc.Report {
	return ipc.Report{PID: os.Getpid(), At: e.clock.Now(), Records: e.Records()}
}
