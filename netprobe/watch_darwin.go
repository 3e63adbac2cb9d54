package netprobe

import (
	"context"
	"fmt"
	"os"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/sys/unix"
)

// WatchAddresses reads a PF_ROUTE routing socket and sends on the returned
// channel for address (RTM_NEWADDR, RTM_DELADDR), interface and route
// messages. See watch.go for the channel's rules.
func WatchAddresses(ctx context.Context, logger hclog.Logger) (<-chan struct{}, error) {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	fd, err := unix.Socket(unix.AF_ROUTE, unix.SOCK_RAW, unix.AF_UNSPEC)
	if err != nil {
		return nil, fmt.Errorf("opening a routing socket to watch address changes: %w", err)
	}
	unix.CloseOnExec(fd)
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("setting up the routing socket: %w", err)
	}
	f := os.NewFile(uintptr(fd), "route")
	ch := make(chan struct{}, 1)
	stop := context.AfterFunc(ctx, func() { f.Close() })
	go func() {
		defer close(ch)
		defer stop()
		defer f.Close()
		buf := make([]byte, 16<<10)
		for {
			n, err := f.Read(buf)
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				logger.Error("the address-change watch stopped; falling back to the update interval", "error", err)
				return
			}
			// struct rt_msghdr starts with msglen (u16), version (u8), type (u8).
			for b := buf[:n]; len(b) >= 4; {
				l := int(b[0]) | int(b[1])<<8
				switch b[3] {
				case unix.RTM_NEWADDR, unix.RTM_DELADDR, unix.RTM_IFINFO, unix.RTM_ADD, unix.RTM_DELETE, unix.RTM_CHANGE:
					notify(ch)
				}
				if l < 4 || l > len(b) {
					break
				}
				b = b[l:]
			}
		}
	}()
	return ch, nil
}
