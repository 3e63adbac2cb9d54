//go:build windows

package ipc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// The control channel on Windows is a named pipe. The server code (framing,
// limits, peer checks, replies) is the same as on Unix; only this transport
// differs: a net.Listener over several overlapped pipe instances, and a
// net.Conn over each connected instance (an *os.File, which gives deadlines
// because the handle is overlapped).
//
// Why not AF_UNIX, which real Windows has: wine has none, and a pipe carries
// what the socket cannot there: an explicit access list and the client's
// account (impersonation) and pid.

const (
	// pipeInstances is how many instances of each pipe wait for a client.
	// A client finding all of them busy retries (ERROR_PIPE_BUSY) until its
	// deadline, so this bounds latency under a burst, not the burst.
	pipeInstances = 16
	// pipeBufferSize is each direction's buffer, sized like the socket's
	// reader so one reply line rarely waits for the client.
	pipeBufferSize = 64 << 10
	// statusPipeSuffix names the read-only pipe status_for_any_user adds.
	statusPipeSuffix = "-status"
	// pipeBusyWait bounds one wait for a free instance before the client
	// tries again. Each try is a round trip to the kernel (under wine, to
	// wineserver), so a burst of waiting clients backs off with jitter
	// rather than spin.
	pipeBusyWait = 100 * time.Millisecond
)

var (
	modadvapi32                    = windows.NewLazySystemDLL("advapi32.dll")
	procImpersonateNamedPipeClient = modadvapi32.NewProc("ImpersonateNamedPipeClient")
)

// listenTransport is the named pipe on Windows.
func listenTransport(o *ServerOptions) (net.Listener, fs.FileInfo, error) {
	ln, err := listenPipe(PipeName(o.Path), o.AllowStatusFromAnyUser, o.IdleTimeout, o.MaxConns)
	if err != nil {
		return nil, nil, err
	}
	o.Path = ln.name
	o.Logger.Debug("listening on a named pipe", "pipe", ln.name, "instances", pipeInstances, "status_pipe", o.AllowStatusFromAnyUser)
	return ln, nil, nil
}

// pipeSDDL is the pipe's access list: full access for SYSTEM, the
// Administrators and the owner (the account the server runs as), nobody
// else; "P" makes it protected, so nothing is inherited. The status pipe
// adds read and write (needed to send a request) for every signed-in user;
// only read-only commands are answered there.
func pipeSDDL(owner *windows.SID, status bool) string {
	s := "D:P(A;;GA;;;SY)(A;;GA;;;BA)"
	if owner != nil {
		s += "(A;;GA;;;" + owner.String() + ")"
	}
	if status {
		s += "(A;;GRGW;;;AU)"
	}
	return s
}

// pipeListener accepts clients on one control pipe (and its read-only twin).
type pipeListener struct {
	name    string
	conns   chan *pipeConn
	closeEv windows.Handle // manual-reset, set by Close: wakes every waiting instance
	done    chan struct{}
	once    sync.Once
	wg      sync.WaitGroup // the instance goroutines
	first   time.Duration  // how long a new client may take to send its first bytes

	hsMu    sync.Mutex
	hs      map[*os.File]struct{} // connections still in their handshake
	hsSem   chan struct{}         // bounds them, as MaxConns bounds served ones
	self    *windows.SID
	selfUID int
}

type pipeSpec struct {
	name     string
	sa       *windows.SecurityAttributes
	readOnly bool
}

// listenPipe creates the first instance of name (refusing a name someone
// already serves or squats), then keeps pipeInstances instances waiting.
func listenPipe(name string, statusPipe bool, first time.Duration, maxConns int) (*pipeListener, error) {
	self := selfSID()
	specs := []pipeSpec{{name: name}}
	if statusPipe {
		specs = append(specs, pipeSpec{name: name + statusPipeSuffix, readOnly: true})
	}
	handles := make([]windows.Handle, len(specs))
	closeAll := func() {
		for _, h := range handles {
			if h != 0 {
				windows.CloseHandle(h)
			}
		}
	}
	for i := range specs {
		sd, err := windows.SecurityDescriptorFromString(pipeSDDL(self, specs[i].readOnly))
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("cannot build the access list of the pipe %s: %w", specs[i].name, err)
		}
		specs[i].sa = &windows.SecurityAttributes{SecurityDescriptor: sd}
		specs[i].sa.Length = uint32(unsafe.Sizeof(windows.SecurityAttributes{}))
		// FILE_FLAG_FIRST_PIPE_INSTANCE makes Windows refuse a name that
		// exists; wine does not enforce it, so ask first as well.
		if pipeAnswers(specs[i].name) {
			closeAll()
			return nil, fmt.Errorf("%w: the pipe %s already exists (a running supervisor, or another program holding the name); stop that supervisor first or choose another socket", ErrInUse, specs[i].name)
		}
		h, err := createPipe(specs[i], true)
		if err != nil {
			closeAll()
			if errors.Is(err, windows.ERROR_ACCESS_DENIED) || errors.Is(err, windows.ERROR_PIPE_BUSY) {
				return nil, fmt.Errorf("cannot listen on %s: %w (the name is taken): %w", specs[i].name, ErrInUse, err)
			}
			return nil, fmt.Errorf("cannot create the pipe %s: %w", specs[i].name, err)
		}
		handles[i] = h
	}
	ev, err := windows.CreateEvent(nil, 1, 0, nil)
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("cannot create the pipe listener's close event: %w", err)
	}
	if first <= 0 {
		first = DefaultIdleTimeout
	}
	l := &pipeListener{
		name: name, conns: make(chan *pipeConn), closeEv: ev, done: make(chan struct{}),
		first: first, self: self, selfUID: serverUID(), hs: map[*os.File]struct{}{},
		hsSem: make(chan struct{}, max(maxConns, 1)),
	}
	for i, sp := range specs {
		for n := range pipeInstances {
			h := windows.Handle(0)
			if n == 0 {
				h = handles[i]
			}
			l.wg.Add(1)
			go l.instance(sp, h)
		}
	}
	return l, nil
}

// createPipe makes one overlapped, byte-mode, local-only instance.
func createPipe(sp pipeSpec, first bool) (windows.Handle, error) {
	n16, err := windows.UTF16PtrFromString(sp.name)
	if err != nil {
		return 0, err
	}
	flags := uint32(windows.PIPE_ACCESS_DUPLEX | windows.FILE_FLAG_OVERLAPPED)
	if first {
		flags |= windows.FILE_FLAG_FIRST_PIPE_INSTANCE
	}
	mode := uint32(windows.PIPE_TYPE_BYTE | windows.PIPE_READMODE_BYTE | windows.PIPE_WAIT | windows.PIPE_REJECT_REMOTE_CLIENTS)
	return windows.CreateNamedPipe(n16, flags, mode, windows.PIPE_UNLIMITED_INSTANCES, pipeBufferSize, pipeBufferSize, 0, sp.sa)
}

// pipeAnswers reports whether a pipe of that name exists (served, busy, or
// closed to us).
func pipeAnswers(name string) bool {
	n16, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return false
	}
	h, err := windows.CreateFile(n16, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil, windows.OPEN_EXISTING,
		windows.SECURITY_SQOS_PRESENT|windows.SECURITY_IDENTIFICATION, 0)
	if err == nil {
		windows.CloseHandle(h)
		return true
	}
	return errors.Is(err, windows.ERROR_PIPE_BUSY) || errors.Is(err, windows.ERROR_ACCESS_DENIED)
}

// instance serves one pipe slot: wait for a client, hand it to a handshake
// goroutine, create the next instance, until Close.
func (l *pipeListener) instance(sp pipeSpec, h windows.Handle) {
	defer l.wg.Done()
	for {
		if h == 0 {
			var err error
			if h, err = createPipe(sp, false); err != nil {
				// Out of resources: wait a moment (or for Close) and retry,
				// the other instances still serve.
				if ev, _ := windows.WaitForSingleObject(l.closeEv, 100); ev == windows.WAIT_OBJECT_0 {
					return
				}
				continue
			}
		}
		if err := l.connect(h); err != nil {
			windows.CloseHandle(h)
			if l.closed() {
				return
			}
			h = 0
			continue
		}
		select {
		case l.hsSem <- struct{}{}:
			go l.handshake(h, sp.readOnly)
		default:
			// Clients that connect and say nothing must not pile up
			// without bound: beyond MaxConns of them, answer busy.
			refusePipe(h, cap(l.hsSem))
		}
		h = 0
	}
}

var errListenerClosed = errors.New("the pipe listener is closed")

// connect waits until a client connects to h or the listener closes.
func (l *pipeListener) connect(h windows.Handle) error {
	ev, err := windows.CreateEvent(nil, 1, 0, nil)
	if err != nil {
		return err
	}
	defer windows.CloseHandle(ev)
	ov := &windows.Overlapped{HEvent: ev}
	err = windows.ConnectNamedPipe(h, ov)
	switch {
	case err == nil, errors.Is(err, windows.ERROR_PIPE_CONNECTED):
		return nil
	case !errors.Is(err, windows.ERROR_IO_PENDING):
		return err
	}
	w, err := windows.WaitForMultipleObjects([]windows.Handle{ev, l.closeEv}, false, windows.INFINITE)
	var n uint32
	if err == nil && w == windows.WAIT_OBJECT_0 {
		return windows.GetOverlappedResult(h, ov, &n, false)
	}
	_ = windows.CancelIoEx(h, ov)
	_ = windows.GetOverlappedResult(h, ov, &n, true)
	return errListenerClosed
}

// handshake reads the client's first bytes (impersonation needs data read
// from the pipe first), learns who it is, and passes the connection to
// Accept with those bytes kept for the server's reader.
func (l *pipeListener) handshake(h windows.Handle, readOnly bool) {
	defer func() { <-l.hsSem }()
	f := os.NewFile(uintptr(h), l.name)
	l.hsMu.Lock()
	if l.closed() {
		l.hsMu.Unlock()
		f.Close()
		return
	}
	l.hs[f] = struct{}{}
	l.hsMu.Unlock()
	defer func() {
		l.hsMu.Lock()
		delete(l.hs, f)
		l.hsMu.Unlock()
	}()
	c := &pipeConn{f: f, name: l.name}
	_ = f.SetReadDeadline(time.Now().Add(l.first))
	buf := make([]byte, 4096)
	n, err := f.Read(buf)
	_ = f.SetReadDeadline(time.Time{})
	if n == 0 && err != nil && !isTimeout(err) {
		f.Close() // it hung up before saying anything
		return
	}
	c.prefix = buf[:n]
	c.peer = l.identify(h, n > 0, readOnly)
	select {
	case l.conns <- c:
	case <-l.done:
		f.Close()
	}
}

// refusePipe answers a client over the handshake limit with the busy reply
// the server gives one over MaxConns, and hangs up.
func refusePipe(h windows.Handle, limit int) {
	f := os.NewFile(uintptr(h), "refused")
	defer f.Close()
	_ = f.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
	msg := fmt.Sprintf("busy: the supervisor already has %d connections waiting for their first request; try again shortly", limit)
	if b, err := Encode(Reply{OK: false, Error: msg}); err == nil {
		_, _ = f.Write(b)
	}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close stops every instance and drops the clients still in their
// handshake; it returns once no instance is left, so a client dialing after
// Close finds no pipe (ErrNoServer). Connections already accepted stay open
// (the server closes them).
func (l *pipeListener) Close() error {
	l.once.Do(func() {
		l.hsMu.Lock()
		close(l.done)
		for f := range l.hs {
			f.Close()
		}
		l.hsMu.Unlock()
		_ = windows.SetEvent(l.closeEv)
		l.wg.Wait()
		windows.CloseHandle(l.closeEv)
	})
	return nil
}

func (l *pipeListener) closed() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr(l.name) }

// pipeAddr is a pipe's name as a net.Addr.
type pipeAddr string

func (a pipeAddr) Network() string { return "pipe" }
func (a pipeAddr) String() string  { return string(a) }

// pipeConn is one connected pipe instance (either end).
type pipeConn struct {
	f      *os.File
	name   string
	prefix []byte // bytes the handshake read ahead of the server's reader
	peer   Peer
}

// Read returns the handshake's bytes first. A pipe whose other end went
// away is io.EOF, as a closed socket is.
func (c *pipeConn) Read(b []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(b, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	n, err := c.f.Read(b)
	if err != nil && (errors.Is(err, windows.ERROR_BROKEN_PIPE) || errors.Is(err, windows.ERROR_PIPE_NOT_CONNECTED)) {
		err = io.EOF
	}
	return n, err
}

func (c *pipeConn) Write(b []byte) (int, error)        { return c.f.Write(b) }
func (c *pipeConn) Close() error                       { return c.f.Close() }
func (c *pipeConn) LocalAddr() net.Addr                { return pipeAddr(c.name) }
func (c *pipeConn) RemoteAddr() net.Addr               { return pipeAddr(c.name) }
func (c *pipeConn) SetDeadline(t time.Time) error      { return c.f.SetDeadline(t) }
func (c *pipeConn) SetReadDeadline(t time.Time) error  { return c.f.SetReadDeadline(t) }
func (c *pipeConn) SetWriteDeadline(t time.Time) error { return c.f.SetWriteDeadline(t) }

// dialTransport connects to the pipe a socket setting means, waiting for a
// free instance (ERROR_PIPE_BUSY) until ctx ends. The client allows only
// identification, never impersonation, so the server learns who it is but
// cannot act as it. If the main pipe refuses us (another user's supervisor
// that allows status from anyone), its read-only twin is tried.
//
// A user's own default pipe that does not exist falls back to the service's
// pipe: a standard user's `supervisor status` then reaches the service
// (through its status pipe, if it allows status from other users) without
// being told where it is.
func dialTransport(ctx context.Context, path string) (net.Conn, error) {
	name := PipeName(path)
	c, err := dialOrStatus(ctx, name)
	if errors.Is(err, fs.ErrNotExist) && !strings.EqualFold(name, WindowsServicePipe) && strings.EqualFold(name, DefaultSocketPath()) {
		if sc, serr := dialOrStatus(ctx, WindowsServicePipe); serr == nil {
			return sc, nil
		}
	}
	return c, err
}

// dialOrStatus dials a pipe, or its read-only twin when the pipe refuses us.
func dialOrStatus(ctx context.Context, name string) (net.Conn, error) {
	c, err := dialPipe(ctx, name)
	if errors.Is(err, windows.ERROR_ACCESS_DENIED) {
		if sc, serr := dialPipe(ctx, name+statusPipeSuffix); serr == nil {
			return sc, nil
		}
	}
	return c, err
}

func dialPipe(ctx context.Context, name string) (net.Conn, error) {
	n16, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return nil, fmt.Errorf("pipe name %q: %w", name, err)
	}
	retry := 2 * time.Millisecond
	for {
		h, err := windows.CreateFile(n16, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil, windows.OPEN_EXISTING,
			windows.FILE_FLAG_OVERLAPPED|windows.SECURITY_SQOS_PRESENT|windows.SECURITY_IDENTIFICATION, 0)
		if err == nil {
			return &pipeConn{f: os.NewFile(uintptr(h), name), name: name}, nil
		}
		if !errors.Is(err, windows.ERROR_PIPE_BUSY) {
			return nil, &os.PathError{Op: "open", Path: name, Err: err}
		}
		// Every instance is taken. WaitNamedPipe would park an OS thread
		// per waiting client (a thousand threads in a burst); a timer
		// parks only the goroutine. The wait grows to pipeBusyWait.
		t := time.NewTimer(retry/2 + rand.N(retry))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("every instance of the pipe %s stayed busy: %w", name, context.Cause(ctx))
		case <-t.C:
		}
		retry = min(2*retry, pipeBusyWait)
	}
}
