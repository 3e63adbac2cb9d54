package providertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
)

// DuckDNS is a running fake of Duck DNS's update API (its "HTTP API
// Specification" page): GET /update?domains=SUB&token=T[&ip=][&ipv6=]
// [&verbose=true][&clear=true]. Like Duck DNS it answers "KO" to a wrong
// token or a subdomain that is not the account's, and "OK" (verbose:
// "OK\nIPv4\nIPv6\nUPDATED|NOCHANGE") to an update. It holds one address
// per family per subdomain. Requests Duck DNS would answer by guessing (no
// address, so it would take the connection's; a parameter it does not
// document; a list of domains, which the updater never sends) are refused
// with HTTP 400 naming the deviation, so a test fails clearly.
type DuckDNS struct {
	// URL is what the account's endpoint is set to.
	URL string
	// Token is the account token; Domains its subdomains.
	Token   string
	Domains []string

	srv *httptest.Server

	mu    sync.Mutex
	hosts map[string]string // "sub.duckdns.org type" -> address
	base
}

// NewDuckDNS starts the fake for an account with token and domains; the
// caller must Close it.
func NewDuckDNS(token string, domains ...string) *DuckDNS {
	s := &DuckDNS{Token: token, Domains: domains, hosts: map[string]string{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *DuckDNS) Close() { s.srv.Close() }

func (s *DuckDNS) serve(w http.ResponseWriter, r *http.Request) {
	if s.http.serve(w, r) {
		return
	}
	if r.Method != http.MethodGet || r.URL.Path != "/update" {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	for k, v := range q {
		switch k {
		case "domains", "token", "ip", "ipv6", "verbose", "clear":
		default:
			http.Error(w, fmt.Sprintf("the fake Duck DNS does not know parameter %q", k), http.StatusBadRequest)
			return
		}
		if len(v) != 1 {
			http.Error(w, fmt.Sprintf("parameter %q given %d times", k, len(v)), http.StatusBadRequest)
			return
		}
	}
	if q.Get("token") != s.Token {
		w.Write([]byte("KO"))
		return
	}
	sub := strings.ToLower(q.Get("domains"))
	if strings.Contains(sub, ",") {
		http.Error(w, "the fake takes one domain per update", http.StatusBadRequest)
		return
	}
	owned := false
	for _, d := range s.Domains {
		owned = owned || d == sub
	}
	if !owned {
		w.Write([]byte("KO"))
		return
	}
	ip, ip6 := q.Get("ip"), q.Get("ipv6")
	if ip == "" && ip6 == "" && q.Get("clear") != "true" {
		http.Error(w, "no ip or ipv6: Duck DNS would take the connection's address", http.StatusBadRequest)
		return
	}
	var set []netip.Addr
	for _, v := range []string{ip, ip6} {
		if v == "" {
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			w.Write([]byte("KO"))
			return
		}
		set = append(set, a.Unmap())
	}
	fqdn := sub + ".duckdns.org"
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wrote()
	changed := false
	if q.Get("clear") == "true" {
		changed = s.hosts[fqdn+" A"] != "" || s.hosts[fqdn+" AAAA"] != ""
		delete(s.hosts, fqdn+" A")
		delete(s.hosts, fqdn+" AAAA")
	} else {
		for _, a := range set {
			key := fqdn + " A"
			if a.Is6() {
				key = fqdn + " AAAA"
			}
			if s.hosts[key] != a.String() {
				s.hosts[key], changed = a.String(), true
			}
		}
	}
	if q.Get("verbose") != "true" {
		w.Write([]byte("OK"))
		return
	}
	state := "NOCHANGE"
	if changed {
		state = "UPDATED"
	}
	fmt.Fprintf(w, "OK\n%s\n%s\n%s", s.hosts[fqdn+" A"], s.hosts[fqdn+" AAAA"], state)
}

// Endpoint is URL (for Fake).
func (s *DuckDNS) Endpoint() string { return s.URL }

// Seed sets fqdn's address (for Fake); one per family, ttl ignored.
func (s *DuckDNS) Seed(fqdn, typ, value string, ttl int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hosts[fqdn+" "+typ] = value
}

// Values returns fqdn's address as "VALUE 0", or nothing (for Fake).
func (s *DuckDNS) Values(fqdn, typ string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.hosts[fqdn+" "+typ]; ok && v != "" {
		return []string{v + " 0"}
	}
	return []string{}
}
