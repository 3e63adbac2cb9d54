//go:build linux

package observe

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// peerUIDSupported: on Linux the uid owning the client end of a loopback TCP
// connection is listed in /proc/net/tcp and /proc/net/tcp6.
const peerUIDSupported = true

// peerUID returns the uid owning the socket at the other end of a loopback
// connection: the entry whose local address is the client's and whose
// remote address is ours. ok is false when no entry matches (the client has
// already gone, or it is on another host).
func peerUID(local, remote *net.TCPAddr) (uid int, ok bool) {
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
