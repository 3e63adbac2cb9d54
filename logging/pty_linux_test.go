package logging

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ddnsd/ddns/configs"
	"golang.org/x/sys/unix"
)

// openPTY returns the controller and the terminal side of a new pseudo-terminal.
func openPTY(t *testing.T) (ctrl, tty *os.File) {
	t.Helper()
	ctrl, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { ctrl.Close() })
	fd := int(ctrl.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("cannot unlock the pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		t.Skipf("cannot number the pseudo-terminal: %v", err)
	}
	tty, err = os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("cannot open the terminal side: %v", err)
	}
	t.Cleanup(func() { tty.Close() })
	return ctrl, tty
}

// TestTerminalAndFileBoth checks that with a terminal on stderr and a file
// configured, each line reaches both, and that colour stays out of the file.
func TestTerminalAndFileBoth(t *testing.T) {
	ctrl, tty := openPTY(t)
	if !IsTerminal(tty) {
		t.Fatal("the terminal side of a pty is not seen as a terminal")
	}
	file := filepath.Join(t.TempDir(), "ddns.log")
	l, c, err := New("supervisor", configs.Log{Level: "info", Format: "text", File: file, MaxSizeMB: 1}, tty)
	if err != nil {
		t.Fatal(err)
	}
	l.Error("child crashed", "code", 1)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "supervisor: child crashed") || bytes.ContainsRune(b, 0x1b) {
		t.Errorf("file line = %q (want the message, without escape codes)", b)
	}
	// Read what reached the terminal; a deadline guards against a line
	// that never arrives.
	if err := ctrl.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Skipf("pty has no deadlines: %v", err)
	}
	var got []byte
	buf := make([]byte, 4096)
	for !bytes.Contains(got, []byte("child crashed")) {
		n, err := ctrl.Read(buf)
		if err != nil {
			t.Fatalf("terminal saw %q, then: %v", got, err)
		}
		got = append(got, buf[:n]...)
	}
}

// TestReplayColoursOnlyATerminal: on a terminal the level is coloured;
// into anything else (a pipe, a file, a buffer) no escape is written.
func TestReplayColoursOnlyATerminal(t *testing.T) {
	const line = `{"@level":"error","@message":"child crashed","code":1}`
	var plain bytes.Buffer
	NewReplay(&plain).Line(line)
	if bytes.ContainsRune(plain.Bytes(), 0x1b) {
		t.Errorf("colour into a buffer: %q", plain.String())
	}
	ctrl, tty := openPTY(t)
	NewReplay(tty).Line(line)
	if err := ctrl.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Skipf("pty has no deadlines: %v", err)
	}
	var got []byte
	buf := make([]byte, 4096)
	for !bytes.Contains(got, []byte("code=1")) {
		n, err := ctrl.Read(buf)
		if err != nil {
			t.Fatalf("terminal saw %q, then: %v", got, err)
		}
		got = append(got, buf[:n]...)
	}
	if !bytes.Contains(got, []byte("\x1b[")) {
		t.Errorf("no colour on a terminal: %q", got)
	}
}
