package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/sys/windows"
)

func TestConsoleDecision(t *testing.T) {
	cases := []struct {
		name     string
		hwnd     uintptr
		attached int
		want     consoleAction
	}{
		{"no console", 0, 0, consoleNone},
		{"console without a window", 0, 1, consoleNone},
		{"own console (a task)", 0x1234, 1, consoleHide},
		{"terminal: cmd.exe and us", 0x1234, 2, consoleShared},
		{"terminal and a pipeline", 0x1234, 4, consoleShared},
	}
	for _, tc := range cases {
		if got := consoleDecision(tc.hwnd, tc.attached); got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.name, got, tc.want)
		}
	}
}

// consoleReport is what the helper process found and did.
type consoleReport struct {
	Hwnd         uintptr
	Attached     int
	Action       consoleAction
	VisibleAfter bool
}

const reportPrefix = "CONSOLE-REPORT "

// TestConsoleHelper is the child of TestDetachConsole. In mode "report" it
// inspects its console, runs detachConsole and prints what it saw on
// stdout (a pipe even when the process has a console of its own). In mode
// "nest" it starts a "report" helper on its own console, as a terminal
// starts a program, and passes its output on.
func TestConsoleHelper(t *testing.T) {
	switch os.Getenv("DDNS_CONSOLE_HELPER") {
	case "":
		t.Skip("helper for TestDetachConsole")
	case "nest":
		b, err := helperCmd(t, "report", 0).CombinedOutput()
		os.Stdout.Write(b)
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	hwnd, attached, err := consoleState()
	if err != nil {
		t.Fatal(err)
	}
	detachConsole(hclog.NewNullLogger())
	r := consoleReport{Hwnd: hwnd, Attached: attached, Action: consoleDecision(hwnd, attached)}
	if hwnd != 0 {
		vis, _, _ := windows.NewLazySystemDLL("user32.dll").NewProc("IsWindowVisible").Call(hwnd)
		r.VisibleAfter = vis != 0
	}
	b, _ := json.Marshal(r)
	fmt.Printf("\n%s%s\n", reportPrefix, b)
}

// helperCmd runs this test binary as TestConsoleHelper in mode, created
// with flags.
func helperCmd(t *testing.T, mode string, flags uint32) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestConsoleHelper$", "-test.v")
	cmd.Env = append(os.Environ(), "DDNS_CONSOLE_HELPER="+mode)
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: flags}
	return cmd
}

// TestDetachConsole starts a process on a console of its own, as Task
// Scheduler does, and one sharing a console with its parent, as a program
// started from a terminal does: only the first may hide its window.
func TestDetachConsole(t *testing.T) {
	run := func(t *testing.T, mode string) consoleReport {
		t.Helper()
		b, err := helperCmd(t, mode, windows.CREATE_NEW_CONSOLE).CombinedOutput()
		if err != nil {
			t.Fatalf("helper: %v\n%s", err, b)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(strings.TrimSpace(line), reportPrefix); ok {
				var r consoleReport
				if err := json.Unmarshal([]byte(rest), &r); err != nil {
					t.Fatal(err)
				}
				t.Logf("%+v", r)
				return r
			}
		}
		t.Fatalf("the helper printed no report:\n%s", b)
		return consoleReport{}
	}
	t.Run("own console", func(t *testing.T) {
		r := run(t, "report")
		if r.Attached != 1 {
			t.Fatalf("a new console should hold only the helper, found %d processes", r.Attached)
		}
		if r.Hwnd == 0 {
			// Wine without a display gives consoles no window; the count
			// above is still checked.
			t.Skip("new consoles have no window here; nothing to hide")
		}
		if r.Action != consoleHide || r.VisibleAfter {
			t.Fatalf("the helper's own console window was not hidden: %+v", r)
		}
	})
	t.Run("shared console", func(t *testing.T) {
		r := run(t, "nest")
		if r.Attached < 2 {
			t.Fatalf("the helper should share its parent's console, found %d processes", r.Attached)
		}
		if r.Action == consoleHide || (r.Hwnd != 0 && !r.VisibleAfter) {
			t.Fatalf("a shared console must be left visible: %+v", r)
		}
	})
}
