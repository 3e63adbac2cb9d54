package ipc

import (
	"bufio"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/windows"
)

func TestPipeNames(t *testing.T) {
	tests := []struct{ in, want string }{
		{`\\.\pipe\custom-name`, `\\.\pipe\custom-name`},
		{`\\.\PIPE\Mixed`, `\\.\PIPE\Mixed`},
		{`C:\ProgramData\ddns\supervisor.sock`, `\\.\pipe\ddns-c-programdata-ddns-supervisor.sock`},
		{`C:/Users/me/ddns.sock`, `\\.\pipe\ddns-c-users-me-ddns.sock`},
	}
	for _, tt := range tests {
		if got := PipeName(tt.in); got != tt.want {
			t.Errorf("PipeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	long := `C:\` + strings.Repeat(`very-long-folder\`, 20) + "s.sock"
	if got := PipeName(long); len(got) > maxPipeName || !strings.HasPrefix(got, `\\.\pipe\ddns-`) || got != PipeName(long) {
		t.Errorf("PipeName of a %d-character path = %q, want a stable name of at most %d characters", len(long), got, maxPipeName)
	}
}

// TestPipeAccessList reads the pipe's security descriptor back through a
// client handle: protected (nothing inherited), SYSTEM, Administrators and
// the owner only; the status pipe adds signed-in users. Wine stores this
// but does not enforce it; the contents are what real Windows enforces.
func TestPipeAccessList(t *testing.T) {
	self := selfSID()
	if self == nil {
		t.Fatal("cannot read this process's SID")
	}
	s := startServer(t, ServerOptions{AllowStatusFromAnyUser: true})
	for _, tc := range []struct {
		name   string
		status bool
	}{{s.Path(), false}, {s.Path() + statusPipeSuffix, true}} {
		c, err := dialPipe(ctxT(t), tc.name)
		if err != nil {
			t.Fatalf("dial %s: %v", tc.name, err)
		}
		sd, err := windows.GetSecurityInfo(windows.Handle(c.(*pipeConn).f.Fd()), windows.SE_KERNEL_OBJECT, windows.DACL_SECURITY_INFORMATION)
		c.Close()
		if err != nil {
			t.Fatalf("GetSecurityInfo(%s): %v", tc.name, err)
		}
		got := sd.String()
		if !strings.HasPrefix(got, "D:P") {
			t.Errorf("%s: DACL %s is not protected (D:P): it would inherit", tc.name, got)
		}
		for _, who := range []string{";;;SY)", ";;;BA)", ";;;" + self.String() + ")"} {
			if !strings.Contains(got, who) {
				t.Errorf("%s: DACL %s lacks an entry for %s", tc.name, got, strings.Trim(who, ";)"))
			}
		}
		if hasAU := strings.Contains(got, ";;;AU)"); hasAU != tc.status {
			t.Errorf("%s: DACL %s: entry for signed-in users %v, want %v", tc.name, got, hasAU, tc.status)
		}
		if strings.Contains(got, ";;;WD)") {
			t.Errorf("%s: DACL %s lets Everyone in", tc.name, got)
		}
	}
}

// TestPipeNameTakenIsRefused: a second server on a served name fails with
// ErrInUse (FILE_FLAG_FIRST_PIPE_INSTANCE on Windows; the explicit check
// where, as under wine, that flag is not enforced), and a squatted name,
// a pipe someone else created, is refused the same way.
func TestPipeNameTakenIsRefused(t *testing.T) {
	s := startServer(t, ServerOptions{})
	if _, err := Listen(ServerOptions{Path: s.Path(), Handler: echoHandler}); !errors.Is(err, ErrInUse) {
		t.Fatalf("second Listen on %s: %v, want ErrInUse", s.Path(), err)
	}
	mustStatus(t, s.Path())

	squat := PipeName(tempDir(t) + `\squatted.sock`)
	n16, _ := windows.UTF16PtrFromString(squat)
	h, err := windows.CreateNamedPipe(n16, windows.PIPE_ACCESS_DUPLEX, windows.PIPE_TYPE_BYTE, windows.PIPE_UNLIMITED_INSTANCES, 512, 512, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer windows.CloseHandle(h)
	if _, err := Listen(ServerOptions{Path: squat, Handler: echoHandler}); !errors.Is(err, ErrInUse) {
		t.Fatalf("Listen on a squatted pipe: %v, want ErrInUse", err)
	}
}

// TestPipePeerIdentity: the server learns the client's pid and account
// class; this process is the server's own account, so it may send
// everything.
func TestPipePeerIdentity(t *testing.T) {
	peers := make(chan Peer, 1)
	s := startServer(t, ServerOptions{Handler: func(ctx context.Context, req Request, p Peer, w ReplyWriter) {
		peers <- p
		_ = w.Send(Reply{OK: true})
	}})
	c := dial(t, s.Path())
	defer c.Close()
	if _, err := c.Do(ctxT(t), Request{Cmd: CmdStop}); err != nil {
		t.Fatal(err)
	}
	p := <-peers
	if !p.Known || p.PID != os.Getpid() || p.UID != serverUID() {
		t.Fatalf("peer %+v, want known, pid %d, class %d (the server's own)", p, os.Getpid(), serverUID())
	}
}

// TestStatusPipeIsReadOnly: the second pipe that status_for_any_user adds
// answers status and refuses control commands, whoever connects.
func TestStatusPipeIsReadOnly(t *testing.T) {
	s := startServer(t, ServerOptions{AllowStatusFromAnyUser: true})
	nc, err := dialPipe(ctxT(t), s.Path()+statusPipeSuffix)
	if err != nil {
		t.Fatal(err)
	}
	c := &Client{path: s.Path() + statusPipeSuffix, c: nc, br: bufio.NewReaderSize(nc, 64<<10)}
	defer c.Close()
	if rep, err := c.Do(ctxT(t), Request{Cmd: CmdStatus}); err != nil || !rep.OK {
		t.Fatalf("status on the status pipe: %+v, %v; want OK", rep, err)
	}
	rep, err := c.Do(ctxT(t), Request{Cmd: CmdStop})
	if err != nil || rep.OK || !strings.Contains(rep.Error, "permission denied") {
		t.Fatalf("stop on the status pipe: %+v, %v; want permission denied", rep, err)
	}
	closed := startServer(t, ServerOptions{})
	if _, err := dialPipe(ctxT(t), closed.Path()+statusPipeSuffix); err == nil {
		t.Fatal("a status pipe exists for a server that does not allow status from other users")
	}
}
