package netprobe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ddnsd/ddns/testsupport/netns"
)

// The test network (netns.NewRouter): the test process runs on the LAN
// (netns.InFresh's namespace) as 192.168.77.2; the router is a namespace of
// its own, where Debian's miniupnpd serves UPnP IGD, NAT-PMP and PCP.
const (
	routerLAN  = netns.RouterLAN
	routerDesc = netns.RouterDescription
)

// TestRouterSourcesNetns: against a real miniupnpd, UPnP (SSDP discovery and
// a given description URL) and NAT-PMP (default gateway and a given one)
// all find the router's WAN address; with miniupnpd stopped, both fail
// within their bounds and the detector falls back to the next source.
func TestRouterSourcesNetns(t *testing.T) {
	lan := netns.InFresh(t)
	if lan == nil {
		return
	}
	r := netns.NewRouter(t, lan, "11.22.33.44")
	r.Start()
	natDefault, err := NewNATPMPSource("")
	if err != nil {
		t.Fatal(err)
	}
	natGW, err := NewNATPMPSource(routerLAN)
	if err != nil {
		t.Fatal(err)
	}
	want := netip.MustParseAddr("11.22.33.44")
	discover := NewUPnPSource("")
	for _, src := range []Source{discover, discover, NewUPnPSource(routerDesc), natDefault, natGW} {
		ctx, cancel := context.WithTimeout(context.Background(), DefaultSourceTimeout)
		start := time.Now()
		a, err := src.Detect(ctx, IPv4)
		cancel()
		if err != nil || a != want {
			t.Fatalf("%s: %v, %v; want the WAN address %v\nminiupnpd:\n%s", src.Name(), a, err, want, r.Log())
		}
		t.Logf("%s: %v in %v", src.Name(), a, time.Since(start))
		if _, err := src.Detect(context.Background(), IPv6); err == nil {
			t.Errorf("%s answered for IPv6; it knows only IPv4", src.Name())
		}
	}

	// The second discovery asked the router found by the first, no search.
	if got := discover.(*upnpSource).found; got != routerDesc {
		t.Errorf("discovery remembered %q, want %q", got, routerDesc)
	}

	r.Stop()
	next := &fixedSource{name: "next", addr: "11.22.33.99"}
	d := &Detector{Sources: []Source{NewUPnPSource(routerDesc), natGW, next}}
	start := time.Now()
	res, err := d.Detect(context.Background(), IPv4)
	took := time.Since(start)
	if err != nil || res.Source != "next" || len(res.Tried) != 2 {
		t.Fatalf("with miniupnpd stopped: %+v, %v; want the next source after two failures", res, err)
	}
	for _, tr := range res.Tried {
		t.Logf("tried: %v", tr)
	}
	if took > 2*natpmpTimeout+upnpCallTimeout {
		t.Errorf("falling back took %v, longer than the sources' bounds", took)
	}
}

// TestRouterDoubleNATNetns: a router whose WAN holds a carrier-grade NAT
// address (100.64.0.0/10) is reported, by both protocols, as behind another
// NAT, and the next source is used; alone, the detector's error (what status
// and check show) says so in words. (miniupnpd itself answers "no address"
// when its WAN is private: an empty UPnP answer, NAT-PMP result 3; a router
// that hands out the 100.64 address is TestCheckRouterAddr's and
// TestUPnPFakeIGD's case.)
func TestRouterDoubleNATNetns(t *testing.T) {
	lan := netns.InFresh(t)
	if lan == nil {
		return
	}
	r := netns.NewRouter(t, lan, "100.64.7.7")
	r.Start()
	nat, err := NewNATPMPSource(routerLAN)
	if err != nil {
		t.Fatal(err)
	}
	next := &fixedSource{name: "next", addr: "11.22.33.99"}
	var logged strings.Builder
	d := &Detector{Sources: []Source{NewUPnPSource(routerDesc), nat, next}, Logger: hclog.New(&hclog.LoggerOptions{Output: &logged})}
	res, err := d.Detect(context.Background(), IPv4)
	if err != nil || res.Source != "next" || res.Addr != netip.MustParseAddr("11.22.33.99") {
		t.Fatalf("%+v, %v; want the next source's address", res, err)
	}
	if n := strings.Count(logged.String(), "[WARN]  the router is behind another NAT (double NAT)"); n != 2 {
		t.Errorf("%d double-NAT warnings logged, want one per router source:\n%s", n, logged.String())
	}
	if len(res.Tried) != 2 {
		t.Fatalf("tried %v; want both router sources", res.Tried)
	}
	for _, tr := range res.Tried {
		if !errors.Is(tr.Err, ErrDoubleNAT) || !strings.Contains(tr.Err.Error(), "behind another NAT") {
			t.Errorf("%s: %v; want double NAT named with the address", tr.Source, tr.Err)
		}
	}
	alone := &Detector{Sources: []Source{nat}}
	_, err = alone.Detect(context.Background(), IPv4)
	if err == nil || !strings.Contains(err.Error(), "behind another NAT") || !strings.Contains(err.Error(), "result 3") {
		t.Fatalf("alone: %v; want the detector's error to say double NAT and why", err)
	}
	t.Logf("the detector says:\n%v", err)
}

// TestHostileSSDPResponderNetns: a LAN device that answers the SSDP search
// with garbage, with many locations and with a 100 MB description costs the
// UPnP source a few seconds at most, and the detector goes on to the next
// source.
func TestHostileSSDPResponderNetns(t *testing.T) {
	lan := netns.InFresh(t)
	if lan == nil {
		return
	}
	netns.NewRouter(t, lan, "11.22.33.44") // the LAN, no miniupnpd

	// The 100 MB description, streamed without a length.
	ln, err := net.Listen("tcp", "192.168.77.2:0")
	if err != nil {
		t.Fatal(err)
	}
	var served sync.WaitGroup
	var sent sync.Map
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		defer served.Done()
		chunk := []byte(`<?xml version="1.0"?><root xmlns="urn:schemas-upnp-org:device-1-0">` + strings.Repeat("<x>", 20000))
		var n int
		for n < 100<<20 {
			k, err := w.Write(chunk)
			n += k
			if err != nil {
				break
			}
		}
		sent.Store(r.URL.Path, n)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	// The responder: joined to the SSDP group on the LAN, it answers each
	// search with garbage and fifty "devices", all pointing at the huge
	// description.
	lan0, err := net.InterfaceByName("lan0")
	if err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenMulticastUDP("udp4", lan0, &net.UDPAddr{IP: net.IPv4(239, 255, 255, 250), Port: 1900})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	reply, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(192, 168, 77, 2)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reply.Close() })
	searches := make(chan struct{}, 16)
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := pc.ReadFromUDP(buf)
			if err != nil {
				return
			}
			if !strings.HasPrefix(string(buf[:n]), "M-SEARCH") {
				continue
			}
			select {
			case searches <- struct{}{}:
			default:
			}
			st := "urn:schemas-upnp-org:device:InternetGatewayDevice:2"
			for _, l := range strings.Split(string(buf[:n]), "\r\n") {
				if v, ok := strings.CutPrefix(l, "ST: "); ok {
					st = v
				}
			}
			reply.WriteToUDP([]byte("\x00\xffgarbage\r\n\r\n"+strings.Repeat("A", 1500)), from)
			reply.WriteToUDP([]byte("HTTP/1.1 200 OK\r\nLOCATION: \x00\r\n\r\n"), from)
			for i := range 50 {
				msg := fmt.Sprintf("HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: %s\r\nUSN: uuid:evil-%d::%s\r\nLOCATION: http://%s/desc%d.xml\r\n\r\n", st, i, st, ln.Addr(), i)
				reply.WriteToUDP([]byte(msg), from)
			}
		}
	}()

	next := &fixedSource{name: "next", addr: "11.22.33.99"}
	d := &Detector{Sources: []Source{NewUPnPSource(""), next}}
	start := time.Now()
	res, err := d.Detect(context.Background(), IPv4)
	took := time.Since(start)
	if err != nil || res.Source != "next" {
		t.Fatalf("%+v, %v; want the next source after the hostile one", res, err)
	}
	select {
	case <-searches:
	default:
		t.Fatal("the responder never saw a search: the test proved nothing")
	}
	msg := res.Tried[0].Err.Error()
	if !strings.Contains(msg, "bytes accepted") {
		t.Errorf("the UPnP source's error %q does not name the size cap", msg)
	}
	if took > upnpSearchWait*2+2*time.Second {
		t.Errorf("surviving the hostile responder took %v", took)
	}
	srv.Close()
	served.Wait()
	count := 0
	sent.Range(func(k, v any) bool {
		count++
		if v.(int) > 8<<20 {
			t.Errorf("%v: the server got %d bytes out before the source hung up", k, v)
		}
		return true
	})
	if count > upnpMaxAnswers {
		t.Errorf("%d descriptions fetched; the cap is %d", count, upnpMaxAnswers)
	}
	t.Logf("survived in %v, %d descriptions fetched: %s", took, count, msg[:min(len(msg), 300)])
}

// TestRouterAnnouncementNetns: a WAN address changed on the router's side
// reaches WatchRouterAnnouncements through miniupnpd's NAT-PMP announcement
// (the deadline is a failure guard), and NAT-PMP then tells the new address.
func TestRouterAnnouncementNetns(t *testing.T) {
	lan := netns.InFresh(t)
	if lan == nil {
		return
	}
	r := netns.NewRouter(t, lan, "11.22.33.44")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	heard := make(chan netip.Addr, 16)
	ch, err := watchAnnouncements(ctx, nil, func(a netip.Addr) { heard <- a })
	if err != nil {
		t.Fatal(err)
	}
	r.Start()
	start := time.Now()
	r.DelAddr("wan0", "11.22.33.44/24")
	r.AddAddr("wan0", "11.22.33.55/24")
	want := netip.MustParseAddr("11.22.33.55")
	deadline := time.After(15 * time.Second) // a failure guard; the latency is logged
	for got := false; !got; {
		select {
		case a := <-heard:
			t.Logf("announced %v, %v after the change", a, time.Since(start))
			got = a == want
		case <-deadline:
			t.Fatalf("no announcement of %v within 15s of the WAN change\n%s", want, r.Log())
		}
	}
	select {
	case _, ok := <-ch:
		if !ok {
			t.Fatal("the channel closed instead of reporting the announcement")
		}
	case <-time.After(time.Second):
		t.Fatal("the announcement was heard but no event was sent")
	}
	nat, _ := NewNATPMPSource(routerLAN)
	if a, err := nat.Detect(context.Background(), IPv4); err != nil || a != want {
		t.Fatalf("after the announcement NAT-PMP says %v, %v; want %v", a, err, want)
	}
	cancel()
	for range ch {
	}
}
