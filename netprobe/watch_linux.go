package netprobe

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/sys/unix"
)

// WatchAddresses subscribes a netlink socket to address, route and link
// changes (RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR, RTMGRP_IPV4_ROUTE,
// RTMGRP_IPV6_ROUTE, RTMGRP_LINK) and sends on the returned channel for each
// burst of them. See watch.go for the channel's rules.
func WatchAddresses(ctx context.Context, logger hclog.Logger) (<-chan struct{}, error) {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("opening a netlink socket to watch address changes: %w", err)
	}
	groups := uint32(unix.RTMGRP_IPV4_IFADDR | unix.RTMGRP_IPV6_IFADDR | unix.RTMGRP_IPV4_ROUTE | unix.RTMGRP_IPV6_ROUTE | unix.RTMGRP_LINK)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: groups}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("subscribing to netlink address and route changes: %w", err)
	}
	// A non-blocking fd joins the runtime's poller, so Close from another
	// goroutine wakes a pending Read: that is how ctx ends the watch.
	f := os.NewFile(uintptr(fd), "netlink-route")
	ch := make(chan struct{}, 1)
	stop := context.AfterFunc(ctx, func() { f.Close() })
	go func() {
		defer close(ch)
		defer stop()
		defer f.Close()
		buf := make([]byte, 64<<10)
		for {
			n, err := f.Read(buf)
			switch {
			case ctx.Err() != nil:
				return
			case errors.Is(err, unix.ENOBUFS):
				// The kernel dropped notifications: we missed changes, so say there were some.
				logger.Debug("netlink watch overran; treating it as a change")
				notify(ch)
				continue
			case err != nil:
				logger.Error("the address-change watch stopped; falling back to the update interval", "error", err)
				return
			}
			if relevant(buf[:n]) {
				notify(ch)
			}
		}
	}()
	return ch, nil
}

// relevant reports whether a netlink datagram holds an address, route or
// link change.
func relevant(b []byte) bool {
	msgs, err := syscall.ParseNetlinkMessage(b)
	if err != nil {
		return true // unparseable: err on the side of looking again
	}
	for _, m := range msgs {
		switch m.Header.Type {
		case unix.RTM_NEWADDR, unix.RTM_DELADDR, unix.RTM_NEWROUTE, unix.RTM_DELROUTE, unix.RTM_NEWLINK, unix.RTM_DELLINK:
			return true
		}
	}
	return false
}
