package ipc

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// A line over the limit whose length is not a multiple of the buffer, sent
// by a client that then waits: the reader must say "too long" from what has
// arrived, not wait for more (found by the chaos suite, scenario 8: the
// supervisor answered such a request only at its 2-minute idle timeout).
func TestReadLineTooLongWithoutMoreInput(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	go pw.Write([]byte(strings.Repeat("x", 10_000+1_000))) // then nothing, the writer stays open
	done := make(chan error, 1)
	go func() {
		_, err := readLine(bufio.NewReaderSize(pr, 4096), 10_000)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, errLineTooLong) {
			t.Fatalf("readLine: %v, want errLineTooLong", err)
		}
	case <-time.After(10 * time.Second): // failure guard only
		t.Fatal("readLine waited for more input although the limit was already passed")
	}
}

func TestReadLineEmptyAndFinal(t *testing.T) {
	br := bufio.NewReaderSize(strings.NewReader("\nlast"), 16)
	line, err := readLine(br, 100)
	if err != nil || len(line) != 0 {
		t.Fatalf("empty line: %q, %v", line, err)
	}
	line, err = readLine(br, 100)
	if !errors.Is(err, io.EOF) || string(line) != "last" {
		t.Fatalf("final line without newline: %q, %v", line, err)
	}
}

// chunks delivers its strings one Read at a time, as a socket does when a
// line arrives in several segments.
type chunks []string

func (c *chunks) Read(p []byte) (int, error) {
	if len(*c) == 0 {
		return 0, io.EOF
	}
	n := copy(p, (*c)[0])
	(*c)[0] = (*c)[0][n:]
	if (*c)[0] == "" {
		*c = (*c)[1:]
	}
	return n, nil
}

// TestReadLineLimitCountsEveryChunk: the limit applies to the whole line,
// also when its end arrives in a later segment than its start.
func TestReadLineLimitCountsEveryChunk(t *testing.T) {
	tests := []struct {
		name  string
		parts []string
		want  string // "" for too long
	}{
		{"at the limit over two segments", []string{"aaaaaa", "bbbb\n"}, "aaaaaabbbb"},
		{"over the limit over two segments", []string{"aaaaaaaa", "bbbb\n"}, ""},
		{"over the limit in the first segment", []string{"aaaaaaaaaaaa\n"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := chunks(append([]string(nil), tt.parts...))
			line, err := readLine(bufio.NewReaderSize(&c, 16), 10)
			switch {
			case tt.want == "" && !errors.Is(err, errLineTooLong):
				t.Fatalf("readLine = %q, %v; want errLineTooLong", line, err)
			case tt.want != "" && (err != nil || string(line) != tt.want):
				t.Fatalf("readLine = %q, %v; want %q", line, err, tt.want)
			}
		})
	}
}
