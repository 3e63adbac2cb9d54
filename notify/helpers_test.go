package notify

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ddnsd/ddns/configs"
	"github.com/hashicorp/go-hclog"

	"github.com/ddnsd/ddns/testsupport/linebuf"
)

// hang as a status makes the receiver hold the request until the client
// gives up or the test ends.
const hang = -1

type received struct {
	N            int // 1-based arrival number
	Method, Path string
	Query        string
	ID, Kind     string
	Header       http.Header
	Body         string
	Status       int
}

// receiver is a local webhook endpoint whose answers follow a script.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	script func(n int, r *http.Request) int
	stop   chan struct{}

	mu       sync.Mutex
	all      []received
	okByID   map[string]int
	answered chan received // every request that got a 2xx
}

func newReceiver(t *testing.T, script func(n int, r *http.Request) int) *receiver {
	rc := &receiver{t: t, script: script, stop: make(chan struct{}), okByID: map[string]int{}, answered: make(chan received, 1000)}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.handle))
	t.Cleanup(func() {
		close(rc.stop)
		rc.srv.Close()
	})
	return rc
}

func (rc *receiver) handle(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rec := received{N: len(rc.all) + 1, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		ID: r.Header.Get("X-DDNS-Event-ID"), Kind: r.Header.Get("X-DDNS-Event"), Header: r.Header.Clone(), Body: string(b)}
	rec.Status = rc.script(rec.N, r)
	rc.all = append(rc.all, rec)
	if rec.Status >= 200 && rec.Status < 300 {
		rc.okByID[rec.ID]++
	}
	rc.mu.Unlock()
	if rec.Status == hang {
		select {
		case <-r.Context().Done():
		case <-rc.stop:
		}
		return
	}
	w.WriteHeader(rec.Status)
	if rec.Status >= 200 && rec.Status < 300 {
		rc.answered <- rec
	}
}

// waitOK waits for the next 2xx-answered request.
func (rc *receiver) waitOK() received {
	rc.t.Helper()
	select {
	case r := <-rc.answered:
		return r
	case <-time.After(10 * time.Second):
		rc.t.Fatalf("no successful delivery within 10s; requests so far: %+v", rc.requests())
		return received{}
	}
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.all...)
}

func (rc *receiver) okCount(id string) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.okByID[id]
}

// logCapture is an hclog output whose lines containing a word a test
// waits for, each in turn.
type logCapture struct {
	linebuf.Buffer
	word  string
	lines *linebuf.Cursor
}

func newLogCapture(word string) *logCapture {
	c := &logCapture{word: word}
	c.lines = c.Cursor()
	return c
}

// wait returns the next log line containing the word.
func (c *logCapture) wait(t *testing.T) string {
	t.Helper()
	return c.lines.WaitLine(t, c.word, 10*time.Second)
}

func (c *logCapture) logger() hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{Output: c, Level: hclog.Trace})
}

// webhook is a validated-looking entry for url.
func webhook(url string) configs.Notify {
	return configs.Notify{Type: "webhook", URL: url, Method: "POST", Events: append([]string(nil), configs.NotifyEvents...),
		Timeout: configs.Duration{Duration: 5 * time.Second}, Retries: 5, QueueSize: 16}
}

// run starts n.Run until the test ends and checks that it stops promptly.
func run(t *testing.T, n *Notifier) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		n.Run(ctx)
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Run did not return within 5s of cancel")
		}
	})
}

func fastBackoff(int) time.Duration { return time.Millisecond }

func kinds(rs []received) string {
	var k []string
	for _, r := range rs {
		k = append(k, r.Kind)
	}
	return strings.Join(k, ",")
}
