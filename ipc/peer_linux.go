//go:build linux

package ipc

import (
	"net"

	"golang.org/x/sys/unix"
)

// peerCredSupported: Linux tells a server who is at the other end of a Unix
// socket (SO_PEERCRED), so control commands can be limited by uid.
const peerCredSupported = true

// peerOf reads the client's credentials as the kernel recorded them at
// connect time; they cannot be forged by the client.
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
		cred, err := unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
		if err != nil {
			return
		}
		p = Peer{UID: int(cred.Uid), PID: int(cred.Pid), Known: true}
	})
	return p
}
