package netprobe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"

	"github.com/ddnsd/ddns/dnsaddr"
	"github.com/ddnsd/ddns/dnsx"
	"github.com/miekg/dns"
)

// errServFail marks a SERVFAIL answer inside the retry loop.
var errServFail = errors.New("SERVFAIL")

// dnsSource asks a DNS server that answers with the address it sees the
// query coming from (Cloudflare's whoami.cloudflare TXT CH, OpenDNS's
// myip.opendns.com A/AAAA).
type dnsSource struct {
	server string // host:port
	name   string // fully qualified query name
	qtype  string // "" = A or AAAA by family
	qclass uint16
	label  string
	err    error // a construction error, reported by every Detect
	retry  retrier
}

// NewDNSSource returns a Source that sends the query name/qtype/class to
// server and reads the address from the answer. server is host or host:port
// (port 53 by default). qtype "" means A for IPv4 and AAAA for IPv6; TXT
// answers are parsed like an HTTP body (ParseBody). class "" means IN.
//
// The query travels over the family being detected (udp4 or udp6), because
// these services answer with the address the query came from; a server given
// as an IP literal is asked over its own family, as the user chose it.
// A truncated answer is asked again over TCP. A query that got no answer, or
// SERVFAIL, is sent again, up to 5 tries in all, 100 ms doubling to 10 s.
func NewDNSSource(server, name, qtype, class string) Source {
	s := &dnsSource{server: server, name: dns.Fqdn(strings.TrimSpace(name)), qtype: strings.ToUpper(strings.TrimSpace(qtype))}
	s.server = dnsaddr.WithPort(server)
	cls := strings.ToUpper(strings.TrimSpace(class))
	if cls == "" {
		cls = "IN"
	}
	s.label = fmt.Sprintf("dns %s %s %s @%s", strings.TrimSuffix(s.name, "."), orDefault(s.qtype, "A/AAAA"), cls, s.server)
	var ok bool
	if s.qclass, ok = dns.StringToClass[cls]; !ok {
		s.err = fmt.Errorf("%s: unknown DNS class %q (use IN or CH)", s.label, class)
	}
	if s.qtype != "" && s.qtype != "TXT" && s.qtype != "A" && s.qtype != "AAAA" {
		s.err = fmt.Errorf("%s: unsupported query type %q (use TXT, A or AAAA)", s.label, qtype)
	}
	if _, ok := dns.IsDomainName(s.name); !ok || name == "" {
		s.err = fmt.Errorf("%s: %q is not a valid DNS name", s.label, name)
	}
	return s
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (s *dnsSource) Name() string { return s.label }

func (s *dnsSource) Detect(ctx context.Context, fam Family) (netip.Addr, error) {
	if s.err != nil {
		return netip.Addr{}, s.err
	}
	qtype := s.qtype
	if qtype == "" {
		qtype = fam.RecordType()
	}
	if qtype == "A" && fam != IPv4 || qtype == "AAAA" && fam != IPv6 {
		return netip.Addr{}, fmt.Errorf("%s: a %s query cannot find an %v address", s.label, qtype, fam)
	}
	m := new(dns.Msg)
	m.SetQuestion(s.name, dns.StringToType[qtype])
	m.Question[0].Qclass = s.qclass
	m.SetEdns0(1232, false)

	suffix := "4"
	if fam == IPv6 {
		suffix = "6"
	}
	if host, _, err := net.SplitHostPort(s.server); err == nil {
		if ip, err := netip.ParseAddr(host); err == nil {
			suffix = "4"
			if ip.Is6() && !ip.Is4In6() {
				suffix = "6"
			}
		}
	}
	var r *dns.Msg
	// A lost datagram or a SERVFAIL (a resolver whose upstream timed out)
	// is asked again; any other answer is the answer.
	_, err := s.retry.do(ctx, func() (netip.Addr, bool, error) {
		var err error
		r, err = dnsx.Exchange(ctx, &dns.Client{Net: "udp" + suffix}, m, s.server)
		if err != nil {
			return netip.Addr{}, ctx.Err() == nil, err
		}
		if r.Rcode == dns.RcodeServerFailure {
			return netip.Addr{}, true, errServFail
		}
		return netip.Addr{}, false, nil
	})
	if errors.Is(err, errServFail) {
		return netip.Addr{}, fmt.Errorf("%s: the server answered %s", s.label, dns.RcodeToString[r.Rcode])
	}
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		return netip.Addr{}, fmt.Errorf("%s: no answer: %w", s.label, err)
	}
	if r.Rcode != dns.RcodeSuccess {
		return netip.Addr{}, fmt.Errorf("%s: the server answered %s", s.label, dns.RcodeToString[r.Rcode])
	}
	var found []netip.Addr
	for _, rr := range r.Answer {
		var a netip.Addr
		switch v := rr.(type) {
		case *dns.TXT:
			if qtype != "TXT" {
				continue
			}
			var perr error
			if a, perr = ParseBody([]byte(strings.Join(v.Txt, "")), fam); perr != nil {
				return netip.Addr{}, fmt.Errorf("%s: %w", s.label, perr)
			}
		case *dns.A:
			if qtype != "A" {
				continue
			}
			a, _ = netip.AddrFromSlice(v.A.To4())
		case *dns.AAAA:
			if qtype != "AAAA" {
				continue
			}
			a, _ = netip.AddrFromSlice(v.AAAA.To16())
		default:
			continue
		}
		if !fam.matches(a) {
			return netip.Addr{}, fmt.Errorf("%s: the answer %s is not an %v address", s.label, a, fam)
		}
		if !slices.Contains(found, a) {
			found = append(found, a)
		}
	}
	switch len(found) {
	case 0:
		return netip.Addr{}, fmt.Errorf("%s: the answer holds no %s record (does the server answer this over %v?)", s.label, qtype, fam)
	case 1:
		return found[0], nil
	}
	return netip.Addr{}, fmt.Errorf("%s: the answer holds %d different addresses, expected one", s.label, len(found))
}
