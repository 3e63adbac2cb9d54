package netprobe

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestCheckRouterAddr: a router's public WAN address passes; a private,
// CGNAT or documentation one is reported as double NAT in words (and counts
// as a bad address, so the detector moves on); one that is never an address
// is refused without the double-NAT story.
func TestCheckRouterAddr(t *testing.T) {
	for _, tc := range []struct {
		addr   string
		double bool
		bad    bool
	}{
		{"11.22.33.44", false, false},
		{"100.64.1.2", true, true},
		{"192.168.0.10", true, true},
		{"10.0.0.1", true, true},
		{"192.0.2.7", true, true},
		{"0.0.0.0", false, true},
	} {
		a, err := checkRouterAddr("natpmp 192.168.1.1", netip.MustParseAddr(tc.addr), IPv4)
		if got := errors.Is(err, ErrDoubleNAT); got != tc.double {
			t.Errorf("%s: double NAT = %v (%v), want %v", tc.addr, got, err, tc.double)
		}
		if got := errors.Is(err, ErrBadAddress); got != tc.bad {
			t.Errorf("%s: bad address = %v (%v), want %v", tc.addr, got, err, tc.bad)
		}
		if tc.double && !strings.Contains(err.Error(), "behind another NAT") {
			t.Errorf("%s: %q does not say the router is behind another NAT", tc.addr, err)
		}
		if !tc.bad && a.String() != tc.addr {
			t.Errorf("%s: got %v", tc.addr, a)
		}
	}
}

// TestParseRouteTable: the default route's gateway is read from
// /proc/net/route's native-endian hex; no default route is an error that
// says how to set the gateway.
func TestParseRouteTable(t *testing.T) {
	// 192.168.77.1 as the kernel prints it on a little-endian machine.
	table := "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" +
		"lan0\t004DA8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n" +
		"lan0\t00000000\t014DA8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
	gw, err := parseRouteTable(strings.NewReader(table))
	want := netip.MustParseAddr("192.168.77.1")
	if isBigEndian() {
		want = netip.MustParseAddr("1.77.168.192")
	}
	if err != nil || gw != want {
		t.Fatalf("gateway %v, %v; want %v", gw, err, want)
	}
	_, err = parseRouteTable(strings.NewReader(strings.Split(table, "lan0\t00000000")[0]))
	if err == nil || !strings.Contains(err.Error(), "gateway =") {
		t.Fatalf("no default route: %v; want advice to set gateway", err)
	}
}

func isBigEndian() bool {
	var b [2]byte
	binary.NativeEndian.PutUint16(b[:], 1)
	return b[0] == 0
}

// TestBoundedHTTPClient: a description longer than the cap fails after the
// cap, announced (Content-Length) or streamed, instead of being read whole.
func TestBoundedHTTPClient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/announced" {
			w.Header().Set("Content-Length", "104857600")
		}
		chunk := []byte(strings.Repeat("<x>", 1<<10))
		for i := 0; i < 100<<20/len(chunk); i++ {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	c := boundedHTTPClient(5*time.Second, 64<<10)
	for _, path := range []string{"/announced", "/streamed"} {
		start := time.Now()
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL+path, nil)
		resp, err := c.Do(req)
		var n int64
		if err == nil {
			n, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		if err == nil || !strings.Contains(err.Error(), "bytes accepted") || n > 64<<10 {
			t.Errorf("%s: read %d bytes, err %v; want a failure at the 64 KiB cap", path, n, err)
		}
		t.Logf("%s: failed after %v: %v", path, time.Since(start), err)
	}
}
