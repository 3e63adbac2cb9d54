package ddns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/ddnsd/ddns/backoff"
	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/dnsx"
	"github.com/ddnsd/ddns/providers"
	"github.com/miekg/dns"
)

// authChecker is verify = "authoritative": after a write the provider read
// back, it finds the zone's authoritative servers (an NS lookup, then each
// server's addresses) and asks every one of them, without recursion, for
// the record, so the updater claims a change only once the servers the
// world asks serve it. Secondaries take a moment to transfer a change, so
// a server that does not serve it yet is asked again on a short schedule.
type authChecker struct {
	resolver *net.Resolver // NS and address lookups; nil: net.DefaultResolver
	port     string        // the servers' DNS port, "53" but in tests
	timeout  time.Duration // the whole check's bound
	attempts int
	schedule backoff.Policy
}

// authView is one authoritative server's answer.
type authView struct {
	server string // "ns1.example.net (192.0.2.53)"
	held   []netip.Addr
	err    error
}

func (v authView) ok(want netip.Addr) bool {
	return v.err == nil && len(v.held) == 1 && v.held[0] == want
}

func (v authView) String() string {
	switch {
	case v.err != nil:
		return fmt.Sprintf("%s: %v", v.server, v.err)
	case len(v.held) == 0:
		return v.server + " serves no such record"
	}
	return v.server + " serves " + joinAddrs(v.held)
}

// verify asks every authoritative server of r's zone for r and returns nil
// once each serves exactly want. A server that serves something else at
// the end is ErrRejected; servers that cannot be found or reached, and
// none that disagrees, are ErrNetwork.
func (a *authChecker) verify(ctx context.Context, r configs.Record, want netip.Addr) error {
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	res := a.resolver
	if res == nil {
		res = net.DefaultResolver
	}
	nss, err := res.LookupNS(ctx, r.Zone)
	if err != nil || len(nss) == 0 {
		return fmt.Errorf("verify = %q: cannot find the authoritative servers of zone %s (NS lookup: %v): %w", configs.VerifyAuthoritative, r.Zone, err, providers.ErrNetwork)
	}
	var servers []authView
	addrOf := map[string]string{}
	for _, ns := range nss {
		host := strings.TrimSuffix(ns.Host, ".")
		ips, err := res.LookupNetIP(ctx, "ip", host)
		if err != nil || len(ips) == 0 {
			servers = append(servers, authView{server: host, err: fmt.Errorf("no address (%v)", err)})
			continue
		}
		for _, ip := range ips {
			name := fmt.Sprintf("%s (%s)", host, ip.Unmap())
			addrOf[name] = net.JoinHostPort(ip.Unmap().String(), a.port)
			servers = append(servers, authView{server: name})
		}
	}
	fqdn := dns.Fqdn(r.FQDN())
	qtype := dns.TypeA
	if strings.EqualFold(r.Type, "AAAA") {
		qtype = dns.TypeAAAA
	}
	for attempt := 1; ; attempt++ {
		done := true
		for i := range servers {
			s := &servers[i]
			addr, ok := addrOf[s.server]
			if !ok || s.ok(want) {
				continue
			}
			s.held, s.err = askAuthoritative(ctx, addr, fqdn, qtype)
			done = done && s.ok(want)
		}
		if done || attempt >= a.attempts {
			break
		}
		wait := a.schedule.Delay(attempt)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			break
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
	var bad, unreachable []string
	for _, s := range servers {
		switch {
		case s.ok(want):
		case s.err != nil:
			unreachable = append(unreachable, s.String())
		default:
			bad = append(bad, s.String())
		}
	}
	switch {
	case len(bad) > 0:
		return fmt.Errorf("verify = %q: the provider serves %s, but not every authoritative server of %s does: %s: %w",
			configs.VerifyAuthoritative, want, r.Zone, strings.Join(append(bad, unreachable...), "; "), providers.ErrRejected)
	case len(unreachable) > 0:
		return fmt.Errorf("verify = %q: cannot ask every authoritative server of %s: %s: %w",
			configs.VerifyAuthoritative, r.Zone, strings.Join(unreachable, "; "), providers.ErrNetwork)
	}
	return nil
}

// askAuthoritative asks one server, without recursion, for fqdn's records
// of qtype and returns their addresses, sorted.
func askAuthoritative(ctx context.Context, server, fqdn string, qtype uint16) ([]netip.Addr, error) {
	m := new(dns.Msg)
	m.SetQuestion(fqdn, qtype)
	m.RecursionDesired = false
	resp, err := dnsx.Exchange(ctx, &dns.Client{Timeout: 3 * time.Second}, m, server)
	if err != nil {
		return nil, err
	}
	if resp.Rcode != dns.RcodeSuccess && resp.Rcode != dns.RcodeNameError {
		return nil, fmt.Errorf("answered %s", dns.RcodeToString[resp.Rcode])
	}
	if !resp.Authoritative {
		return nil, errors.New("answered without authority for the zone")
	}
	var out []netip.Addr
	for _, rr := range resp.Answer {
		if !strings.EqualFold(rr.Header().Name, fqdn) || rr.Header().Rrtype != qtype {
			continue
		}
		var a netip.Addr
		switch v := rr.(type) {
		case *dns.A:
			a, _ = netip.AddrFromSlice(v.A.To4())
		case *dns.AAAA:
			a, _ = netip.AddrFromSlice(v.AAAA.To16())
		}
		if a.IsValid() {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return out, nil
}

// The schedule on which authoritative servers that do not serve a change
// yet are asked again: 0.5 s doubling to 8 s, six tries (about 15 s, as
// long as a secondary usually takes after a NOTIFY), within the call's
// timeout.
const authAttempts = 6

var authSchedule = backoff.Policy{First: 500 * time.Millisecond, Max: 8 * time.Second}
