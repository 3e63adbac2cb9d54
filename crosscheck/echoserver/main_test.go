package main

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestServesAddressAndStopsOnStdinEOF runs the server in-process: it must
// print its address first, answer with the address, and return once stdin
// is closed.
func TestServesAddressAndStopsOnStdinEOF(t *testing.T) {
	stdinR, stdinW := io.Pipe()
	outR, outW := io.Pipe()
	var stderr strings.Builder
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"--stdin", "--address", "203.0.113.5"}, stdinR, outW, &stderr)
		outW.Close()
	}()
	addr, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil {
		t.Fatalf("no address line: %v (stderr %q)", err, stderr.String())
	}
	resp, err := http.Get("http://" + strings.TrimSpace(addr) + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "203.0.113.5\n" {
		t.Fatalf("body %q, want the address", body)
	}
	stdinW.Close()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not stop when stdin closed")
	}
}

func TestRejectsBadAddress(t *testing.T) {
	var stderr strings.Builder
	if code := run([]string{"--address", "not-an-ip"}, strings.NewReader(""), io.Discard, &stderr); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), "not-an-ip") {
		t.Fatalf("stderr %q does not name the bad value", stderr.String())
	}
}
