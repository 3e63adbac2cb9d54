package linebuf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLinesSplitAcrossWrites(t *testing.T) {
	var b Buffer
	for _, p := range []string{"one\ntw", "o\r\n", "", "thr", "ee"} {
		b.Write([]byte(p))
	}
	if got, want := strings.Join(b.Lines(), "|"), "one|two|three"; got != want {
		t.Errorf("Lines() = %q, want %q", got, want)
	}
	if got := b.String(); got != "one\ntwo\r\nthree" {
		t.Errorf("String() = %q", got)
	}
	if n := b.Count("o"); n != 2 {
		t.Errorf("Count(o) = %d, want 2", n)
	}
	if !b.Contains("two\r\nth") || b.Contains("four") {
		t.Error("Contains does not search the whole output")
	}
}

// TestWaitWakesOnWrite: a wait returns once another goroutine writes the
// line, and only a complete line counts until the buffer is closed.
func TestWaitWakesOnWrite(t *testing.T) {
	var b Buffer
	got := make(chan string, 1)
	go func() {
		l, err := b.Wait("ready", 10*time.Second)
		if err != nil {
			l = err.Error()
		}
		got <- l
	}()
	b.Write([]byte("starting\nready"))
	select {
	case l := <-got:
		t.Fatalf("the wait returned %q before the line was complete", l)
	default:
	}
	b.Write([]byte(" now\n"))
	if l := <-got; l != "ready now" {
		t.Errorf("Wait = %q, want %q", l, "ready now")
	}
}

func TestCursorSeesLinesInOrder(t *testing.T) {
	var b Buffer
	fmt.Fprint(&b, "pass finished\npass requested\n")
	c := b.Cursor()
	c.WaitLine(t, "pass finished", time.Second)
	c.WaitLine(t, "pass requested", time.Second)
	// The first "pass finished" is behind the cursor: only a new one counts.
	done := make(chan string)
	go func() { l, _ := c.Wait("pass finished", 10*time.Second); done <- l }()
	fmt.Fprint(&b, "pass finished: 1 record\n")
	if l := <-done; l != "pass finished: 1 record" {
		t.Errorf("second wait = %q", l)
	}
}

func TestWaitFailures(t *testing.T) {
	var b Buffer
	fmt.Fprint(&b, "nothing useful\n")
	if _, err := b.Wait("ready", 20*time.Millisecond); err == nil || !strings.Contains(err.Error(), "within 20ms") || !strings.Contains(err.Error(), "nothing useful") {
		t.Errorf("timed-out wait: %v; want the timeout and the output so far", err)
	}
	fmt.Fprint(&b, "last words")
	b.Close()
	b.Close()
	<-b.Done()
	if l, err := b.Wait("last", time.Second); err != nil || l != "last words" {
		t.Errorf("after Close the unfinished line counts: %q, %v", l, err)
	}
	if _, err := b.Wait("ready", 10*time.Second); !errors.Is(err, ErrClosed) {
		t.Errorf("wait on a closed buffer: %v, want ErrClosed", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var open Buffer
	if _, _, err := open.Await(ctx, 0, func(string) bool { return true }); !errors.Is(err, context.Canceled) {
		t.Errorf("Await with a cancelled context: %v", err)
	}
}

// TestFeedClosesAtEOF: Feed reads a pipe to its end, then closes the buffer.
func TestFeedClosesAtEOF(t *testing.T) {
	var b Buffer
	pr, pw := io.Pipe()
	fed := make(chan error, 1)
	go func() { fed <- b.Feed(pr) }()
	fmt.Fprint(pw, "a\nb\n")
	b.WaitLine(t, "b", 10*time.Second)
	pw.Close()
	<-b.Done()
	if err := <-fed; err != nil {
		t.Errorf("Feed: %v", err)
	}
}

// TestConcurrentWriters is for the race detector: writers, readers and
// waiters at once.
func TestConcurrentWriters(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				fmt.Fprintf(&b, "writer %d line %d\n", i, j)
				_ = b.String()
			}
		})
	}
	b.WaitLine(t, "writer 7 line 49", 10*time.Second)
	wg.Wait()
	if n := len(b.Lines()); n != 400 {
		t.Errorf("%d lines, want 400", n)
	}
}
