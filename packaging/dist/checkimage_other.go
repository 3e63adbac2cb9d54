//go:build !linux

package main

import (
	"context"
	"fmt"
	"io"
)

// cmdCheckImage needs Linux namespaces and chroot to run the image's files.
func cmdCheckImage(_ context.Context, _ []string, _, stderr io.Writer) int {
	fmt.Fprintln(stderr, "dist check-image: runs only on Linux (it needs namespaces and chroot)")
	return 1
}
