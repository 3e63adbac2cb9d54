//go:build !windows

// Command winproof is the Windows end-to-end driver of .ci/cross-check; it
// does nothing elsewhere.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "winproof drives the Windows build; build it with GOOS=windows and run it under wine or on Windows")
	os.Exit(2)
}
