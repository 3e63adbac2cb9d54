//go:build !windows

package ipc

import (
	"fmt"
	"net"
	"os"
	"strings"
)

func sdNotify(state string) (bool, error) {
	name := os.Getenv(EnvNotifySocket)
	if name == "" {
		return false, nil
	}
	if !strings.HasPrefix(name, "/") && !strings.HasPrefix(name, "@") {
		return false, fmt.Errorf("$%s is %q: only a socket path or an abstract \"@name\" is supported", EnvNotifySocket, name)
	}
	// Go maps a leading "@" to Linux's abstract namespace itself.
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		return false, fmt.Errorf("cannot reach systemd's notify socket %s: %w", name, err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(state)); err != nil {
		return false, fmt.Errorf("cannot notify systemd through %s: %w", name, err)
	}
	return true, nil
}
