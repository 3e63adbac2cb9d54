// Package dnsserver starts real authoritative DNS servers for tests of
// RFC 2136 updates: BIND 9 (`named -g`), Knot DNS (`knotd`) and PowerDNS
// (`pdns_server` with its gsqlite3 backend), each in a temporary folder of
// its own, on a free loopback port, with one zone and TSIG keys allowed to
// update it. It is Linux test support: the Debian packages bind9, knot and
// pdns-server with pdns-backend-sqlite3 provide the servers (.ci/run
// installs them).
//
// Every server is the test's own instance, started from a config written
// here; a packaged system service, if one runs, is never touched or used.
//
// Start returns once the server answers a SOA query for the zone (a log
// line alone is not enough: BIND with its default worker threads answers
// SERVFAIL for a few milliseconds after it logs "all zones loaded").
// Options.UntilLoaded returns at that log line instead, for tests of what a
// client does in that window.
//
// A server that is not installed skips the test, except under CI=true,
// where it fails it: a CI run must prove the real-server cases, not skip
// them.
//
// Like package providertest, this package imports nothing from the module,
// so that package providers' own tests can use it; a *Server satisfies
// providertest.Fake.
package dnsserver

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// Kind names a server implementation.
type Kind string

// The servers this package runs.
const (
	BIND     Kind = "bind"
	Knot     Kind = "knot"
	PowerDNS Kind = "powerdns"
)

// Kinds lists every server, for tests that run against each.
var Kinds = []Kind{BIND, Knot, PowerDNS}

// Zone is the zone every server serves.
const Zone = "example.test"

// Key is a TSIG key as the provider's config takes it.
type Key struct {
	Name      string // e.g. "ddns-key"
	Algorithm string // e.g. "hmac-sha256"
	Secret    string // base64
}

// Options change how a server is started. The zero value is the usual test
// server.
type Options struct {
	// Records are extra zone-file lines (names relative to the zone), such
	// as "alias IN CNAME ns". The zone always has its SOA, an NS record
	// and ns IN A 127.0.0.1.
	Records string
	// UntilLoaded makes Start return as soon as the server logs that it
	// loaded its zones, without waiting for it to answer.
	UntilLoaded bool
	// Workers sets BIND's worker threads (named -n); 0 leaves named's
	// default, with which it answers SERVFAIL for a moment after loading.
	Workers int
	// Unloaded (BIND and Knot) starts the server with a zone file it
	// cannot parse, so it serves no data for the zone and answers SERVFAIL
	// until LoadZone, as a server does that is still loading or whose zone
	// file is broken. Start returns once the server runs.
	Unloaded bool
}

// Server is one running DNS server, killed at the test's cleanup.
type Server struct {
	Kind Kind
	Addr string // 127.0.0.1:PORT, UDP and TCP
	Zone string // Zone
	Dir  string // the server's own folder: config, zone, database, journal

	// UpdateKey (hmac-sha256) and SHA512Key (hmac-sha512) may update any
	// name in the zone. OutsideKey is known to the server but not allowed
	// to update (outside the ACL, the update-policy or the zone's
	// TSIG-ALLOW-DNSUPDATE).
	UpdateKey, SHA512Key, OutsideKey Key

	log    *logBuffer
	exited chan struct{}
	exitMu sync.Mutex
	exit   error

	ctlArgs []string // the server's control tool and its first arguments

	records  string     // Options.Records, for LoadZone
	t        testing.TB // the test that started the server, for the Fake methods
	serialMu sync.Mutex
	serial   uint32 // SOA serial at the last Writes call
}

// logBuffer keeps a server's output for a failing test's message, and
// tells waiters when a line containing a word has appeared.
type logBuffer struct {
	mu      sync.Mutex
	lines   []string
	waiters []logWaiter
}

type logWaiter struct {
	word string
	ch   chan struct{}
}

func (l *logBuffer) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, s)
	kept := l.waiters[:0]
	for _, w := range l.waiters {
		if strings.Contains(s, w.word) {
			close(w.ch)
			continue
		}
		kept = append(kept, w)
	}
	l.waiters = kept
}

// seen returns a channel closed once a line containing word was logged.
func (l *logBuffer) seen(word string) <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch := make(chan struct{})
	for _, s := range l.lines {
		if strings.Contains(s, word) {
			close(ch)
			return ch
		}
	}
	l.waiters = append(l.waiters, logWaiter{word: word, ch: ch})
	return ch
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// Log is everything the server wrote so far, for a failing test's message.
func (s *Server) Log() string { return s.log.String() }

// Logged returns a channel that is closed once the server has written a
// line containing word (at once if it already has), for tests that wait
// on what the server did.
func (s *Server) Logged(word string) <-chan struct{} { return s.log.seen(word) }

// Start runs a server of kind kind for t, or skips t when it is not
// installed (fails it under CI=true).
func Start(t testing.TB, kind Kind, opts Options) *Server {
	t.Helper()
	switch kind {
	case BIND:
		return startBIND(t, opts)
	case Knot:
		return startKnot(t, opts)
	case PowerDNS:
		return startPowerDNS(t, opts)
	}
	t.Fatalf("dnsserver: unknown server kind %q", kind)
	return nil
}

// Installed reports whether the programs a server of kind needs are
// installed, and names the Debian packages when they are not.
func Installed(kind Kind) error {
	var progs []string
	var pkgs string
	switch kind {
	case BIND:
		progs, pkgs = []string{"named", "rndc"}, "bind9 (and bind9-utils)"
	case Knot:
		progs, pkgs = []string{"knotd", "knotc"}, "knot"
	case PowerDNS:
		progs, pkgs = []string{"pdns_server", "pdnsutil", "sqlite3"}, "pdns-server, pdns-backend-sqlite3 and sqlite3"
	default:
		return fmt.Errorf("unknown server kind %q", kind)
	}
	for _, p := range progs {
		if program(p) == "" {
			return fmt.Errorf("%s is not installed (not on PATH nor in /usr/sbin); install the Debian packages %s (.ci/run does)", p, pkgs)
		}
	}
	if kind == PowerDNS {
		if _, err := os.Stat(pdnsSchema); err != nil {
			return fmt.Errorf("the PowerDNS sqlite3 schema %s is missing; install pdns-backend-sqlite3", pdnsSchema)
		}
	}
	return nil
}

// require skips t (fails it under CI=true) when kind is not installed.
func require(t testing.TB, kind Kind) {
	t.Helper()
	err := Installed(kind)
	if err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("dnsserver: %v; under CI=true a missing server fails the test", err)
	}
	t.Skipf("dnsserver: %v", err)
}

// program finds a server program on PATH or in the sbin folders, which an
// ordinary user's PATH often lacks.
func program(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, d := range []string{"/usr/sbin", "/usr/local/sbin", "/sbin"} {
		p := d + "/" + name
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	return ""
}

// FreePort finds a loopback port free for both TCP and UDP: the servers
// bind both, so a port free for only one would fail.
func FreePort(t testing.TB) int {
	t.Helper()
	for range 50 {
		tl, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("listen on loopback: %v", err)
		}
		port := tl.Addr().(*net.TCPAddr).Port
		ul, err := net.ListenPacket("udp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		tl.Close()
		if err != nil {
			continue
		}
		ul.Close()
		return port
	}
	t.Fatal("found no loopback port free for both TCP and UDP")
	return 0
}

// Secret returns n random bytes in base64, as a TSIG secret.
func Secret(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// newServer fills what every kind shares: folder, port and keys.
func newServer(t testing.TB, kind Kind) *Server {
	t.Helper()
	dir := t.TempDir()
	// Servers may drop privileges and write journals and databases here.
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	return &Server{
		Kind:       kind,
		Addr:       net.JoinHostPort("127.0.0.1", strconv.Itoa(FreePort(t))),
		Zone:       Zone,
		Dir:        dir,
		UpdateKey:  Key{Name: "ddns-key", Algorithm: "hmac-sha256", Secret: Secret(t, 32)},
		SHA512Key:  Key{Name: "ddns-key-512", Algorithm: "hmac-sha512", Secret: Secret(t, 64)},
		OutsideKey: Key{Name: "outside-key", Algorithm: "hmac-sha256", Secret: Secret(t, 32)},
		log:        &logBuffer{},
		exited:     make(chan struct{}),
		t:          t,
	}
}

// port is the server's port number.
func (s *Server) port() int {
	_, p, _ := net.SplitHostPort(s.Addr)
	n, _ := strconv.Atoi(p)
	return n
}

// brokenLine is a zone-file line no server parses (Options.Unloaded).
const brokenLine = "broken  IN NOT-A-TYPE here\n"

// writeZone writes the zone file, broken when opts.Unloaded, and returns
// its path.
func (s *Server) writeZone(t testing.TB, opts Options) string {
	t.Helper()
	s.records = opts.Records
	text := zoneFile(opts.Records)
	if opts.Unloaded {
		if s.Kind == PowerDNS {
			t.Fatal("dnsserver: Options.Unloaded is for BIND and Knot; for PowerDNS use LockDatabase")
		}
		text += brokenLine
	}
	return s.write(t, "example.test.zone", text)
}

// LoadZone writes the zone file without the broken line of
// Options.Unloaded and has the server load it (rndc reload, knotc
// zone-reload). BIND loads in the background: it may answer SERVFAIL for
// a moment longer.
func (s *Server) LoadZone(t testing.TB) {
	t.Helper()
	s.write(t, "example.test.zone", zoneFile(s.records))
	switch s.Kind {
	case BIND:
		s.ctl(t, "reload", s.Zone)
	case Knot:
		s.ctl(t, "zone-reload", s.Zone)
	default:
		t.Fatalf("dnsserver: LoadZone is for BIND and Knot, not %s", s.Kind)
	}
}

// zoneFile is the zone's text, the same for every server.
func zoneFile(extra string) string {
	return `$TTL 3600
@       IN SOA ns.example.test. hostmaster.example.test. ( 1 3600 600 86400 300 )
@       IN NS  ns.example.test.
ns      IN A   127.0.0.1
` + extra
}

// write creates a file in the server's folder and returns its path.
func (s *Server) write(t testing.TB, name, content string) string {
	t.Helper()
	path := s.Dir + "/" + name
	if err := os.WriteFile(path, []byte(content), 0o666); err != nil {
		t.Fatal(err)
	}
	return path
}

// run starts the server's process, collects its output, and waits until
// it is ready (see Start): loaded is a word of the log line that says the
// zone is loaded.
func (s *Server) run(t testing.TB, opts Options, loaded string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = s.Dir
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	started := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			s.log.add(sc.Text())
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	go func() {
		<-drained
		err := cmd.Wait()
		s.exitMu.Lock()
		s.exit = err
		s.exitMu.Unlock()
		close(s.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-s.exited
	})

	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	died := func() {
		s.exitMu.Lock()
		defer s.exitMu.Unlock()
		t.Fatalf("%s exited before it was ready (%v); its output:\n%s", s.Kind, s.exit, s.log)
	}
	select {
	case <-s.log.seen(loaded):
	case <-s.exited:
		died()
	case <-deadline.C:
		t.Fatalf("%s did not log %q within 30s; its output:\n%s", s.Kind, loaded, s.log)
	}
	if opts.UntilLoaded || opts.Unloaded {
		t.Logf("%s logged %q on %s %s after start", s.Kind, loaded, s.Addr, time.Since(started).Round(time.Millisecond))
		return
	}
	// Three SOA answers in a row, over UDP: one thread that answers is not
	// yet every thread that does.
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	ok := 0
	for ok < 3 {
		if _, err := s.soa("udp"); err == nil {
			ok++
		} else {
			ok = 0
		}
		select {
		case <-s.exited:
			died()
		case <-deadline.C:
			t.Fatalf("%s did not answer a SOA query on %s within 30s; its output:\n%s", s.Kind, s.Addr, s.log)
		case <-tick.C:
		}
	}
	s.serial, _ = s.soa("tcp")
	t.Logf("%s answered on %s %s after start", s.Kind, s.Addr, time.Since(started).Round(time.Millisecond))
}

// soa asks for the zone's SOA, unsigned, and returns its serial.
func (s *Server) soa(network string) (uint32, error) {
	r, err := s.exchange(network, s.Zone, dns.TypeSOA)
	if err != nil {
		return 0, err
	}
	if r.Rcode != dns.RcodeSuccess {
		return 0, fmt.Errorf("SOA query answered %s", dns.RcodeToString[r.Rcode])
	}
	for _, rr := range r.Answer {
		if soa, ok := rr.(*dns.SOA); ok {
			return soa.Serial, nil
		}
	}
	return 0, fmt.Errorf("no SOA in the answer")
}

func (s *Server) exchange(network, name string, qtype uint16) (*dns.Msg, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = false
	r, _, err := (&dns.Client{Net: network, Timeout: 2 * time.Second}).Exchange(m, s.Addr)
	return r, err
}

// Query asks the server, unsigned and over TCP, for one name and type; a
// name relative to nothing (no dot) is taken inside the zone. Errors fail t.
func (s *Server) Query(t testing.TB, name string, qtype uint16) *dns.Msg {
	t.Helper()
	r, err := s.exchange("tcp", s.fqdn(name), qtype)
	if err != nil {
		t.Fatalf("query %s %s at %s: %v", s.fqdn(name), dns.TypeToString[qtype], s.Kind, err)
	}
	return r
}

// fqdn completes a name: "home" → "home.example.test", "@" → the zone.
func (s *Server) fqdn(name string) string {
	name = strings.TrimSuffix(name, ".")
	switch {
	case name == "@" || name == "":
		return s.Zone
	case name == s.Zone || strings.HasSuffix(name, "."+s.Zone):
		return name
	}
	return name + "." + s.Zone
}

// Addresses lists the A or AAAA values the server holds for name, sorted,
// with their TTLs in the same order.
func (s *Server) Addresses(t testing.TB, name string, qtype uint16) (values []string, ttls []uint32) {
	t.Helper()
	r := s.Query(t, name, qtype)
	if r.Rcode != dns.RcodeSuccess && r.Rcode != dns.RcodeNameError {
		t.Fatalf("query %s %s at %s: %s", s.fqdn(name), dns.TypeToString[qtype], s.Kind, dns.RcodeToString[r.Rcode])
	}
	type pair struct {
		v   string
		ttl uint32
	}
	var ps []pair
	for _, rr := range r.Answer {
		if rr.Header().Rrtype != qtype || !strings.EqualFold(rr.Header().Name, dns.Fqdn(s.fqdn(name))) {
			continue
		}
		switch v := rr.(type) {
		case *dns.A:
			ps = append(ps, pair{v.A.String(), v.Hdr.Ttl})
		case *dns.AAAA:
			ps = append(ps, pair{v.AAAA.String(), v.Hdr.Ttl})
		}
	}
	slices.SortFunc(ps, func(a, b pair) int { return strings.Compare(a.v, b.v) })
	for _, p := range ps {
		values, ttls = append(values, p.v), append(ttls, p.ttl)
	}
	return values, ttls
}

// Serial is the zone's SOA serial; it moves with every applied update.
func (s *Server) Serial(t testing.TB) uint32 {
	t.Helper()
	n, err := s.soa("tcp")
	if err != nil {
		t.Fatalf("%s: %v", s.Kind, err)
	}
	return n
}

// Update sends m (an UPDATE for the zone) signed with UpdateKey and
// returns the server's rcode. Errors in sending fail t.
func (s *Server) Update(t testing.TB, m *dns.Msg) int {
	t.Helper()
	rc, err := s.update(m)
	if err != nil {
		t.Fatalf("update at %s: %v", s.Kind, err)
	}
	return rc
}

func (s *Server) update(m *dns.Msg) (int, error) {
	k := s.UpdateKey
	m.SetTsig(dns.Fqdn(k.Name), dns.HmacSHA256, 300, time.Now().Unix())
	c := &dns.Client{Net: "tcp", Timeout: 5 * time.Second, TsigSecret: map[string]string{dns.Fqdn(k.Name): k.Secret}}
	r, _, err := c.Exchange(m, s.Addr)
	if err != nil {
		return 0, err
	}
	return r.Rcode, nil
}

// SetCNAME replaces every record at name with a CNAME to target, with a
// signed update: the way a person turns a name into an alias.
func (s *Server) SetCNAME(t testing.TB, name, target string) {
	t.Helper()
	fq := dns.Fqdn(s.fqdn(name))
	m := new(dns.Msg)
	m.SetUpdate(dns.Fqdn(s.Zone))
	m.RemoveName([]dns.RR{&dns.ANY{Hdr: dns.RR_Header{Name: fq}}})
	m.Insert([]dns.RR{&dns.CNAME{Hdr: dns.RR_Header{Name: fq, Rrtype: dns.TypeCNAME, Class: dns.ClassINET, Ttl: 300}, Target: dns.Fqdn(target)}})
	if rc := s.Update(t, m); rc != dns.RcodeSuccess {
		t.Fatalf("%s: setting a CNAME at %s answered %s", s.Kind, fq, dns.RcodeToString[rc])
	}
	r := s.Query(t, fq, dns.TypeCNAME)
	for _, rr := range r.Answer {
		if _, ok := rr.(*dns.CNAME); ok {
			return
		}
	}
	t.Fatalf("%s: the CNAME at %s is not served after the update", s.Kind, fq)
}

// Freeze makes the server refuse updates to the zone with REFUSED, as an
// operator's `rndc freeze` or `knotc zone-freeze` does. PowerDNS has no
// freeze: the zone's ALLOW-DNSUPDATE-FROM, which alone lets loopback
// update, is set to a range without it, which it answers with REFUSED too. Thaw undoes it.
func (s *Server) Freeze(t testing.TB) {
	t.Helper()
	switch s.Kind {
	case BIND:
		s.ctl(t, "freeze", s.Zone)
	case Knot:
		s.ctl(t, "zone-freeze", s.Zone)
	case PowerDNS:
		s.ctl(t, "set-meta", s.Zone, "ALLOW-DNSUPDATE-FROM", "192.0.2.0/24")
	}
}

// Thaw lets the server take updates again after Freeze.
func (s *Server) Thaw(t testing.TB) {
	t.Helper()
	switch s.Kind {
	case BIND:
		s.ctl(t, "thaw", s.Zone)
	case Knot:
		s.ctl(t, "zone-thaw", s.Zone)
	case PowerDNS:
		s.ctl(t, "set-meta", s.Zone, "ALLOW-DNSUPDATE-FROM", pdnsAllowed)
	}
	// A thaw takes effect asynchronously (BIND reloads the zone after rndc
	// returns): wait until a signed update is answered NOERROR again, so a
	// test's next update meets a writable zone. The probe deletes an RRset
	// that does not exist, which changes nothing.
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		m := new(dns.Msg)
		m.SetUpdate(dns.Fqdn(s.Zone))
		m.RemoveRRset([]dns.RR{&dns.TXT{Hdr: dns.RR_Header{Name: dns.Fqdn(s.fqdn("thaw-probe")), Rrtype: dns.TypeTXT, Class: dns.ClassINET}}})
		rc, err := s.update(m)
		if err == nil && rc == dns.RcodeSuccess {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still refuses updates 10 s after the thaw: rcode %s, %v\nserver output:\n%s", s.Kind, dns.RcodeToString[rc], err, s.log)
		}
		<-tick.C
	}
}

// ctl runs the server's control tool (rndc, knotc, pdnsutil) and fails t,
// with its output, on an error.
func (s *Server) ctl(t testing.TB, args ...string) string {
	t.Helper()
	argv := s.ctlArgs
	cmd := exec.Command(argv[0], append(slices.Clone(argv[1:]), args...)...)
	cmd.Dir = s.Dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s\nserver output:\n%s", argv[0], strings.Join(args, " "), err, out, s.log)
	}
	return string(out)
}

// The providertest.Fake methods, so the conformance suite runs against a
// real server.

// Endpoint is the server's address, the account's `endpoint`.
func (s *Server) Endpoint() string { return s.Addr }

// Seed adds one record with a signed update, beside any that exist.
func (s *Server) Seed(fqdn, typ, value string, ttl int) {
	rr, err := dns.NewRR(fmt.Sprintf("%s. %d IN %s %s", fqdn, ttl, typ, value))
	if err != nil {
		s.t.Errorf("dnsserver: seed %s %s %s: %v", fqdn, typ, value, err)
		return
	}
	m := new(dns.Msg)
	m.SetUpdate(dns.Fqdn(s.Zone))
	m.Insert([]dns.RR{rr})
	if rc, err := s.update(m); err != nil || rc != dns.RcodeSuccess {
		s.t.Errorf("dnsserver: seed %s %s %s at %s: %v %s", fqdn, typ, value, s.Kind, err, dns.RcodeToString[rc])
	}
}

// Values lists the records of fqdn and typ as "VALUE TTL", sorted.
func (s *Server) Values(fqdn, typ string) []string {
	r, err := s.exchange("tcp", fqdn, dns.StringToType[typ])
	if err != nil {
		return []string{"query failed: " + err.Error()}
	}
	out := []string{}
	for _, rr := range r.Answer {
		switch v := rr.(type) {
		case *dns.A:
			out = append(out, fmt.Sprintf("%s %d", v.A, v.Hdr.Ttl))
		case *dns.AAAA:
			out = append(out, fmt.Sprintf("%s %d", v.AAAA, v.Hdr.Ttl))
		}
	}
	slices.Sort(out)
	return out
}

// Writes counts applied updates since the last call, by the SOA serial,
// which every server here raises once per applied update.
func (s *Server) Writes() int {
	n, err := s.soa("tcp")
	if err != nil {
		s.t.Errorf("dnsserver: %s: read the SOA serial: %v", s.Kind, err)
		return 0
	}
	s.serialMu.Lock()
	defer s.serialMu.Unlock()
	w := int(n - s.serial)
	s.serial = n
	return w
}

// read returns a file's content or fails t.
func read(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
