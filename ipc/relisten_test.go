package ipc

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestDeletedSocketComesBack: a running server whose socket file is deleted
// creates it again within its check interval, and status answers there;
// the connection open before the deletion keeps working too.
func TestDeletedSocketComesBack(t *testing.T) {
	logger, logs := testLogger(t)
	s := startServer(t, ServerOptions{Logger: logger, SocketCheckInterval: 50 * time.Millisecond})
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
	// Its whole folder deleted: the same.
	must(t, os.RemoveAll(filepath.Dir(s.Path())))
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
	must(t, os.Remove(s.Path()))
	must(t, os.WriteFile(s.Path(), []byte("not ours"), 0o600))
	if _, err := logs.Wait("replaced by another", 10*time.Second); err != nil {
		t.Fatalf("the replaced socket file was not noticed: %v", err)
	}
	s.Close()
	b, err := os.ReadFile(s.Path())
	if err != nil || string(b) != "not ours" {
		t.Fatalf("the file put in the socket's place: %q, %v; want it left alone", b, err)
	}
}
