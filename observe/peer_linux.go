//go:build linux

package observe

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// peerUIDSupported: on Linux the kernel tells the uid owning the client end
// of a loopback TCP connection: sock_diag answers for one socket, and
// /proc/net/tcp and /proc/net/tcp6 list them all.
const peerUIDSupported = true

// peerUID returns the uid owning the socket at the other end of a loopback
// connection (local is our end, remote the client's). ok is false when the
// kernel knows no such socket (the client has already gone, or it is on
// another host).
//
// The sock_diag lookup costs the same however many sockets the machine has;
// reading /proc/net/tcp grows with them (a busy host in TIME_WAIT lists tens
// of thousands), so it is only the fallback for a kernel without sock_diag.
func peerUID(local, remote *net.TCPAddr) (uid int, ok bool) {
	uid, found, err := diagUID(remote, local)
	if err == nil {
		return uid, found
	}
	return procPeerUID(local, remote)
}

// diagUID asks sock_diag (NETLINK_SOCK_DIAG, one exact lookup) for the uid of
// the TCP socket whose own address is src and whose peer is dst. err is set
// when the kernel cannot be asked at all.
func diagUID(src, dst *net.TCPAddr) (uid int, found bool, err error) {
	family, size := byte(unix.AF_INET), net.IPv4len
	sip, dip := src.IP.To4(), dst.IP.To4()
	if sip == nil || dip == nil {
		family, size = unix.AF_INET6, net.IPv6len
		sip, dip = src.IP.To16(), dst.IP.To16()
	}
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return 0, false, err
	}
	defer unix.Close(fd)
	tv := unix.Timeval{Sec: 1}
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return 0, false, err
	}
	// struct nlmsghdr (16 bytes), then struct inet_diag_req_v2 (56 bytes):
	// family, protocol, ext, pad, states, then inet_diag_sockid: sport and
	// dport (big endian), src[16], dst[16], interface, cookie[2].
	const hdrLen, reqLen = 16, 56
	msg := make([]byte, hdrLen+reqLen)
	binary.NativeEndian.PutUint32(msg[0:], hdrLen+reqLen)
	binary.NativeEndian.PutUint16(msg[4:], unix.SOCK_DIAG_BY_FAMILY)
	binary.NativeEndian.PutUint16(msg[6:], unix.NLM_F_REQUEST)
	binary.NativeEndian.PutUint32(msg[8:], 1)
	req := msg[hdrLen:]
	req[0], req[1] = family, unix.IPPROTO_TCP
	binary.NativeEndian.PutUint32(req[4:], 0xffffffff) // every state
	binary.BigEndian.PutUint16(req[8:], uint16(src.Port))
	binary.BigEndian.PutUint16(req[10:], uint16(dst.Port))
	copy(req[12:12+size], sip)
	copy(req[28:28+size], dip)
	binary.NativeEndian.PutUint32(req[48:], 0xffffffff) // INET_DIAG_NOCOOKIE
	binary.NativeEndian.PutUint32(req[52:], 0xffffffff)
	if err := unix.Sendto(fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return 0, false, err
	}
	buf := make([]byte, 8192)
	n, _, err := unix.Recvfrom(fd, buf, 0)
	if err != nil {
		return 0, false, err
	}
	msgs, err := syscall.ParseNetlinkMessage(buf[:n])
	if err != nil {
		return 0, false, err
	}
	for _, m := range msgs {
		switch m.Header.Type {
		case unix.SOCK_DIAG_BY_FAMILY:
			// struct inet_diag_msg: family, state, timer, retrans, sockid
			// (48 bytes), expires, rqueue, wqueue, then uid.
			if len(m.Data) < 68 {
				return 0, false, fmt.Errorf("sock_diag answered %d bytes, too short", len(m.Data))
			}
			return int(binary.NativeEndian.Uint32(m.Data[64:])), true, nil
		case unix.NLMSG_ERROR:
			if len(m.Data) >= 4 {
				if errno := -int32(binary.NativeEndian.Uint32(m.Data)); errno == int32(unix.ENOENT) {
					return 0, false, nil // no such socket
				}
			}
			return 0, false, errors.New("sock_diag refused the lookup")
		}
	}
	return 0, false, errors.New("sock_diag gave no answer")
}

// procPeerUID finds the client's socket in /proc/net/tcp or tcp6: the entry
// whose local address is the client's and whose remote address is ours.
func procPeerUID(local, remote *net.TCPAddr) (uid int, ok bool) {
	files := []string{"/proc/net/tcp", "/proc/net/tcp6"}
	if remote.IP.To4() == nil {
		files = files[1:]
	}
	for _, f := range files {
		v6 := strings.HasSuffix(f, "6")
		want := procAddr(remote, v6) + " " + procAddr(local, v6)
		if uid, ok := scanProcNet(f, want); ok {
			return uid, true
		}
	}
	return 0, false
}

// procAddr writes a as the kernel lists it: the address as 32-bit words in
// the machine's byte order, each %08X, then ':' and the port as %04X.
func procAddr(a *net.TCPAddr, v6 bool) string {
	ip := a.IP.To4()
	if v6 || ip == nil {
		ip = a.IP.To16()
	}
	var b strings.Builder
	for i := 0; i+4 <= len(ip); i += 4 {
		fmt.Fprintf(&b, "%08X", binary.NativeEndian.Uint32(ip[i:i+4]))
	}
	fmt.Fprintf(&b, ":%04X", a.Port)
	return b.String()
}

// scanProcNet finds the line whose local and remote addresses are want
// ("LOCAL REMOTE") and returns its uid column.
func scanProcNet(path, want string) (int, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// "  sl  local_address rem_address   st tx_queue:rx_queue tr:tm->when retrnsmt   uid ..."
		fields := strings.Fields(sc.Text())
		if len(fields) < 8 || fields[1]+" "+fields[2] != want {
			continue
		}
		uid, err := strconv.Atoi(fields[7])
		if err != nil {
			return 0, false
		}
		return uid, true
	}
	return 0, false
}
