package readiness

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ddnsd/ddns/clock"
	"github.com/ddnsd/ddns/dnsaddr"
)

// Prober defaults.
const (
	DefaultTimeout = 2 * time.Second // per check
	DefaultWindow  = 10              // results kept per check for Loss
)

// Check is one readiness probe.
type Check struct {
	Kind   string // "dns": Target must resolve; "tcp": Target must accept a connection
	Target string // a host name ("dns"), or host:port ("tcp")
}

// String is "kind target", as used in verdict reasons.
func (c Check) String() string { return c.Kind + " " + c.Target }

// CheckResult is one check's latest outcome, with its loss over the window.
type CheckResult struct {
	Check
	OK      bool
	Latency time.Duration
	Err     string  // short: "connection refused", "no such host", "timed out"
	Loss    float64 // share of failures among the last Window results, 0..1
	At      time.Time
}

// Verdict is the outcome of probing all checks once.
type Verdict struct {
	Ready   bool
	Reason  string // why not ready, e.g. "tcp 1.1.1.1:443: connection refused"; a summary when ready
	Results []CheckResult
	At      time.Time
}

// Prober answers "is the network usable?" before the supervisor (re)starts
// the updater. It is safe for concurrent use; configure it before the first
// Probe and do not copy it afterwards.
type Prober struct {
	Checks  []Check
	Timeout time.Duration // per check; default DefaultTimeout
	Window  int           // results kept per check for Loss; default DefaultWindow
	// Resolver for "dns" checks. nil: DNSServers when given, else the
	// system's resolver.
	Resolver *net.Resolver
	// DNSServers are asked in order until one answers (host:port, or host
	// for port 53), each through the standard resolver pointed at it alone.
	// A name in the hosts file resolves from there, as for any program on
	// the machine.
	DNSServers []string
	// Clock dates verdicts and results, and ages them for Fresh; nil =
	// clock.System(). Latency is measured on the real clock whatever it says.
	Clock clock.Clock

	mu      sync.Mutex
	history map[Check][]bool
	last    Verdict
	hasLast bool
}

func (p *Prober) now() time.Time {
	if p.Clock != nil {
		return p.Clock.Now()
	}
	return time.Now()
}

// Probe runs every check concurrently, each bounded by Timeout, and records
// the verdict. Ready means every check passed; with no checks configured the
// network counts as ready.
func (p *Prober) Probe(ctx context.Context) Verdict {
	v := Verdict{At: p.now(), Results: make([]CheckResult, len(p.Checks))}
	if len(p.Checks) == 0 {
		v.Ready, v.Reason = true, "no probes configured"
		p.remember(v)
		return v
	}
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	var wg sync.WaitGroup
	for i, c := range p.Checks {
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			v.Results[i] = p.run(cctx, c)
		})
	}
	wg.Wait()

	p.mu.Lock()
	window := p.Window
	if window <= 0 {
		window = DefaultWindow
	}
	if p.history == nil {
		p.history = map[Check][]bool{}
	}
	for i := range v.Results {
		r := &v.Results[i]
		h := append(p.history[r.Check], r.OK)
		if len(h) > window {
			h = h[len(h)-window:]
		}
		p.history[r.Check] = h
		failed := 0
		for _, ok := range h {
			if !ok {
				failed++
			}
		}
		r.Loss = float64(failed) / float64(len(h))
	}
	p.mu.Unlock()

	v.Ready = true
	for _, r := range v.Results {
		if !r.OK {
			v.Ready, v.Reason = false, r.Check.String()+": "+r.Err
			break
		}
	}
	if v.Ready {
		v.Reason = fmt.Sprintf("all %d probes passed", len(v.Results))
	}
	p.remember(v)
	return v
}

func (p *Prober) remember(v Verdict) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.last, p.hasLast = v, true
}

// Fresh returns the last verdict when it was ready and is younger than
// maxAge, so a restart while the network is known good costs no probe
// latency; otherwise it probes. A not-ready verdict is never reused: the
// point of waiting is to notice the network coming back.
func (p *Prober) Fresh(ctx context.Context, maxAge time.Duration) Verdict {
	if v, ok := p.Last(); ok && v.Ready && p.now().Sub(v.At) < maxAge {
		return v
	}
	return p.Probe(ctx)
}

// Last returns the most recent verdict, and false if there was none.
func (p *Prober) Last() (Verdict, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	v := p.last
	v.Results = append([]CheckResult(nil), v.Results...)
	return v, p.hasLast
}

// lookup resolves name for a dns check: through Resolver when set, else by
// asking DNSServers in turn, else through the system's resolver.
func (p *Prober) lookup(ctx context.Context, name string) error {
	if p.Resolver != nil || len(p.DNSServers) == 0 {
		r := p.Resolver
		if r == nil {
			r = net.DefaultResolver
		}
		return lookupWith(ctx, r, name)
	}
	// A dead server passes the turn to the next one. One resolver per server
	// does that: the standard resolver's Dial hook is not told which of its
	// own servers it stands for, so one resolver could not rotate.
	var errs []error
	for _, s := range p.DNSServers {
		err := lookupAt(ctx, dnsaddr.WithPort(s), rooted(name))
		var dnsErr *net.DNSError
		if err == nil || errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			// An answer, even "no such host", is the server's word: asking
			// the next one would hide a wrong zone behind a working fallback.
			return err
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return errors.Join(errs...)
}

// lookupWith resolves name through r; a name with no address fails.
func lookupWith(ctx context.Context, r *net.Resolver, name string) error {
	addrs, err := r.LookupHost(ctx, name)
	if err == nil && len(addrs) == 0 {
		err = errors.New("resolved to no address")
	}
	return err
}

// lookupAt resolves name through the standard (pure Go) resolver asking
// only server (host:port): over UDP, and again over TCP when the answer
// comes back truncated, as the resolver chooses. When the lookup failed on
// the network, the error wraps what the network said (a "connection
// refused" errno), which the resolver's own error keeps only as text.
func lookupAt(ctx context.Context, server, name string) error {
	var (
		mu      sync.Mutex
		netErrs = map[string]error{} // the errors connections to server returned, by text
	)
	note := func(err error) {
		if err != nil {
			mu.Lock()
			netErrs[err.Error()] = err
			mu.Unlock()
		}
	}
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, server)
		if err != nil {
			note(err)
			return nil, err
		}
		nc := notingConn{c, note}
		if pc, ok := c.(net.PacketConn); ok {
			// The resolver frames its messages by whether the connection
			// is a PacketConn: the wrapper must stay one.
			return notingPacketConn{nc, pc}, nil
		}
		return nc, nil
	}}
	err := lookupWith(ctx, r, name)
	var dnsErr *net.DNSError
	mu.Lock()
	defer mu.Unlock()
	if errors.As(err, &dnsErr) && netErrs[dnsErr.Err] != nil {
		return fmt.Errorf("looking up %s at %s: %w", name, server, netErrs[dnsErr.Err])
	}
	return err
}

// notingConn hands every read and write error to note.
type notingConn struct {
	net.Conn
	note func(error)
}

// Read reads from the connection and notes its error.
func (c notingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.note(err)
	return n, err
}

// Write writes to the connection and notes its error.
func (c notingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.note(err)
	return n, err
}

// notingPacketConn is a notingConn over UDP.
type notingPacketConn struct {
	notingConn
	pc net.PacketConn
}

// ReadFrom reads a packet and notes its error.
func (c notingPacketConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, a, err := c.pc.ReadFrom(b)
	c.note(err)
	return n, a, err
}

// WriteTo writes a packet and notes its error.
func (c notingPacketConn) WriteTo(b []byte, a net.Addr) (int, error) {
	n, err := c.pc.WriteTo(b, a)
	c.note(err)
	return n, err
}

// rooted makes name absolute, so the resolver asks the server for it alone
// and not also for name plus each search domain of resolv.conf.
func rooted(name string) string {
	if strings.HasSuffix(name, ".") {
		return name
	}
	return name + "."
}

// run performs one check.
func (p *Prober) run(ctx context.Context, c Check) CheckResult {
	r := CheckResult{Check: c, At: p.now()}
	start := time.Now() // latency is measured on the real clock, whatever Now says
	var err error
	switch c.Kind {
	case "dns":
		err = p.lookup(ctx, c.Target)
	case "tcp":
		var conn net.Conn
		conn, err = (&net.Dialer{}).DialContext(ctx, "tcp", c.Target)
		if err == nil {
			conn.Close()
		}
	default:
		err = fmt.Errorf("unknown probe kind %q (use dns or tcp)", c.Kind)
	}
	r.Latency = time.Since(start)
	r.OK = err == nil
	if err != nil {
		r.Err = shortError(err)
	}
	return r
}

// shortError reduces a dial or lookup error to the part a person reads in a
// status table: "connection refused", "no such host", "timed out".
func shortError(err error) string {
	var dnsErr *net.DNSError
	var sysErr *os.SyscallError
	var errno syscall.Errno
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded):
		return "timed out"
	case errors.As(err, &dnsErr):
		if dnsErr.IsTimeout {
			return "timed out"
		}
		return dnsErr.Err
	case errors.As(err, &errno):
		return errno.Error()
	case errors.As(err, &sysErr):
		return sysErr.Err.Error()
	}
	return err.Error()
}

// TargetsFor derives readiness checks from the URLs the updater will call
// (provider API base URLs, HTTP address sources) and the servers it will
// ask (DNS address sources, RFC 2136 servers): a host name gets a "dns"
// check; a URL or host:port gets a "tcp" check on its port (https 443,
// http 80 by default). IP literals need no dns check. Duplicates are
// dropped; order is kept.
func TargetsFor(urls []string, hosts []string) []Check {
	var out []Check
	seen := map[Check]bool{}
	add := func(c Check) {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	addHost := func(host, port string) {
		if host == "" {
			return
		}
		if _, err := netip.ParseAddr(host); err != nil {
			add(Check{Kind: "dns", Target: host})
		}
		if port != "" {
			add(Check{Kind: "tcp", Target: net.JoinHostPort(host, port)})
		}
	}
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			continue
		}
		port := u.Port()
		if port == "" {
			switch strings.ToLower(u.Scheme) {
			case "https":
				port = "443"
			case "http":
				port = "80"
			}
		}
		addHost(u.Hostname(), port)
	}
	for _, h := range hosts {
		if host, port, err := net.SplitHostPort(h); err == nil {
			addHost(host, port)
		} else {
			addHost(strings.Trim(h, "[]"), "")
		}
	}
	return out
}
