// Package linebuf is test support: a buffer that many goroutines may write
// (a logger, a child process's output) while a test reads it, and that lets
// the test wait for a line.
//
// Tests of this project wait on an event, not on time: a wait wakes at each
// write and checks the lines written since it last looked, so it returns as
// soon as the line is there; its timeout only guards against a hang. It
// imports nothing of this project, so any package's tests can use it.
package linebuf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// ErrClosed is returned by a wait that can no longer succeed: the buffer was
// closed (its writer is done) without a matching line.
var ErrClosed = errors.New("the output ended")

// Buffer collects output and splits it into lines. The zero value is ready
// to use; a Buffer must not be copied after its first use.
type Buffer struct {
	mu      sync.Mutex
	data    []byte
	lines   []string      // complete lines, without their newline
	start   int           // offset in data where the unfinished line begins
	changed chan struct{} // closed and replaced at every write and at Close
	done    chan struct{} // closed by Close
	closed  bool
}

// init makes the channels of a zero Buffer; b.mu is held.
func (b *Buffer) init() {
	if b.changed == nil {
		b.changed = make(chan struct{})
		b.done = make(chan struct{})
	}
}

// Write appends p. It never fails, so it can be any writer's destination
// (an hclog.Logger's Output, exec.Cmd's Stdout).
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.init()
	b.data = append(b.data, p...)
	for {
		i := bytes.IndexByte(b.data[b.start:], '\n')
		if i < 0 {
			break
		}
		b.lines = append(b.lines, strings.TrimSuffix(string(b.data[b.start:b.start+i]), "\r"))
		b.start += i + 1
	}
	close(b.changed)
	b.changed = make(chan struct{})
	return len(p), nil
}

// Feed copies r into the buffer until r ends, then closes the buffer: the
// reading side of a process's output pipe. It returns r's error, if any.
func (b *Buffer) Feed(r io.Reader) error {
	defer b.Close()
	_, err := io.Copy(b, r)
	return err
}

// Close says that no more output will come: waits still pending fail at
// once, and an unfinished last line counts as a line from now on. Closing
// twice is harmless.
func (b *Buffer) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.init()
	if b.closed {
		return
	}
	b.closed = true
	close(b.done)
	close(b.changed)
	b.changed = make(chan struct{})
}

// Done is closed when the buffer is closed (for Feed: when the output ended).
func (b *Buffer) Done() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.init()
	return b.done
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.data)
}

// Lines returns the lines written so far, without their newlines; an
// unfinished last line is included.
func (b *Buffer) Lines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := append([]string(nil), b.lines...)
	if b.start < len(b.data) {
		out = append(out, string(b.data[b.start:]))
	}
	return out
}

// Count returns how many lines written so far contain substr.
func (b *Buffer) Count(substr string) int {
	n := 0
	for _, l := range b.Lines() {
		if strings.Contains(l, substr) {
			n++
		}
	}
	return n
}

// Contains reports whether the output so far contains substr.
func (b *Buffer) Contains(substr string) bool {
	return strings.Contains(b.String(), substr)
}

// Await blocks until a complete line from index from on satisfies match,
// and returns its index and text. It fails with ErrClosed when the buffer is
// closed first (an unfinished last line is then tried too), and with ctx's
// error when ctx ends first.
func (b *Buffer) Await(ctx context.Context, from int, match func(line string) bool) (int, string, error) {
	for {
		b.mu.Lock()
		b.init()
		for ; from < len(b.lines); from++ {
			if match(b.lines[from]) {
				l := b.lines[from]
				b.mu.Unlock()
				return from, l, nil
			}
		}
		if b.closed {
			tail := string(b.data[b.start:])
			b.mu.Unlock()
			if tail != "" && match(tail) {
				return from, tail, nil
			}
			return -1, "", ErrClosed
		}
		changed := b.changed
		b.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return -1, "", ctx.Err()
		}
	}
}

// WaitLine waits up to timeout for a line containing substr, from the first
// line on, and returns it; it fails t (with the output so far) otherwise.
func (b *Buffer) WaitLine(t testing.TB, substr string, timeout time.Duration) string {
	t.Helper()
	return b.Cursor().WaitLine(t, substr, timeout)
}

// Wait is WaitLine returning an error (with the output so far) instead of
// failing a test.
func (b *Buffer) Wait(substr string, timeout time.Duration) (string, error) {
	return b.Cursor().Wait(substr, timeout)
}

// Cursor returns a reader of the buffer's lines that starts at the first
// line, for waits that must see lines in order.
func (b *Buffer) Cursor() *Cursor { return &Cursor{b: b} }

// Cursor reads a Buffer's lines in order: each wait looks only at the lines
// after the one the previous wait returned.
type Cursor struct {
	b    *Buffer
	next int
}

// Await is Buffer.Await from the cursor's position; on success the cursor
// moves past the matching line.
func (c *Cursor) Await(ctx context.Context, match func(line string) bool) (string, error) {
	i, l, err := c.b.Await(ctx, c.next, match)
	if err != nil {
		return "", err
	}
	c.next = i + 1
	return l, nil
}

// WaitLine waits up to timeout for the next line containing substr and
// returns it; it fails t (with the output so far) otherwise.
func (c *Cursor) WaitLine(t testing.TB, substr string, timeout time.Duration) string {
	t.Helper()
	l, err := c.Wait(substr, timeout)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// Wait is WaitLine returning an error instead of failing a test, for a
// test that has something to clean up or report before it fails. The
// error holds the output so far.
func (c *Cursor) Wait(substr string, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	l, err := c.Await(ctx, func(l string) bool { return strings.Contains(l, substr) })
	switch {
	case err == nil:
		return l, nil
	case errors.Is(err, ErrClosed):
		return "", fmt.Errorf("%w without a line containing %q:\n%s", err, substr, c.b)
	default:
		return "", fmt.Errorf("no line containing %q within %s; the output so far:\n%s", substr, timeout, c.b)
	}
}
