package netprobe

import (
	"fmt"
	"net/netip"
)

// special is an address range that is not a normal public address, with the
// words that explain it to a user.
type special struct {
	prefix netip.Prefix
	what   string // "is in the <what> range <prefix>"
	why    string // what that means for a DNS record
	never  bool   // true: not even allow_private lets it through
}

// specialRanges lists, most specific first, the ranges Validate rejects. The
// list follows the IANA special-purpose registries (RFC 6890 and successors).
var specialRanges = []special{
	// IPv4
	{netip.MustParsePrefix("0.0.0.0/32"), "unspecified address", "it means \"no address\" and can never be published", true},
	{netip.MustParsePrefix("0.0.0.0/8"), "\"this network\"", "these addresses are only valid as a source while a host boots", true},
	{netip.MustParsePrefix("10.0.0.0/8"), "private (RFC 1918)", "it only works inside your own network", false},
	{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade NAT", "it is shared address space behind your provider's NAT, not reachable from the internet", false},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback", "it always means the machine that looks it up", false},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local", "it only works on the local link", false},
	{netip.MustParsePrefix("172.16.0.0/12"), "private (RFC 1918)", "it only works inside your own network", false},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments", "it is reserved for protocol use", false},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation (TEST-NET-1)", "it is reserved for examples and never routed", false},
	{netip.MustParsePrefix("192.88.99.0/24"), "deprecated 6to4 relay anycast", "it is not assigned to any host", false},
	{netip.MustParsePrefix("192.168.0.0/16"), "private (RFC 1918)", "it only works inside your own network", false},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking", "it is reserved for network device tests and never routed", false},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation (TEST-NET-2)", "it is reserved for examples and never routed", false},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation (TEST-NET-3)", "it is reserved for examples and never routed", false},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast", "a group address can never be one host's address", true},
	{netip.MustParsePrefix("255.255.255.255/32"), "limited broadcast", "it means every host on the local link", true},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved (class E)", "it is not assigned to any host", true},
	// IPv6
	{netip.MustParsePrefix("::/128"), "unspecified address", "it means \"no address\" and can never be published", true},
	{netip.MustParsePrefix("::1/128"), "loopback", "it always means the machine that looks it up", false},
	{netip.MustParsePrefix("::ffff:0:0/96"), "IPv4-mapped", "it is an IPv4 address written as IPv6; publish it as an A record", true},
	{netip.MustParsePrefix("100::/64"), "discard-only", "traffic to it is dropped on purpose", false},
	{netip.MustParsePrefix("2001:2::/48"), "benchmarking", "it is reserved for network device tests and never routed", false},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation", "it is reserved for examples and never routed", false},
	{netip.MustParsePrefix("3fff::/20"), "documentation", "it is reserved for examples and never routed", false},
	{netip.MustParsePrefix("fc00::/7"), "unique local (ULA)", "it only works inside your own network", false},
	{netip.MustParsePrefix("fe80::/10"), "link-local", "it only works on the local link", false},
	{netip.MustParsePrefix("fec0::/10"), "deprecated site-local", "it only works inside your own network", false},
	{netip.MustParsePrefix("ff00::/8"), "multicast", "a group address can never be one host's address", true},
}

// globalUnicast6 is the only IPv6 range the IANA allocates for global unicast today.
var globalUnicast6 = netip.MustParsePrefix("2000::/3")

// Validate says whether a may be published as this machine's public address
// of family fam, and if not, why, in a sentence that names the range.
//
// Rejected: the wrong family, addresses with a zone, and the special ranges
// (private RFC 1918, carrier-grade NAT 100.64.0.0/10, loopback, link-local,
// ULA fc00::/7, documentation, benchmarking, reserved, and IPv6 outside
// 2000::/3). allowPrivate lets all of these through, for setups that really
// publish internal addresses (a split-horizon zone, a lab), except the ones
// that can never be a host's address: unspecified, "this network",
// multicast, broadcast, class E and IPv4-mapped IPv6. Errors wrap
// ErrBadAddress.
func Validate(a netip.Addr, fam Family, allowPrivate bool) error {
	if !a.IsValid() {
		return fmt.Errorf("no address given: %w", ErrBadAddress)
	}
	if a.Zone() != "" {
		return fmt.Errorf("%s carries an interface zone, which a DNS record cannot hold: %w", a, ErrBadAddress)
	}
	if !fam.matches(a) && !(fam == IPv6 && a.Is4In6()) {
		return fmt.Errorf("%s is not an %v address, so it cannot go into an %s record: %w", a, fam, fam.RecordType(), ErrBadAddress)
	}
	for _, s := range specialRanges {
		if !s.prefix.Contains(a) {
			continue
		}
		if s.never {
			return fmt.Errorf("%s is in the %s range %s: %s: %w", a, s.what, s.prefix, s.why, ErrBadAddress)
		}
		if allowPrivate {
			return nil
		}
		return fmt.Errorf("%s is in the %s range %s: %s; set allow_private = true if you mean it: %w", a, s.what, s.prefix, s.why, ErrBadAddress)
	}
	if a.Is6() && !globalUnicast6.Contains(a) && !allowPrivate {
		return fmt.Errorf("%s is outside the IPv6 global unicast range %s: no public address is allocated there; set allow_private = true if you mean it: %w", a, globalUnicast6, ErrBadAddress)
	}
	return nil
}
