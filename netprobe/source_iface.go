package netprobe

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"slices"
	"strings"
)

// Address flags as Linux reports them (IFA_F_*). Other systems report none,
// which reads as "a stable, usable address".
const (
	flagSecondary  = 0x01 // IPv4: not the interface's primary address in its subnet
	flagTemporary  = 0x01 // IPv6: an RFC 8981 privacy address that rotates
	flagDADFailed  = 0x08
	flagDeprecated = 0x20 // preferred lifetime over: about to go away
	flagTentative  = 0x40 // duplicate address detection still running
	flagPermanent  = 0x80 // configured by hand, not by autoconfiguration
)

// ifaceAddr is one address of an interface as the system reports it.
type ifaceAddr struct {
	addr      netip.Addr
	flags     uint32
	linkScope bool // scope link or host: usable only on this link or machine
}

// ifaceSource reads an address of a local interface.
type ifaceSource struct {
	iface string
	sel   InterfaceSelector
	list  func(ctx context.Context, iface string) ([]ifaceAddr, error)
}

// InterfaceSelector says which of an interface's usable addresses an
// interface source answers with, for a machine with several. The zero
// value picks as NewInterfaceSource describes. Prefix and Match narrow the
// candidates, Index picks among those left, Suffix then keeps only the
// picked address's prefix. The order Index counts in is the order of
// preference: public before private, then (IPv6) hand-configured before
// autoconfigured or (IPv4) primary before secondary, then numerically
// lowest first; so index 0 is the address chosen without an index, and the
// order does not depend on the order the system lists addresses in.
type InterfaceSelector struct {
	// Prefix keeps only the addresses inside it; the zero Prefix keeps all.
	Prefix netip.Prefix
	// Match keeps only the addresses whose text, as netip.Addr writes it
	// (lower case, the shortest form: "2001:db8::1"), it matches; nil keeps all.
	Match *regexp.Regexp
	// Index picks the Nth address left, counting from 0.
	Index int
	// Suffix, for IPv6, is an interface identifier: the answer is the
	// picked address's first PrefixLength bits followed by Suffix's other
	// bits. It serves a server behind the router whose prefix changes: the
	// updater reads the current prefix from its own interface. Temporary
	// (privacy) addresses count here, since they carry the prefix too.
	Suffix netip.Addr
	// PrefixLength is how many bits the prefix keeps with Suffix; 0 means 64.
	PrefixLength int
}

// describe is the selector for a source's name, "" for the zero one.
func (sel InterfaceSelector) describe() string {
	var parts []string
	if sel.Prefix.IsValid() {
		parts = append(parts, "prefix "+sel.Prefix.String())
	}
	if sel.Match != nil {
		parts = append(parts, fmt.Sprintf("match %q", sel.Match.String()))
	}
	if sel.Index != 0 {
		parts = append(parts, fmt.Sprintf("index %d", sel.Index))
	}
	if sel.Suffix.IsValid() {
		parts = append(parts, fmt.Sprintf("suffix %s on the /%d", sel.Suffix, sel.prefixLength()))
	}
	return strings.Join(parts, ", ")
}

func (sel InterfaceSelector) prefixLength() int {
	if sel.PrefixLength == 0 {
		return 64
	}
	return sel.PrefixLength
}

// WithInterfaceID returns the first bits of prefix's address followed by
// the remaining bits of id: the address a host with interface identifier
// id has on prefix. ok is false unless both are IPv6, bits is within 1..127
// and id has no bit set in the first bits.
func WithInterfaceID(prefix netip.Addr, bits int, id netip.Addr) (netip.Addr, bool) {
	if !prefix.Is6() || prefix.Is4In6() || !id.Is6() || bits < 1 || bits > 127 {
		return netip.Addr{}, false
	}
	p, i := prefix.As16(), id.As16()
	var out [16]byte
	for n := range 16 {
		// mask has the bits of byte n that belong to the prefix.
		var mask byte
		switch {
		case bits >= 8*(n+1):
			mask = 0xff
		case bits > 8*n:
			mask = 0xff << (8 - (bits - 8*n))
		}
		if i[n]&mask != 0 {
			return netip.Addr{}, false
		}
		out[n] = p[n]&mask | i[n]&^mask
	}
	return netip.AddrFrom16(out), true
}

// NewInterfaceSource returns a Source that reads the addresses of the named
// interface, for machines that hold their public address themselves (a
// server with a static address, an IPv6 host behind a router that only
// routes). For IPv6 it skips temporary (privacy), deprecated, tentative and
// link-scoped addresses, reading the kernel's IFA_F_* flags through netlink
// on Linux; elsewhere it sees only what the net package reports. Among
// several candidates it prefers an address that Validate accepts as public,
// then a hand-configured one, then the lowest: the same choice every time.
//
// name "" means any interface that is up and not a loopback, so a config
// that says only { type = "interface" } works on any machine (the embedded
// default relies on it); the same preferences pick among all their addresses.
func NewInterfaceSource(name string) Source {
	return &ifaceSource{iface: name, list: listInterfaceAddrs}
}

// NewInterfaceSourceWith is NewInterfaceSource with a selector, for an
// interface with several addresses where the default choice is not the one
// to publish.
func NewInterfaceSourceWith(name string, sel InterfaceSelector) Source {
	return &ifaceSource{iface: name, sel: sel, list: listInterfaceAddrs}
}

func (s *ifaceSource) Name() string {
	n := "interface " + s.iface
	if s.iface == "" {
		n = "interface (any up, non-loopback)"
	}
	if d := s.sel.describe(); d != "" {
		n += " (" + d + ")"
	}
	return n
}

// interfaceIndexes returns the indexes of the named interface, or with name
// "" those of every interface that is up and not a loopback.
func interfaceIndexes(name string) (map[int]bool, error) {
	if name != "" {
		ifi, err := net.InterfaceByName(name)
		if err != nil {
			return nil, fmt.Errorf("no interface named %q (this machine has: %s)", name, interfaceNames())
		}
		return map[int]bool{ifi.Index: true}, nil
	}
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("listing the network interfaces: %w", err)
	}
	out := map[int]bool{}
	for _, ifi := range ifs {
		if ifi.Flags&net.FlagUp != 0 && ifi.Flags&net.FlagLoopback == 0 {
			out[ifi.Index] = true
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no interface is up apart from loopback (this machine has: %s)", interfaceNames())
	}
	return out, nil
}

func (s *ifaceSource) Detect(ctx context.Context, fam Family) (netip.Addr, error) {
	addrs, err := s.list(ctx, s.iface)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%s: %w", s.Name(), err)
	}
	a, err := selectInterfaceAddr(addrs, fam, s.sel)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%s: %w", s.Name(), err)
	}
	return a, nil
}

// pickInterfaceAddr chooses the address to publish among an interface's
// addresses, deterministically, or explains why none fits.
func pickInterfaceAddr(addrs []ifaceAddr, fam Family) (netip.Addr, error) {
	return selectInterfaceAddr(addrs, fam, InterfaceSelector{})
}

// selectInterfaceAddr is pickInterfaceAddr with a selector applied: the
// usable addresses in order of preference, narrowed by Prefix and Match,
// the Index-th of them, combined with Suffix.
func selectInterfaceAddr(addrs []ifaceAddr, fam Family, sel InterfaceSelector) (netip.Addr, error) {
	cands, skipped := rankInterfaceAddrs(addrs, fam, sel.Suffix.IsValid())
	if len(cands) == 0 {
		if len(skipped) == 0 {
			return netip.Addr{}, fmt.Errorf("the interface has no %v address", fam)
		}
		return netip.Addr{}, fmt.Errorf("the interface has no usable %v address (skipped: %s)", fam, strings.Join(skipped, ", "))
	}
	usable := cands
	if sel.Prefix.IsValid() || sel.Match != nil {
		usable = nil
		for _, a := range cands {
			if sel.Prefix.IsValid() && !sel.Prefix.Contains(a) || sel.Match != nil && !sel.Match.MatchString(a.String()) {
				continue
			}
			usable = append(usable, a)
		}
		if len(usable) == 0 {
			return netip.Addr{}, fmt.Errorf("none of the interface's usable %v addresses (%s) fits %s", fam, listAddrs(cands), sel.describe())
		}
	}
	if sel.Index < 0 || sel.Index >= len(usable) {
		return netip.Addr{}, fmt.Errorf("index %d asks for address number %d, but %d fit, in this order: %s", sel.Index, sel.Index+1, len(usable), listIndexed(usable))
	}
	a := usable[sel.Index]
	if sel.Suffix.IsValid() {
		combined, ok := WithInterfaceID(a, sel.prefixLength(), sel.Suffix)
		if !ok {
			return netip.Addr{}, fmt.Errorf("suffix %s cannot go on %s/%d: it needs an IPv6 identifier with no bit inside the first %d", sel.Suffix, a, sel.prefixLength(), sel.prefixLength())
		}
		return combined, nil
	}
	return a, nil
}

// rankInterfaceAddrs returns the usable addresses in order of preference
// (see InterfaceSelector), and the others with the reason each was
// skipped. withTemporary keeps temporary IPv6 addresses, for a Suffix,
// which needs only their prefix.
func rankInterfaceAddrs(addrs []ifaceAddr, fam Family, withTemporary bool) ([]netip.Addr, []string) {
	type cand struct {
		addr netip.Addr
		rank int // lower is better
	}
	var cands []cand
	var skipped []string
	for _, ia := range addrs {
		a := ia.addr
		if fam == IPv4 && a.Is4In6() {
			a = a.Unmap()
		}
		if !fam.matches(a) {
			continue
		}
		var why string
		switch {
		case ia.linkScope || a.IsLinkLocalUnicast() || a.IsLoopback():
			why = "not global"
		case fam == IPv6 && ia.flags&flagTemporary != 0 && !withTemporary:
			why = "temporary"
		case fam == IPv6 && ia.flags&flagDeprecated != 0:
			why = "deprecated"
		case fam == IPv6 && ia.flags&flagTentative != 0:
			why = "tentative"
		case fam == IPv6 && ia.flags&flagDADFailed != 0:
			why = "duplicate"
		case Validate(a.WithZone(""), fam, true) != nil:
			why = "never publishable"
		}
		if why != "" {
			skipped = append(skipped, a.String()+" "+why)
			continue
		}
		c := cand{addr: a.WithZone(""), rank: 0}
		if Validate(c.addr, fam, false) != nil {
			c.rank += 4 // private: only if nothing public is there
		}
		if fam == IPv4 && ia.flags&flagSecondary != 0 {
			c.rank += 2
		}
		if fam == IPv6 && ia.flags&flagPermanent == 0 {
			c.rank++ // autoconfigured but stable: fine, after a hand-set one
		}
		cands = append(cands, c)
	}
	slices.SortFunc(cands, func(x, y cand) int {
		if x.rank != y.rank {
			return x.rank - y.rank
		}
		return x.addr.Compare(y.addr)
	})
	out := make([]netip.Addr, 0, len(cands))
	for _, c := range cands {
		if len(out) == 0 || out[len(out)-1] != c.addr { // one address on two interfaces counts once
			out = append(out, c.addr)
		}
	}
	return out, skipped
}

func listAddrs(as []netip.Addr) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}

func listIndexed(as []netip.Addr) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = fmt.Sprintf("%d %s", i, a)
	}
	return strings.Join(s, ", ")
}

// interfaceNames lists the machine's interfaces, for an error that helps the
// user pick the right name.
func interfaceNames() string {
	ifs, err := net.Interfaces()
	if err != nil {
		return "unknown"
	}
	names := make([]string, 0, len(ifs))
	for _, i := range ifs {
		names = append(names, i.Name)
	}
	return strings.Join(names, ", ")
}

// netInterfaceAddrs is the portable listing: no flags, scope from the
// address. name "" means every interface that is up and not a loopback.
func netInterfaceAddrs(name string) ([]ifaceAddr, error) {
	idx, err := interfaceIndexes(name)
	if err != nil {
		return nil, err
	}
	var as []net.Addr
	for i := range idx {
		ifi, err := net.InterfaceByIndex(i)
		if err != nil {
			return nil, fmt.Errorf("looking up interface %d: %w", i, err)
		}
		more, err := ifi.Addrs()
		if err != nil {
			return nil, fmt.Errorf("listing the addresses of %q: %w", ifi.Name, err)
		}
		as = append(as, more...)
	}
	var out []ifaceAddr
	for _, a := range as {
		var ip net.IP
		switch v := a.(type) {
		case *net.IPNet:
			ip = v.IP
		case *net.IPAddr:
			ip = v.IP
		}
		if addr, ok := netip.AddrFromSlice(ip); ok {
			out = append(out, ifaceAddr{addr: addr.Unmap()})
		}
	}
	return out, nil
}
