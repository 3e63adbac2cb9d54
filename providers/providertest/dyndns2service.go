package providertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strings"
	"sync"
)

// Dyndns2Service is a running fake of a dynamic DNS service that speaks
// dyndns2 with rules of its own: No-IP (NewNoIP) or Dynu (NewDynu). Like
// the services, it takes GET /nic/update with basic auth, updates only host
// names of the account's domains (Domains; anything else is "nohost"),
// refuses a query with parameters the service does not document, and
// answers "good ADDR" or "nochg ADDR". What differs per service is written
// beside its constructor. The protocol carries no TTL.
type Dyndns2Service struct {
	// URL is what the account's endpoint is set to: "http://127.0.0.1:PORT".
	URL string
	// User and Password are the credentials the service accepts.
	User, Password string
	// Domains are the account's domains: a host name must be one of them
	// or below one.
	Domains []string

	srv     *httptest.Server
	service string
	// agentOK checks the User-Agent header.
	agentOK func(string) bool
	// address reads the update's address from the query, or returns the
	// service's answer to a malformed one.
	address func(q map[string][]string) (netip.Addr, string)
	params  map[string]bool // the query parameters the service documents

	mu     sync.Mutex
	agents []string
	hosts  map[string]string // "fqdn type" -> address
	base
}

func newDyndns2Service(service, user, password string, domains []string) *Dyndns2Service {
	s := &Dyndns2Service{User: user, Password: password, Domains: domains, service: service, hosts: map[string]string{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// noipAgent is the shape No-IP's integration guide requires of a software
// client's User-Agent: "Company NameOfProgram/OSVersion-ReleaseVersion
// maintainer-contact@example.com" (a contact URL is accepted too).
var noipAgent = regexp.MustCompile(`^\S+ \S+/\S+-\S+ (\S+@\S+\.\S+|https?://\S+)$`)

// NewNoIP starts a fake No-IP update server (its "Sending an Update" and
// "Interpret Response" pages): the address is myip (IPv4) or myipv6 (IPv6);
// a User-Agent not in the documented format is answered "badagent"; wrong
// credentials are HTTP 401 "badauth". The caller must Close it.
func NewNoIP(user, password string, domains ...string) *Dyndns2Service {
	s := newDyndns2Service("noip", user, password, domains)
	s.agentOK = noipAgent.MatchString
	s.params = map[string]bool{"hostname": true, "myip": true, "myipv6": true, "offline": true}
	s.address = func(q map[string][]string) (netip.Addr, string) {
		v4, v6 := first(q["myip"]), first(q["myipv6"])
		if (v4 == "") == (v6 == "") {
			return netip.Addr{}, "the fake takes exactly one of myip and myipv6"
		}
		if v4 != "" {
			a, err := netip.ParseAddr(v4)
			if err != nil || !a.Is4() {
				return netip.Addr{}, "myip is not an IPv4 address"
			}
			return a, ""
		}
		a, err := netip.ParseAddr(v6)
		if err != nil || !a.Is6() || a.Is4In6() {
			return netip.Addr{}, "myipv6 is not an IPv6 address"
		}
		return a, ""
	}
	return s
}

// NewDynu starts a fake Dynu IP update server (its "IP Update Protocol"
// page): the request carries myip and myipv6, each an address or "no"
// (leave that family alone: an absent one would be taken from the
// connection, which the fake refuses); answers it does not understand get
// "unknown"; wrong credentials get "badauth". The caller must Close it.
func NewDynu(user, password string, domains ...string) *Dyndns2Service {
	s := newDyndns2Service("dynu", user, password, domains)
	s.agentOK = func(a string) bool { return strings.TrimSpace(a) != "" }
	s.params = map[string]bool{"hostname": true, "myip": true, "myipv6": true, "location": true, "username": true, "password": true}
	s.address = func(q map[string][]string) (netip.Addr, string) {
		v4, v6 := q["myip"], q["myipv6"]
		if len(v4) != 1 || len(v6) != 1 {
			return netip.Addr{}, "unknown"
		}
		switch {
		case v4[0] != "no" && v6[0] == "no":
			a, err := netip.ParseAddr(v4[0])
			if err != nil || !a.Is4() {
				return netip.Addr{}, "unknown"
			}
			return a, ""
		case v4[0] == "no" && v6[0] != "no":
			a, err := netip.ParseAddr(v6[0])
			if err != nil || !a.Is6() || a.Is4In6() {
				return netip.Addr{}, "unknown"
			}
			return a, ""
		}
		return netip.Addr{}, "unknown"
	}
	return s
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// Close stops the server.
func (s *Dyndns2Service) Close() { s.srv.Close() }

// Agents returns the User-Agent of every update received, in order.
func (s *Dyndns2Service) Agents() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.agents...)
}

func (s *Dyndns2Service) serve(w http.ResponseWriter, r *http.Request) {
	if s.http.serve(w, r) {
		return
	}
	if r.Method != http.MethodGet || r.URL.Path != "/nic/update" {
		http.NotFound(w, r)
		return
	}
	if u, p, ok := r.BasicAuth(); !ok || u != s.User || p != s.Password {
		if s.service == "noip" {
			w.WriteHeader(http.StatusUnauthorized)
		}
		w.Write([]byte("badauth"))
		return
	}
	s.mu.Lock()
	s.agents = append(s.agents, r.UserAgent())
	s.mu.Unlock()
	if !s.agentOK(r.UserAgent()) {
		w.Write([]byte("badagent"))
		return
	}
	q := r.URL.Query()
	for k := range q {
		if !s.params[k] {
			http.Error(w, fmt.Sprintf("the fake %s server does not know query parameter %q", s.service, k), http.StatusBadRequest)
			return
		}
	}
	host := strings.ToLower(strings.TrimSuffix(q.Get("hostname"), "."))
	if host == "" || !strings.Contains(host, ".") || strings.Contains(host, ",") {
		w.Write([]byte("notfqdn"))
		return
	}
	if !s.owns(host) {
		w.Write([]byte("nohost"))
		return
	}
	addr, bad := s.address(q)
	if bad != "" {
		if s.service == "dynu" {
			w.Write([]byte(bad))
			return
		}
		http.Error(w, bad, http.StatusBadRequest)
		return
	}
	typ := "A"
	if addr.Is6() {
		typ = "AAAA"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wrote()
	key := host + " " + typ
	if s.hosts[key] == addr.String() {
		fmt.Fprintf(w, "nochg %s", addr)
		return
	}
	s.hosts[key] = addr.String()
	fmt.Fprintf(w, "good %s", addr)
}

func (s *Dyndns2Service) owns(host string) bool {
	for _, d := range s.Domains {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// Endpoint is URL (for Fake).
func (s *Dyndns2Service) Endpoint() string { return s.URL }

// Seed sets fqdn's address (for Fake); one address per family, ttl ignored.
func (s *Dyndns2Service) Seed(fqdn, typ, value string, ttl int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hosts[fqdn+" "+typ] = value
}

// Values returns fqdn's address as "VALUE 0", or nothing (for Fake).
func (s *Dyndns2Service) Values(fqdn, typ string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.hosts[fqdn+" "+typ]; ok {
		return []string{v + " 0"}
	}
	return []string{}
}
