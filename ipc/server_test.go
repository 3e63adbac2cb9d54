package ipc

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRoundTripEveryCommand(t *testing.T) {
	reports := make(chan Report, 1)
	s := startServer(t, ServerOptions{Handler: func(ctx context.Context, req Request, p Peer, w ReplyWriter) {
		if req.Cmd == CmdReport {
			reports <- *req.Report
		}
		echoHandler(ctx, req, p, w)
	}})
	at := time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC)
	for _, cmd := range Commands() {
		t.Run(string(cmd), func(t *testing.T) {
			c := dial(t, s.Path())
			req := Request{Cmd: cmd}
			switch cmd {
			case CmdLogs:
				req.Lines = 3
			case CmdReport:
				req.Report = &Report{PID: 4242, At: at, Records: []RecordStatus{{Name: "home.example.com", Type: "A", Address: "192.0.2.1"}}}
			}
			rep, err := c.Do(ctxT(t), req)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.OK {
				t.Fatalf("reply not OK: %+v", rep)
			}
			switch cmd {
			case CmdStatus:
				if rep.Status == nil || rep.Status.Supervisor.PID != os.Getpid() {
					t.Fatalf("status reply: %+v", rep)
				}
			case CmdLogs:
				if len(rep.Lines) != 3 || rep.Lines[2] != "line 2" {
					t.Fatalf("logs reply lines: %q", rep.Lines)
				}
			case CmdReport:
				got := <-reports
				if got.PID != 4242 || !got.At.Equal(at) || len(got.Records) != 1 || got.Records[0].Address != "192.0.2.1" {
					t.Fatalf("handler got report %+v", got)
				}
			default:
				if rep.Message != string(cmd) {
					t.Fatalf("reply message %q, want %q", rep.Message, cmd)
				}
			}
		})
	}
}

func TestPersistentConnectionManyRequests(t *testing.T) {
	s := startServer(t, ServerOptions{})
	c := dial(t, s.Path())
	cmds := Commands()
	for i := 0; i < 500; i++ {
		cmd := cmds[i%len(cmds)]
		req := Request{Cmd: cmd}
		want := string(cmd)
		switch cmd {
		case CmdStatus, CmdLogs:
			req.Cmd, want = CmdRestart, string(CmdRestart)
		case CmdReport:
			req.Report = &Report{PID: i}
			want = fmt.Sprintf("report from pid %d", i)
		}
		rep, err := c.Do(ctxT(t), req)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if rep.Message != want {
			t.Fatalf("request %d: reply %q, want %q (replies out of order?)", i, rep.Message, want)
		}
	}
	if n := s.accepted.Load(); n != 1 {
		t.Fatalf("server accepted %d connections for one client, want 1", n)
	}
}

func TestFollowStream(t *testing.T) {
	handlerDone := make(chan error, 1)
	s := startServer(t, ServerOptions{Handler: func(ctx context.Context, req Request, p Peer, w ReplyWriter) {
		if req.Cmd != CmdLogs || !req.Follow {
			echoHandler(ctx, req, p, w)
			return
		}
		for i := 0; i < 5; i++ {
			if err := w.Send(Reply{OK: true, Lines: []string{fmt.Sprintf("line %d", i)}}); err != nil {
				handlerDone <- err
				return
			}
		}
		// No more lines for now: wait like a real follower. Only the
		// client's hanging up can end this.
		<-ctx.Done()
		handlerDone <- ctx.Err()
	}})
	c := dial(t, s.Path())
	var got []string
	errEnough := errors.New("enough")
	err := c.Stream(ctxT(t), Request{Cmd: CmdLogs, Follow: true}, func(r Reply) error {
		got = append(got, r.Lines...)
		if len(got) == 5 {
			return errEnough
		}
		return nil
	})
	if !errors.Is(err, errEnough) {
		t.Fatalf("Stream returned %v, want the callback's error", err)
	}
	if strings.Join(got, ",") != "line 0,line 1,line 2,line 3,line 4" {
		t.Fatalf("streamed lines %q", got)
	}
	short, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := c.Do(short, Request{Cmd: CmdStatus}); err == nil || !strings.Contains(err.Error(), "used for a stream") {
		t.Fatalf("Do on a connection that carried a stream: %v; it must refuse at once, saying why", err)
	}
	c.Close()
	select {
	case err := <-handlerDone:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("handler ended with %v, want its context cancelled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the follow handler was not told that the client hung up")
	}
	mustStatus(t, s.Path())
}

func TestStreamEndsWhenServerEndsIt(t *testing.T) {
	s := startServer(t, ServerOptions{Handler: func(ctx context.Context, req Request, p Peer, w ReplyWriter) {
		_ = w.Send(Reply{OK: true, Lines: []string{"only"}})
	}})
	c := dial(t, s.Path())
	n := 0
	if err := c.Stream(ctxT(t), Request{Cmd: CmdLogs, Follow: true}, func(Reply) error { n++; return nil }); err != nil {
		t.Fatalf("Stream: %v", err)
	}
	if n != 1 {
		t.Fatalf("got %d replies, want 1", n)
	}
}

// rawExchange writes input on a fresh raw connection and returns the first
// reply line and whether the server then closed the connection.
func rawExchange(t *testing.T, path, input string) (Reply, bool) {
	t.Helper()
	c, err := dialTransport(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, input); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	line, err := br.ReadBytes('\n')
	if err != nil {
		t.Fatalf("no reply to %.40q: %v", input, err)
	}
	var rep Reply
	if err := json.Unmarshal(line, &rep); err != nil {
		t.Fatalf("reply %q: %v", line, err)
	}
	// Probe whether the connection is still open by asking for status.
	if _, err := io.WriteString(c, `{"cmd":"status"}`+"\n"); err != nil {
		return rep, true
	}
	_, err = br.ReadBytes('\n')
	return rep, err != nil
}

func TestMalformedRequests(t *testing.T) {
	logger, logs := testLogger(t)
	s := startServer(t, ServerOptions{Logger: logger})
	tests := []struct {
		name, input string
		wantErr     string
		wantClosed  bool
	}{
		{"bad JSON", "{\"cmd\":\n", "bad request", false},
		{"not an object", "[1,2]\n", "bad request", false},
		{"unknown command", `{"cmd":"explode"}` + "\n", `unknown command "explode"`, false},
		{"unknown field", `{"cmd":"status","colour":"red"}` + "\n", `unknown field "colour"`, false},
		{"unknown field in report", `{"cmd":"report","report":{"pid":1,"secret":2}}` + "\n", `unknown field "secret"`, false},
		{"wrong type", `{"cmd":"logs","lines":"ten"}` + "\n", `"lines"`, false},
		{"two objects", `{"cmd":"status"}{"cmd":"stop"}` + "\n", "one object per line", false},
		{"empty line", "\n", "empty request", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, closed := rawExchange(t, s.Path(), tt.input)
			if rep.OK || !strings.Contains(rep.Error, tt.wantErr) {
				t.Fatalf("reply %+v, want an error containing %q", rep, tt.wantErr)
			}
			if closed != tt.wantClosed {
				t.Fatalf("connection closed=%v, want %v", closed, tt.wantClosed)
			}
			mustStatus(t, s.Path())
		})
	}
	if n := logs.Count("bad request"); n != len(tests) {
		t.Errorf("%d log lines about bad requests for %d bad requests, want one each:\n%s", n, len(tests), logs)
	}
}

func TestOversizedRequest(t *testing.T) {
	logger, logs := testLogger(t)
	s := startServer(t, ServerOptions{Logger: logger})
	c, err := dialTransport(context.Background(), s.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	// Write 10 MB without a newline from another goroutine: the server must
	// answer and hang up long before it has all of it.
	wrote := make(chan int64, 1)
	go func() {
		chunk := []byte(`{"cmd":"status","pad":"` + strings.Repeat("x", 64<<10))
		var n int64
		for n < 10<<20 {
			k, err := c.Write(chunk)
			n += int64(k)
			if err != nil {
				break
			}
		}
		wrote <- n
	}()
	line, err := bufio.NewReader(c).ReadBytes('\n')
	if err != nil {
		t.Fatalf("no reply to a 10 MB line: %v", err)
	}
	var rep Reply
	if err := json.Unmarshal(line, &rep); err != nil || rep.OK || !strings.Contains(rep.Error, "longer than") {
		t.Fatalf("reply %q (%v), want an error about the length", line, err)
	}
	if n := <-wrote; n >= 10<<20 {
		t.Fatalf("the server swallowed all %d bytes; it should have hung up after about %d", n, MaxRequestBytes)
	}
	if n := logs.Count("oversized request"); n != 1 {
		t.Errorf("%d log lines about the oversized request, want 1:\n%s", n, logs)
	}
	mustStatus(t, s.Path())
}

// countingReader yields endless bytes without a newline and counts them.
type countingReader struct{ n int }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	r.n += len(p)
	return len(p), nil
}

func TestReadLineStopsAtLimit(t *testing.T) {
	src := &countingReader{}
	br := bufio.NewReaderSize(src, 4096)
	_, err := readLine(br, 100_000)
	if !errors.Is(err, errLineTooLong) {
		t.Fatalf("readLine of an endless line: %v, want errLineTooLong", err)
	}
	if src.n > 100_000+2*4096 {
		t.Fatalf("readLine consumed %d bytes for a limit of 100000: it buffers too much", src.n)
	}
	// Exactly at the limit is fine.
	br = bufio.NewReaderSize(strings.NewReader(strings.Repeat("y", 10_000)+"\nnext\n"), 16)
	line, err := readLine(br, 10_000)
	if err != nil || len(line) != 10_000 {
		t.Fatalf("line at the limit: len %d, %v", len(line), err)
	}
	if line, err := readLine(br, 10_000); err != nil || string(line) != "next" {
		t.Fatalf("next line: %q, %v", line, err)
	}
}

func TestSilentClientTimesOut(t *testing.T) {
	logger, logs := testLogger(t)
	s := startServer(t, ServerOptions{Logger: logger, IdleTimeout: 100 * time.Millisecond})
	c, err := dialTransport(context.Background(), s.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	line, err := br.ReadBytes('\n')
	if err != nil {
		t.Fatalf("a silent client got no reply: %v", err)
	}
	if !strings.Contains(string(line), "timed out") {
		t.Fatalf("reply %q, want a timeout error", line)
	}
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the timeout reply: %v, want the server to hang up", err)
	}
	if n := logs.Count("no complete request in time"); n != 1 {
		t.Errorf("%d log lines about the silent client, want 1:\n%s", n, logs)
	}
	mustStatus(t, s.Path())
}

func TestClientClosesMidReply(t *testing.T) {
	sendErr := make(chan error, 1)
	big := strings.Repeat("z", 1<<20)
	s := startServer(t, ServerOptions{WriteTimeout: 5 * time.Second, Handler: func(ctx context.Context, req Request, p Peer, w ReplyWriter) {
		if req.Cmd != CmdLogs {
			echoHandler(ctx, req, p, w)
			return
		}
		// Far more than socket buffers hold: the write must fail once the
		// client has gone.
		for i := 0; i < 64; i++ {
			if err := w.Send(Reply{OK: true, Lines: []string{big}}); err != nil {
				sendErr <- err
				return
			}
		}
		sendErr <- nil
	}})
	c, err := dialTransport(context.Background(), s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(c, `{"cmd":"logs","follow":true}`+"\n"); err != nil {
		t.Fatal(err)
	}
	// Read a little of the reply, then hang up in the middle of it.
	if _, err := io.ReadFull(c, make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	c.Close()
	select {
	case err := <-sendErr:
		if err == nil {
			t.Fatal("every Send succeeded although the client hung up")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the handler's Send did not fail after the client hung up")
	}
	mustStatus(t, s.Path())
}

func TestHandlerWithoutReplyOrPanicking(t *testing.T) {
	s := startServer(t, ServerOptions{Handler: func(ctx context.Context, req Request, p Peer, w ReplyWriter) {
		switch req.Cmd {
		case CmdStop:
			panic("boom")
		case CmdStart:
			return // forgets to reply
		}
		echoHandler(ctx, req, p, w)
	}})
	c := dial(t, s.Path())
	for _, tc := range []struct {
		cmd  Command
		want string
	}{
		{CmdStop, `internal error while answering "stop"`}, // the panic is answered where it is caught
		{CmdStart, `internal error: no reply to "start"`},
	} {
		rep, err := c.Do(ctxT(t), Request{Cmd: tc.cmd})
		if err != nil {
			t.Fatalf("%s: %v", tc.cmd, err)
		}
		if rep.OK || rep.Error != tc.want {
			t.Fatalf("%s: reply %+v, want the error %q", tc.cmd, rep, tc.want)
		}
	}
	// The same connection still works.
	if rep, err := c.Do(ctxT(t), Request{Cmd: CmdRestart}); err != nil || rep.Message != "restart" {
		t.Fatalf("after the broken handlers: %+v, %v", rep, err)
	}
}

func TestThousandConcurrentStatus(t *testing.T) {
	const n = 1000
	s := startServer(t, ServerOptions{MaxConns: n + 10})
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			c, err := Dial(ctx, s.Path())
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			rep, err := c.Do(ctx, Request{Cmd: CmdStatus})
			if err == nil && (!rep.OK || rep.Status == nil) {
				err = fmt.Errorf("bad reply %+v", rep)
			}
			errs <- err
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		if err != nil {
			if failed < 5 {
				t.Error(err)
			}
			failed++
		}
	}
	if failed > 0 {
		t.Fatalf("%d of %d concurrent status requests failed", failed, n)
	}
}

func TestBusyRepliesAreReplies(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 2)
	s := startServer(t, ServerOptions{MaxConns: 2, Handler: func(ctx context.Context, req Request, p Peer, w ReplyWriter) {
		if req.Cmd == CmdRestart {
			entered <- struct{}{}
			select {
			case <-release:
			case <-ctx.Done():
			}
		}
		echoHandler(ctx, req, p, w)
	}})
	// Two clients hold both slots.
	held := make(chan error, 2)
	for i := 0; i < 2; i++ {
		c := dial(t, s.Path())
		go func() {
			_, err := c.Do(context.Background(), Request{Cmd: CmdRestart})
			held <- err
		}()
		<-entered
	}
	c := dial(t, s.Path())
	rep, err := c.Do(ctxT(t), Request{Cmd: CmdStatus})
	if err != nil {
		t.Fatalf("third connection: %v, want a busy reply", err)
	}
	if rep.OK || !strings.HasPrefix(rep.Error, "busy") {
		t.Fatalf("third connection: reply %+v, want busy", rep)
	}
	close(release)
	for i := 0; i < 2; i++ {
		if err := <-held; err != nil {
			t.Fatal(err)
		}
	}
}

func TestStaleSocketReplaced(t *testing.T) {
	unixSocketOnly(t)
	dir := filepath.Join(tempDir(t), "ddns")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, SocketFileName)
	// A crashed server leaves its socket file behind.
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("the stale socket should exist: %v", err)
	}
	if _, err := Dial(ctxT(t), path); !errors.Is(err, ErrNoServer) {
		t.Fatalf("Dial to a stale socket: %v, want ErrNoServer", err)
	}
	s := startServer(t, ServerOptions{Path: path})
	mustStatus(t, s.Path())
}

func TestLiveSocketNotStolen(t *testing.T) {
	s := startServer(t, ServerOptions{})
	_, err := Listen(ServerOptions{Path: s.Path(), Handler: echoHandler})
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("second Listen on a live socket: %v, want ErrInUse", err)
	}
	if !strings.Contains(err.Error(), s.Path()) {
		t.Errorf("error %q does not name the socket", err)
	}
	mustStatus(t, s.Path())
}

func TestNonSocketFileNotReplaced(t *testing.T) {
	unixSocketOnly(t)
	path := filepath.Join(tempDir(t), "ddns.sock")
	if err := os.WriteFile(path, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(ServerOptions{Path: path, Handler: echoHandler}); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Fatalf("Listen over a regular file: %v, want a refusal", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "precious" {
		t.Fatal("Listen destroyed a regular file")
	}
}

func TestSocketRemovedOnCloseOnlyIfOurs(t *testing.T) {
	unixSocketOnly(t)
	path := filepath.Join(tempDir(t), "ddns", SocketFileName)
	s, err := Listen(ServerOptions{Path: path, Handler: echoHandler})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	mustStatus(t, path)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("socket file after shutdown: %v, want it removed", err)
	}

	// A server whose file was replaced by a newer one must not remove it.
	s1, err := Listen(ServerOptions{Path: path, Handler: echoHandler})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	s2 := startServer(t, ServerOptions{Path: path})
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	mustStatus(t, s2.Path())
}

func TestSocketAndFolderModes(t *testing.T) {
	unixSocketOnly(t)
	base := tempDir(t)
	tests := []struct {
		name     string
		prepare  func(dir string)
		anyUser  bool
		wantDir  os.FileMode
		wantSock os.FileMode
	}{
		{"new folder", func(string) {}, false, 0o700, 0o600},
		{"existing loose folder is tightened", func(d string) { must(t, os.Mkdir(d, 0o777)); must(t, os.Chmod(d, 0o777)) }, false, 0o700, 0o600},
		{"status for any user", func(string) {}, true, 0o711, 0o666},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.anyUser && !peerCredSupported {
				t.Skip("no peer credentials on this OS, so the socket is never opened to others")
			}
			dir := filepath.Join(base, fmt.Sprintf("case%d", i), "ddns")
			must(t, os.MkdirAll(filepath.Dir(dir), 0o700))
			tt.prepare(dir)
			s := startServer(t, ServerOptions{Path: filepath.Join(dir, SocketFileName), AllowStatusFromAnyUser: tt.anyUser})
			dfi, err := os.Stat(dir)
			must(t, err)
			sfi, err := os.Stat(s.Path())
			must(t, err)
			if dfi.Mode().Perm() != tt.wantDir {
				t.Errorf("folder mode %o, want %o", dfi.Mode().Perm(), tt.wantDir)
			}
			if sfi.Mode().Perm() != tt.wantSock {
				t.Errorf("socket mode %o, want %o", sfi.Mode().Perm(), tt.wantSock)
			}
			if sfi.Mode()&os.ModeSocket == 0 {
				t.Errorf("%s is not a socket: %s", s.Path(), sfi.Mode())
			}
		})
	}
}

func TestSharedFolderLeftAlone(t *testing.T) {
	unixSocketOnly(t)
	dir := filepath.Join(tempDir(t), "shared")
	must(t, os.Mkdir(dir, 0o755))
	must(t, os.Chmod(dir, 0o755))
	s := startServer(t, ServerOptions{Path: filepath.Join(dir, "x.sock")})
	fi, err := os.Stat(dir)
	must(t, err)
	if fi.Mode().Perm() != 0o755 {
		t.Fatalf("a shared folder's mode changed to %o", fi.Mode().Perm())
	}
	sfi, err := os.Stat(s.Path())
	must(t, err)
	if sfi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode %o, want 600", sfi.Mode().Perm())
	}
}

func TestDialNoServer(t *testing.T) {
	_, err := Dial(ctxT(t), filepath.Join(tempDir(t), "missing.sock"))
	if !errors.Is(err, ErrNoServer) {
		t.Fatalf("Dial to a missing socket: %v, want ErrNoServer", err)
	}
}

func TestDoHonoursContext(t *testing.T) {
	s := startServer(t, ServerOptions{Handler: func(ctx context.Context, req Request, p Peer, w ReplyWriter) {
		<-ctx.Done() // never answers in time
	}})
	c := dial(t, s.Path())
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Do(ctx, Request{Cmd: CmdStatus})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Do against a hung handler: %v, want the deadline", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Do took %s to give up", d)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestSocketPathTooLong(t *testing.T) {
	unixSocketOnly(t)
	path := filepath.Join(tempDir(t), strings.Repeat("d", 120), SocketFileName)
	_, err := Listen(ServerOptions{Path: path, Handler: echoHandler})
	if err == nil || !strings.Contains(err.Error(), "choose a shorter path") {
		t.Fatalf("Listen on a %d-byte path: %v, want a clear refusal", len(path), err)
	}
}

// TestDoCancelledWhileSending: a request the server does not read (a
// wedged supervisor, a full socket buffer) is abandoned when its context
// ends, and the error says so (context.Canceled), not "write failed".
func TestDoCancelledWhileSending(t *testing.T) {
	path := filepath.Join(tempDir(t), SocketFileName)
	ln := rawListen(t, path)
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- c // never read from
		}
	}()
	c := dial(t, path)
	defer c.Close()
	// Far more than any socket buffer, so the write blocks.
	big := Report{PID: 1, Records: make([]RecordStatus, 100_000)}
	for i := range big.Records {
		big.Records[i] = RecordStatus{Name: fmt.Sprintf("host-%06d.example.com", i), Type: "AAAA", Address: "2001:db8::1"}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Do(ctx, Request{Cmd: CmdReport, Report: &big})
		done <- err
	}()
	// The pipe listener (Windows) hands a connection over only once its
	// first bytes arrived, so the accept is awaited after the write began.
	var sc net.Conn
	select {
	case sc = <-accepted:
		defer sc.Close()
	case <-time.After(10 * time.Second):
		t.Fatal("no connection")
	}
	// The first byte has arrived: the client is writing, and blocks there.
	if _, err := io.ReadFull(sc, make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Do cancelled while sending: %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Do did not return after its context was cancelled")
	}
}
