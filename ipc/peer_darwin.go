//go:build darwin

package ipc

import (
	"net"

	"golang.org/x/sys/unix"
)

// peerCredSupported: macOS gives the peer's uid through LOCAL_PEERCRED.
const peerCredSupported = true

// peerOf reads the client's uid (LOCAL_PEERCRED) and pid (LOCAL_PEERPID).
func peerOf(c net.Conn) Peer {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return Peer{}
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return Peer{}
	}
	var p Peer
	_ = raw.Control(func(fd uintptr) {
		cred, err := unix.GetsockoptXucred(int(fd), unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
		if err != nil {
			return
		}
		p = Peer{UID: int(cred.Uid), Known: true}
		if pid, err := unix.GetsockoptInt(int(fd), unix.SOL_LOCAL, unix.LOCAL_PEERPID); err == nil {
			p.PID = pid
		}
	})
	return p
}
