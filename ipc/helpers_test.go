package ipc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ddnsd/ddns/testsupport/linebuf"
)

// Environment variables that turn the test binary into a helper process.
const (
	envHelper = "IPC_TEST_HELPER" // "client", "client-seq", "hold", "lock" or "lock-hold"
	envArg    = "IPC_TEST_ARG"    // socket path or lock path
	envCmd    = "IPC_TEST_CMD"    // command for "client"
)

// TestMain lets tests re-execute this binary as a client under another uid,
// or as a second process taking a lock.
func TestMain(m *testing.M) {
	if mode := os.Getenv(envHelper); mode != "" {
		os.Exit(helperMain(mode))
	}
	os.Exit(m.Run())
}

func helperMain(mode string) int {
	arg := os.Getenv(envArg)
	switch mode {
	case "client":
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := Dial(ctx, arg)
		if err != nil {
			fmt.Fprintln(os.Stderr, "dial:", err)
			return 1
		}
		defer c.Close()
		req := Request{Cmd: Command(os.Getenv(envCmd))}
		if req.Cmd == CmdReport {
			req.Report = &Report{PID: os.Getpid(), At: time.Now()}
		}
		rep, err := c.Do(ctx, req)
		if err != nil {
			fmt.Fprintln(os.Stderr, "do:", err)
			return 1
		}
		b, _ := json.Marshal(rep)
		fmt.Println(string(b))
		return 0
	case "client-seq":
		// Several commands (comma-separated) over one connection, one
		// reply per line: shows whether a refusal ends the connection.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := Dial(ctx, arg)
		if err != nil {
			fmt.Fprintln(os.Stderr, "dial:", err)
			return 1
		}
		defer c.Close()
		for _, cmd := range strings.Split(os.Getenv(envCmd), ",") {
			rep, err := c.Do(ctx, Request{Cmd: Command(cmd)})
			if err != nil {
				fmt.Fprintf(os.Stderr, "do %s: %v\n", cmd, err)
				return 1
			}
			b, _ := json.Marshal(rep)
			fmt.Println(string(b))
		}
		return 0
	case "hold":
		// Open IPC_TEST_CMD connections, send status on each, keep the
		// ones that were answered open and idle, print how many were
		// answered and how many refused busy, then hold until stdin ends.
		return holdConns(arg, os.Getenv(envCmd))
	case "lock":
		release, err := AcquireLock(arg)
		if err != nil {
			fmt.Printf("locked=%v %s\n", errors.Is(err, ErrLocked), err)
			return 3
		}
		fmt.Println("acquired")
		if err := release(); err != nil {
			fmt.Println("release:", err)
			return 1
		}
		return 0
	case "lock-hold":
		// Take the lock and keep it until killed, like a supervisor that
		// dies by kill -9 without releasing anything.
		if _, err := AcquireLock(arg); err != nil {
			fmt.Println("error:", err)
			return 3
		}
		fmt.Println("acquired")
		select {}
	}
	fmt.Fprintln(os.Stderr, "unknown helper mode", mode)
	return 2
}

// testLogger is a logger whose lines a test can count (Count) or wait for.
func testLogger(t testing.TB) (hclog.Logger, *linebuf.Buffer) {
	lb := &linebuf.Buffer{}
	return hclog.New(&hclog.LoggerOptions{Name: t.Name(), Output: lb, Level: hclog.Trace}), lb
}

// echoHandler answers each command with its name, so a test can tell which
// request a reply belongs to; `report` echoes the reporting pid.
func echoHandler(ctx context.Context, req Request, peer Peer, w ReplyWriter) {
	switch req.Cmd {
	case CmdStatus:
		_ = w.Send(Reply{OK: true, Status: &Status{Supervisor: SupervisorStatus{PID: os.Getpid()}, Child: ChildStatus{State: "running"}}})
	case CmdLogs:
		lines := make([]string, req.Lines)
		for i := range lines {
			lines[i] = fmt.Sprintf("line %d", i)
		}
		_ = w.Send(Reply{OK: true, Lines: lines})
	case CmdReport:
		_ = w.Send(Reply{OK: true, Message: fmt.Sprintf("report from pid %d", req.Report.PID)})
	default:
		_ = w.Send(Reply{OK: true, Message: string(req.Cmd)})
	}
}

// startServer listens on a socket in a fresh folder and serves until the test
// ends, failing the test if Serve returns an error.
func startServer(t testing.TB, o ServerOptions) *Server {
	t.Helper()
	if o.Path == "" {
		o.Path = filepath.Join(tempDir(t), "ddns", SocketFileName)
	}
	if o.Handler == nil {
		o.Handler = echoHandler
	}
	if o.Logger == nil {
		o.Logger, _ = testLogger(t)
	}
	s, err := Listen(o)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(context.Background()) }()
	t.Cleanup(func() {
		s.Close()
		select {
		case err := <-served:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Serve did not return after Close")
		}
	})
	return s
}

func dial(t testing.TB, path string) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, path)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// mustStatus asserts that a fresh client gets a good status reply: the
// server still serves after whatever the test did before.
func mustStatus(t testing.TB, path string) {
	t.Helper()
	c := dial(t, path)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rep, err := c.Do(ctx, Request{Cmd: CmdStatus})
	if err != nil {
		t.Fatalf("status after the bad client: %v", err)
	}
	if !rep.OK || rep.Status == nil || rep.Status.Child.State != "running" {
		t.Fatalf("status after the bad client: got %+v", rep)
	}
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}
