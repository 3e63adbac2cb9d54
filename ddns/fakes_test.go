package ddns

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ddnsd/ddns/clock"
	"github.com/ddnsd/ddns/clock/clocktest"
	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/netprobe"
	"github.com/ddnsd/ddns/providers"
	"github.com/hashicorp/go-hclog"

	"github.com/ddnsd/ddns/testsupport/linebuf"
)

// fakeProvider holds records in memory and counts calls. Errors can be set
// per record ("fqdn/TYPE") or for all of them.
type fakeProvider struct {
	mu      sync.Mutex
	recs    map[string]netip.Addr
	gets    int
	sets    int
	errFor  map[string]error
	errAll  error
	noRead  bool                     // Get returns ErrUnsupported
	entered chan struct{}            // when not nil, each Set sends here first ...
	release chan struct{}            // ... and then waits here
	setCh   chan netip.Addr          // when not nil, gets each successful Set's address (never blocks)
	ttl     time.Duration            // the TTL Get reads back; 0 means 300 s
	extra   map[string][]netip.Addr  // more records Get returns beside recs (duplicates); Set clears them
	setTTL  map[string]time.Duration // the TTL of each record's last successful Set
	drops   bool                     // Set answers success and keeps nothing, as BIND does beside a CNAME
	proxied map[string]*bool         // the Proxied of each record's last Set
	// reportPx: Get reports each record's proxied flag (held), as
	// Cloudflare's adapter does; a Set that asks one changes it.
	reportPx bool
	held     map[string]bool
}

func newFakeProvider() *fakeProvider {
	return &fakeProvider{recs: map[string]netip.Addr{}, errFor: map[string]error{}}
}

func (f *fakeProvider) Get(ctx context.Context, zone, name, typ string) ([]providers.Record, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets++
	key := RecordKey(providers.Record{Zone: zone, Name: name}.FQDN(), typ)
	if f.noRead {
		return nil, fmt.Errorf("fake: %w", providers.ErrUnsupported)
	}
	if err := f.failure(key); err != nil {
		return nil, err
	}
	ttl := f.ttl
	if ttl == 0 {
		ttl = 300 * time.Second
	}
	var out []providers.Record
	if a, ok := f.recs[key]; ok {
		out = append(out, providers.Record{Zone: zone, Name: name, Type: typ, Addr: a, TTL: ttl})
		if f.reportPx {
			p := f.held[key]
			out[0].Proxied = &p
		}
	}
	for _, a := range f.extra[key] {
		out = append(out, providers.Record{Zone: zone, Name: name, Type: typ, Addr: a, TTL: ttl})
	}
	return out, nil
}

func (f *fakeProvider) Set(ctx context.Context, rec providers.Record) error {
	if f.entered != nil {
		f.entered <- struct{}{}
		<-f.release
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sets++
	key := RecordKey(rec.FQDN(), rec.Type)
	if f.proxied == nil {
		f.proxied = map[string]*bool{}
	}
	f.proxied[key] = rec.Proxied
	if err := f.failure(key); err != nil {
		return err
	}
	if f.drops {
		return nil
	}
	f.recs[key] = rec.Addr
	delete(f.extra, key)
	if rec.Proxied != nil {
		if f.held == nil {
			f.held = map[string]bool{}
		}
		f.held[key] = *rec.Proxied
	}
	if f.setTTL == nil {
		f.setTTL = map[string]time.Duration{}
	}
	f.setTTL[key] = rec.TTL
	if f.setCh != nil {
		select {
		case f.setCh <- rec.Addr:
		default:
		}
	}
	return nil
}

func (f *fakeProvider) failure(key string) error {
	if f.errAll != nil {
		return f.errAll
	}
	return f.errFor[key]
}

// calls returns and resets the call counters.
func (f *fakeProvider) calls() (gets, sets int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	gets, sets = f.gets, f.sets
	f.gets, f.sets = 0, 0
	return gets, sets
}

func (f *fakeProvider) get(key string) netip.Addr {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.recs[key]
}

func (f *fakeProvider) put(key string, a netip.Addr) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.recs[key] = a
}

// fakeRegistry serves the fakes by account name, as type "fake".
func fakeRegistry(byName map[string]*fakeProvider) *providers.Registry {
	return providers.NewRegistry(providers.Spec{Type: "fake", New: func(env providers.Env, p providers.Params) (providers.Provider, error) {
		f, ok := byName[env.Name]
		if !ok {
			return nil, fmt.Errorf("no fake named %q", env.Name)
		}
		return f, nil
	}})
}

// fakeSource answers with whatever address (or error) it is told.
type fakeSource struct {
	mu   sync.Mutex
	addr netip.Addr
	err  error
}

func (s *fakeSource) Name() string { return "fake source" }

func (s *fakeSource) Detect(ctx context.Context, fam netprobe.Family) (netip.Addr, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr, s.err
}

func (s *fakeSource) set(a string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addr, s.err = netip.MustParseAddr(a), nil
}

// fakeClock is the shared clocktest.Fake, plus an announcement of every
// timer armed, so a test can wait until the code under test is waiting for
// a timer of a given length before it advances the time.
type fakeClock struct {
	*clocktest.Fake
	afters chan time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{Fake: clocktest.New(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)), afters: make(chan time.Duration, 1000)}
}

// NewTimer arms a fake timer and announces its length.
func (c *fakeClock) NewTimer(d time.Duration) clock.Timer {
	t := c.Fake.NewTimer(d)
	select {
	case c.afters <- d:
	default:
	}
	return t
}

// waitAfter waits until the code under test asks for a timer of d.
func (c *fakeClock) waitAfter(t *testing.T, d time.Duration) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case got := <-c.afters:
			if got == d {
				return
			}
		case <-deadline:
			t.Fatalf("nobody asked for a %s timer within 10s", d)
		}
	}
}

// testConfig parses a config for the fakes. records lists "name zone TYPE provider".
func testConfig(t testing.TB, extra string, records ...string) *configs.Config {
	t.Helper()
	var b strings.Builder
	b.WriteString("[updater]\ninterval = \"1m\"\nresync = \"24h\"\nnetwork_grace = \"10m\"\nconcurrency = 4\n")
	b.WriteString("[ip]\nv4 = [{ type = \"interface\", name = \"fake0\" }]\nv6 = [{ type = \"interface\", name = \"fake0\" }]\ndefaults = false\n")
	b.WriteString(extra)
	provs := map[string]bool{}
	for _, r := range records {
		f := strings.Fields(r)
		fmt.Fprintf(&b, "[[records]]\nname = %q\nzone = %q\ntype = %q\nprovider = %q\n", f[0], f[1], f[2], f[3])
		provs[f[3]] = true
	}
	for p := range provs {
		fmt.Fprintf(&b, "[providers.%s]\ntype = \"fake\"\n", p)
	}
	cfg, err := configs.Parse("test.toml", []byte(b.String()), configs.Options{})
	if err != nil {
		t.Fatalf("test config: %v\n%s", err, b.String())
	}
	return cfg
}

// rig is an engine wired to fakes.
type rig struct {
	eng   *Engine
	clock *fakeClock
	src4  *fakeSource
	src6  *fakeSource
	provs map[string]*fakeProvider
	path  string
	logs  *linebuf.Buffer
}

func newRig(t testing.TB, cfg *configs.Config, statePath string) *rig {
	t.Helper()
	r := &rig{clock: newFakeClock(), src4: &fakeSource{}, src6: &fakeSource{}, provs: map[string]*fakeProvider{}, path: statePath, logs: &linebuf.Buffer{}}
	r.src4.set("11.22.33.44")
	r.src6.set("2001:4860:1::5")
	for n := range cfg.Providers {
		r.provs[n] = newFakeProvider()
	}
	eng, err := New(cfg, Options{
		Logger:    hclog.New(&hclog.LoggerOptions{Output: r.logs, Level: hclog.Debug}),
		Registry:  fakeRegistry(r.provs),
		Clock:     r.clock,
		StatePath: statePath,
		Sources:   map[netprobe.Family][]netprobe.Source{netprobe.IPv4: {r.src4}, netprobe.IPv6: {r.src6}},
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	r.eng = eng
	return r
}
