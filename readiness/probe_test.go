package readiness

import (
	"context"
	"net"
	"reflect"
	"slices"
	"strings"
	"sync"
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

// dnsServer is a real DNS server on loopback, UDP and TCP on one port. It
// answers A for ok.test. and NXDOMAIN for everything else; with servfail it
// answers SERVFAIL to all, and with truncate its UDP answers come back
// truncated (TC set, no records), as a real server's do when the answer does
// not fit. It records the questions it was asked, by network.
type dnsServer struct {
	addr string
	mu   sync.Mutex
	seen []string // "udp ok.test. A", ...
}

func startDNSServer(t *testing.T, servfail, truncate bool) *dnsServer {
	t.Helper()
	s := &dnsServer{}
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = pc.LocalAddr().String()
	ln, err := net.Listen("tcp4", s.addr)
	if err != nil {
		pc.Close()
		t.Skipf("TCP port %s not free next to the UDP one: %v", s.addr, err)
	}
	handler := func(network string) dns.HandlerFunc {
		return func(w dns.ResponseWriter, req *dns.Msg) {
			q := req.Question[0]
			s.mu.Lock()
			s.seen = append(s.seen, network+" "+q.Name+" "+dns.TypeToString[q.Qtype])
			s.mu.Unlock()
			m := new(dns.Msg)
			m.SetReply(req)
			m.RecursionAvailable = true
			switch {
			case servfail:
				m.Rcode = dns.RcodeServerFailure
			case q.Name == "ok.test." && network == "udp" && truncate:
				m.Truncated = true
			case q.Name == "ok.test." && q.Qtype == dns.TypeA:
				m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 1}, A: net.ParseIP("9.9.9.9")})
			case q.Name == "ok.test.":
			default:
				m.Rcode = dns.RcodeNameError
			}
			w.WriteMsg(m)
		}
	}
	for _, srv := range []*dns.Server{
		{PacketConn: pc, Handler: handler("udp")},
		{Listener: ln, Handler: handler("tcp")},
	} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go srv.ActivateAndServe()
		<-started
		t.Cleanup(func() { srv.Shutdown() })
	}
	return s
}

// asked returns the questions seen so far.
func (s *dnsServer) asked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

func TestProberDNS(t *testing.T) {
	server := startDNSServer(t, false, false).addr
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

// TestProberDNSServers pins how the configured servers are asked: in order
// until one answers, an answer (even NXDOMAIN) ending the turn, a truncated
// UDP answer asked again over TCP, the name asked as written (no search
// domains), and the reason in a status table's short words.
func TestProberDNSServers(t *testing.T) {
	tests := []struct {
		name       string
		servers    func(t *testing.T) ([]string, []*dnsServer)
		target     string
		wantReady  bool
		wantReason string
		wantAsked  [][]string // per server, sorted; nil: not checked
	}{
		{"the first answers", func(t *testing.T) ([]string, []*dnsServer) {
			a, b := startDNSServer(t, false, false), startDNSServer(t, false, false)
			return []string{a.addr, b.addr}, []*dnsServer{a, b}
		}, "ok.test", true, "all 1 probes passed", [][]string{{"udp ok.test. A", "udp ok.test. AAAA"}, nil}},
		{"NXDOMAIN is the answer: the next server is not asked", func(t *testing.T) ([]string, []*dnsServer) {
			a, b := startDNSServer(t, false, false), startDNSServer(t, false, false)
			return []string{a.addr, b.addr}, []*dnsServer{a, b}
		}, "missing.test", false, "dns missing.test: no such host", [][]string{{"udp missing.test. A", "udp missing.test. AAAA"}, nil}},
		{"SERVFAIL passes the turn", func(t *testing.T) ([]string, []*dnsServer) {
			a, b := startDNSServer(t, true, false), startDNSServer(t, false, false)
			return []string{a.addr, b.addr}, []*dnsServer{a, b}
		}, "ok.test", true, "all 1 probes passed", nil},
		{"SERVFAIL everywhere", func(t *testing.T) ([]string, []*dnsServer) {
			a := startDNSServer(t, true, false)
			return []string{a.addr}, []*dnsServer{a}
		}, "ok.test", false, "dns ok.test: server misbehaving", nil},
		{"a dead server alone", func(t *testing.T) ([]string, []*dnsServer) {
			return []string{refusedAddrUDP(t)}, nil
		}, "ok.test", false, "dns ok.test: connection refused", nil},
		{"truncated over UDP, asked again over TCP", func(t *testing.T) ([]string, []*dnsServer) {
			a := startDNSServer(t, false, true)
			return []string{a.addr}, []*dnsServer{a}
		}, "ok.test", true, "all 1 probes passed", [][]string{{"tcp ok.test. A", "tcp ok.test. AAAA", "udp ok.test. A", "udp ok.test. AAAA"}}},
		{"an absolute name", func(t *testing.T) ([]string, []*dnsServer) {
			a := startDNSServer(t, false, false)
			return []string{a.addr}, []*dnsServer{a}
		}, "ok.test.", true, "all 1 probes passed", [][]string{{"udp ok.test. A", "udp ok.test. AAAA"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addrs, srvs := tt.servers(t)
			p := &Prober{Checks: []Check{{Kind: "dns", Target: tt.target}}, DNSServers: addrs, Timeout: 5 * time.Second}
			v := p.Probe(context.Background())
			if v.Ready != tt.wantReady || v.Reason != tt.wantReason {
				t.Fatalf("ready=%v reason=%q, want %v %q", v.Ready, v.Reason, tt.wantReady, tt.wantReason)
			}
			for i, want := range tt.wantAsked {
				got := srvs[i].asked()
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Errorf("server %d was asked %q, want %q", i, got, want)
				}
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
