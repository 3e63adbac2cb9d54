package ipc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/hashicorp/go-hclog"
)

// ErrInUse means another live server already answers on the socket path.
// Listen never takes over such a socket: two supervisors for one socket would
// each believe they own the child.
var ErrInUse = errors.New("the socket is in use by a running supervisor")

// Defaults for ServerOptions' zero values.
const (
	DefaultIdleTimeout  = 10 * time.Second
	DefaultWriteTimeout = 5 * time.Second
	DefaultMaxConns     = 256

	DefaultSocketCheckInterval = 2 * time.Second
)

// staleDialTimeout bounds the probe that tells a stale socket file from a live
// server. A live server accepts at once; only a wedged one takes longer.
const staleDialTimeout = time.Second

// Peer is who sent a request, as the kernel reports it for the connection.
// Known is false where the OS cannot tell: the socket's permissions are then
// the only gate. On Windows (a named pipe) UID is not a uid but the client's
// access class (see peer_windows.go), so the same rules apply.
type Peer struct {
	UID   int
	PID   int
	Known bool
}

// ReplyWriter sends replies on one connection.
type ReplyWriter interface {
	// Send writes one reply line. It fails once the client has gone away or
	// does not read within the write timeout; a handler must then stop.
	Send(Reply) error
}

// Handler answers one request. It sends exactly one reply, or for `logs` with
// Follow, any number of replies until ctx is done (the client disconnected or
// the server is closing) or Send fails. A handler that returns without
// sending gets an "internal error" reply sent for it, so a client never waits
// for nothing; a panic in a handler is recovered and answered the same way.
// Handlers of different connections run concurrently; those of one connection
// run one after the other, so replies stay in request order.
type Handler func(ctx context.Context, req Request, peer Peer, w ReplyWriter)

// ServerOptions configures Listen. Zero values take the documented defaults.
type ServerOptions struct {
	// Path is the socket file (see DefaultSocketPath).
	Path string
	// Handler answers requests that passed decoding and the permission check.
	Handler Handler
	// Logger receives one line per refused or broken connection; nil: silent.
	Logger hclog.Logger
	// AllowStatusFromAnyUser lets other users send read-only commands
	// (`status`). Where the OS reports peer credentials, the socket is then
	// made reachable by others (file 0666, folder 0711) so the option has an
	// effect; every other command still needs the server's uid or root.
	AllowStatusFromAnyUser bool
	// IdleTimeout is how long a connection may wait before sending its next
	// request: default 10s. A client that sends nothing gets an error reply.
	IdleTimeout time.Duration
	// WriteTimeout bounds each reply write to a slow client: default 5s.
	WriteTimeout time.Duration
	// MaxConns bounds open connections: default 256. Extra connections get an
	// error reply "busy: ..." and are closed. A quarter of them is reserved
	// for the server's own uid and root, so other users (who may only send
	// `status`) can never take them all.
	MaxConns int
	// MaxConnsPerOtherUser bounds the connections of each uid other than the
	// server's own and root: default 16 (never more than the unreserved
	// part of MaxConns).
	MaxConnsPerOtherUser int
	// SocketCheckInterval is how often Serve checks that the socket file is
	// still there while it cannot watch the socket's folder for file events
	// (the folder is gone, or the system has none), and how soon it tries
	// again after a failed re-listen: default 2s. A deleted socket (a
	// cleaner of /tmp or /run, a careless rm) is created again, so control
	// is never lost; with file events that happens at once.
	SocketCheckInterval time.Duration
	// OtherIdleTimeout replaces IdleTimeout, when shorter, for connections of
	// other users: default 2s. Their only command answers at once, so a
	// silent connection of theirs is one held open to take a slot.
	OtherIdleTimeout time.Duration
}

// Server accepts connections on a Unix socket and answers requests.
type Server struct {
	opts   ServerOptions
	log    hclog.Logger
	ln     net.Listener // guarded by mu: Serve swaps it when re-listening
	fi     fs.FileInfo  // the socket file we created, to remove only our own; nil for a named pipe; guarded by mu
	uid    int
	adm    *admission
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	serving bool
	closed  bool
	done    chan struct{} // closed when Serve has cleaned up

	warnMu sync.Mutex
	warned map[int]*warnState // per unprivileged uid, for warnClient

	wg         sync.WaitGroup
	accepted   atomic.Int64 // connections admitted, for tests and logs
	busyLogged atomic.Bool
}

// Listen creates the socket and returns a Server ready to Serve.
//
// The folder is prepared as described at prepareDir (created 0700). A socket
// file that nobody answers is stale (a crashed supervisor's) and is replaced;
// one that a live server answers is left alone and Listen returns an error
// wrapping ErrInUse. Any other file at the path is never removed.
func Listen(o ServerOptions) (*Server, error) {
	if o.Path == "" {
		return nil, errors.New("no socket path given to listen on")
	}
	if o.Handler == nil {
		return nil, errors.New("no handler given for the socket server")
	}
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = DefaultWriteTimeout
	}
	if o.MaxConns <= 0 {
		o.MaxConns = DefaultMaxConns
	}
	if o.OtherIdleTimeout <= 0 {
		o.OtherIdleTimeout = DefaultOtherIdleTimeout
	}
	if o.SocketCheckInterval <= 0 {
		o.SocketCheckInterval = DefaultSocketCheckInterval
	}
	ln, fi, err := listenTransport(&o)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{
		opts:   o,
		log:    o.Logger,
		ln:     ln,
		fi:     fi,
		uid:    serverUID(),
		adm:    newAdmission(o.MaxConns, o.MaxConnsPerOtherUser),
		ctx:    ctx,
		cancel: cancel,
		conns:  make(map[net.Conn]struct{}),
		warned: make(map[int]*warnState),
		done:   make(chan struct{}),
	}, nil
}

// listenUnix creates the Unix socket for Listen (the transport everywhere
// but Windows) and returns it with the file it made, so that Close removes
// only its own file. It sets o.Path to the absolute path.
func listenUnix(o *ServerOptions) (net.Listener, fs.FileInfo, error) {
	path, err := filepath.Abs(o.Path)
	if err != nil {
		return nil, nil, fmt.Errorf("socket path %q: %w", o.Path, err)
	}
	o.Path = path
	if len(path) > maxUnixPath {
		return nil, nil, fmt.Errorf("socket path %s is %d bytes long, more than the %d a socket address can hold: choose a shorter path", path, len(path), maxUnixPath)
	}
	ln, fi, err := bind(*o)
	if err != nil {
		return nil, nil, err // not a typed nil in the interface
	}
	return ln, fi, nil
}

// bind prepares the folder and creates the socket file of o.Path, replacing a
// stale one. Listen uses it, and Serve again when the file has been deleted.
func bind(o ServerOptions) (*net.UnixListener, fs.FileInfo, error) {
	path := o.Path
	dirMode, sockMode := socketDirMode(o.AllowStatusFromAnyUser), fs.FileMode(0o600)
	if o.AllowStatusFromAnyUser && peerCredSupported {
		sockMode = 0o666
	}
	note, err := prepareDir(filepath.Dir(path), dirMode)
	if err != nil {
		return nil, nil, err
	}
	if note != "" {
		o.Logger.Debug(note)
	}
	if err := removeStale(path, o.Logger); err != nil {
		return nil, nil, err
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		if errors.Is(err, syscallEADDRINUSE()) {
			// Someone bound the path between our check and our bind.
			return nil, nil, fmt.Errorf("cannot listen on %s: %w (another supervisor started at the same moment)", path, ErrInUse)
		}
		return nil, nil, fmt.Errorf("cannot listen on %s: %w", path, err)
	}
	// We remove the file ourselves, and only if it is still ours.
	ln.SetUnlinkOnClose(false)
	if err := chmodSocket(path, sockMode); err != nil {
		ln.Close()
		os.Remove(path)
		return nil, nil, err
	}
	fi, err := os.Lstat(path)
	if err != nil {
		ln.Close()
		return nil, nil, fmt.Errorf("socket %s vanished right after it was created: %w", path, err)
	}
	return ln, fi, nil
}

// removeStale deletes a socket file that no server answers. It refuses to
// touch a live socket or anything that is not a socket.
func removeStale(path string, log hclog.Logger) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot inspect the socket path %s: %w", path, err)
	}
	if fi.IsDir() || fi.Mode().IsRegular() || fi.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("%s exists and is not a socket (mode %s): refusing to replace it; remove it or choose another socket path", path, fi.Mode())
	}
	c, err := net.DialTimeout("unix", path, staleDialTimeout)
	if err == nil {
		c.Close()
		return fmt.Errorf("%w: a server already answers on %s; stop that supervisor first or choose another socket path", ErrInUse, path)
	}
	if !isNoServer(err) {
		return fmt.Errorf("cannot tell whether a server still answers on %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot remove the stale socket %s: %w", path, err)
	}
	log.Info("removed a stale socket that no server answered", "path", path)
	return nil
}

// Path returns the socket file's absolute path.
func (s *Server) Path() string { return s.opts.Path }

// Serve accepts connections until ctx is done or Close is called, then closes
// every open connection, waits for the handlers to return, removes the socket
// file if it is still the one Listen created, and returns nil. It returns an
// error only if accepting fails for a reason other than shutdown. After Close
// it returns nil at once.
func (s *Server) Serve(ctx context.Context) error {
	s.mu.Lock()
	if s.serving {
		s.mu.Unlock()
		return errors.New("socket server: Serve called twice")
	}
	if s.closed {
		// Closed before it started: Close has already cleaned up.
		s.mu.Unlock()
		return nil
	}
	s.serving = true
	s.mu.Unlock()
	defer close(s.done)

	stop := context.AfterFunc(ctx, func() { s.shutdown() })
	defer stop()
	watching := make(chan struct{})
	go func() {
		defer close(watching)
		s.watchSocket()
	}()
	defer func() { <-watching }()

	var acceptErr error
	var delay time.Duration
	for {
		ln := s.listener()
		c, err := ln.Accept()
		if err != nil {
			if s.ctx.Err() != nil {
				break
			}
			if ln != s.listener() {
				continue // replaced by a new socket: accept there
			}
			var ne net.Error
			if errors.As(err, &ne) && !errors.Is(err, net.ErrClosed) {
				// Out of file descriptors and the like: wait and retry
				// rather than give up the socket for good.
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				s.log.Warn("accepting a connection failed; retrying", "error", err, "retry_in", delay)
				t := time.NewTimer(delay)
				select {
				case <-t.C:
				case <-s.ctx.Done():
					t.Stop()
				}
				continue
			}
			acceptErr = fmt.Errorf("accepting connections on %s failed: %w", s.opts.Path, err)
			break
		}
		delay = 0
		peer := peerOf(c)
		priv := s.privileged(peer)
		if ok, refusal := s.adm.admit(priv, peer.UID); !ok {
			s.refuseBusy(c, peer, refusal)
			continue
		}
		s.busyLogged.Store(false)
		if !s.track(c) {
			c.Close()
			s.adm.release(priv, peer.UID)
			continue
		}
		s.accepted.Add(1)
		s.wg.Add(1)
		go s.serveConn(c, peer, priv)
	}
	s.shutdown()
	s.closeConns()
	s.wg.Wait()
	s.removeSocket()
	return acceptErr
}

// Close stops the server. If Serve is running, Close waits until it has
// finished and removed the socket file.
func (s *Server) Close() error {
	s.shutdown()
	s.mu.Lock()
	serving := s.serving
	s.mu.Unlock()
	if serving {
		<-s.done
		return nil
	}
	s.removeSocket()
	return nil
}

func (s *Server) shutdown() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	s.cancel()
	s.ln.Close()
}

func (s *Server) listener() net.Listener {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ln
}

// socketSafetyCheck is how often the socket file is checked while its
// folder is watched: file events say at once when it is deleted, and this
// only catches what they cannot (a folder mounted over, say).
const socketSafetyCheck = time.Minute

// watchSocket listens again when the socket file has been deleted. It learns
// of a deletion from the kernel (file events on the socket's folder) and
// falls back to a check every SocketCheckInterval while the folder cannot be
// watched (it is gone too, or the system has no file events), so an idle
// supervisor does not wake every few seconds to look. A file someone else
// put at the path is left alone (it may be another supervisor's), with a
// warning.
func (s *Server) watchSocket() {
	if s.fi == nil {
		return // a transport without a file at the path: nothing to watch
	}
	dir := filepath.Dir(s.opts.Path)
	var events <-chan fsnotify.Event
	var errs <-chan error
	fw, err := fsnotify.NewWatcher()
	if err == nil {
		defer fw.Close()
		events, errs = fw.Events, fw.Errors
	}
	watching := false
	watch := func() {
		if fw != nil && !watching && fw.Add(dir) == nil {
			watching = true
		}
	}
	watch()
	// A first check at once: the file may have gone between Listen and
	// the watch; after it, every deletion is an event.
	t := time.NewTimer(0)
	defer t.Stop()
	warned := false
	for {
		select {
		case <-s.ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				events, errs, watching = nil, nil, false
				break
			}
			if ev.Name == dir && ev.Has(fsnotify.Remove|fsnotify.Rename) {
				watching = false // the folder went, and its watch with it
			} else if ev.Name != s.opts.Path {
				continue // another file in the folder
			}
		case <-errs:
			continue // an overflowed queue: the timer's check still comes
		case <-t.C:
		}
		healthy := s.checkSocket(&warned)
		watch()
		if !t.Stop() {
			select {
			case <-t.C:
			default:
			}
		}
		if healthy && watching {
			t.Reset(socketSafetyCheck)
		} else {
			t.Reset(s.opts.SocketCheckInterval)
		}
	}
}

// checkSocket looks at the socket path once and listens on it again when
// the file is gone. It reports false when the socket is gone and could not
// be made again (the caller checks again soon).
func (s *Server) checkSocket(warned *bool) bool {
	s.mu.Lock()
	mine := s.fi
	s.mu.Unlock()
	fi, err := os.Lstat(s.opts.Path)
	switch {
	case err == nil && os.SameFile(fi, mine):
		*warned = false
		return true
	case err == nil:
		if !*warned {
			s.log.Warn("the socket file was replaced by another; leaving it alone, so this supervisor cannot be reached there", "path", s.opts.Path)
			*warned = true
		}
		return true
	case !errors.Is(err, fs.ErrNotExist):
		return false
	}
	ln, fi, err := bind(s.opts)
	if err != nil {
		if !*warned {
			s.log.Error("the socket file was deleted and cannot be created again; retrying", "path", s.opts.Path, "error", err)
			*warned = true
		}
		return false
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		os.Remove(s.opts.Path)
		return true
	}
	old := s.ln
	s.ln, s.fi = ln, fi
	s.mu.Unlock()
	old.Close()
	*warned = false
	s.log.Warn("the socket file was deleted; listening on it again", "path", s.opts.Path)
	return true
}

func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

func (s *Server) closeConns() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Close()
	}
}

// removeSocket deletes the socket file only if it is still the one Listen
// created: a newer supervisor may have replaced a socket it found stale.
func (s *Server) removeSocket() {
	s.mu.Lock()
	mine := s.fi
	s.mu.Unlock()
	if mine == nil {
		return // a named pipe vanishes with its last handle
	}
	fi, err := os.Lstat(s.opts.Path)
	if err != nil || !os.SameFile(fi, mine) {
		return
	}
	if err := os.Remove(s.opts.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.log.Warn("cannot remove the socket file", "path", s.opts.Path, "error", err)
	}
}

// privileged peers are the server's own uid, root, and peers the OS cannot
// name (the socket's folder ACL was then the gate): they get the reserved
// connections and the long idle timeout.
func (s *Server) privileged(p Peer) bool {
	return !p.Known || p.UID == s.uid || p.UID == 0
}

// refuseBusy answers a connection over a limit. The write goes to an empty
// socket buffer, so it does not block the accept loop.
func (s *Server) refuseBusy(c net.Conn, peer Peer, msg string) {
	defer c.Close()
	if !s.busyLogged.Swap(true) {
		s.log.Warn("refusing connections: too many open", "max_conns", s.opts.MaxConns, "peer_uid", peer.UID, "reason", msg)
	}
	_ = c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
	if b, err := Encode(Reply{OK: false, Error: msg}); err == nil {
		_, _ = c.Write(b)
	}
}

// connWriter is the ReplyWriter of one connection.
type connWriter struct {
	c       net.Conn
	timeout time.Duration
	mu      sync.Mutex
	sent    int
	err     error
}

func (w *connWriter) Send(r Reply) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	b, err := Encode(r)
	if err != nil {
		return fmt.Errorf("cannot encode the reply: %w", err)
	}
	_ = w.c.SetWriteDeadline(time.Now().Add(w.timeout))
	if _, err := w.c.Write(b); err != nil {
		w.err = fmt.Errorf("cannot send the reply, the client is gone or not reading: %w", err)
		return w.err
	}
	w.sent++
	return nil
}

func (w *connWriter) state() (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.sent, w.err
}

// serveConn reads requests from one connection until it ends. Every failure
// here ends at most this connection, never the server.
func (s *Server) serveConn(c net.Conn, peer Peer, priv bool) {
	defer s.wg.Done()
	defer s.adm.release(priv, peer.UID)
	defer s.untrack(c)
	defer c.Close()

	idle := s.opts.IdleTimeout
	if !priv {
		idle = min(idle, s.opts.OtherIdleTimeout)
	}
	log := s.log.With("peer_uid", peer.UID, "peer_pid", peer.PID)
	if !peer.Known {
		log = s.log
	}
	br := bufio.NewReaderSize(c, 64<<10)
	w := &connWriter{c: c, timeout: s.opts.WriteTimeout}
	served := 0
	for {
		_ = c.SetReadDeadline(time.Now().Add(idle))
		line, err := readLine(br, MaxRequestBytes)
		if err != nil {
			switch {
			case errors.Is(err, errLineTooLong):
				s.warnClient(log, priv, peer.UID, "closing a connection that sent an oversized request", "limit_bytes", MaxRequestBytes)
				_ = w.Send(Reply{Error: fmt.Sprintf("request longer than %d bytes: closing the connection", MaxRequestBytes)})
				return
			case isTimeout(err):
				if served == 0 || len(line) > 0 {
					log.Debug("closing a connection that sent no complete request in time", "idle_timeout", idle, "bytes_received", len(line))
					_ = w.Send(Reply{Error: fmt.Sprintf("timed out: no complete request within %s", idle)})
				} else {
					log.Trace("closing an idle connection", "requests_served", served)
				}
				return
			case errors.Is(err, io.EOF) && len(line) > 0:
				// A last request without '\n' (a client that half-closed):
				// answer it, then end.
			default:
				if s.ctx.Err() == nil && !errors.Is(err, io.EOF) {
					log.Debug("connection ended with a read error", "error", err)
				}
				return
			}
		}
		eof := err != nil
		served++
		if !s.answer(line, peer, priv, log, c, br, w) || eof {
			return
		}
	}
}

// answer decodes, checks and dispatches one request. It returns false when
// the connection must end (a stream finished, the client went away).
func (s *Server) answer(line []byte, peer Peer, priv bool, log hclog.Logger, c net.Conn, br *bufio.Reader, w *connWriter) bool {
	req, err := DecodeRequest(line)
	if err != nil {
		s.warnClient(log, priv, peer.UID, "bad request", "error", err)
		return w.Send(Reply{Error: "bad request: " + err.Error()}) == nil
	}
	if err := s.permit(req.Cmd, peer); err != nil {
		s.warnClient(log, priv, peer.UID, "refused a request", "cmd", req.Cmd, "error", err)
		return w.Send(Reply{Error: err.Error()}) == nil
	}
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	stream := req.Cmd == CmdLogs && req.Follow
	if stream {
		// A stream is the last exchange on a connection. Watch the client:
		// anything it sends or its hanging up ends the stream, even while
		// the handler waits for new lines and sends nothing.
		_ = c.SetReadDeadline(time.Time{})
		watching := make(chan struct{})
		go func() {
			defer close(watching)
			var b [1]byte
			_, _ = br.Read(b[:])
			cancel()
		}()
		defer func() { c.Close(); <-watching }()
	}
	before, _ := w.state()
	s.runHandler(ctx, req, peer, log, w)
	after, werr := w.state()
	if werr != nil {
		log.Debug("client went away before its reply was sent", "cmd", req.Cmd, "error", werr)
		return false
	}
	if after == before {
		log.Error("handler sent no reply", "cmd", req.Cmd)
		if w.Send(Reply{Error: fmt.Sprintf("internal error: no reply to %q", req.Cmd)}) != nil {
			return false
		}
	}
	return !stream
}

func (s *Server) runHandler(ctx context.Context, req Request, peer Peer, log hclog.Logger, w *connWriter) {
	defer func() {
		if p := recover(); p != nil {
			log.Error("handler panicked", "cmd", req.Cmd, "panic", p)
			if sent, _ := w.state(); sent == 0 || req.Follow {
				_ = w.Send(Reply{Error: fmt.Sprintf("internal error while answering %q", req.Cmd)})
			}
		}
	}()
	s.opts.Handler(ctx, req, peer, w)
}

// permit applies the access rules: the server's own uid and root may send
// everything but `report`, which only the server's own uid (its child) may
// send; others may send read-only commands when AllowStatusFromAnyUser.
// Without peer credentials the socket's file permissions are the only gate.
func (s *Server) permit(cmd Command, peer Peer) error {
	if !peer.Known {
		return nil
	}
	if cmd == CmdReport {
		if peer.UID == s.uid {
			return nil
		}
		return fmt.Errorf("permission denied: uid %d may not send %q; only the supervisor's own uid %d (its child) may", peer.UID, cmd, s.uid)
	}
	if peer.UID == s.uid || peer.UID == 0 {
		return nil
	}
	if cmd.ReadOnly() && s.opts.AllowStatusFromAnyUser {
		return nil
	}
	if cmd.ReadOnly() {
		return fmt.Errorf("permission denied: uid %d may not send %q; only uid %d or root may (the supervisor does not allow status from other users)", peer.UID, cmd, s.uid)
	}
	return fmt.Errorf("permission denied: uid %d may not send %q; only uid %d or root may", peer.UID, cmd, s.uid)
}

// clientWarnEvery is how often a warning caused by another user's requests
// is logged per uid; the ones in between are counted and the count is added
// to the next. Another local user must not be able to fill the supervisor's
// log (and its disk) by sending refused or broken requests in a loop.
const clientWarnEvery = time.Minute

type warnState struct {
	last       time.Time
	suppressed int
}

// warnClient logs a warning caused by a client's request: always for a
// privileged peer, at most once per clientWarnEvery for each other uid.
func (s *Server) warnClient(log hclog.Logger, priv bool, uid int, msg string, args ...any) {
	if !priv {
		now := time.Now()
		s.warnMu.Lock()
		st := s.warned[uid]
		if st == nil {
			if len(s.warned) > 1024 {
				clear(s.warned) // bounded: uids are few, but stay safe
			}
			st = &warnState{}
			s.warned[uid] = st
		}
		if !st.last.IsZero() && now.Sub(st.last) < clientWarnEvery {
			st.suppressed++
			s.warnMu.Unlock()
			return
		}
		if st.suppressed > 0 {
			args = append(args, "suppressed_since_last", st.suppressed)
		}
		st.last, st.suppressed = now, 0
		s.warnMu.Unlock()
	}
	log.Warn(msg, args...)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
