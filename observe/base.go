// Package observe serves the supervisor's optional HTTP endpoint ([http]
// listen): /healthz for uptime monitors and load balancers, /status with the
// same JSON document as `supervisor status --json`, /metrics in the
// Prometheus text format, and a dashboard at / (page.go) that draws /status
// and the journal (/history) in a browser.
//
// The endpoint must never get in the way of supervision: it runs on its own
// goroutines, reads the status through a function the supervisor provides,
// answers only GET and HEAD, bounds header size, read and write times, the
// number of open connections and the number of requests served at once, and
// answers 503 rather than queueing when it is busy.
//
// Security: a listen address that is not loopback needs a bearer token
// (configs checks this too; Listen checks it again). When a token is set,
// every path requires "Authorization: Bearer TOKEN", but for the
// dashboard's shell (/, /dash.js, /dash.css), which holds no data and asks
// the person for the token it then sends as that header. Without one, a loopback
// endpoint is still shared by every local user: /status, /history and /metrics go
// only to the supervisor's own user and root (on Linux, identified by the
// kernel), others get /healthz without details. On a loopback address
// the Host header must name loopback or localhost, so that a web page cannot
// read the endpoint through DNS rebinding.
package observe

import (
	"time"

	"github.com/ddnsd/ddns/clock"
	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/journal"
	"github.com/hashicorp/go-hclog"
)

// Options configures Listen.
type Options struct {
	// Listen is host:port. A non-loopback host requires Token.
	Listen string
	// Token, when set, is required as "Authorization: Bearer TOKEN" on every
	// path but the dashboard's shell (see servePage).
	Token string
	// Status returns the current status document; it must be safe to call
	// from several goroutines and should return quickly.
	Status func() ipc.Status
	// History answers /history from the journal (the supervisor's and the
	// updater's, merged); nil answers 404. Like Status it is called from
	// the endpoint's goroutines. /history is guarded as /status is.
	History func(journal.Filter) (journal.Result, error)
	// Metrics is served on /metrics; nil serves an empty registry.
	Metrics *Metrics
	// Logger receives the start line and request problems; nil discards.
	Logger hclog.Logger
	// Interval is the updater's pass interval, the unit of /healthz
	// freshness; 0 means the default of 5 minutes.
	Interval time.Duration
	// Clock dates /healthz's verdicts; nil means clock.System().
	Clock clock.Clock
	// MaxConcurrent bounds requests handled at once; 0 means 8.
	MaxConcurrent int
	// MaxConns bounds open connections; 0 means 64. Connections beyond it
	// are closed at once, so a flood cannot use up the process's files.
	MaxConns int
	// ReadHeaderTimeout bounds how long a client may take to send its
	// request headers (a slowloris client is cut off after it); 0 means 5s.
	// The whole request must arrive within twice this, and the reply be
	// written within WriteTimeout.
	ReadHeaderTimeout time.Duration
	// WriteTimeout bounds writing one reply; 0 means 10s.
	WriteTimeout time.Duration
	// IdleTimeout is how long a kept-alive connection may wait for its next
	// request; 0 means 10s.
	IdleTimeout time.Duration
	// MaxConnsPerClient bounds the open connections of one client: one
	// local user (on Linux, asked of the kernel for loopback clients)
	// or one remote address; 0 means 8. A quarter of MaxConns is kept for
	// the supervisor's own user and root, so other users cannot starve
	// /healthz for them.
	MaxConnsPerClient int
	// OwnerUID is the supervisor's uid; 0 means os.Geteuid(). Without a
	// token, /status, /history and /metrics are served only to this uid and root
	// (unless StatusForAnyUser); other local users get /healthz with no
	// details. Where the OS cannot tell who a loopback client is (systems
	// other than Linux), loopback clients are served as before and Listen
	// warns that only a token keeps other users out.
	OwnerUID int
	// StatusForAnyUser serves /status, /history and /metrics without a token to every
	// local user, as status_for_any_user does for the socket.
	StatusForAnyUser bool
}

// DefaultInterval is used when Options.Interval is zero; it matches the
// updater's default pass interval.
const DefaultInterval = 5 * time.Minute
