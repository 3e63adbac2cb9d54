// Package dnsaddr is the project's one reading of a DNS server's address as
// a config writes it ("192.0.2.1", "ns.example:5353", "[2001:db8::1]",
// "tcp://ns.example"): a server given without a port means port 53. It is
// standard library only, so the supervisor's readiness probes can use it
// without linking a DNS library; dnsx, the address sources, the RFC 2136
// provider and the probes all call it.
package dnsaddr

import (
	"errors"
	"net"
	"net/netip"
	"strings"
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

// HostPort is a server as the code that asks it dials it: a scheme in front
// (udp://, tcp://, with or without a trailing slash) is dropped, since it
// chooses a transport, not an address, and the port defaults as in WithPort.
// The readiness probes derive their TCP check of a DNS server from it.
func HostPort(server string) string {
	s := strings.TrimSpace(server)
	if _, rest, ok := strings.Cut(s, "://"); ok {
		s = strings.TrimSuffix(rest, "/")
	}
	return WithPort(s)
}
