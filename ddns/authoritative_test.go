package ddns

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ddnsd/ddns/backoff"
	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/providers"
	"github.com/miekg/dns"
)

// authServer is one UDP "authoritative server" that answers every query
// with rcode, the AA flag as authority says, and answer (when the rcode is
// NOERROR), counting the queries it gets.
type authServer struct {
	rcode     int
	authority bool
	answer    string // "home.example.com. 60 IN A 192.0.2.1", or "" for none
	queries   atomic.Int32
}

func (s *authServer) start(t *testing.T) (addr, port string) {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		s.queries.Add(1)
		m := new(dns.Msg)
		m.SetRcode(req, s.rcode)
		m.Authoritative = s.authority
		if s.answer != "" && s.rcode == dns.RcodeSuccess {
			rr, err := dns.NewRR(s.answer)
			if err != nil {
				t.Errorf("answer %q: %v", s.answer, err)
			} else {
				m.Answer = append(m.Answer, rr)
			}
		}
		w.WriteMsg(m)
	})}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	addr = pc.LocalAddr().String()
	_, port, _ = net.SplitHostPort(addr)
	return addr, port
}

// TestAskAuthoritativeRcodes: a server's NXDOMAIN is an answer (it serves
// no such record), any other failing rcode is an error naming it, and a
// reply without the AA flag does not count as the zone's answer.
func TestAskAuthoritativeRcodes(t *testing.T) {
	const rr = "home.example.com. 60 IN A 192.0.2.1"
	tests := []struct {
		name      string
		rcode     int
		authority bool
		wantErr   string // "" for none
		wantAddrs int
	}{
		{"NOERROR with the record", dns.RcodeSuccess, true, "", 1},
		{"NXDOMAIN is no such record", dns.RcodeNameError, true, "", 0},
		{"SERVFAIL is an error", dns.RcodeServerFailure, true, "answered SERVFAIL", 0},
		{"REFUSED is an error", dns.RcodeRefused, true, "answered REFUSED", 0},
		{"without authority", dns.RcodeSuccess, false, "without authority", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &authServer{rcode: tt.rcode, authority: tt.authority, answer: rr}
			addr, _ := s.start(t)
			got, err := askAuthoritative(context.Background(), addr, "home.example.com.", dns.TypeA)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("askAuthoritative: %v; want an answer", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("askAuthoritative: %v, %v; want an error saying %q", got, err, tt.wantErr)
			}
			if len(got) != tt.wantAddrs {
				t.Errorf("askAuthoritative gave %v; want %d addresses", got, tt.wantAddrs)
			}
		})
	}
}

// TestAuthoritativeVerifyAsksAttemptsTimes: a server that keeps serving the
// old address is asked exactly attempts times (the schedule's waits fit
// well within the timeout) before the check gives up with rejected data.
func TestAuthoritativeVerifyAsksAttemptsTimes(t *testing.T) {
	ns := &authServer{rcode: dns.RcodeSuccess, authority: true, answer: "home.example.com. 60 IN A 192.0.2.99"}
	_, port := ns.start(t)
	resolver, resAddr := startFakeDNS(t, "127.0.0.1:0")
	resolver.set("example.com. NS", "example.com. 60 IN NS ns1.example.com.")
	resolver.set("ns1.example.com. A", "ns1.example.com. 60 IN A 127.0.0.1")
	a := &authChecker{resolver: resolverAt(resAddr), port: port, timeout: time.Minute, attempts: 3,
		schedule: backoff.Policy{First: time.Millisecond, Max: time.Millisecond}}
	err := a.verify(context.Background(), configs.Record{Zone: "example.com", Name: "home", Type: "A"}, netip.MustParseAddr("192.0.2.1"))
	if !errors.Is(err, providers.ErrRejected) || !strings.Contains(err.Error(), "serves 192.0.2.99") {
		t.Fatalf("verify: %v; want rejected data naming what the server serves", err)
	}
	if n := ns.queries.Load(); n != 3 {
		t.Fatalf("the server was asked %d times; want attempts = 3", n)
	}
}
