package netprobe

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ddnsd/ddns/clock"
)

// Detector defaults.
const (
	DefaultRestFor       = 5 * time.Minute
	DefaultSourceTimeout = 10 * time.Second
)

// Detector finds the public address by asking its Sources in order. Its
// zero value (plus Sources) is usable; it is safe for concurrent use, and
// must not be copied after first use (it remembers rested sources).
type Detector struct {
	Sources []Source
	// Quorum 0 or 1: the first valid answer wins. N > 1: sources are asked
	// in order until N of them give the same address.
	Quorum       int
	AllowPrivate bool
	Clock        clock.Clock  // times sources' rests; nil = clock.System()
	Logger       hclog.Logger // nil = discard
	// RestFor is how long a rate-limited source is left alone when it did
	// not say (Retry-After). Default DefaultRestFor.
	RestFor time.Duration
	// SourceTimeout bounds each source's turn, so one that hangs passes the
	// turn instead of eating the whole deadline. Default DefaultSourceTimeout.
	SourceTimeout time.Duration

	mu     sync.Mutex
	restTo map[restKey]time.Time
}

type restKey struct {
	source string
	fam    Family
}

// Result is a successful detection.
type Result struct {
	Addr     netip.Addr
	Source   string        // the first source that gave Addr
	Agreeing []string      // every source that gave Addr (one unless Quorum > 1)
	Tried    []SourceError // sources that failed, were skipped or disagreed
}

// SourceError is one source's failure during a detection.
type SourceError struct {
	Source string
	Err    error
}

// Error is the source's own message, which already names the source.
func (e SourceError) Error() string { return e.Err.Error() }

// DetectError is a failed detection. It wraps ErrNoAddress, plus
// ErrUnreachable when every source failed for network reasons, ErrRateLimited
// when every source was rate limited, and ErrDisagreement when sources
// answered but too few agreed.
type DetectError struct {
	Family Family
	Tried  []SourceError
	msg    string
	wraps  []error
}

// Error lists every source's failure, one per line.
func (e *DetectError) Error() string { return e.msg }

// Unwrap returns the sentinel errors the failure counts as.
func (e *DetectError) Unwrap() []error { return e.wraps }

func (d *Detector) now() time.Time {
	if d.Clock != nil {
		return d.Clock.Now()
	}
	return time.Now()
}

func (d *Detector) logger() hclog.Logger {
	if d.Logger != nil {
		return d.Logger
	}
	return hclog.NewNullLogger()
}

// Detect asks the sources in order for this machine's public address of
// family fam. A source that fails, times out (SourceTimeout), answers
// garbage or an address Validate rejects passes the turn to the next. A
// rate-limited source is rested and skipped until its rest is over.
func (d *Detector) Detect(ctx context.Context, fam Family) (Result, error) {
	log := d.logger().With("family", fam.String())
	if !fam.valid() {
		return Result{}, fmt.Errorf("cannot detect an address of unknown family %v", fam)
	}
	quorum := max(d.Quorum, 1)
	if len(d.Sources) == 0 {
		return Result{}, &DetectError{Family: fam, msg: fmt.Sprintf("no %v address sources are configured", fam), wraps: []error{ErrNoAddress}}
	}
	if quorum > len(d.Sources) {
		return Result{}, &DetectError{Family: fam, msg: fmt.Sprintf("quorum %d needs at least %d %v sources, but %d are configured", quorum, quorum, fam, len(d.Sources)), wraps: []error{ErrNoAddress}}
	}
	timeout := d.SourceTimeout
	if timeout <= 0 {
		timeout = DefaultSourceTimeout
	}

	var res Result
	answers := map[netip.Addr][]string{}
	var order []netip.Addr // first-seen order of answers, for messages
	for _, src := range d.Sources {
		if err := ctx.Err(); err != nil {
			res.Tried = append(res.Tried, SourceError{src.Name(), fmt.Errorf("%s: not asked: %w", src.Name(), err)})
			continue
		}
		if until, resting := d.resting(src.Name(), fam); resting {
			err := fmt.Errorf("%s: resting after being rate limited, until %s: %w", src.Name(), until.UTC().Format(time.RFC3339), ErrRateLimited)
			res.Tried = append(res.Tried, SourceError{src.Name(), err})
			log.Debug("skipping a rested source", "source", src.Name(), "until", until)
			continue
		}
		a, err := d.ask(ctx, src, fam, timeout)
		if err == nil {
			err = Validate(a, fam, d.AllowPrivate)
			if err != nil {
				err = fmt.Errorf("%s: %w", src.Name(), err)
			}
		}
		if err != nil {
			var rl *RateLimitError
			if errors.As(err, &rl) || errors.Is(err, ErrRateLimited) {
				until := d.rest(src.Name(), fam, rl)
				log.Warn("address source is rate limiting us; resting it", "source", src.Name(), "until", until)
			} else if errors.Is(err, ErrDoubleNAT) {
				log.Warn("the router is behind another NAT (double NAT): its address is not published; asking the next source", "source", src.Name(), "error", err)
			} else {
				log.Debug("address source failed", "source", src.Name(), "error", err)
			}
			res.Tried = append(res.Tried, SourceError{src.Name(), err})
			continue
		}
		if _, seen := answers[a]; !seen {
			order = append(order, a)
		}
		answers[a] = append(answers[a], src.Name())
		if len(answers[a]) >= quorum {
			res.Addr, res.Source, res.Agreeing = a, answers[a][0], answers[a]
			for _, other := range order {
				if other == a {
					continue
				}
				for _, name := range answers[other] {
					res.Tried = append(res.Tried, SourceError{name, fmt.Errorf("%s: said %s, outvoted by %s: %w", name, other, strings.Join(res.Agreeing, ", "), ErrDisagreement)})
				}
				log.Warn("address sources disagree; the quorum decided", "address", a, "agreeing", res.Agreeing, "dissenting", answers[other], "said", other)
			}
			return res, nil
		}
	}
	return Result{}, d.failure(fam, quorum, res.Tried, answers, order)
}

// ask gives one source its turn, bounded by timeout, and keeps a panicking
// source (a user's plug-in, a library bug) from taking the updater down.
func (d *Detector) ask(ctx context.Context, src Source, fam Family, timeout time.Duration) (a netip.Addr, err error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: panicked: %v", src.Name(), r)
		}
	}()
	a, err = src.Detect(ctx, fam)
	if err != nil && ctx.Err() != nil && !IsNetworkError(err) {
		err = fmt.Errorf("%w (%w)", err, ctx.Err())
	}
	return a, err
}

// failure builds the error for a detection that found no address.
func (d *Detector) failure(fam Family, quorum int, tried []SourceError, answers map[netip.Addr][]string, order []netip.Addr) error {
	e := &DetectError{Family: fam, Tried: tried, wraps: []error{ErrNoAddress}}
	var b strings.Builder
	if len(order) > 0 {
		e.wraps = append(e.wraps, ErrDisagreement)
		fmt.Fprintf(&b, "no %v address: %d sources had to agree, but ", fam, quorum)
		var said []string
		for _, a := range order {
			said = append(said, fmt.Sprintf("%s said %s", strings.Join(answers[a], " and "), a))
		}
		b.WriteString(strings.Join(said, "; "))
		b.WriteString(", so nothing is published")
	} else {
		fmt.Fprintf(&b, "no %v address: every source failed", fam)
	}
	network, limited := len(tried) > 0, len(tried) > 0
	for _, t := range tried {
		fmt.Fprintf(&b, "\n  - %v", t.Err)
		network = network && IsNetworkError(t.Err)
		limited = limited && errors.Is(t.Err, ErrRateLimited)
	}
	if len(order) == 0 && network {
		e.wraps = append(e.wraps, ErrUnreachable)
	}
	if len(order) == 0 && limited {
		e.wraps = append(e.wraps, ErrRateLimited)
	}
	e.msg = b.String()
	return e
}

// resting reports whether a source is still resting after a rate limit.
func (d *Detector) resting(name string, fam Family) (time.Time, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	until, ok := d.restTo[restKey{name, fam}]
	if !ok {
		return time.Time{}, false
	}
	if !d.now().Before(until) {
		delete(d.restTo, restKey{name, fam})
		return time.Time{}, false
	}
	return until, true
}

// rest puts a rate-limited source to rest: until the time it asked for, or
// for RestFor.
func (d *Detector) rest(name string, fam Family, rl *RateLimitError) time.Time {
	now := d.now()
	restFor := d.RestFor
	if restFor <= 0 {
		restFor = DefaultRestFor
	}
	until := now.Add(restFor)
	if rl != nil {
		switch {
		case rl.RetryAfter > 0:
			until = now.Add(rl.RetryAfter)
		case rl.RetryAt.After(now):
			until = rl.RetryAt
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.restTo == nil {
		d.restTo = map[restKey]time.Time{}
	}
	d.restTo[restKey{name, fam}] = until
	return until
}

// DefaultSources returns a sensible public list for family fam, tried in
// this order: two HTTP echo services, then Cloudflare's and OpenDNS's
// DNS-based lookups (which keep working when an HTTP service is blocked).
// client is copied per family so that it dials only that family (see
// FamilyClient); nil means a fresh client.
func DefaultSources(fam Family, client *http.Client) []Source {
	c := FamilyClient(client, fam)
	if fam == IPv6 {
		return []Source{
			NewHTTPSource("https://api6.ipify.org", c),
			NewHTTPSource("https://ipv6.icanhazip.com", c),
			NewDNSSource("[2606:4700:4700::1111]:53", "whoami.cloudflare", "TXT", "CH"),
			NewDNSSource("[2620:119:35::35]:53", "myip.opendns.com", "AAAA", "IN"),
		}
	}
	return []Source{
		NewHTTPSource("https://api.ipify.org", c),
		NewHTTPSource("https://ipv4.icanhazip.com", c),
		NewDNSSource("1.1.1.1:53", "whoami.cloudflare", "TXT", "CH"),
		NewDNSSource("208.67.222.222:53", "myip.opendns.com", "A", "IN"),
	}
}
