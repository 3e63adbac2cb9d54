//go:build !windows

package main

import (
	"fmt"
	"io"
)

// cmdService is the Windows service entry point; elsewhere the service
// manager (systemd, launchd) runs `supervisor run`.
func cmdService(args []string, _, stderr io.Writer) int {
	fs := newFlags("service", stderr)
	serviceFlags(fs)
	if !fs.parse(args) {
		return 2
	}
	fmt.Fprintln(stderr, "supervisor service: the Windows service entry point; here the service manager runs `supervisor run`")
	return 2
}
