package providers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ddnsd/ddns/backoff"
	"github.com/ddnsd/ddns/redact"
	"github.com/ddnsd/ddns/retryafter"
	"github.com/ddnsd/ddns/untrusted"
	"github.com/hashicorp/go-hclog"
)

// Retry schedule of one API call: the provider libraries make each call once,
// so the transport is where transient failures (a 502 from a CDN edge, a 429
// during a burst) are absorbed before they become a failed pass.
// The policy is the project's one for every transport: backoff.Transient.
const (
	retryAttempts  = backoff.TransientAttempts
	traceBodyLimit = 1 << 20 // API replies are small; this only bounds a hostile one
)

// NewHTTPClient returns the client a provider uses: timeout from env.Timeout;
// when env.Endpoint is set, every request's scheme, host and port are replaced
// by the endpoint's (the request's path and query stay), so endpoint =
// "http://127.0.0.1:8080" sends Cloudflare's calls to
// http://127.0.0.1:8080/client/v4/...; and each API call is retried: up to 5
// attempts, 100 ms first delay doubling to 10 s at most, honouring Retry-After
// on 429 and 503, retrying 5xx, 429 and connection errors (the body is buffered
// and re-sent), never retrying 401, 403 or other 4xx. Waits end with the
// request's context. Each retry is logged at debug level without header values.
func NewHTTPClient(env Env) *http.Client {
	return &http.Client{
		Timeout:   env.Timeout,
		Transport: newRetryTransport(env, pooledTransport()),
	}
}

// pooledTransport is the standard transport with room to keep a connection
// per concurrent call: the default keeps 2 per host, so a burst of parallel
// updates would open and close a TLS connection for most calls.
func pooledTransport() http.RoundTripper {
	t, ok := directTransport().(*http.Transport)
	if !ok {
		return directTransport()
	}
	t = t.Clone()
	t.MaxIdleConnsPerHost = 32
	return t
}

// retryTransport is the RoundTripper behind NewHTTPClient. Its unexported
// fields exist so tests can shrink the schedule and fix the clock.
type retryTransport struct {
	base     http.RoundTripper
	endpoint string // raw env.Endpoint; parsed per request so a bad one fails loudly
	// callTimeout bounds a call whose context has no deadline (alidns makes
	// some with context.Background() through http.DefaultClient, which has no
	// timeout of its own).
	callTimeout time.Duration
	logger      hclog.Logger
	attempts    int
	delay       func(attempt int) time.Duration // wait before retry number attempt (1-based)
	wait        func(ctx context.Context, d time.Duration) error
	now         func() time.Time
}

func newRetryTransport(env Env, base http.RoundTripper) *retryTransport {
	logger := env.Logger
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	return &retryTransport{
		base:     base,
		endpoint: env.Endpoint,
		logger:   logger,
		attempts: retryAttempts,
		delay:    backoffDelay,
		wait:     backoff.Sleep,
		now:      time.Now,
	}
}

// backoffDelay is the wait before retry number attempt.
func backoffDelay(attempt int) time.Duration { return backoff.Transient.Delay(attempt) }

// parseEndpoint checks a configured endpoint: an absolute http(s) URL whose
// scheme, host and port will replace the real API's.
func parseEndpoint(raw string) (*url.URL, error) {
	// The messages show the endpoint redacted: a mistyped one may still
	// carry a token, and url.Parse's own error would repeat it whole.
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("endpoint %q is not a URL: %w", redact.URL(raw), redact.URLError(err))
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("endpoint %q must be an absolute http:// or https:// URL such as \"http://127.0.0.1:8080\"", redact.URL(raw))
	}
	if u.User != nil {
		return nil, fmt.Errorf("endpoint must not carry a user name or password")
	}
	return u, nil
}

// RoundTrip sends req, retrying transient failures.
func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if _, ok := ctx.Deadline(); !ok && t.callTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t.callTimeout)
		resp, err := t.roundTrip(ctx, req)
		if err == nil {
			// The body must outlive this function's context: read it now.
			body, rerr := io.ReadAll(io.LimitReader(resp.Body, traceBodyLimit))
			resp.Body.Close()
			resp.Body = io.NopCloser(bytes.NewReader(body))
			if rerr != nil {
				err, resp = fmt.Errorf("reading the API's answer: %w", rerr), nil
			}
		}
		cancel()
		return resp, err
	}
	return t.roundTrip(ctx, req)
}

func (t *retryTransport) roundTrip(ctx context.Context, req *http.Request) (*http.Response, error) {
	target := req.URL
	if t.endpoint != "" {
		ep, err := parseEndpoint(t.endpoint)
		if err != nil {
			return nil, err
		}
		u := *req.URL
		u.Scheme, u.Host = ep.Scheme, ep.Host
		target = &u
	}
	rewritten := target != req.URL

	// The body is read once and replayed for every attempt.
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("reading the request body: %w", err)
		}
	}

	trace := traceFrom(ctx)
	for attempt := 1; ; attempt++ {
		out := req.Clone(ctx)
		if rewritten {
			out.URL = target
			out.Host = "" // the Host header follows the endpoint
		}
		if body != nil {
			out.Body = io.NopCloser(bytes.NewReader(body))
			out.ContentLength = int64(len(body))
			out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		}
		resp, err := t.base.RoundTrip(out)

		var why string
		var wait time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil {
				trace.recordErr(err)
				return nil, err
			}
			why = "connection failed: " + err.Error()
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			why = resp.Status
			if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
				if ra, ok := retryafter.Parse(resp.Header.Get("Retry-After")); ok {
					wait = ra.Wait(t.now())
				}
			}
		default:
			return trace.recordResp(resp), nil
		}

		if attempt >= t.attempts {
			if err != nil {
				trace.recordErr(err)
				return nil, err
			}
			return trace.recordResp(resp), nil
		}
		wait = max(wait, t.delay(attempt))
		// A wait that would outlast the deadline cannot help: give the caller
		// the answer we have now instead of an opaque "deadline exceeded".
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			if err != nil {
				trace.recordErr(err)
				return nil, err
			}
			return trace.recordResp(resp), nil
		}
		if resp != nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		t.logger.Debug("retrying API call", "method", req.Method, "host", target.Host, "path", redact.Path(target.Path),
			"attempt", attempt+1, "of", t.attempts, "wait", wait, "reason", why)
		if werr := t.wait(ctx, wait); werr != nil {
			trace.recordErr(werr)
			return nil, werr
		}
	}
}

// ClassifyHTTP maps a final HTTP status to the error classes: 401/403 →
// ErrAuth, other 4xx → ErrRejected, 5xx and 429 → ErrNetwork ("provider
// unavailable"). The error names the status and a short, sanitized excerpt of
// the body. Statuses below 400 give nil.
func ClassifyHTTP(status int, body []byte) error {
	var class error
	var what string
	switch {
	case status < 400:
		return nil
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		class, what = ErrAuth, "the API refused the credentials"
	case status == http.StatusTooManyRequests || status >= 500:
		class, what = ErrNetwork, "the provider is unavailable"
	default:
		class, what = ErrRejected, "the API refused the request"
	}
	msg := fmt.Sprintf("%s (HTTP %d %s)", what, status, http.StatusText(status))
	if ex := excerpt(body); ex != "" {
		msg += ": " + strconv.Quote(ex)
	}
	return fmt.Errorf("%s: %w", msg, class)
}

// excerpt is the part of an API's answer that a message quotes: at most
// 200 bytes of it, cleaned as untrusted.Clean does, so an HTML error page or
// binary garbage stays readable in a log.
func excerpt(body []byte) string { return untrusted.Clean(string(body), 200) }

// callTrace follows one provider operation through the transport, so an
// adapter can classify a library's error (usually only a string) by what the
// server really said, and notice failures a library ignores (Tencent Cloud
// answers HTTP 200 with an error inside, and its library does not look). It
// travels in the request context; the transport fills it.
type callTrace struct {
	// check inspects each final answer and returns a classified error when
	// the answer reports a failure; nil means "looks fine".
	check func(status int, body []byte) error

	mu       sync.Mutex
	calls    int
	firstErr error // the first failure seen, the one to report
}

type traceKey struct{}

func withTrace(ctx context.Context, check func(status int, body []byte) error) (context.Context, *callTrace) {
	t := &callTrace{check: check}
	return context.WithValue(ctx, traceKey{}, t), t
}

func traceFrom(ctx context.Context) *callTrace {
	t, _ := ctx.Value(traceKey{}).(*callTrace)
	return t
}

// recordResp checks resp and hands back a response whose body the library can
// still read.
func (t *callTrace) recordResp(resp *http.Response) *http.Response {
	if t == nil {
		return resp
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, traceBodyLimit))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var failure error
	switch {
	case err != nil:
		failure = fmt.Errorf("reading the API's answer: %v: %w", err, ErrNetwork)
	case t.check != nil:
		failure = t.check(resp.StatusCode, body)
	default:
		failure = ClassifyHTTP(resp.StatusCode, body)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.calls++
	if t.firstErr == nil {
		t.firstErr = failure
	}
	return resp
}

func (t *callTrace) recordErr(err error) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.calls++
	if t.firstErr == nil {
		t.firstErr = fmt.Errorf("could not reach the API: %v: %w", err, ErrNetwork)
	}
}

// failure returns the first failure the API reported, or nil.
func (t *callTrace) failure() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.firstErr
}

// errIsContext reports whether err comes from a cancelled or expired context.
func errIsContext(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// The two libraries that only know http.DefaultClient (alidns, tencentcloud)
// get their endpoint override and retries through credentialRouter: the one
// piece of process-wide state in this package, installed once on
// http.DefaultClient. It hands a request to an account's retryTransport only
// when the request goes to that library's API host AND is signed with that
// account's credential ID (read from the Authorization header, which names the
// ID but not the secret); every other request of the process passes through
// to the transport that was there before, untouched. Routing by credential,
// not by context, is needed because alidns makes some calls with
// context.Background().
var (
	routerOnce   sync.Once
	sharedRouter *credentialRouter
)

type credentialRouter struct {
	base   http.RoundTripper
	mu     sync.RWMutex
	routes map[string]route // key: signing algorithm + " " + credential ID
}

type route struct {
	host func(hostname string) bool
	rt   *retryTransport
}

// routeDefaultClient makes requests to a host accepted by host and signed with
// algorithm alg by credential id go through rt.
func routeDefaultClient(alg, id string, host func(string) bool, rt *retryTransport) {
	installClientRouter()
	sharedRouter.mu.Lock()
	defer sharedRouter.mu.Unlock()
	sharedRouter.routes[alg+" "+id] = route{host: host, rt: rt}
}

// installClientRouter puts credentialRouter on http.DefaultClient, once.
func installClientRouter() {
	routerOnce.Do(func() {
		base := http.DefaultClient.Transport
		if base == nil {
			base = directTransport()
		}
		sharedRouter = &credentialRouter{base: base, routes: map[string]route{}}
		http.DefaultClient.Transport = sharedRouter
	})
}

// RoundTrip forwards req to the account's transport or to the previous one.
func (c *credentialRouter) RoundTrip(req *http.Request) (*http.Response, error) {
	if alg, id, ok := credentialOf(req.Header.Get("Authorization")); ok {
		c.mu.RLock()
		r, found := c.routes[alg+" "+id]
		c.mu.RUnlock()
		if found && r.host(req.URL.Hostname()) {
			return r.rt.RoundTrip(req)
		}
	}
	rt, req := keyedRouteOf(req)
	if rt != nil {
		return rt.RoundTrip(req)
	}
	return c.base.RoundTrip(req)
}

// credentialOf reads "ALG Credential=ID,..." or "ALG Credential=ID/scope, ...",
// and Huawei Cloud's "ALG Access=ID, ...".
func credentialOf(auth string) (alg, id string, ok bool) {
	alg, params, ok := strings.Cut(auth, " ")
	if !ok {
		return "", "", false
	}
	_, rest, ok := strings.Cut(params, "Credential=")
	if !ok {
		if _, rest, ok = strings.Cut(params, "Access="); !ok {
			return "", "", false
		}
	}
	if i := strings.IndexAny(rest, ",/ "); i >= 0 {
		rest = rest[:i]
	}
	return alg, rest, rest != ""
}
