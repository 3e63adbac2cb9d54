package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ddnsd/ddns/backoff"
	"github.com/ddnsd/ddns/clock"
	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/redact"
	"github.com/hashicorp/go-hclog"
)

// Option adjusts a Notifier; tests use them for a fake clock and a fast
// retry schedule.
type Option func(*Notifier)

// WithClock sets the clock that stamps events, dates ObserveReport's start
// (a record first seen with a change after it counts as a change), rate-limits
// the queue-full log line and times the waits between delivery attempts. The
// default is clock.System().
func WithClock(c clock.Clock) Option { return func(n *Notifier) { n.clock = c } }

// WithBackoff sets the wait before retry number attempt (1 for the first
// retry). The default doubles from 2s up to 5 minutes.
func WithBackoff(f func(attempt int) time.Duration) Option {
	return func(n *Notifier) { n.backoff = f }
}

// WithHTTPClient sets the client used for deliveries. Per-attempt timeouts
// come from each entry's Timeout, not from the client.
func WithHTTPClient(c *http.Client) Option { return func(n *Notifier) { n.client = c } }

// DefaultBackoff doubles from 2 seconds, capped at 5 minutes.
func DefaultBackoff(attempt int) time.Duration { return defaultSchedule.Delay(attempt) }

var defaultSchedule = backoff.Policy{First: 2 * time.Second, Max: 5 * time.Minute}

// Notifier delivers events to the configured entries. Create it with New,
// start delivery with Run; Notify and ObserveReport may be called before
// Run (events wait in the queues) and from any goroutine.
type Notifier struct {
	log     hclog.Logger
	clock   clock.Clock
	backoff func(int) time.Duration
	client  *http.Client
	sinks   []*sink
	started time.Time
	runOnce sync.Once

	mu      sync.Mutex // guards records
	records map[string]*recordState
	emit    func(Event) // Notify; replaced in tests of the transition logic
}

// sink is one [[notify]] entry with its queue.
type sink struct {
	cfg     configs.Notify
	masked  string // the URL with secrets masked, for logs
	events  map[string]bool
	body    *notifyTemplate // nil: the default JSON body
	headers map[string]*notifyTemplate
	limit   int

	mu         sync.Mutex
	queue      []Event
	wake       chan struct{} // cap 1: "the queue is not empty"
	lastDropAt time.Time     // when a drop was last logged
	unlogged   int           // drops since then, not logged one by one
}

// dropLog rate-limits the "queue full" line to one a second per entry, so a
// burst of events (a crash loop) cannot flood the log; the line that is
// written says how many drops went unlogged before it.
func (s *sink) dropLog(now time.Time) (more int, log bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := now.Sub(s.lastDropAt); !s.lastDropAt.IsZero() && d >= 0 && d < time.Second {
		s.unlogged++
		return 0, false
	}
	more, s.unlogged, s.lastDropAt = s.unlogged, 0, now
	return more, true
}

// New prepares one queue per entry. Entries are expected to have passed
// configs validation (defaults filled in). An entry whose body template does
// not parse sends the default JSON body instead, and a header whose template
// does not parse is sent as written, with an error logged: a broken template
// should not silence the notifications people rely on. Validate reports
// these problems at config check time.
func New(entries []configs.Notify, logger hclog.Logger, opts ...Option) *Notifier {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	n := &Notifier{
		log:     logger,
		clock:   clock.System(),
		backoff: DefaultBackoff,
		records: map[string]*recordState{},
	}
	for _, o := range opts {
		o(n)
	}
	if n.client == nil {
		n.client = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	n.emit = n.Notify
	n.started = n.clock.Now()
	for i, c := range entries {
		s := &sink{cfg: c, masked: redact.URL(c.URL), events: map[string]bool{}, limit: c.QueueSize, wake: make(chan struct{}, 1)}
		if s.limit <= 0 {
			s.limit = 64
		}
		if s.cfg.Timeout.Duration <= 0 {
			s.cfg.Timeout.Duration = 10 * time.Second
		}
		if s.cfg.Method == "" {
			s.cfg.Method = http.MethodPost
			if c.Type == "ping" {
				s.cfg.Method = http.MethodGet
			}
		}
		s.cfg.Method = strings.ToUpper(s.cfg.Method)
		for _, e := range c.Events {
			s.events[e] = true
		}
		if c.Type == "webhook" && c.Body != "" {
			t, err := parseTemplate("body", c.Body)
			if err != nil {
				logger.Error("notification body template is invalid; sending the default JSON body", "entry", i, "url", s.masked, "error", err)
			} else {
				s.body = t
			}
		}
		if c.Type == "webhook" && len(c.Headers) > 0 {
			s.headers = map[string]*notifyTemplate{}
			for _, k := range sortedKeys(c.Headers) {
				t, err := parseTemplate(k, c.Headers[k])
				if err != nil {
					logger.Error("notification header template is invalid; sending it as written", "entry", i, "header", k, "url", s.masked, "error", err)
					continue
				}
				s.headers[k] = t
			}
		}
		n.sinks = append(n.sinks, s)
	}
	return n
}

// Run delivers queued events until ctx is done, then returns once every
// delivery goroutine has stopped (an attempt in flight is cancelled).
// Events still queued then are dropped with one log line per entry. Call
// Run once; later calls return at once.
func (n *Notifier) Run(ctx context.Context) {
	n.runOnce.Do(func() {
		var wg sync.WaitGroup
		for _, s := range n.sinks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n.work(ctx, s)
			}()
		}
		wg.Wait()
	})
}

// Notify queues e for every entry that asked for its kind (an entry with
// an empty Events list asks for all) and returns at once; it never waits for the network or for a full queue.
func (n *Notifier) Notify(e Event) {
	if e.ID == "" {
		e.ID = newID()
	}
	if e.At.IsZero() {
		e.At = n.clock.Now()
	}
	for _, s := range n.sinks {
		if len(s.events) > 0 && !s.events[e.Kind] {
			continue
		}
		if old, dropped := s.push(e); dropped {
			if more, ok := s.dropLog(n.clock.Now()); ok {
				n.log.Warn("notification queue full; dropped the oldest notification", "url", s.masked,
					"dropped", summary(old), "dropped_id", old.ID, "queue_size", s.limit, "also_dropped", more)
			}
		}
	}
}

// push appends e, dropping the oldest queued event when full.
func (s *sink) push(e Event) (old Event, dropped bool) {
	s.mu.Lock()
	if len(s.queue) >= s.limit {
		old, dropped = s.queue[0], true
		s.queue = append(s.queue[:0], s.queue[1:]...)
	}
	s.queue = append(s.queue, e)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return old, dropped
}

func (s *sink) pop() (Event, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 {
		return Event{}, false
	}
	e := s.queue[0]
	s.queue = append(s.queue[:0], s.queue[1:]...)
	return e, true
}

func (n *Notifier) work(ctx context.Context, s *sink) {
	for {
		e, ok := s.pop()
		if !ok {
			select {
			case <-s.wake:
				continue
			case <-ctx.Done():
				return
			}
		}
		n.deliver(ctx, s, e)
		if ctx.Err() != nil {
			s.mu.Lock()
			left := len(s.queue)
			s.queue = nil
			s.mu.Unlock()
			if left > 0 {
				n.log.Info("stopping: queued notifications not sent", "url", s.masked, "count", left)
			}
			return
		}
	}
}

// deliver tries e up to 1+Retries times, waiting n.backoff between tries.
func (n *Notifier) deliver(ctx context.Context, s *sink, e Event) {
	attempts := 1 + max(s.cfg.Retries, 0)
	var err error
	for a := 1; a <= attempts; a++ {
		var retry bool
		retry, err = n.send(ctx, s, e)
		if err == nil {
			n.log.Debug("notification delivered", "url", s.masked, "event", e.Kind, "id", e.ID, "attempt", a)
			return
		}
		if ctx.Err() != nil {
			return
		}
		n.log.Debug("notification attempt failed", "url", s.masked, "event", e.Kind, "id", e.ID, "attempt", a, "error", err)
		if !retry || a == attempts {
			attempts = a
			break
		}
		t := n.clock.NewTimer(n.backoff(a))
		select {
		case <-t.C():
		case <-ctx.Done():
			t.Stop()
			return
		}
	}
	n.log.Warn(fmt.Sprintf("notification dropped after %s", plural(attempts, "attempt")), "url", s.masked,
		"event", e.Kind, "id", e.ID, "about", summary(e), "error", err)
}

// send makes one attempt. retry says whether trying again may help: not
// after an answer like 400 or 404, which will not change by itself.
func (n *Notifier) send(ctx context.Context, s *sink, e Event) (retry bool, err error) {
	target := s.cfg.URL
	var body []byte
	ctype := ""
	switch s.cfg.Type {
	case "ping":
		target = pingURL(target, e.Kind)
		if s.cfg.Method != http.MethodGet && s.cfg.Method != http.MethodHead {
			body, ctype = []byte(summary(e)), "text/plain; charset=utf-8"
		}
	default:
		if s.body != nil {
			var b bytes.Buffer
			if err := s.body.Execute(&b, dataOf(e)); err != nil {
				return false, fmt.Errorf("cannot render the body template: %w", err)
			}
			body = b.Bytes()
			ctype = "text/plain; charset=utf-8"
			if t := bytes.TrimSpace(body); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
				ctype = "application/json"
			}
		} else {
			body, ctype = defaultBody(e), "application/json"
		}
	}
	masked := redact.URL(target)

	actx, cancel := context.WithTimeout(ctx, s.cfg.Timeout.Duration)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(actx, s.cfg.Method, target, rd)
	if err != nil {
		return false, fmt.Errorf("cannot build a %s request to %s: %w", s.cfg.Method, masked, redact.URLError(err))
	}
	req.Header.Set("User-Agent", "ddns-supervisor")
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range s.cfg.Headers {
		if t, ok := s.headers[k]; ok {
			var b strings.Builder
			if err := t.Execute(&b, dataOf(e)); err == nil {
				v = b.String()
			}
		}
		req.Header.Set(k, v)
	}
	req.Header.Set("X-DDNS-Event", e.Kind)
	req.Header.Set("X-DDNS-Event-ID", e.ID)

	resp, err := n.client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			return true, fmt.Errorf("%s %s: no answer within %s", s.cfg.Method, masked, s.cfg.Timeout.Duration)
		}
		return true, fmt.Errorf("%s %s: %w", s.cfg.Method, masked, redact.URLError(err))
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		return false, nil
	case c == http.StatusRequestTimeout || c == http.StatusTooEarly || c == http.StatusTooManyRequests || c >= 500:
		return true, fmt.Errorf("%s %s answered %s", s.cfg.Method, masked, resp.Status)
	default:
		return false, fmt.Errorf("%s %s answered %s, which retrying will not change", s.cfg.Method, masked, resp.Status)
	}
}

// pingURL adds the healthchecks-style suffix for e's kind to the URL's path
// (keeping any query): failures go to /fail, a restart to /start, and
// recoveries and address changes to the URL itself (success).
func pingURL(raw, kind string) string {
	suffix := ""
	switch kind {
	case KindUpdateFailed, KindCrashLoop, KindConfigInvalid:
		suffix = "/fail"
	case KindChildRestarted:
		suffix = "/start"
	}
	if suffix == "" {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return raw // the request will fail and say so, masked
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + suffix
	if u.RawPath != "" {
		u.RawPath = strings.TrimSuffix(u.RawPath, "/") + suffix
	}
	return u.String()
}

// newID returns 16 random hex digits.
func newID() string {
	var b [8]byte
	rand.Read(b[:]) // never fails (crypto/rand panics on a broken source)
	return hex.EncodeToString(b[:])
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
