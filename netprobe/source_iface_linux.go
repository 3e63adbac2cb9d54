package netprobe

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/netip"
	"syscall"

	"golang.org/x/sys/unix"
)

// listInterfaceAddrs dumps the kernel's address table over netlink, because
// only there are the IFA_F_* flags (temporary, deprecated, tentative) visible.
// name "" means every interface that is up and not a loopback.
func listInterfaceAddrs(_ context.Context, name string) ([]ifaceAddr, error) {
	want, err := interfaceIndexes(name)
	if err != nil {
		return nil, err
	}
	rib, err := syscall.NetlinkRIB(unix.RTM_GETADDR, unix.AF_UNSPEC)
	if err != nil {
		return nil, fmt.Errorf("reading the address table over netlink: %w", err)
	}
	msgs, err := syscall.ParseNetlinkMessage(rib)
	if err != nil {
		return nil, fmt.Errorf("parsing the netlink address table: %w", err)
	}
	var out []ifaceAddr
	for _, m := range msgs {
		if m.Header.Type != unix.RTM_NEWADDR || len(m.Data) < unix.SizeofIfAddrmsg {
			continue
		}
		// struct ifaddrmsg: family, prefixlen, flags, scope (u8 each), index (u32).
		flags := uint32(m.Data[2])
		scope := m.Data[3]
		if !want[int(binary.NativeEndian.Uint32(m.Data[4:8]))] {
			continue
		}
		attrs, err := syscall.ParseNetlinkRouteAttr(&m)
		if err != nil {
			return nil, fmt.Errorf("parsing a netlink address message: %w", err)
		}
		var addr, local netip.Addr
		for _, at := range attrs {
			switch at.Attr.Type {
			case unix.IFA_ADDRESS:
				addr, _ = netip.AddrFromSlice(at.Value)
			case unix.IFA_LOCAL:
				local, _ = netip.AddrFromSlice(at.Value)
			case unix.IFA_FLAGS:
				if len(at.Value) >= 4 {
					flags = binary.NativeEndian.Uint32(at.Value)
				}
			}
		}
		if local.IsValid() { // on point-to-point links IFA_ADDRESS is the peer
			addr = local
		}
		if !addr.IsValid() {
			continue
		}
		out = append(out, ifaceAddr{addr: addr, flags: flags, linkScope: scope >= unix.RT_SCOPE_LINK})
	}
	return out, nil
}
