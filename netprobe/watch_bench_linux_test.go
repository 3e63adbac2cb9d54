package netprobe

import (
	"context"
	"encoding/binary"
	"os"
	"runtime"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// BenchmarkAddressChangeEvent measures the time from a raw netlink
// RTM_NEWADDR (sent and acknowledged) to the event on WatchAddresses'
// channel. It runs in a fresh network namespace made for this goroutine's
// locked OS thread, which is discarded afterwards, so the host is untouched.
func BenchmarkAddressChangeEvent(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root to create a network namespace")
	}
	// Never unlocked: the thread ends with the goroutine, taking the
	// namespace with it.
	runtime.LockOSThread()
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		b.Skipf("cannot create a network namespace: %v", err)
	}
	nl, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		b.Fatal(err)
	}
	defer unix.Close(nl)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := WatchAddresses(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	const lo = 1 // the loopback interface's index in a fresh namespace
	addr := [4]byte{11, 22, 33, 44}
	wait := func() {
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			b.Fatal("no event within 5s")
		}
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		select { // a late event from the previous delete must not count
		case <-ch:
		default:
		}
		start := time.Now()
		netlinkAddr(b, nl, unix.RTM_NEWADDR, unix.NLM_F_CREATE|unix.NLM_F_EXCL, lo, addr)
		wait()
		lat = append(lat, time.Since(start))
		b.StopTimer()
		netlinkAddr(b, nl, unix.RTM_DELADDR, 0, lo, addr)
		wait()
		b.StartTimer()
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "median-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// netlinkAddr adds or deletes an IPv4 /32 on interface index and waits for
// the kernel's acknowledgement.
func netlinkAddr(b *testing.B, fd int, typ uint16, flags uint16, index uint32, a [4]byte) {
	b.Helper()
	ne := binary.NativeEndian
	msg := make([]byte, 16+8+8+8)
	ne.PutUint32(msg[0:], uint32(len(msg)))
	ne.PutUint16(msg[4:], typ)
	ne.PutUint16(msg[6:], unix.NLM_F_REQUEST|unix.NLM_F_ACK|flags)
	// struct ifaddrmsg
	msg[16], msg[17], msg[18], msg[19] = unix.AF_INET, 32, 0, unix.RT_SCOPE_UNIVERSE
	ne.PutUint32(msg[20:], index)
	for i, at := range []uint16{unix.IFA_LOCAL, unix.IFA_ADDRESS} {
		off := 24 + 8*i
		ne.PutUint16(msg[off:], 8)
		ne.PutUint16(msg[off+2:], at)
		copy(msg[off+4:], a[:])
	}
	if err := unix.Sendto(fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 4096)
	n, _, err := unix.Recvfrom(fd, buf, 0)
	if err != nil {
		b.Fatal(err)
	}
	if n < 20 || ne.Uint16(buf[4:]) != unix.NLMSG_ERROR {
		b.Fatalf("unexpected netlink reply type %d", ne.Uint16(buf[4:]))
	}
	if errno := int32(ne.Uint32(buf[16:])); errno != 0 {
		b.Fatalf("netlink %d: %v", typ, unix.Errno(-errno))
	}
}
