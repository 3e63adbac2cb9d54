//go:build !linux

// Command benchrun is `make bench`. It reads /proc, makes network
// namespaces and compares with supervisord, so it runs on Linux only.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "benchrun: the bench runs on Linux only (it reads /proc and uses network namespaces)")
	os.Exit(1)
}
