package netprobe

import (
	"context"
	"fmt"
	"net"
	"net/netip"

	"github.com/hashicorp/go-hclog"
)

// natpmpAnnounce is where a NAT-PMP gateway multicasts its external address
// when it changes (RFC 6886 section 3.2.1), and PCP gateways too.
var natpmpAnnounce = &net.UDPAddr{IP: net.IPv4(224, 0, 0, 1), Port: 5350}

// WatchRouterAnnouncements listens for the NAT-PMP announcements a router
// multicasts to 224.0.0.1:5350 when its external address changes, and
// sends on the returned channel when an announced address differs from the
// last one heard (a router repeats each announcement up to ten times; the
// first one heard counts as a change). The channel follows WatchAddresses'
// rules (watch.go): a buffer of one, sends never block, closed when ctx is
// done or the socket fails. Only well-formed announcements count; anything
// else on the port is ignored, so a LAN device can make the updater look
// again but not make it publish anything (the pass asks the sources).
func WatchRouterAnnouncements(ctx context.Context, logger hclog.Logger) (<-chan struct{}, error) {
	return watchAnnouncements(ctx, logger, nil)
}

// watchAnnouncements is WatchRouterAnnouncements; heard, when not nil, is
// called with each newly announced address before the send (tests see
// which announcement caused an event).
func watchAnnouncements(ctx context.Context, logger hclog.Logger, heard func(netip.Addr)) (<-chan struct{}, error) {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	conn, err := net.ListenMulticastUDP("udp4", nil, natpmpAnnounce)
	if err != nil {
		return nil, fmt.Errorf("listening for the router's NAT-PMP announcements on %s: %w", natpmpAnnounce, err)
	}
	ch := make(chan struct{}, 1)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	go func() {
		defer close(ch)
		defer stop()
		defer conn.Close()
		var last netip.Addr
		buf := make([]byte, 64)
		for {
			n, from, err := conn.ReadFromUDP(buf)
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				logger.Error("the router-announcement watch stopped; falling back to the update interval", "error", err)
				return
			}
			a, ok := parseAnnouncement(buf[:n])
			if !ok || from.Port != 5351 || a == last {
				// A gateway sends from its NAT-PMP port (RFC 6886 3.2.1).
				continue
			}
			last = a
			if heard != nil {
				heard(a)
			}
			logger.Debug("the router announced its external address", "router", from.IP.String(), "address", a)
			notify(ch)
		}
	}()
	return ch, nil
}

// parseAnnouncement reads a NAT-PMP external-address response (version 0,
// opcode 128, result 0, 12 bytes) and returns the address it carries.
func parseAnnouncement(b []byte) (netip.Addr, bool) {
	if len(b) != 12 || b[0] != 0 || b[1] != 128 || b[2] != 0 || b[3] != 0 {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4([4]byte(b[8:12])), true
}
