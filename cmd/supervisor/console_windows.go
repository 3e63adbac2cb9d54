package main

import (
	"fmt"
	"unsafe"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/sys/windows"
)

// detachConsole hides the console window when the supervisor owns it alone.
//
// A per-user logon task (and anything else that starts a console program
// outside a terminal) gives the supervisor a console window of its own in
// the user's session. Left alone, that window appears at every logon, and
// closing it by accident ends the supervisor and, through the job object,
// the updater. So when this process is the only one attached to its console
// (GetConsoleProcessList: nobody else, hence no cmd.exe or PowerShell the
// user typed into) the window is hidden; started from a terminal, the
// console is left as it is.
//
// Why the window is hidden, not freed: supervise starts the updater with
// CREATE_NEW_PROCESS_GROUP on the supervisor's console and stops it with its
// stop event and, for a child that knows only that, CTRL_BREAK_EVENT to that
// group, which GenerateConsoleCtrlEvent delivers only to processes sharing
// the caller's console. After FreeConsole the
// supervisor would have no console to send from, and the updater, a console
// program started by a process without one, would get a new console window
// of its own: the very window this avoids. Hiding keeps one shared console,
// so the stop path is unchanged. The costs: the window can flash for a
// moment at logon before it is hidden, and the hidden supervisor is stopped
// with `supervisor stop`, `schtasks /End` or Task Manager, not by closing a
// window. Where Windows Terminal is the default terminal and hosts the
// console, GetConsoleWindow returns a stand-in window whose ShowWindow the
// terminal may not honour; the install targets start the supervisor in
// ways that do not go through the default terminal (a task's console is
// created by conhost, the Startup entry runs it with window style 0).
func detachConsole(logger hclog.Logger) {
	hwnd, attached, err := consoleState()
	if err != nil {
		logger.Debug("cannot inspect the console; leaving it as it is", "error", err)
		return
	}
	switch consoleDecision(hwnd, attached) {
	case consoleNone:
		logger.Debug("no console window to hide")
	case consoleShared:
		logger.Debug("the console is shared with another process (a terminal); leaving it visible", "processes", attached)
	case consoleHide:
		show := windows.NewLazySystemDLL("user32.dll").NewProc("ShowWindow")
		if err := show.Find(); err != nil {
			logger.Warn("cannot hide the console window: user32.dll lacks ShowWindow", "error", err)
			return
		}
		// ShowWindow returns whether the window was visible before.
		if wasVisible, _, _ := show.Call(hwnd, windows.SW_HIDE); wasVisible != 0 {
			logger.Info("hid the console window this process was started with; stop the supervisor with `supervisor stop`")
		}
	}
}

// consoleAction is what detachConsole does with the console.
type consoleAction int

const (
	consoleNone   consoleAction = iota // no console window: nothing to hide
	consoleShared                      // another process shares it: keep it
	consoleHide                        // ours alone: hide it
)

// consoleDecision decides from the console window handle (0 for none) and
// the number of processes attached to the console.
func consoleDecision(hwnd uintptr, attached int) consoleAction {
	switch {
	case hwnd == 0 || attached == 0:
		return consoleNone
	case attached > 1:
		return consoleShared
	}
	return consoleHide
}

// consoleState returns the console window and how many processes are
// attached to the console. x/sys/windows has neither call, so they are
// looked up in kernel32.dll here.
func consoleState() (hwnd uintptr, attached int, err error) {
	k32 := windows.NewLazySystemDLL("kernel32.dll")
	getWindow := k32.NewProc("GetConsoleWindow")
	getList := k32.NewProc("GetConsoleProcessList")
	if err := getWindow.Find(); err != nil {
		return 0, 0, fmt.Errorf("kernel32.dll lacks GetConsoleWindow: %w", err)
	}
	if err := getList.Find(); err != nil {
		return 0, 0, fmt.Errorf("kernel32.dll lacks GetConsoleProcessList: %w", err)
	}
	hwnd, _, _ = getWindow.Call()
	// Room for a few ids; only "one or more than one" matters, and the call
	// returns the full count even when the list does not fit.
	pids := make([]uint32, 8)
	n, _, callErr := getList.Call(uintptr(unsafe.Pointer(&pids[0])), uintptr(len(pids)))
	if n == 0 {
		if hwnd == 0 {
			return 0, 0, nil // no console at all (a detached process)
		}
		return 0, 0, fmt.Errorf("GetConsoleProcessList failed: %w", callErr)
	}
	return hwnd, int(n), nil
}
