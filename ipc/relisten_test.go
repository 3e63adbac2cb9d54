//go:build !windows

// The socket file at a path is the Unix transport's; on Windows the
// control channel is a named pipe, which has no file to delete or replace.

package ipc

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestDeletedSocketComesBack: a running server whose socket file is deleted
// creates it again, and status answers there; the connection open before
// the deletion keeps working too. The check interval is an hour: the server
// learns of the deletion from file events, not by looking every few
// seconds (which cost an idle supervisor more CPU than supervisord uses).
func TestDeletedSocketComesBack(t *testing.T) {
	logger, logs := testLogger(t)
	s := startServer(t, ServerOptions{Logger: logger, SocketCheckInterval: time.Hour})
	relistened := logs.Cursor()
	before := dial(t, s.Path())
	mustStatus(t, s.Path())
	must(t, os.Remove(s.Path()))
	if _, err := relistened.Wait("listening on it again", 10*time.Second); err != nil {
		t.Fatalf("the deleted socket was not created again: %v", err)
	}
	mustStatus(t, s.Path())
	if rep, err := before.Do(ctxT(t), Request{Cmd: CmdStatus}); err != nil || !rep.OK {
		t.Fatalf("a connection from before the deletion: %+v, %v", rep, err)
	}
	// Its whole folder gone: the same. It is moved away rather than
	// removed in place, since a server that answers at once may put its
	// socket back between RemoveAll's reading and its removal of the folder.
	dir := filepath.Dir(s.Path())
	must(t, os.Rename(dir, dir+".gone"))
	must(t, os.RemoveAll(dir+".gone"))
	if _, err := relistened.Wait("listening on it again", 10*time.Second); err != nil {
		t.Fatalf("the socket was not created again after its folder was deleted: %v", err)
	}
	mustStatus(t, s.Path())
}

// TestReplacedSocketLeftAlone: a file someone else puts where our socket was
// is never removed or replaced by the server, not even when it closes.
func TestReplacedSocketLeftAlone(t *testing.T) {
	logger, logs := testLogger(t)
	s := startServer(t, ServerOptions{Logger: logger, SocketCheckInterval: 20 * time.Millisecond})
	// Put in its place in one step (a rename over it): a server that
	// answers a deletion at once would otherwise bind again in between.
	must(t, os.WriteFile(s.Path()+".new", []byte("not ours"), 0o600))
	must(t, os.Rename(s.Path()+".new", s.Path()))
	if _, err := logs.Wait("replaced by another", 10*time.Second); err != nil {
		t.Fatalf("the replaced socket file was not noticed: %v", err)
	}
	s.Close()
	b, err := os.ReadFile(s.Path())
	if err != nil || string(b) != "not ours" {
		t.Fatalf("the file put in the socket's place: %q, %v; want it left alone", b, err)
	}
}
