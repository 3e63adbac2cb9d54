package main

import (
	"os"

	"golang.org/x/sys/windows"
)

// enableANSI switches on virtual terminal processing for the console f
// writes to, so the watch can move the cursor; false (print blocks
// instead) where the console refuses, as consoles before Windows 10 do.
func enableANSI(f *os.File) bool {
	h := windows.Handle(f.Fd())
	var mode uint32
	if windows.GetConsoleMode(h, &mode) != nil {
		return false
	}
	if mode&windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING != 0 {
		return true
	}
	return windows.SetConsoleMode(h, mode|windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING) == nil
}
