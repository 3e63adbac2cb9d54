package netprobe

import (
	"context"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/ddnsd/ddns/clock/clocktest"
)

func TestProberTCP(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	p := &Prober{Checks: []Check{{Kind: "tcp", Target: addr}}, Timeout: time.Second, Window: 4}

	v := p.Probe(context.Background())
	if !v.Ready || len(v.Results) != 1 || !v.Results[0].OK || v.Results[0].Latency <= 0 {
		t.Fatalf("listening: %+v", v)
	}
	ln.Close()
	v = p.Probe(context.Background())
	if v.Ready || v.Reason != "tcp "+addr+": connection refused" {
		t.Fatalf("closed: ready=%v reason=%q", v.Ready, v.Reason)
	}
	if v.Results[0].Loss != 0.5 {
		t.Fatalf("loss after 1 of 2 failed = %v", v.Results[0].Loss)
	}
	ln, err = net.Listen("tcp4", addr)
	if err != nil {
		t.Skipf("could not listen on %s again: %v", addr, err)
	}
	defer ln.Close()
	v = p.Probe(context.Background())
	if !v.Ready || v.Results[0].Loss != 1.0/3 {
		t.Fatalf("listening again: %+v", v)
	}
	for range 3 {
		v = p.Probe(context.Background())
	}
	if v.Results[0].Loss != 0 {
		t.Fatalf("the failure did not leave the window of 4: loss %v", v.Results[0].Loss)
	}
	if last, ok := p.Last(); !ok || !reflect.DeepEqual(last, v) {
		t.Fatalf("Last = %+v, %v; want %+v", last, ok, v)
	}
}

func TestProberNoChecks(t *testing.T) {
	var p Prober
	if _, ok := p.Last(); ok {
		t.Fatal("Last before any probe")
	}
	if v := p.Probe(context.Background()); !v.Ready || v.Reason != "no probes configured" {
		t.Fatalf("%+v", v)
	}
}

// probeDNSServer answers A for ok.test. and NXDOMAIN for everything else.
func probeDNSServer(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := dns.NewServeMux()
	mux.HandleFunc(".", func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(req)
		q := req.Question[0]
		switch {
		case q.Name == "ok.test." && q.Qtype == dns.TypeA:
			m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 1}, A: net.ParseIP("9.9.9.9")})
		case q.Name == "ok.test.":
		default:
			m.Rcode = dns.RcodeNameError
		}
		w.WriteMsg(m)
	})
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: mux, NotifyStartedFunc: func() { close(started) }}
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

func TestProberDNS(t *testing.T) {
	server := probeDNSServer(t)
	custom := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "udp4", server)
	}}
	for name, p := range map[string]*Prober{
		"Resolver":   {Resolver: custom},
		"DNSServers": {DNSServers: []string{refusedAddrUDP(t), server}},
	} {
		t.Run(name, func(t *testing.T) {
			p.Checks = []Check{{Kind: "dns", Target: "ok.test"}}
			if v := p.Probe(context.Background()); !v.Ready {
				t.Fatalf("ok.test: %+v", v)
			}
			p.Checks = []Check{{Kind: "dns", Target: "ok.test"}, {Kind: "dns", Target: "missing.test"}}
			v := p.Probe(context.Background())
			if v.Ready || v.Reason != "dns missing.test: no such host" || !v.Results[0].OK {
				t.Fatalf("missing.test: ready=%v reason=%q", v.Ready, v.Reason)
			}
		})
	}
}

// refusedAddrUDP is a loopback UDP port with no server: a dead first resolver.
func refusedAddrUDP(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := pc.LocalAddr().String()
	pc.Close()
	return a
}

func TestProberUnknownKind(t *testing.T) {
	p := &Prober{Checks: []Check{{Kind: "icmp", Target: "1.1.1.1"}}}
	if v := p.Probe(context.Background()); v.Ready || !strings.Contains(v.Reason, "unknown probe kind") {
		t.Fatalf("%+v", v)
	}
}

func TestProberFresh(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	clock := clocktest.New(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC))
	p := &Prober{Checks: []Check{{Kind: "tcp", Target: ln.Addr().String()}}, Clock: clock}
	first := p.Fresh(context.Background(), 10*time.Second) // no verdict yet: probes
	if !first.Ready || !first.At.Equal(clock.Now()) {
		t.Fatalf("first: %+v", first)
	}
	ln.Close() // a real probe would now fail
	clock.Advance(9 * time.Second)
	if v := p.Fresh(context.Background(), 10*time.Second); !v.Ready || !v.At.Equal(first.At) {
		t.Fatalf("within maxAge the ready verdict is not reused: %+v", v)
	}
	clock.Advance(time.Second)
	v := p.Fresh(context.Background(), 10*time.Second)
	if v.Ready || !v.At.Equal(clock.Now()) {
		t.Fatalf("after maxAge Fresh did not probe: %+v", v)
	}
	// A not-ready verdict is never reused.
	if v2 := p.Fresh(context.Background(), time.Hour); v2.Ready || v2.Results[0].Loss != 2.0/3 {
		t.Fatalf("not-ready verdict reused or not re-probed: %+v", v2)
	}
}

func TestTargetsFor(t *testing.T) {
	got := TargetsFor(
		[]string{"https://api.cloudflare.com/client/v4", "http://api.ipify.org", "https://api.cloudflare.com", "http://127.0.0.1:8080/x", "https://[2606:4700::1]/", "::bad"},
		[]string{"1.1.1.1:53", "resolver1.opendns.com:53", "ns.example.net", "[2606:4700:4700::1111]:53"},
	)
	want := []Check{
		{"dns", "api.cloudflare.com"}, {"tcp", "api.cloudflare.com:443"},
		{"dns", "api.ipify.org"}, {"tcp", "api.ipify.org:80"},
		{"tcp", "127.0.0.1:8080"},
		{"tcp", "[2606:4700::1]:443"},
		{"tcp", "1.1.1.1:53"},
		{"dns", "resolver1.opendns.com"}, {"tcp", "resolver1.opendns.com:53"},
		{"dns", "ns.example.net"},
		{"tcp", "[2606:4700:4700::1111]:53"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("TargetsFor =\n%v\nwant\n%v", got, want)
	}
}
