// Package dnsx is the project's one way to send a DNS message and read the
// reply (on miekg/dns): DNS-based address detection, the authoritative
// check and RFC 2136 updates all go through Exchange, so a UDP answer cut
// short (TC bit) is always asked again over TCP, which has no size limit.
// Server addresses are read by package dnsaddr (port 53 by default). The
// supervisor's readiness probes use the standard resolver instead, so the
// supervisor links no DNS library.
package dnsx

import (
	"context"

	"github.com/miekg/dns"
)

// Exchange sends m to server (host:port; see dnsaddr.WithPort) with the
// settings of c (nil: a zero dns.Client, which means UDP) and returns the
// reply.
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
