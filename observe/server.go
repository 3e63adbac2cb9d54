package observe

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/ddnsd/ddns/clock"
	"github.com/ddnsd/ddns/configs"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Server is the HTTP endpoint. Create it with Listen, run it with Serve.
type Server struct {
	o        Options
	log      hclog.Logger
	ln       net.Listener
	srv      *http.Server
	health   *HealthChecker
	metrics  http.Handler
	sem      chan struct{}
	hasToken bool
	loopback bool // the listen address is loopback: Host is checked
	tokenSum [sha256.Size]byte
	clock    clock.Clock
	once     sync.Once
}

// Listen checks o and opens the listening socket, so that a port in use or
// a refused address is reported before the supervisor starts its child.
// A non-loopback address without a token is refused.
func Listen(o Options) (*Server, error) {
	if o.Status == nil {
		return nil, errors.New("observe: Options.Status is required")
	}
	host, _, err := net.SplitHostPort(o.Listen)
	if err != nil {
		return nil, fmt.Errorf("http.listen: %q is not host:port (for example \"127.0.0.1:9876\")", o.Listen)
	}
	if o.Token == "" && !configs.IsLoopbackHost(host) {
		return nil, fmt.Errorf("http.listen: %q is not a loopback address, so the endpoint needs a bearer token: set token_file (or token_env) in [http], or listen on 127.0.0.1", o.Listen)
	}
	log := o.Logger
	if log == nil {
		log = hclog.NewNullLogger()
	}
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return nil, fmt.Errorf("http.listen: cannot listen on %s: %w", o.Listen, err)
	}
	// "localhost" is resolved by the system; make sure it really bound to
	// loopback before serving without a token.
	if ta, ok := ln.Addr().(*net.TCPAddr); ok && o.Token == "" && !ta.IP.IsLoopback() {
		ln.Close()
		return nil, fmt.Errorf("http.listen: %q bound to %s, which is not loopback; set a token in [http] or listen on 127.0.0.1", o.Listen, ta.IP)
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = 8
	}
	if o.MaxConns <= 0 {
		o.MaxConns = 64
	}
	if o.ReadHeaderTimeout <= 0 {
		o.ReadHeaderTimeout = 5 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 10 * time.Second
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 10 * time.Second
	}
	if o.MaxConnsPerClient <= 0 {
		o.MaxConnsPerClient = 8
	}
	if o.OwnerUID == 0 {
		o.OwnerUID = os.Geteuid()
	}
	s := &Server{
		o:        o,
		log:      log,
		loopback: configs.IsLoopbackHost(host),
		ln: &limitListener{Listener: ln, owner: o.OwnerUID,
			adm: newAdmission(o.MaxConns, o.MaxConnsPerClient)},
		health: NewHealthChecker(o.Interval),
		sem:    make(chan struct{}, o.MaxConcurrent),
		clock:  o.Clock,
	}
	if s.clock == nil {
		s.clock = clock.System()
	}
	if o.Token != "" {
		s.hasToken = true
		s.tokenSum = sha256.Sum256([]byte(o.Token))
	}
	if o.Metrics != nil {
		s.metrics = o.Metrics.Handler()
	} else {
		s.metrics = NewMetrics().Handler()
	}
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: o.ReadHeaderTimeout,
		ReadTimeout:       2 * o.ReadHeaderTimeout,
		WriteTimeout:      o.WriteTimeout,
		IdleTimeout:       o.IdleTimeout,
		MaxHeaderBytes:    8 << 10,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			if lc, ok := c.(*limitConn); ok {
				return context.WithValue(ctx, clientKey{}, lc.client)
			}
			return ctx
		},
		// Malformed requests and cut connections are the client's problem;
		// keep them out of the supervisor's log unless debugging.
		ErrorLog: log.StandardLogger(&hclog.StandardLoggerOptions{ForceLevel: hclog.Debug}),
	}
	mode := "loopback only"
	if s.hasToken {
		mode = "token required"
	}
	if !s.hasToken && !peerUIDSupported && !o.StatusForAnyUser {
		log.Warn("this system cannot tell which local user connects to the http endpoint, so every local user can read /status, /history and /metrics; set token_file in [http] to keep them out")
	}
	log.Info(fmt.Sprintf("http endpoint on %s (%s)", ln.Addr(), mode))
	return s, nil
}

// Addr is the address the endpoint listens on (useful with port 0).
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// SetInterval changes the updater interval /healthz judges freshness by,
// for a reloaded config.
func (s *Server) SetInterval(d time.Duration) { s.health.SetInterval(d) }

// Serve answers requests until ctx is done or Close is called; both return
// nil. Any other error means the endpoint stopped on its own (the listener
// failed); supervision is unaffected, the caller should log it.
func (s *Server) Serve(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(s.ln) }()
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := s.srv.Shutdown(sctx); err != nil {
			s.srv.Close()
		}
		<-errc
		return nil
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("http endpoint on %s stopped: %w", s.ln.Addr(), err)
	}
}

// Close stops the endpoint at once, dropping open connections. It is safe
// to call more than once and before Serve.
func (s *Server) Close() {
	s.once.Do(func() {
		s.srv.Close()
		s.ln.Close()
	})
}

// ServeHTTP applies the limits and the token, then routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	select {
	case s.sem <- struct{}{}:
		defer func() { <-s.sem }()
	default:
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusServiceUnavailable, errBody("too many requests at once; try again"))
		return
	}
	h := w.Header()
	setSecurityHeaders(h)
	if s.loopback && !loopbackHost(r.Host) {
		writeJSON(w, http.StatusMisdirectedRequest, errBody("the Host header does not name this loopback endpoint (use 127.0.0.1, [::1] or localhost)"))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if s.hasToken && !s.authorized(r) {
			h.Set("WWW-Authenticate", `Bearer realm="ddns"`)
			writeJSON(w, http.StatusUnauthorized, errBody("missing or wrong bearer token (send Authorization: Bearer TOKEN)"))
			return
		}
		h.Set("Allow", "GET, HEAD")
		writeJSON(w, http.StatusMethodNotAllowed, errBody("only GET and HEAD are answered"))
		return
	}
	// The dashboard's shell holds no data: it goes to whoever passed the
	// Host check (see servePage); its data comes from the paths below.
	if servePage(w, r) {
		return
	}
	if s.hasToken && !s.authorized(r) {
		h.Set("WWW-Authenticate", `Bearer realm="ddns"`)
		writeJSON(w, http.StatusUnauthorized, errBody("missing or wrong bearer token (send Authorization: Bearer TOKEN)"))
		return
	}
	// With a token, whoever sent it may read everything. Without one, the
	// details are for the supervisor's own user and root.
	trusted := s.hasToken || s.o.StatusForAnyUser || clientOf(r).privileged
	if !trusted && (r.URL.Path == "/status" || r.URL.Path == "/metrics" || r.URL.Path == "/history") {
		writeJSON(w, http.StatusForbidden, errBody("only the supervisor's own user and root may read this without a token; set token_file in [http] (or status_for_any_user) to share it"))
		return
	}
	switch r.URL.Path {
	case "/healthz":
		hl := s.health.Check(s.o.Status(), s.clock.Now())
		code := http.StatusOK
		if !hl.OK {
			code = http.StatusServiceUnavailable
		}
		if !trusted {
			// The verdict only: the reasons name records and errors.
			hl = Health{OK: hl.OK}
		}
		writeJSON(w, code, hl)
	case "/status":
		writeJSON(w, http.StatusOK, s.o.Status())
	case "/history":
		s.serveHistory(w, r)
	case "/metrics":
		s.metrics.ServeHTTP(w, r)
	default:
		writeJSON(w, http.StatusNotFound, errBody("not found; try /, /healthz, /status, /history or /metrics"))
	}
}

// authorized compares the bearer token in constant time. Both sides are
// hashed first so that the comparison's time does not reveal the length.
func (s *Server) authorized(r *http.Request) bool {
	a := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(a) < len(prefix) || !strings.EqualFold(a[:len(prefix)], prefix) {
		return false
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(a[len(prefix):])))
	return subtle.ConstantTimeCompare(got[:], s.tokenSum[:]) == 1
}

func errBody(msg string) map[string]any { return map[string]any{"ok": false, "error": msg} }

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code = http.StatusInternalServerError
		b = []byte(`{"ok":false,"error":"cannot encode the reply"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}

// limitListener caps open connections, in total and per client. Unlike a
// listener that blocks in Accept when full, it accepts and closes the excess
// at once, so idle or slow clients holding every slot cannot queue the
// kernel backlog, and the process's file descriptors (which the supervisor
// needs for its child) stay bounded.
type limitListener struct {
	net.Listener
	owner int
	adm   *admission
}

// client is who is at the other end of a connection, as far as we can tell.
type client struct {
	key        string // "uid N" for an identified local user, else "ip ADDR"
	privileged bool   // the supervisor's own user or root
}

type clientKey struct{}

// clientOf returns the client recorded for r's connection (unprivileged
// when unknown).
func clientOf(r *http.Request) client {
	c, _ := r.Context().Value(clientKey{}).(client)
	return c
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		cl := l.identify(c)
		if !l.adm.admit(cl) {
			c.Close()
			continue
		}
		return &limitConn{Conn: c, client: cl, release: func() { l.adm.release(cl) }}, nil
	}
}

// identify names the client of c: on a loopback connection where the OS
// says who owns the other end, its uid; otherwise its address.
func (l *limitListener) identify(c net.Conn) client {
	la, lok := c.LocalAddr().(*net.TCPAddr)
	ra, rok := c.RemoteAddr().(*net.TCPAddr)
	if !lok || !rok {
		return client{key: "ip ?"}
	}
	if ra.IP.IsLoopback() && peerUIDSupported {
		if uid, ok := peerUID(la, ra); ok {
			return client{key: "uid " + strconv.Itoa(uid), privileged: uid == l.owner || uid == 0}
		}
	}
	if ra.IP.IsLoopback() && !peerUIDSupported {
		// This system cannot tell local users apart: loopback clients are
		// served as before (Listen warns that a token is the only gate).
		return client{key: "loopback", privileged: true}
	}
	return client{key: "ip " + ra.IP.String()}
}

type limitConn struct {
	net.Conn
	client  client
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// admission bounds connections: max in total, a quarter of them kept for
// privileged clients, and perClient for each unprivileged one.
type admission struct {
	max, reserved, perClient int

	mu       sync.Mutex
	total    int
	others   int
	byClient map[string]int
}

func newAdmission(max, perClient int) *admission {
	reserved := max / 4
	if reserved < 1 && max > 1 {
		reserved = 1
	}
	return &admission{max: max, reserved: reserved, perClient: min(perClient, max-reserved), byClient: map[string]int{}}
}

func (a *admission) admit(c client) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.total >= a.max {
		return false
	}
	if !c.privileged {
		if a.others >= a.max-a.reserved || a.byClient[c.key] >= a.perClient {
			return false
		}
		a.others++
		a.byClient[c.key]++
	}
	a.total++
	return true
}

func (a *admission) release(c client) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.total--
	if !c.privileged {
		a.others--
		if a.byClient[c.key]--; a.byClient[c.key] <= 0 {
			delete(a.byClient, c.key)
		}
	}
}

// loopbackHost reports whether a Host header names a loopback endpoint: a
// loopback address or localhost (with or without a port), or nothing (an
// HTTP/1.0 request). Anything else is a name that resolved to loopback on
// the client's side, such as a rebinding attacker's domain.
func loopbackHost(h string) bool {
	if h == "" {
		return true
	}
	host := h
	if hh, _, err := net.SplitHostPort(h); err == nil {
		host = hh
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
