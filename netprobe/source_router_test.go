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
		if tc.double && (!strings.Contains(err.Error(), "behind another NAT") || strings.Contains(err.Error(), "allow_private")) {
			t.Errorf("%s: %q does not say the router is behind another NAT, or offers allow_private, which does not help", tc.addr, err)
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

// fakeIGD serves a root description offering one WAN connection service
// and answers its GetExternalIPAddress with addr (a fake at the HTTP edge:
// routers that hand out their CGNAT address, PPP-only routers, IGD v1).
func fakeIGD(t *testing.T, service, addr string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/rootDesc.xml":
			w.Write([]byte(`<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0"><specVersion><major>1</major><minor>0</minor></specVersion>
<device><deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType><UDN>uuid:fake</UDN>
<deviceList><device><deviceType>urn:schemas-upnp-org:device:WANDevice:1</deviceType>
<deviceList><device><deviceType>urn:schemas-upnp-org:device:WANConnectionDevice:1</deviceType>
<serviceList><service><serviceType>` + service + `</serviceType><serviceId>urn:upnp-org:serviceId:WANConn1</serviceId>
<controlURL>/ctl</controlURL><eventSubURL>/evt</eventSubURL><SCPDURL>/scpd.xml</SCPDURL></service></serviceList>
</device></deviceList></device></deviceList></device></root>`))
		case "/ctl":
			if !strings.Contains(r.Header.Get("SOAPAction"), service+"#GetExternalIPAddress") {
				http.Error(w, "unexpected action "+r.Header.Get("SOAPAction"), http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", `text/xml; charset="utf-8"`)
			w.Write([]byte(`<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body>` +
				`<u:GetExternalIPAddressResponse xmlns:u="` + service + `"><NewExternalIPAddress>` + addr + `</NewExternalIPAddress></u:GetExternalIPAddressResponse></s:Body></s:Envelope>`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestUPnPFakeIGD: each WAN connection service type is asked; a public
// answer is the address, a CGNAT or private one and an empty one are
// double NAT, garbage is an error naming the answer.
func TestUPnPFakeIGD(t *testing.T) {
	for _, tc := range []struct {
		name, service, addr string
		want                string // "" = an error
		double              bool
		errHas              string
	}{
		{"IP v1 public", "urn:schemas-upnp-org:service:WANIPConnection:1", "11.22.33.44", "11.22.33.44", false, ""},
		{"IP v2 public", "urn:schemas-upnp-org:service:WANIPConnection:2", "11.22.33.44", "11.22.33.44", false, ""},
		{"PPP public", "urn:schemas-upnp-org:service:WANPPPConnection:1", "11.22.33.45", "11.22.33.45", false, ""},
		{"CGNAT", "urn:schemas-upnp-org:service:WANIPConnection:1", "100.64.1.1", "", true, "carrier-grade NAT"},
		{"private", "urn:schemas-upnp-org:service:WANIPConnection:1", "192.168.0.2", "", true, "192.168.0.2"},
		{"empty", "urn:schemas-upnp-org:service:WANIPConnection:1", "", "", true, "no public address"},
		{"garbage", "urn:schemas-upnp-org:service:WANIPConnection:1", "not-an-ip", "", false, "not-an-ip"},
		{"no WAN service", "urn:schemas-upnp-org:service:Layer3Forwarding:1", "11.22.33.44", "", false, "no WANIPConnection or WANPPPConnection"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := fakeIGD(t, tc.service, tc.addr)
			a, err := NewUPnPSource(srv.URL+"/rootDesc.xml").Detect(context.Background(), IPv4)
			if tc.want != "" {
				if err != nil || a != netip.MustParseAddr(tc.want) {
					t.Fatalf("%v, %v; want %s", a, err, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("got %v; want an error", a)
			}
			if errors.Is(err, ErrDoubleNAT) != tc.double || !strings.Contains(err.Error(), tc.errHas) {
				t.Fatalf("%v; want double NAT %v and %q named", err, tc.double, tc.errHas)
			}
		})
	}
}

// TestParseAnnouncement: only a well-formed NAT-PMP external-address
// announcement counts; anything else on the port is ignored.
func TestParseAnnouncement(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    []byte
		want string // "" = ignored
	}{
		{"announcement", []byte{0, 128, 0, 0, 0, 0, 0, 2, 11, 22, 33, 44}, "11.22.33.44"},
		{"short", []byte{0, 128, 0, 0, 0, 0, 0, 2, 11, 22, 33}, ""},
		{"long", []byte{0, 128, 0, 0, 0, 0, 0, 2, 11, 22, 33, 44, 0}, ""},
		{"version 2 (PCP)", []byte{2, 128, 0, 0, 0, 0, 0, 2, 11, 22, 33, 44}, ""},
		{"request opcode", []byte{0, 0, 0, 0, 0, 0, 0, 2, 11, 22, 33, 44}, ""},
		{"error result", []byte{0, 128, 0, 3, 0, 0, 0, 2, 0, 0, 0, 0}, ""},
		{"empty", nil, ""},
	} {
		a, ok := parseAnnouncement(tc.b)
		if ok != (tc.want != "") || (ok && a.String() != tc.want) {
			t.Errorf("%s: %v, %v; want %q", tc.name, a, ok, tc.want)
		}
	}
}
