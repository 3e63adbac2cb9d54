package providertest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Provider is the shape of a provider adapter under test: the methods of
// providers.Provider with its record type as R. It is restated here because
// this package imports nothing of the module; providers.Provider satisfies
// Provider[providers.Record].
type Provider[R any] interface {
	Get(ctx context.Context, zone, name, typ string) ([]R, error)
	Set(ctx context.Context, rec R) error
}

// Suite describes one adapter and its fake for Conformance.
type Suite[R any] struct {
	// Fake is the API the adapter talks to; when it is also an HTTPFake,
	// the HTTP failure checks run too.
	Fake Fake
	// Zone is a zone Fake serves, such as "example.com".
	Zone string
	// New builds the adapter against Fake: with the credentials Fake
	// accepts when good is true, else with a wrong secret. Return the
	// adapter itself, not wrapped in providers.Guard (a panic must reach
	// the suite), with its retry waits shortened.
	New func(t *testing.T, good bool) Provider[R]
	// Secrets are the credential values given to New, good and wrong: no
	// error may contain one.
	Secrets []string
	// Record builds the record to Set; Value reads a record Get returned.
	Record func(zone, name, typ string, addr netip.Addr, ttl time.Duration) R
	Value  func(R) (netip.Addr, time.Duration)
	// The adapter's error classes, checked with errors.Is.
	ErrAuth, ErrNetwork, ErrUnsupported error

	// Reads: Get returns the records that exist. When false (dyndns2,
	// webhook) Get must fail with ErrUnsupported.
	Reads bool
	// SkipsEqual: a Set of the value and TTL already held sends no write.
	// Adapters that always send (an RFC 2136 update, a dyndns2 request)
	// are still checked to leave exactly one record.
	SkipsEqual bool
	// TTL: the protocol publishes the record's TTL (dyndns2's does not).
	TTL bool
	// Duplicates: Fake can hold several records of one name and type, so
	// the suite seeds two and checks that Set leaves one.
	Duplicates bool
	// NoCredentials: the adapter has none to get wrong (dryrun).
	NoCredentials bool
	// AnyBody: a 2xx answer is success whatever its body (a webhook), so
	// the malformed-reply check does not apply.
	AnyBody bool
	// MinTTL, when above the suite's TTLs, is the provider's smallest TTL
	// (NameSilo's and deSEC's 3600 s): the suite then sets MinTTL and twice
	// MinTTL, and a record the adapter writes must carry at least it.
	MinTTL time.Duration
}

// The TTLs the suite sets: both within every provider's limits (Alibaba
// Cloud and Tencent Cloud raise anything below 600 on free plans).
const (
	conformanceTTL       = 600 * time.Second
	conformanceTTLChange = 3600 * time.Second
)

// Conformance checks the Provider contract for one adapter, each rule as a
// subtest:
//   - Set creates a record that is absent (A and AAAA), with its TTL;
//   - Set of the value already held is not an error, leaves exactly that
//     record and, with SkipsEqual, writes nothing;
//   - Set of a new address leaves exactly one record of the name and type,
//     with the new address (old ones, duplicates too, are gone) and no
//     other name or type touched;
//   - a TTL-only change is published;
//   - Get returns what is there (or, for write-only adapters, ErrUnsupported);
//   - wrong credentials, and any HTTP 401 or 403, are ErrAuth and not
//     retried, and no error names a secret, even when the server's answer
//     echoes the request;
//   - an HTTP 5xx is retried, then reported as ErrNetwork;
//   - a malformed answer (cut-off JSON, an HTML page, binary garbage, an
//     empty body) is an error, never a panic and never a success.
func Conformance[R any](t *testing.T, s Suite[R]) {
	t.Helper()
	c := &conformance[R]{s: s}
	t.Run("create when absent", c.create)
	t.Run("no write when equal", c.equal)
	t.Run("update on change leaves one record", c.change)
	if s.TTL {
		t.Run("TTL change published", c.ttl)
	}
	t.Run("get", c.get)
	if !s.NoCredentials {
		t.Run("wrong credentials are an auth error", c.wrongCredentials)
	}
	if hf, ok := s.Fake.(HTTPFake); ok {
		t.Run("HTTP 401 and 403 are auth errors without secrets", func(t *testing.T) { c.httpAuth(t, hf) })
		t.Run("HTTP 5xx retried then reported", func(t *testing.T) { c.http5xx(t, hf) })
		if !s.AnyBody {
			t.Run("malformed answer is an error, not a panic", func(t *testing.T) { c.malformed(t, hf) })
		}
	}
}

type conformance[R any] struct{ s Suite[R] }

// ttl1 and ttl2 are the TTLs the suite sets: conformanceTTL and
// conformanceTTLChange, or the provider's minimum and twice it.
func (c *conformance[R]) ttl1() time.Duration {
	if c.s.MinTTL > conformanceTTL {
		return c.s.MinTTL
	}
	return conformanceTTL
}

func (c *conformance[R]) ttl2() time.Duration {
	if c.s.MinTTL > conformanceTTL {
		return 2 * c.s.MinTTL
	}
	return conformanceTTLChange
}

func (c *conformance[R]) fqdn(name string) string { return name + "." + c.s.Zone }

// set calls Set with a deadline, turning a panic into a test failure.
func (c *conformance[R]) set(t *testing.T, p Provider[R], name, typ, addr string, ttl time.Duration) (err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("Set %s %s %s panicked: %v", c.fqdn(name), typ, addr, r)
		}
	}()
	return p.Set(ctx, c.s.Record(c.s.Zone, name, typ, netip.MustParseAddr(addr), ttl))
}

func (c *conformance[R]) getRecords(t *testing.T, p Provider[R], name, typ string) (out []R, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("Get %s %s panicked: %v", c.fqdn(name), typ, r)
		}
	}()
	return p.Get(ctx, c.s.Zone, name, typ)
}

// want is what Values must report for one record: "ADDR TTL", with the TTL
// as 0 when the protocol carries none.
func (c *conformance[R]) want(addr string, ttl time.Duration) string {
	return c.seeded(addr, max(ttl, c.s.MinTTL))
}

// seeded is what Values reports for a record the suite seeded with ttl and
// the adapter did not write.
func (c *conformance[R]) seeded(addr string, ttl time.Duration) string {
	if !c.s.TTL {
		ttl = 0
	}
	return fmt.Sprintf("%s %d", addr, int(ttl/time.Second))
}

func (c *conformance[R]) expect(t *testing.T, name, typ string, want ...string) {
	t.Helper()
	if got := c.s.Fake.Values(c.fqdn(name), typ); !slices.Equal(got, want) {
		t.Fatalf("the fake holds %s %s = %q, want exactly %q", c.fqdn(name), typ, got, want)
	}
}

func (c *conformance[R]) noSecret(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range c.s.Secrets {
		if len(s) >= 4 && strings.Contains(err.Error(), s) {
			t.Errorf("the error names a secret: %v", err)
		}
	}
}

func (c *conformance[R]) create(t *testing.T) {
	p := c.s.New(t, true)
	for _, r := range []struct{ typ, addr string }{{"A", "192.0.2.10"}, {"AAAA", "2001:db8::10"}} {
		if err := c.set(t, p, "conf-create", r.typ, r.addr, c.ttl1()); err != nil {
			t.Fatalf("Set of an absent %s record: %v", r.typ, err)
		}
		c.expect(t, "conf-create", r.typ, c.want(r.addr, c.ttl1()))
	}
}

func (c *conformance[R]) equal(t *testing.T) {
	p := c.s.New(t, true)
	c.s.Fake.Seed(c.fqdn("conf-equal"), "A", "192.0.2.11", int(c.ttl1()/time.Second))
	c.s.Fake.Writes()
	if err := c.set(t, p, "conf-equal", "A", "192.0.2.11", c.ttl1()); err != nil {
		t.Fatalf("Set of the value already there: %v", err)
	}
	if n := c.s.Fake.Writes(); c.s.SkipsEqual && n != 0 {
		t.Errorf("Set of the value already there sent %d writes, want none", n)
	}
	c.expect(t, "conf-equal", "A", c.want("192.0.2.11", c.ttl1()))
}

func (c *conformance[R]) change(t *testing.T) {
	p := c.s.New(t, true)
	ttl := int(c.ttl1() / time.Second)
	c.s.Fake.Seed(c.fqdn("conf-change"), "A", "192.0.2.12", ttl)
	if c.s.Duplicates {
		c.s.Fake.Seed(c.fqdn("conf-change"), "A", "192.0.2.13", ttl)
	}
	c.s.Fake.Seed(c.fqdn("conf-change"), "AAAA", "2001:db8::12", ttl)
	c.s.Fake.Seed(c.fqdn("conf-change-other"), "A", "192.0.2.12", ttl)
	if err := c.set(t, p, "conf-change", "A", "192.0.2.14", c.ttl1()); err != nil {
		t.Fatalf("Set of a new address: %v", err)
	}
	c.expect(t, "conf-change", "A", c.want("192.0.2.14", c.ttl1()))
	c.expect(t, "conf-change", "AAAA", c.want("2001:db8::12", c.ttl1()))
	c.expect(t, "conf-change-other", "A", c.want("192.0.2.12", c.ttl1()))
	// And once more, from a single record.
	if err := c.set(t, p, "conf-change", "A", "192.0.2.15", c.ttl1()); err != nil {
		t.Fatalf("second Set of a new address: %v", err)
	}
	c.expect(t, "conf-change", "A", c.want("192.0.2.15", c.ttl1()))
}

func (c *conformance[R]) ttl(t *testing.T) {
	p := c.s.New(t, true)
	c.s.Fake.Seed(c.fqdn("conf-ttl"), "A", "192.0.2.16", int(c.ttl1()/time.Second))
	if err := c.set(t, p, "conf-ttl", "A", "192.0.2.16", c.ttl2()); err != nil {
		t.Fatalf("Set of a new TTL: %v", err)
	}
	c.expect(t, "conf-ttl", "A", c.want("192.0.2.16", c.ttl2()))
}

func (c *conformance[R]) get(t *testing.T) {
	p := c.s.New(t, true)
	if !c.s.Reads {
		_, err := c.getRecords(t, p, "conf-get", "A")
		if !errors.Is(err, c.s.ErrUnsupported) {
			t.Fatalf("Get of a write-only provider = %v, want an error that is ErrUnsupported", err)
		}
		return
	}
	c.s.Fake.Seed(c.fqdn("conf-get"), "A", "192.0.2.17", int(c.ttl1()/time.Second))
	got, err := c.getRecords(t, p, "conf-get", "A")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if len(got) != 1 {
		t.Fatalf("Get returned %d records, want 1", len(got))
	}
	if addr, ttl := c.s.Value(got[0]); addr != netip.MustParseAddr("192.0.2.17") || (c.s.TTL && ttl != c.ttl1()) {
		t.Fatalf("Get = %v TTL %v, want 192.0.2.17 TTL %v", addr, ttl, c.ttl1())
	}
	got, err = c.getRecords(t, p, "conf-get-absent", "A")
	if err != nil || len(got) != 0 {
		t.Fatalf("Get of an absent name = %d records, %v; want none and no error", len(got), err)
	}
}

func (c *conformance[R]) wrongCredentials(t *testing.T) {
	p := c.s.New(t, false)
	c.s.Fake.Writes()
	err := c.set(t, p, "conf-auth", "A", "192.0.2.18", c.ttl1())
	if !errors.Is(err, c.s.ErrAuth) {
		t.Fatalf("Set with wrong credentials = %v, want an error that is ErrAuth", err)
	}
	c.noSecret(t, err)
	if n := c.s.Fake.Writes(); n != 0 && c.s.Reads {
		t.Errorf("wrong credentials still reached %d writes", n)
	}
	c.expect(t, "conf-auth", "A")
}

// echo answers status with a body that repeats the request, as some error
// pages do: its URL, and every header value (credentials included). It
// keeps the basic-auth token it saw in basic, since that token is the
// password, base64-encoded.
func echo(status int, basic *lockedString) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Basic "); ok {
			basic.set(tok)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "request %s %s\n", r.Method, r.URL.String())
		for k, vs := range r.Header {
			fmt.Fprintf(&b, "%s: %s\n", k, strings.Join(vs, ", "))
		}
		if u, p, ok := r.BasicAuth(); ok {
			fmt.Fprintf(&b, "user %s password %s\n", u, p)
		}
		w.WriteHeader(status)
		w.Write([]byte(b.String()))
	}
}

func (c *conformance[R]) httpAuth(t *testing.T, hf HTTPFake) {
	p := c.s.New(t, true)
	var basic lockedString
	defer hf.Override(nil)
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		hf.Override(echo(status, &basic))
		err := c.set(t, p, "conf-http-auth", "A", "192.0.2.19", c.ttl1())
		if !errors.Is(err, c.s.ErrAuth) {
			t.Errorf("HTTP %d: Set = %v, want an error that is ErrAuth", status, err)
		}
		c.noSecret(t, err)
		if tok := basic.get(); tok != "" && err != nil && strings.Contains(err.Error(), tok) {
			t.Errorf("HTTP %d: the error shows the request's basic-auth token, which encodes the password: %v", status, err)
		}
		if n := hf.Overridden(); n != 1 {
			t.Errorf("HTTP %d: %d requests, want 1 (credentials do not get better by retrying)", status, n)
		}
	}
}

func (c *conformance[R]) http5xx(t *testing.T, hf HTTPFake) {
	p := c.s.New(t, true)
	defer hf.Override(nil)
	for _, status := range []int{http.StatusInternalServerError, http.StatusServiceUnavailable} {
		hf.Override(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "upstream unavailable", status)
		})
		err := c.set(t, p, "conf-http-5xx", "A", "192.0.2.20", c.ttl1())
		if !errors.Is(err, c.s.ErrNetwork) {
			t.Errorf("HTTP %d: Set = %v, want an error that is ErrNetwork", status, err)
		}
		if n := hf.Overridden(); n < 2 {
			t.Errorf("HTTP %d: %d request, want it retried", status, n)
		}
		c.noSecret(t, err)
	}
	hf.Override(nil)
	if err := c.set(t, p, "conf-http-5xx", "A", "192.0.2.20", c.ttl1()); err != nil {
		t.Fatalf("Set once the API is back: %v", err)
	}
	c.expect(t, "conf-http-5xx", "A", c.want("192.0.2.20", c.ttl1()))
}

func (c *conformance[R]) malformed(t *testing.T, hf HTTPFake) {
	p := c.s.New(t, true)
	defer hf.Override(nil)
	for _, body := range []string{`{"result": [{"id": `, "<html><body><h1>Welcome to nginx!</h1></body></html>", "\x00\xff\x1b[2Jgarbage", ""} {
		hf.Override(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(body))
		})
		if err := c.set(t, p, "conf-malformed", "A", "192.0.2.21", c.ttl1()); err == nil {
			t.Errorf("answer %q: Set succeeded, want an error", body)
		} else {
			c.noSecret(t, err)
		}
		if c.s.Reads {
			if _, err := c.getRecords(t, p, "conf-malformed", "A"); err == nil {
				t.Errorf("answer %q: Get succeeded, want an error", body)
			}
		}
	}
}

// lockedString is a string shared between a fake's handler and the test.
type lockedString struct {
	mu sync.Mutex
	s  string
}

func (l *lockedString) set(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.s = s
}

func (l *lockedString) get() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.s
}
