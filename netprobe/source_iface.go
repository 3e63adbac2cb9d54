package netprobe

import (
	"context"
	"fmt"
	"net"
	"net/netip"
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
	list  func(ctx context.Context, iface string) ([]ifaceAddr, error)
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

func (s *ifaceSource) Name() string {
	if s.iface == "" {
		return "interface (any up, non-loopback)"
	}
	return "interface " + s.iface
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
	a, err := pickInterfaceAddr(addrs, fam)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%s: %w", s.Name(), err)
	}
	return a, nil
}

// pickInterfaceAddr chooses the address to publish among an interface's
// addresses, deterministically, or explains why none fits.
func pickInterfaceAddr(addrs []ifaceAddr, fam Family) (netip.Addr, error) {
	type cand struct {
		ifaceAddr
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
		case fam == IPv6 && ia.flags&flagTemporary != 0:
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
		c := cand{ifaceAddr: ia, rank: 0}
		c.addr = a.WithZone("")
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
	if len(cands) == 0 {
		if len(skipped) == 0 {
			return netip.Addr{}, fmt.Errorf("the interface has no %v address", fam)
		}
		return netip.Addr{}, fmt.Errorf("the interface has no usable %v address (skipped: %s)", fam, strings.Join(skipped, ", "))
	}
	best := slices.MinFunc(cands, func(x, y cand) int {
		if x.rank != y.rank {
			return x.rank - y.rank
		}
		return x.addr.Compare(y.addr)
	})
	return best.addr, nil
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
