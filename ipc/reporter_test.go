package ipc

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReporterWithoutSocketPathIsANoOp: an updater run without a
// supervisor (no socket path) reports nothing and is never failed by the
// reporter: Send and Close succeed, before and after Close, and no
// connection is ever made. A nil Reporter behaves the same.
func TestReporterWithoutSocketPathIsANoOp(t *testing.T) {
	r := NewReporter("", nil)
	for i := 0; i < 2; i++ {
		if err := r.Send(context.Background(), Report{PID: 1}); err != nil {
			t.Fatalf("Send without a socket: %v", err)
		}
		if r.client != nil {
			t.Fatal("Send without a socket made a connection")
		}
		must(t, r.Close())
	}
	var nilReporter *Reporter
	if err := nilReporter.Send(context.Background(), Report{PID: 1}); err != nil {
		t.Fatalf("Send on a nil Reporter: %v", err)
	}
	must(t, nilReporter.Close())
}

// TestReporterCloseEndsTheConnection: Close hangs up on the supervisor (its
// handler sees the connection end) and later Sends fail without dialling.
func TestReporterCloseEndsTheConnection(t *testing.T) {
	s := startServer(t, ServerOptions{})
	r := NewReporter(s.Path(), nil)
	if err := r.Send(ctxT(t), Report{PID: 1}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	c := r.client
	if c == nil {
		t.Fatal("Send kept no connection")
	}
	must(t, r.Close())
	if _, err := c.c.Write([]byte("{}\n")); err == nil {
		t.Fatal("the connection is still open after Close")
	}
	err := r.Send(ctxT(t), Report{PID: 2})
	if err == nil || !strings.Contains(err.Error(), "the reporter is closed") {
		t.Fatalf("Send after Close: %v, want a refusal", err)
	}
	if n := s.accepted.Load(); n != 1 {
		t.Fatalf("%d connections, want 1: Send after Close must not dial", n)
	}
}

// TestReporterSendsWithAnEndedContextFail: a report given a context that has
// already ended is not sent. This is why the updater sends its final report
// (after SIGTERM ended the pass's context) with context.WithoutCancel.
func TestReporterSendsWithAnEndedContextFail(t *testing.T) {
	s := startServer(t, ServerOptions{})
	r := NewReporter(s.Path(), nil)
	defer r.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.Send(ctx, Report{PID: 1}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Send with a cancelled context: %v, want context.Canceled", err)
	}
	if err := r.Send(context.WithoutCancel(ctx), Report{PID: 1}); err != nil {
		t.Fatalf("Send with WithoutCancel of the cancelled context: %v", err)
	}
}

func TestReporterKeepsOneConnectionAndReconnects(t *testing.T) {
	got := make(chan Report, 100)
	handler := func(ctx context.Context, req Request, p Peer, w ReplyWriter) {
		if req.Cmd == CmdReport {
			got <- *req.Report
		}
		echoHandler(ctx, req, p, w)
	}
	path := filepath.Join(tempDir(t), "ddns", SocketFileName)
	s1, err := Listen(ServerOptions{Path: path, Handler: handler})
	must(t, err)
	go s1.Serve(context.Background())

	logger, logs := testLogger(t)
	r := NewReporter(path, logger)
	defer r.Close()
	for i := 1; i <= 10; i++ {
		if err := r.Send(ctxT(t), Report{PID: i}); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
		if rep := <-got; rep.PID != i {
			t.Fatalf("server got report %d, want %d", rep.PID, i)
		}
	}
	if n := s1.accepted.Load(); n != 1 {
		t.Fatalf("10 reports used %d connections, want 1", n)
	}

	// The supervisor goes away: Send fails fast, and says so once at warn.
	must(t, s1.Close())
	for i := 0; i < 3; i++ {
		start := time.Now()
		err := r.Send(ctxT(t), Report{PID: 99})
		if !errors.Is(err, ErrNoServer) {
			t.Fatalf("Send with no supervisor: %v, want ErrNoServer", err)
		}
		if d := time.Since(start); d > DefaultReportTimeout+time.Second {
			t.Fatalf("Send with no supervisor took %s", d)
		}
	}
	if n := logs.Count("cannot report to the supervisor; will keep trying"); n != 1 {
		t.Errorf("%d warnings for 3 failed reports, want 1:\n%s", n, logs)
	}

	// A new supervisor on the same path: the next Send dials it.
	s2 := startServer(t, ServerOptions{Path: path, Handler: handler})
	if err := r.Send(ctxT(t), Report{PID: 100}); err != nil {
		t.Fatalf("Send after the supervisor came back: %v", err)
	}
	if rep := <-got; rep.PID != 100 {
		t.Fatalf("server got report %d, want 100", rep.PID)
	}
	if n := logs.Count("reporting to the supervisor again"); n != 1 {
		t.Errorf("recovery logged %d times, want 1:\n%s", n, logs)
	}

	// The supervisor restarts between two passes: the kept connection is
	// dead, and Send retries once on a fresh one.
	must(t, s2.Close())
	startServer(t, ServerOptions{Path: path, Handler: handler})
	if err := r.Send(ctxT(t), Report{PID: 101}); err != nil {
		t.Fatalf("Send over a connection to a restarted supervisor: %v", err)
	}
	if rep := <-got; rep.PID != 101 {
		t.Fatalf("server got report %d, want 101", rep.PID)
	}
}

func TestReporterBoundedByTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	s := startServer(t, ServerOptions{Handler: func(ctx context.Context, req Request, p Peer, w ReplyWriter) {
		select { // a wedged supervisor
		case <-release:
		case <-ctx.Done():
		}
		echoHandler(ctx, req, p, w)
	}})
	r := NewReporter(s.Path(), nil)
	r.timeout = 150 * time.Millisecond
	defer r.Close()
	start := time.Now()
	err := r.Send(context.Background(), Report{PID: 1})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Send to a wedged supervisor: %v, want the deadline", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Send blocked for %s", d)
	}
}

func TestReporterRefusedReport(t *testing.T) {
	s := startServer(t, ServerOptions{Handler: func(ctx context.Context, req Request, p Peer, w ReplyWriter) {
		_ = w.Send(Reply{Error: "not accepting reports now"})
	}})
	r := NewReporter(s.Path(), nil)
	defer r.Close()
	err := r.Send(ctxT(t), Report{PID: 1})
	if err == nil || !strings.Contains(err.Error(), "not accepting reports now") {
		t.Fatalf("refused report: %v", err)
	}
	if n := s.accepted.Load(); n != 1 {
		t.Fatalf("a refused report was retried on %d connections, want 1", n)
	}
}
