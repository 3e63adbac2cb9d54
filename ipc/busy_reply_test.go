//go:build !windows

// The socket file at a path is the Unix transport's; on Windows the
// control channel is a named pipe, which has no file to delete or replace.

package ipc

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDoReadsTheAnswerOfAServerThatHungUp: a server that refuses a
// connection writes its answer and hangs up before reading the request, so
// the client's write fails; Do still returns that answer, which says more
// than "broken pipe".
func TestDoReadsTheAnswerOfAServerThatHungUp(t *testing.T) {
	path := filepath.Join(t.TempDir(), SocketFileName)
	ln, err := net.Listen("unix", path)
	must(t, err)
	defer ln.Close()
	hungUp := make(chan struct{})
	go func() {
		defer close(hungUp)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.Write([]byte(`{"ok":false,"error":"busy: too many connections, try again"}` + "\n"))
		c.Close()
	}()
	c := dial(t, path)
	defer c.Close()
	select {
	case <-hungUp:
	case <-time.After(10 * time.Second):
		t.Fatal("the server never hung up")
	}
	rep, err := c.Do(ctxT(t), Request{Cmd: CmdStatus})
	if err != nil || rep.OK || !strings.Contains(rep.Error, "busy") {
		t.Fatalf("Do against a server that answered and hung up: %+v, %v; want its busy answer", rep, err)
	}
}
