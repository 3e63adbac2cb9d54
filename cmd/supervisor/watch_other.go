//go:build !windows

package main

import "os"

// enableANSI: terminals on Unix-like systems take ANSI sequences as they are.
func enableANSI(*os.File) bool { return true }
