//go:build chaos && linux

package chaos

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/testsupport/e2e"
)

// testSocketFlood opens 1,000 status connections at once, then feeds the
// socket random bytes, an oversized line and half-closed garbage. Every
// status client must get the status or a clear "busy" error (never a reset
// or silence); every garbage request must get an error reply; afterwards a
// plain `supervisor status` works, the child was never disturbed (same pid,
// no restart) and the supervisor's descriptors are back to where they were.
func testSocketFlood(t *testing.T) {
	const (
		clients = 1000
		garbage = 150 // below the server's connection cap: each must be answered
	)
	s := newSup(t)
	s.Write(e2e.DryrunConfig(`restart_delay = "0s"`))
	s.Start()
	before := s.WaitStatus("the child to report", 20*time.Second, func(st ipc.Status) bool { return e2e.Running(st) && len(st.Records) == 1 })
	supPID := s.PID()
	fdBefore := e2e.FDCount(t, supPID)

	var answered, busy atomic.Int64
	var mu sync.Mutex
	var other []string
	fail := func(msg string) {
		mu.Lock()
		defer mu.Unlock()
		other = append(other, msg)
	}
	startLine := make(chan struct{})
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			<-startLine
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c, err := ipc.Dial(ctx, s.Socket)
			if err != nil {
				fail("dial: " + err.Error())
				return
			}
			defer c.Close()
			rep, err := c.Do(ctx, ipc.Request{Cmd: ipc.CmdStatus})
			switch {
			case err != nil:
				fail("exchange: " + err.Error())
			case rep.OK && rep.Status != nil:
				answered.Add(1)
			case !rep.OK && strings.HasPrefix(rep.Error, "busy"):
				busy.Add(1)
			default:
				fail(fmt.Sprintf("reply: %+v", rep))
			}
		})
	}
	t0 := time.Now()
	close(startLine)
	wg.Wait()
	took := time.Since(t0)
	if len(other) > 0 {
		t.Errorf("%d of %d status clients got neither the status nor a busy error; first: %s", len(other), clients, other[0])
	}
	if answered.Load() == 0 {
		t.Errorf("no status client was answered")
	}
	t.Logf("%d status clients at once: %d answered, %d told busy, in %s", clients, answered.Load(), busy.Load(), took.Round(time.Millisecond))

	// Garbage: random bytes (one line each), concurrently.
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 8))
	payloads := make([][]byte, garbage)
	for i := range payloads {
		b := make([]byte, 1+rng.IntN(4096))
		for j := range b {
			b[j] = byte(rng.UintN(256))
		}
		payloads[i] = append(bytes.ReplaceAll(b, []byte("\n"), []byte(" ")), '\n')
	}
	var badReplies atomic.Int64
	for i, p := range payloads {
		wg.Go(func() {
			rep, err := rawExchange(s.Socket, p, false)
			if err != nil || rep.OK || rep.Error == "" {
				badReplies.Add(1)
				fail(fmt.Sprintf("random request %d (%d bytes): reply %+v, %v", i, len(p), rep, err))
			}
		})
	}
	wg.Wait()
	if n := badReplies.Load(); n > 0 {
		t.Errorf("%d of %d random requests got no error reply; first: %s", n, garbage, other[len(other)-int(n)])
	}

	special := []struct {
		name      string
		payload   []byte
		halfClose bool
		want      string
	}{
		{"oversized line", bytes.Repeat([]byte("x"), ipc.MaxRequestBytes+4096), false, "longer than"},
		{"garbage then half-close", []byte("\x00\xff\xfe{{{not json"), true, "bad request"},
		{"unknown command", []byte(`{"cmd":"format-disk"}` + "\n"), false, "unknown command"},
		{"report from a stranger", []byte(`{"cmd":"report"}` + "\n"), false, "report"},
	}
	for _, sp := range special {
		rep, err := rawExchange(s.Socket, sp.payload, sp.halfClose)
		if err != nil || rep.OK || !strings.Contains(rep.Error, sp.want) {
			t.Errorf("%s: reply %+v, %v; want an error containing %q", sp.name, rep, err, sp.want)
		}
	}

	// Afterwards: business as usual, the child untouched.
	out, code := s.CLI("status", "--socket", s.Socket)
	if code != ipc.StatusChildRunning {
		t.Errorf("supervisor status after the flood: exit %d\n%s", code, out)
	}
	after, ok := s.Status()
	if !ok || after.Child.PID != before.Child.PID || after.Child.Restarts != before.Child.Restarts || after.Supervisor.PID != supPID {
		t.Errorf("the flood disturbed the child or the supervisor: before pid %d restarts %d, after pid %d restarts %d (answered %v)",
			before.Child.PID, before.Child.Restarts, after.Child.PID, after.Child.Restarts, ok)
	}
	var fdAfter int
	if !e2e.Eventually(10*time.Second, func() bool { fdAfter = e2e.FDCount(t, supPID); return fdAfter <= fdBefore+4 }) {
		t.Errorf("the supervisor holds %d descriptors after the flood, %d before", fdAfter, fdBefore)
	}
	if panicked(s.Out.String()) {
		t.Errorf("a panic in the supervisor")
	}
}

// rawExchange writes payload on a fresh connection (optionally half-closing
// it) and reads one reply line.
func rawExchange(path string, payload []byte, halfClose bool) (ipc.Reply, error) {
	c, err := net.DialTimeout("unix", path, 10*time.Second)
	if err != nil {
		return ipc.Reply{}, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	// The server may answer an oversized line and hang up before all of it
	// is written; the reply is what counts.
	go func() {
		c.Write(payload)
		if halfClose {
			c.(*net.UnixConn).CloseWrite()
		}
	}()
	line, err := bufio.NewReaderSize(c, 64<<10).ReadBytes('\n')
	if err != nil {
		return ipc.Reply{}, fmt.Errorf("no reply line: %w (got %q)", err, line)
	}
	var rep ipc.Reply
	if err := json.Unmarshal(line, &rep); err != nil {
		return ipc.Reply{}, fmt.Errorf("reply is not JSON: %w: %q", err, line)
	}
	return rep, nil
}
