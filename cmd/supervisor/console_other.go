//go:build !windows

package main

import "github.com/hashicorp/go-hclog"

// detachConsole matters only on Windows, where a console program started
// outside a terminal gets a window of its own; see console_windows.go.
func detachConsole(logger hclog.Logger) {}
