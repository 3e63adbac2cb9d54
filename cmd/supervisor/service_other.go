//go:build !windows

package main

import (
	"fmt"
	"io"
)

// cmdService is the Windows service entry point; elsewhere the service
// manager (systemd, launchd) runs `supervisor run`.
func cmdService(_ []string, _, stderr io.Writer) int {
	fmt.Fprintln(stderr, "supervisor service: the Windows service entry point; here the service manager runs `supervisor run`")
	return 2
}
