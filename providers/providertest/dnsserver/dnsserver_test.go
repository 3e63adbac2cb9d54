package dnsserver

import (
	"net"
	"testing"

	"github.com/miekg/dns"
)

// addA is an UPDATE that replaces name's A records with addr.
func addA(s *Server, name, addr string) *dns.Msg {
	fq := dns.Fqdn(s.fqdn(name))
	m := new(dns.Msg)
	m.SetUpdate(dns.Fqdn(s.Zone))
	m.RemoveRRset([]dns.RR{&dns.ANY{Hdr: dns.RR_Header{Name: fq, Rrtype: dns.TypeA}}})
	m.Insert([]dns.RR{&dns.A{Hdr: dns.RR_Header{Name: fq, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: net.ParseIP(addr)}})
	return m
}

// TestServers starts each server and checks what the harness promises:
// it answers, takes a signed update (the serial moves), refuses updates
// while frozen and takes them again after a thaw, and serves a CNAME
// SetCNAME put at a name.
func TestServers(t *testing.T) {
	for _, kind := range Kinds {
		t.Run(string(kind), func(t *testing.T) {
			s := Start(t, kind, Options{})
			before := s.Serial(t)
			if rc := s.Update(t, addA(s, "home", "192.0.2.1")); rc != dns.RcodeSuccess {
				t.Fatalf("signed update answered %s\n%s", dns.RcodeToString[rc], s.Log())
			}
			if got, _ := s.Addresses(t, "home", dns.TypeA); len(got) != 1 || got[0] != "192.0.2.1" {
				t.Fatalf("home A = %v after the update, want [192.0.2.1]", got)
			}
			if after := s.Serial(t); after == before {
				t.Errorf("the SOA serial stayed %d after an update", after)
			}
			if w := s.Writes(); w < 1 {
				t.Errorf("Writes = %d after an update, want at least 1", w)
			}

			s.Freeze(t)
			if rc := s.Update(t, addA(s, "home", "192.0.2.2")); rc != dns.RcodeRefused {
				t.Fatalf("update to the frozen zone answered %s, want REFUSED\n%s", dns.RcodeToString[rc], s.Log())
			}
			s.Thaw(t)
			if rc := s.Update(t, addA(s, "home", "192.0.2.3")); rc != dns.RcodeSuccess {
				t.Fatalf("update after the thaw answered %s, want NOERROR\n%s", dns.RcodeToString[rc], s.Log())
			}

			s.SetCNAME(t, "alias", "ns.example.test")
			if got, _ := s.Addresses(t, "alias", dns.TypeA); len(got) != 0 {
				t.Errorf("alias A = %v beside the CNAME, want none", got)
			}
		})
	}
}
