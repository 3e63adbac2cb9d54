// Package netprobe talks to the network without changing anything, for the
// updater: it finds this machine's public address (HTTP echo services,
// DNS-based lookups, local interfaces, a user's command) and reports when the
// machine's addresses or routes change, or when the router announces a new
// external address (NAT-PMP announcements, UPnP events: it subscribes to
// them, which changes nothing on the router). The supervisor's readiness probes
// are package readiness, which links no DNS library.
//
// The package imports none of this project's packages; callers hand it plain
// values (URLs, server addresses, interface names) and an hclog.Logger.
package netprobe

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
)

// Family is an IP address family: the updater keeps A records for IPv4 and
// AAAA records for IPv6, and detects each family separately.
type Family int

// The two address families. The zero Family is invalid on purpose, so a
// forgotten field is caught rather than silently meaning IPv4.
const (
	IPv4 Family = 4
	IPv6 Family = 6
)

// String returns "IPv4" or "IPv6".
func (f Family) String() string {
	switch f {
	case IPv4:
		return "IPv4"
	case IPv6:
		return "IPv6"
	}
	return fmt.Sprintf("Family(%d)", int(f))
}

// RecordType returns the DNS record type that holds an address of this
// family: "A" or "AAAA".
func (f Family) RecordType() string {
	switch f {
	case IPv4:
		return "A"
	case IPv6:
		return "AAAA"
	}
	return ""
}

// valid reports whether f is IPv4 or IPv6.
func (f Family) valid() bool { return f == IPv4 || f == IPv6 }

// matches reports whether a belongs to the family (an IPv4-mapped IPv6
// address does not count as IPv6).
func (f Family) matches(a netip.Addr) bool {
	switch f {
	case IPv4:
		return a.Is4()
	case IPv6:
		return a.Is6() && !a.Is4In6()
	}
	return false
}

// Source finds this machine's public address of one family.
//
// Rules every implementation keeps:
//   - Name identifies the source in logs and errors ("http https://api.ipify.org",
//     "dns whoami.cloudflare TXT CH @1.1.1.1:53") and never contains a secret:
//     user info and query strings of URLs are left out.
//   - Detect honours ctx's deadline, returns an address of family fam (not yet
//     checked by Validate: the Detector does that, so AllowPrivate lives in one
//     place) or an error that names the source and says what was wrong.
//   - A rate-limited source returns an error wrapping ErrRateLimited (a
//     *RateLimitError when the service said how long to wait).
//   - Network failures (dial, timeout, DNS resolution) come back as errors that
//     IsNetworkError recognises, so a caller can tell "no network" from "bad
//     answer".
//   - Safe for concurrent use.
type Source interface {
	Name() string
	Detect(ctx context.Context, fam Family) (netip.Addr, error)
}

// Errors the Detector and the sources return; test them with errors.Is, they
// survive wrapping.
var (
	// ErrNoAddress: no source gave a usable address. The error's message lists
	// each source's failure.
	ErrNoAddress = errors.New("no usable public address")
	// ErrUnreachable: every failure was a network failure (dial, timeout, DNS
	// resolution), so the network itself is likely down; the updater exits
	// with its "network" code and the supervisor waits for the probes.
	ErrUnreachable = errors.New("network unreachable")
	// ErrRateLimited: the source answered 403 or 429 (or a DNS REFUSED) and
	// should be left alone for a while.
	ErrRateLimited = errors.New("rate limited")
	// ErrDisagreement: with a quorum, the sources gave different addresses and
	// too few agreed; nothing should be published.
	ErrDisagreement = errors.New("address sources disagree")
	// ErrBadAddress: an address was found but may not be published (wrong
	// family, private, loopback, documentation range, ...). Validate's errors
	// wrap it.
	ErrBadAddress = errors.New("address not publishable")
)
