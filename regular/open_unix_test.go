//go:build unix

package regular

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestOpenNoWaitOnAFIFOReturnsAtOnce checks the open of a named pipe with
// no writer does not wait for one (a plain open would block forever).
func TestOpenNoWaitOnAFIFOReturnsAtOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		f, err := OpenNoWait(path, os.O_RDONLY, 0)
		if err == nil {
			fi, serr := f.Stat()
			if serr == nil && fi.Mode()&os.ModeNamedPipe == 0 {
				t.Errorf("opened %v, not the pipe", fi.Mode())
			}
			f.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("OpenNoWait: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("OpenNoWait of a FIFO with no writer did not return within 10s")
	}
}
