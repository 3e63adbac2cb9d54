// Package dnsx is the project's one way to send a DNS message and read the
// reply (on miekg/dns): the readiness probe's lookups, DNS-based address
// detection and RFC 2136 updates all go through Exchange, so they agree on
// the two details every caller otherwise gets subtly wrong: a server given
// without a port means port 53, and a UDP answer cut short (TC bit) is asked
// again over TCP, which has no size limit.
package dnsx

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"

	"github.com/miekg/dns"
)

// DefaultPort is the DNS port a server without one is asked on.
const DefaultPort = "53"

// WithPort returns server as host:port, adding DefaultPort when it has none:
// "192.0.2.1" and "ns.example" get ":53", a bare or bracketed IPv6 address
// ("2001:db8::1", "[2001:db8::1]") becomes "[2001:db8::1]:53", and
// "host:port" stays as it is. Surrounding white space is dropped. A value
// that is none of these (say "a:b:c") is returned trimmed but otherwise
// unchanged, so the caller's validation or the exchange reports it.
func WithPort(server string) string {
	s := strings.TrimSpace(server)
	if a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")); err == nil {
		return net.JoinHostPort(a.String(), DefaultPort)
	}
	_, _, err := net.SplitHostPort(s)
	var ae *net.AddrError
	if errors.As(err, &ae) && ae.Err == "missing port in address" && s != "" {
		return net.JoinHostPort(s, DefaultPort)
	}
	return s
}

// Exchange sends m to server (host:port; see WithPort) with the settings of
// c (nil: a zero dns.Client, which means UDP) and returns the reply.
//
// When c's network is UDP ("", "udp", "udp4" or "udp6") and the reply comes
// back truncated, the same message is sent again over the matching TCP
// network ("tcp", "tcp4" or "tcp6"), so a family the caller pinned stays
// pinned; a TCP network is used as given, with no fallback.
//
// Every attempt sends a fresh copy of m: miekg/dns consumes a message's
// TSIG record when it signs it, so a signed message (c.TsigProvider set and
// m.SetTsig called) is signed again for the TCP attempt, and m itself is
// never changed. c is not changed either.
//
// The reply and the error are those of the last attempt, as miekg/dns
// returns them: a reply can come with an error (a TSIG reply that does not
// verify), which callers that classify rcodes want to see.
func Exchange(ctx context.Context, c *dns.Client, m *dns.Msg, server string) (*dns.Msg, error) {
	var cl dns.Client
	if c != nil {
		cl = *c
	}
	r, _, err := cl.ExchangeContext(ctx, m.Copy(), server)
	if err != nil || r == nil || !r.Truncated {
		return r, err
	}
	tcp, ok := tcpFor(cl.Net)
	if !ok {
		return r, err
	}
	cl.Net = tcp
	r, _, err = cl.ExchangeContext(ctx, m.Copy(), server)
	return r, err
}

// tcpFor maps a UDP network to the TCP network of the same family.
func tcpFor(network string) (string, bool) {
	switch network {
	case "", "udp":
		return "tcp", true
	case "udp4":
		return "tcp4", true
	case "udp6":
		return "tcp6", true
	}
	return "", false
}
