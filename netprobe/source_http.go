package netprobe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"syscall"
	"time"

	"github.com/ddnsd/ddns/redact"
	"github.com/ddnsd/ddns/retryafter"
)

// maxBody bounds how much of an echo service's answer is read: an address is
// a few dozen bytes, and a misconfigured URL must not fill memory.
const maxBody = 64 << 10

// RateLimitError is a source's "slow down": HTTP 403 or 429 (or a DNS
// REFUSED). It wraps ErrRateLimited. The Detector rests the source until
// RetryAt, or for RetryAfter, or for its RestFor default.
type RateLimitError struct {
	Source     string
	Status     string        // "HTTP 429 Too Many Requests"
	RetryAfter time.Duration // from a Retry-After in seconds; 0 if none
	RetryAt    time.Time     // from a Retry-After HTTP date; zero if none
}

// Error says which source limited us and how long it asked us to wait.
func (e *RateLimitError) Error() string {
	msg := fmt.Sprintf("%s: answered %s, so it is rate limiting or blocking this machine", e.Source, e.Status)
	switch {
	case e.RetryAfter > 0:
		msg += fmt.Sprintf(" (it asks to wait %v)", e.RetryAfter)
	case !e.RetryAt.IsZero():
		msg += fmt.Sprintf(" (it asks to wait until %s)", e.RetryAt.UTC().Format(time.RFC3339))
	}
	return msg
}

// Unwrap lets errors.Is(err, ErrRateLimited) hold.
func (e *RateLimitError) Unwrap() error { return ErrRateLimited }

// httpSource asks an HTTP echo service.
type httpSource struct {
	url    string
	name   string
	client *http.Client
	retry  retrier
}

// NewHTTPSource returns a Source that GETs url and parses the answer with
// ParseBody. client nil means a client that dials only the family being
// detected (see FamilyClient); a client passed in is used as is, so give
// each family its own FamilyClient when the URL's host has both A and AAAA
// records. A failed connection or a 5xx is asked again, up to 5 tries in
// all, 100 ms doubling to 10 s (the project's retry policy), within the
// Detector's turn; a 403 or 429 is not (the Detector rests the source).
func NewHTTPSource(url string, client *http.Client) Source {
	return &httpSource{url: url, name: "http " + redact.URL(url), client: client}
}

func (s *httpSource) Name() string { return s.name }

// Detect asks the service, again on a transient failure (see retrier).
func (s *httpSource) Detect(ctx context.Context, fam Family) (netip.Addr, error) {
	client := s.client
	if client == nil {
		client = FamilyClient(nil, fam)
	}
	return s.retry.do(ctx, func() (netip.Addr, bool, error) { return s.ask(ctx, client, fam) })
}

// ask makes one request; transient is true for a failure a retry may mend.
func (s *httpSource) ask(ctx context.Context, client *http.Client, fam Family) (_ netip.Addr, transient bool, _ error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return netip.Addr{}, false, fmt.Errorf("%s: the URL is not usable: %w", s.name, redact.URLError(err))
	}
	req.Header.Set("User-Agent", "ddns-updater (netprobe)")
	req.Header.Set("Accept", "text/plain, application/json;q=0.5")
	resp, err := client.Do(req)
	if err != nil {
		// A connection that failed or was dropped; not a URL the client
		// cannot use (a scheme it does not speak), which no retry mends.
		transient := ctx.Err() == nil && (IsNetworkError(err) || errors.Is(err, io.EOF))
		return netip.Addr{}, transient, fmt.Errorf("%s: %w", s.name, redact.URLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return netip.Addr{}, ctx.Err() == nil, fmt.Errorf("%s: reading the answer: %w", s.name, redact.URLError(err))
	}
	status := "HTTP " + resp.Status
	switch {
	case resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusTooManyRequests:
		rl := &RateLimitError{Source: s.name, Status: status}
		if ra, ok := retryafter.Parse(resp.Header.Get("Retry-After")); ok {
			rl.RetryAfter, rl.RetryAt = ra.Delay, ra.At
		}
		return netip.Addr{}, false, rl
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return netip.Addr{}, resp.StatusCode >= 500, fmt.Errorf("%s: answered %s: %s", s.name, status, quoteAnswer(string(body)))
	case len(body) > maxBody:
		return netip.Addr{}, false, fmt.Errorf("%s: the answer is longer than %d bytes, which no address is: %s", s.name, maxBody, quoteAnswer(string(body)))
	}
	a, err := ParseBody(body, fam)
	if err != nil {
		return netip.Addr{}, false, fmt.Errorf("%s: %w", s.name, err)
	}
	return a, false, nil
}

// FamilyClient returns a copy of client (nil: a fresh client with a 10s
// timeout) whose connections use only family fam (tcp4 or tcp6), so asking an
// echo service for the IPv6 address cannot be answered over IPv4 by a
// dual-stack host. A custom non-*http.Transport RoundTripper is kept as is.
func FamilyClient(client *http.Client, fam Family) *http.Client {
	var c http.Client
	if client != nil {
		c = *client
	} else {
		c.Timeout = 10 * time.Second
	}
	var tr *http.Transport
	switch rt := c.Transport.(type) {
	case nil:
		tr = http.DefaultTransport.(*http.Transport).Clone()
	case *http.Transport:
		tr = rt.Clone()
	default:
		return &c
	}
	network := "tcp4"
	if fam == IPv6 {
		network = "tcp6"
	}
	dial := tr.DialContext
	if dial == nil {
		dial = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	}
	tr.DialContext = func(ctx context.Context, _, addr string) (net.Conn, error) {
		return dial(ctx, network, addr)
	}
	tr.Proxy = nil // a proxy would answer with its own address, not ours
	c.Transport = tr
	return &c
}

// IsNetworkError reports whether err means the network could not be used
// (dial failure, refused or reset connection, timeout, failed name lookup),
// as opposed to a bad or refused answer. The Detector uses it to decide
// whether to wrap ErrUnreachable.
func IsNetworkError(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrUnreachable) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var dnsErr *net.DNSError
	var opErr *net.OpError
	if errors.As(err, &dnsErr) || errors.As(err, &opErr) {
		return true
	}
	for _, e := range []error{syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ENETUNREACH, syscall.EHOSTUNREACH, syscall.ETIMEDOUT, io.ErrUnexpectedEOF} {
		if errors.Is(err, e) {
			return true
		}
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
