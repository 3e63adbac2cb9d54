package providertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
)

// Dyndns2 is a running dyndns2 server (the protocol of DynDNS, No-IP and
// many routers): GET /nic/update?hostname=H&myip=IP with basic auth.
//
// It checks what real servers check: the credentials (a wrong pair: HTTP
// 401 "badauth"), the path (404 otherwise), the user agent (it must name
// the client, else "badagent"). By default it then behaves like a real
// server: it records the address of every host named (A or AAAA by the
// address's family) and answers "good IP", or "nochg IP" when nothing
// changed. Answer replaces that with a fixed reply, to test how a client
// reads each of the protocol's answers. The protocol carries no TTL.
type Dyndns2 struct {
	// URL is the server to put in the config: "http://127.0.0.1:PORT".
	URL string
	// User and Password are the credentials the server accepts.
	User, Password string

	srv *httptest.Server

	mu       sync.Mutex
	fixed    bool
	status   int
	body     string
	requests []*http.Request
	hosts    map[string]string // "fqdn type" -> address
	base
}

// NewDyndns2 starts a server that accepts user and password; the caller
// must Close it.
func NewDyndns2(user, password string) *Dyndns2 {
	s := &Dyndns2{User: user, Password: password, hosts: map[string]string{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Dyndns2) Close() { s.srv.Close() }

// Answer makes every authenticated update from now on get status and body
// instead of the server's own answer, and change nothing.
func (s *Dyndns2) Answer(status int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fixed, s.status, s.body = true, status, body
}

// Last returns the last request received; it fails the test when there
// was none.
func (s *Dyndns2) Last(t testing.TB) *http.Request {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) == 0 {
		t.Fatal("the dyndns2 server received no request")
	}
	return s.requests[len(s.requests)-1]
}

// Count is the number of requests received.
func (s *Dyndns2) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

func (s *Dyndns2) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r)
	fixed, status, body := s.fixed, s.status, s.body
	s.mu.Unlock()
	if s.http.serve(w, r) {
		return
	}
	if u, p, ok := r.BasicAuth(); !ok || u != s.User || p != s.Password {
		// What real servers do: a 401 with the protocol's code.
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte("badauth"))
		return
	}
	if r.Method != http.MethodGet || r.URL.Path != "/nic/update" {
		http.NotFound(w, r)
		return
	}
	if !strings.Contains(r.UserAgent(), "ddns") {
		w.Write([]byte("badagent"))
		return
	}
	if fixed {
		w.WriteHeader(status)
		w.Write([]byte(body))
		return
	}
	q := r.URL.Query()
	addr, err := netip.ParseAddr(q.Get("myip"))
	if err != nil || q.Get("hostname") == "" {
		w.Write([]byte("notfqdn"))
		return
	}
	typ := "A"
	if addr.Is6() && !addr.Is4In6() {
		typ = "AAAA"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wrote()
	changed := false
	for _, h := range strings.Split(q.Get("hostname"), ",") {
		key := strings.TrimSuffix(h, ".") + " " + typ
		if s.hosts[key] != addr.String() {
			s.hosts[key], changed = addr.String(), true
		}
	}
	if changed {
		fmt.Fprintf(w, "good %s", addr)
	} else {
		fmt.Fprintf(w, "nochg %s", addr)
	}
}

// Endpoint is URL (for Fake).
func (s *Dyndns2) Endpoint() string { return s.URL }

// Seed sets fqdn's address (for Fake). A dyndns2 host holds one address per
// family, so a second Seed replaces the first; ttl is ignored.
func (s *Dyndns2) Seed(fqdn, typ, value string, ttl int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hosts[fqdn+" "+typ] = value
}

// Values returns fqdn's address as "VALUE 0", or nothing (for Fake).
func (s *Dyndns2) Values(fqdn, typ string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.hosts[fqdn+" "+typ]; ok {
		return []string{v + " 0"}
	}
	return []string{}
}
