package dnsx

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// server answers A queries for big.example. with 40 records: too many for a
// UDP reply without EDNS, so over UDP it answers truncated (TC set, no
// records) as real servers do, over TCP in full. It counts queries by
// network and, when a key is given, requires every query to be signed.
type server struct {
	addr string
	mu   sync.Mutex
	seen map[string]int // "udp"/"tcp" -> queries
	bad  int            // queries whose TSIG did not verify
}

const keyName, keySecret = "k.example.", "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0" // base64 of a test secret

func startServer(t *testing.T, signed bool) *server {
	t.Helper()
	s := &server{seen: map[string]int{}}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = pc.LocalAddr().String()
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		pc.Close()
		t.Skipf("TCP port %s not free next to the UDP one: %v", s.addr, err)
	}
	handler := func(network string) dns.HandlerFunc {
		return func(w dns.ResponseWriter, req *dns.Msg) {
			s.mu.Lock()
			s.seen[network]++
			if signed && (req.IsTsig() == nil || w.TsigStatus() != nil) {
				s.bad++
			}
			s.mu.Unlock()
			m := new(dns.Msg)
			m.SetReply(req)
			if network == "udp" {
				m.Truncated = true
			} else {
				for i := range 40 {
					m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: req.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
						A: net.IPv4(192, 0, 2, byte(i+1))})
				}
			}
			if signed && req.IsTsig() != nil {
				m.SetTsig(keyName, dns.HmacSHA256, 300, time.Now().Unix())
			}
			w.WriteMsg(m)
		}
	}
	secrets := map[string]string{}
	if signed {
		secrets[keyName] = keySecret
	}
	udp := &dns.Server{PacketConn: pc, Handler: handler("udp"), TsigSecret: secrets}
	tcp := &dns.Server{Listener: ln, Handler: handler("tcp"), TsigSecret: secrets}
	for _, srv := range []*dns.Server{udp, tcp} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go srv.ActivateAndServe()
		<-started
		t.Cleanup(func() { srv.Shutdown() })
	}
	return s
}

func (s *server) counts() (udp, tcp, bad int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen["udp"], s.seen["tcp"], s.bad
}

func query() *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion("big.example.", dns.TypeA)
	return m
}

func TestTruncatedUDPAnswerIsAskedAgainOverTCP(t *testing.T) {
	for _, network := range []string{"", "udp", "udp4"} {
		t.Run("net="+network, func(t *testing.T) {
			s := startServer(t, false)
			c := &dns.Client{Net: network, Timeout: 5 * time.Second}
			r, err := Exchange(context.Background(), c, query(), s.addr)
			if err != nil {
				t.Fatal(err)
			}
			if r.Truncated || len(r.Answer) != 40 {
				t.Fatalf("reply truncated=%v with %d answers, want the full TCP reply of 40", r.Truncated, len(r.Answer))
			}
			if udp, tcp, _ := s.counts(); udp != 1 || tcp != 1 {
				t.Fatalf("queries udp=%d tcp=%d, want one of each", udp, tcp)
			}
			if c.Net != network {
				t.Errorf("Exchange changed the caller's client network to %q", c.Net)
			}
		})
	}
}

func TestTCPIsUsedAsGivenWithoutFallback(t *testing.T) {
	s := startServer(t, false)
	r, err := Exchange(context.Background(), &dns.Client{Net: "tcp", Timeout: 5 * time.Second}, query(), s.addr)
	if err != nil || len(r.Answer) != 40 {
		t.Fatalf("Exchange over tcp = %v, %v", r, err)
	}
	if udp, tcp, _ := s.counts(); udp != 0 || tcp != 1 {
		t.Fatalf("queries udp=%d tcp=%d, want only one over tcp", udp, tcp)
	}
}

func TestSignedMessageIsSignedAgainForTCP(t *testing.T) {
	s := startServer(t, true)
	m := query()
	m.SetTsig(keyName, dns.HmacSHA256, 300, time.Now().Unix())
	c := &dns.Client{Timeout: 5 * time.Second, TsigSecret: map[string]string{keyName: keySecret}}
	r, err := Exchange(context.Background(), c, m, s.addr)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Answer) != 40 || r.IsTsig() == nil {
		t.Fatalf("reply has %d answers, signed=%v; want the full signed TCP reply", len(r.Answer), r.IsTsig() != nil)
	}
	udp, tcp, bad := s.counts()
	if udp != 1 || tcp != 1 || bad != 0 {
		t.Fatalf("queries udp=%d tcp=%d, unsigned or unverified=%d; want one of each, all signed", udp, tcp, bad)
	}
	if m.IsTsig() == nil {
		t.Errorf("Exchange consumed the caller's TSIG record")
	}
}

func TestExchangeHonoursTheContext(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0") // never answers
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := Exchange(ctx, nil, query(), pc.LocalAddr().String()); err == nil {
		t.Fatal("Exchange with a silent server returned no error")
	}
}
