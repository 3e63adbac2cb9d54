package netprobe

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	natpmp "github.com/jackpal/go-nat-pmp"
)

// natpmpTimeout bounds one NAT-PMP exchange, its retries included.
const natpmpTimeout = 2 * time.Second

// natpmpSource asks the gateway through NAT-PMP (RFC 6886) for its external
// address.
type natpmpSource struct {
	gateway netip.Addr // invalid = the default gateway
	timeout time.Duration
	findGW  func() (netip.Addr, error)
}

// NewNATPMPSource returns a Source that asks a NAT-PMP gateway (RFC 6886,
// which PCP routers answer too) for its external IPv4 address. gateway ""
// means this machine's IPv4 default gateway (read from /proc/net/route on
// Linux; give it elsewhere). It sends only the "external address" request:
// no port mapping is ever created. Each exchange is bounded (2 s, retries
// included, and never past the caller's deadline).
//
// As with NewUPnPSource, a WAN address that is not public means the router
// is behind another NAT: Detect's error wraps ErrDoubleNAT.
func NewNATPMPSource(gateway string) (Source, error) {
	s := &natpmpSource{timeout: natpmpTimeout, findGW: defaultGateway4}
	if gateway != "" {
		a, err := netip.ParseAddr(gateway)
		if err != nil || !a.Unmap().Is4() {
			return nil, fmt.Errorf("the NAT-PMP gateway %q is not an IPv4 address", gateway)
		}
		s.gateway = a.Unmap()
	}
	return s, nil
}

func (s *natpmpSource) Name() string {
	if !s.gateway.IsValid() {
		return "natpmp (default gateway)"
	}
	return "natpmp " + s.gateway.String()
}

func (s *natpmpSource) Detect(ctx context.Context, fam Family) (netip.Addr, error) {
	if fam != IPv4 {
		return netip.Addr{}, fmt.Errorf("%s: NAT-PMP reports only the gateway's IPv4 address, not %v", s.Name(), fam)
	}
	gw := s.gateway
	if !gw.IsValid() {
		var err error
		if gw, err = s.findGW(); err != nil {
			return netip.Addr{}, fmt.Errorf("%s: %w", s.Name(), err)
		}
	}
	timeout := s.timeout
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < timeout {
		timeout = time.Until(dl)
	}
	if timeout <= 0 {
		return netip.Addr{}, fmt.Errorf("%s: no time left to ask %s: %w", s.Name(), gw, context.DeadlineExceeded)
	}
	type answer struct {
		r   *natpmp.GetExternalAddressResult
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		r, err := natpmp.NewClientWithTimeout(gw.AsSlice(), timeout).GetExternalAddress()
		ch <- answer{r, err}
	}()
	var ans answer
	select {
	case ans = <-ch:
	case <-ctx.Done():
		return netip.Addr{}, fmt.Errorf("%s: %s did not answer: %w", s.Name(), gw, ctx.Err())
	}
	if ans.err != nil {
		err := ans.err
		if strings.HasSuffix(err.Error(), "result code 3") {
			// RFC 6886 result 3, "network failure": the gateway has no
			// external address (miniupnpd's answer when its WAN is private).
			return netip.Addr{}, noPublicAddr(s.Name(), fmt.Errorf("%s answered NAT-PMP result 3, network failure: %w", gw, errNoExternal))
		}
		if strings.Contains(err.Error(), "timed out") {
			// go-nat-pmp's own timeout error is a plain one: say what it means.
			err = &net.OpError{Op: "read", Net: "udp", Err: fmt.Errorf("no NAT-PMP answer within %v: %w", timeout, os.ErrDeadlineExceeded)}
		}
		return netip.Addr{}, fmt.Errorf("%s: asking %s for its external address: %w", s.Name(), gw, err)
	}
	return checkRouterAddr(s.Name(), netip.AddrFrom4(ans.r.ExternalIPAddress), fam)
}

// defaultGateway4 is the IPv4 default gateway.
func defaultGateway4() (netip.Addr, error) {
	if runtime.GOOS != "linux" {
		return netip.Addr{}, fmt.Errorf("finding the default gateway is not implemented on %s; set gateway = \"192.168.1.1\" (your router): %w", runtime.GOOS, errors.ErrUnsupported)
	}
	f, err := os.Open("/proc/net/route")
	if err != nil {
		return netip.Addr{}, fmt.Errorf("reading the routing table: %w", err)
	}
	defer f.Close()
	return parseRouteTable(io.LimitReader(f, 1<<20))
}

// parseRouteTable finds the default route's gateway in /proc/net/route's
// format: the kernel prints the network-order address as a native-endian
// number in hex, so the number is written back in native byte order.
func parseRouteTable(r io.Reader) (netip.Addr, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 8 || f[1] != "00000000" || f[7] != "00000000" {
			continue // not a default route (destination and mask 0)
		}
		v, err := strconv.ParseUint(f[2], 16, 32)
		if err != nil {
			continue
		}
		var a [4]byte
		binary.NativeEndian.PutUint32(a[:], uint32(v))
		if gw := netip.AddrFrom4(a); !gw.IsUnspecified() {
			return gw, nil
		}
	}
	return netip.Addr{}, errors.New("this machine has no IPv4 default gateway; set gateway = \"192.168.1.1\" (your router)")
}
