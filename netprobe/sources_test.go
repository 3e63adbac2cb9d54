package netprobe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/ddnsd/ddns/clock/clocktest"
)

// echoServer is an HTTP echo service on loopback answering status and body,
// counting its requests.
type echoServer struct {
	*httptest.Server
	hits atomic.Int32
}

func newEcho(t *testing.T, status int, body string, header map[string]string) *echoServer {
	t.Helper()
	e := &echoServer{}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.hits.Add(1)
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(e.Close)
	return e
}

// blockingServer accepts requests and never answers until the client gives up.
func blockingServer(t *testing.T) *httptest.Server {
	t.Helper()
	done := make(chan struct{})
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	t.Cleanup(func() { close(done); s.Close() })
	return s
}

// refusedAddr returns a loopback address nobody listens on.
func refusedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestHTTPSource(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		fam    Family
		want   string
		errHas string
	}{
		{"plain", 200, "9.9.9.9", IPv4, "9.9.9.9", ""},
		{"trailing newline", 200, "9.9.9.9\n", IPv4, "9.9.9.9", ""},
		{"v6", 200, "2606:4700::6810:84e5\n", IPv6, "2606:4700::6810:84e5", ""},
		{"html", 200, "<html><head><title>Login</title></head><body>portal</body></html>", IPv4, "", "HTML page"},
		{"two addresses", 200, "9.9.9.9\n8.8.8.8\n", IPv4, "", "holds 2 addresses"},
		{"garbage", 200, "\x00\x01binary\x1b[2J", IPv4, "", "not an IPv4 address"},
		{"empty body", 200, "", IPv4, "", "empty"},
		{"wrong family", 200, "9.9.9.9", IPv6, "", "the IPv4 address 9.9.9.9, expected an IPv6"},
		{"server error", 500, "oops", IPv4, "", "HTTP 500 Internal Server Error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newEcho(t, tt.status, tt.body, nil)
			// A plain client: the loopback server is IPv4 only, and the family
			// here only steers parsing (FamilyClient is tested below).
			src := NewHTTPSource(srv.URL+"/k/3f1c9e20a7b44d0e9b1a/?token=secret", &http.Client{})
			if strings.Contains(src.Name(), "secret") || strings.Contains(src.Name(), "3f1c9e20") {
				t.Fatalf("the name %q leaks the query or the path token", src.Name())
			}
			a, err := src.Detect(context.Background(), tt.fam)
			if tt.want != "" {
				if err != nil || a != netip.MustParseAddr(tt.want) {
					t.Fatalf("Detect = %v, %v; want %s", a, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.errHas) {
				t.Fatalf("Detect error = %v; want one containing %q", err, tt.errHas)
			}
			if !strings.Contains(err.Error(), "http http://127.0.0.1") || strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "3f1c9e20") {
				t.Fatalf("the error %q must name the source without its query and path token", err)
			}
			if strings.ContainsAny(err.Error(), "\x00\x1b\n") {
				t.Fatalf("the error %q is not sanitized", err)
			}
		})
	}
}

func TestHTTPSourceDialsOnlyItsFamily(t *testing.T) {
	srv := newEcho(t, 200, "2606:4700::9", nil) // listens on 127.0.0.1 only
	_, err := NewHTTPSource(srv.URL, nil).Detect(context.Background(), IPv6)
	if err == nil || srv.hits.Load() != 0 {
		t.Fatalf("an IPv6 detection reached an IPv4-only server: %v", err)
	}
	_, err = NewHTTPSource(srv.URL, FamilyClient(&http.Client{}, IPv6)).Detect(context.Background(), IPv6)
	if err == nil || srv.hits.Load() != 0 {
		t.Fatalf("FamilyClient(IPv6) reached an IPv4-only server: %v", err)
	}
	v4 := newEcho(t, 200, "9.9.9.9", nil)
	if a, err := NewHTTPSource(v4.URL, nil).Detect(context.Background(), IPv4); err != nil || a != netip.MustParseAddr("9.9.9.9") {
		t.Fatalf("IPv4 over tcp4: %v, %v", a, err)
	}
}

func TestHTTPSourceRateLimited(t *testing.T) {
	srv := newEcho(t, 429, "slow down", map[string]string{"Retry-After": "120"})
	_, err := NewHTTPSource(srv.URL, nil).Detect(context.Background(), IPv4)
	var rl *RateLimitError
	if !errors.As(err, &rl) || !errors.Is(err, ErrRateLimited) || rl.RetryAfter != 120*time.Second {
		t.Fatalf("Detect error = %#v; want a RateLimitError with RetryAfter 2m", err)
	}
	date := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	srv2 := newEcho(t, 403, "", map[string]string{"Retry-After": date.Format(http.TimeFormat)})
	_, err = NewHTTPSource(srv2.URL, nil).Detect(context.Background(), IPv4)
	if !errors.As(err, &rl) || !rl.RetryAt.Equal(date) || !strings.Contains(err.Error(), "HTTP 403") {
		t.Fatalf("Detect error = %v; want a RateLimitError until %v", err, date)
	}
}

func TestDetectorRestsRateLimitedSource(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header map[string]string
		status int
		rest   time.Duration
	}{
		{"429 with Retry-After", map[string]string{"Retry-After": "120"}, 429, 120 * time.Second},
		{"403 without Retry-After uses RestFor", nil, 403, 7 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			limited := newEcho(t, tc.status, "", tc.header)
			good := newEcho(t, 200, "9.9.9.9\n", nil)
			clock := clocktest.New(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC))
			d := &Detector{Sources: []Source{NewHTTPSource(limited.URL, nil), NewHTTPSource(good.URL, nil)}, Clock: clock, RestFor: 7 * time.Minute}

			detect := func() Result {
				t.Helper()
				res, err := d.Detect(context.Background(), IPv4)
				if err != nil || res.Addr != netip.MustParseAddr("9.9.9.9") || res.Source != "http "+good.URL {
					t.Fatalf("Detect = %+v, %v; want 9.9.9.9 from the good source", res, err)
				}
				return res
			}
			res := detect()
			if limited.hits.Load() != 1 || len(res.Tried) != 1 || !errors.Is(res.Tried[0].Err, ErrRateLimited) {
				t.Fatalf("first pass: limited hits %d, tried %v", limited.hits.Load(), res.Tried)
			}
			clock.Advance(tc.rest - time.Second)
			res = detect()
			if limited.hits.Load() != 1 {
				t.Fatalf("the rested source was asked during its rest")
			}
			if len(res.Tried) != 1 || !strings.Contains(res.Tried[0].Err.Error(), "resting") {
				t.Fatalf("the skipped source is not reported: %v", res.Tried)
			}
			clock.Advance(time.Second)
			detect()
			if limited.hits.Load() != 2 {
				t.Fatalf("the source was not asked again after its rest (hits %d)", limited.hits.Load())
			}
		})
	}
}

func TestDetectorPassesTheTurn(t *testing.T) {
	blocking := blockingServer(t)
	htmlSrv := newEcho(t, 200, "<html>hi</html>", nil)
	private := newEcho(t, 200, "192.168.1.20", nil)
	good := newEcho(t, 200, "9.9.9.9", nil)
	d := &Detector{
		Sources:       []Source{NewHTTPSource(blocking.URL, nil), NewHTTPSource(htmlSrv.URL, nil), NewHTTPSource(private.URL, nil), NewHTTPSource(good.URL, nil)},
		SourceTimeout: 200 * time.Millisecond,
	}
	res, err := d.Detect(context.Background(), IPv4)
	if err != nil || res.Addr != netip.MustParseAddr("9.9.9.9") {
		t.Fatalf("Detect = %+v, %v", res, err)
	}
	if len(res.Tried) != 3 || !IsNetworkError(res.Tried[0].Err) || !strings.Contains(res.Tried[2].Err.Error(), "RFC 1918") {
		t.Fatalf("Tried = %v; want timeout, HTML, private", res.Tried)
	}

	// With allow_private, the private answer wins.
	d.AllowPrivate = true
	res, err = d.Detect(context.Background(), IPv4)
	if err != nil || res.Addr != netip.MustParseAddr("192.168.1.20") {
		t.Fatalf("with AllowPrivate: Detect = %+v, %v", res, err)
	}
}

func TestDetectorErrors(t *testing.T) {
	blocking := blockingServer(t)
	garbage := newEcho(t, 200, "nope", nil)
	refused := "http://" + refusedAddr(t) + "/"

	t.Run("all network failures wrap ErrUnreachable", func(t *testing.T) {
		d := &Detector{Sources: []Source{NewHTTPSource(refused, nil), NewHTTPSource(blocking.URL, nil)}, SourceTimeout: 200 * time.Millisecond}
		_, err := d.Detect(context.Background(), IPv4)
		if !errors.Is(err, ErrNoAddress) || !errors.Is(err, ErrUnreachable) {
			t.Fatalf("err = %v; want ErrNoAddress and ErrUnreachable", err)
		}
		if !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), blocking.URL) {
			t.Fatalf("the message does not list each source's failure: %v", err)
		}
	})
	t.Run("the caller's deadline ends a hanging source", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := (&Detector{Sources: []Source{NewHTTPSource(blocking.URL, nil)}}).Detect(ctx, IPv4)
		if !errors.Is(err, ErrUnreachable) || time.Since(start) > 5*time.Second {
			t.Fatalf("err = %v after %v", err, time.Since(start))
		}
	})
	t.Run("a bad answer is not a network failure", func(t *testing.T) {
		d := &Detector{Sources: []Source{NewHTTPSource(refused, nil), NewHTTPSource(garbage.URL, nil)}}
		_, err := d.Detect(context.Background(), IPv4)
		if !errors.Is(err, ErrNoAddress) || errors.Is(err, ErrUnreachable) {
			t.Fatalf("err = %v; want ErrNoAddress only", err)
		}
	})
	t.Run("no sources", func(t *testing.T) {
		_, err := (&Detector{}).Detect(context.Background(), IPv6)
		if !errors.Is(err, ErrNoAddress) || !strings.Contains(err.Error(), "no IPv6 address sources") {
			t.Fatalf("err = %v", err)
		}
	})
}

// fixedSource answers a set address (a fake at the Source interface).
type fixedSource struct {
	name string
	addr string
	asks atomic.Int32
}

func (f *fixedSource) Name() string { return f.name }
func (f *fixedSource) Detect(ctx context.Context, fam Family) (netip.Addr, error) {
	f.asks.Add(1)
	return netip.MustParseAddr(f.addr), nil
}

func TestDetectorQuorum(t *testing.T) {
	honest1 := &fixedSource{name: "a", addr: "9.9.9.9"}
	liar := &fixedSource{name: "liar", addr: "8.8.8.8"}
	honest2 := &fixedSource{name: "b", addr: "9.9.9.9"}
	sources := []Source{honest1, liar, honest2}

	res, err := (&Detector{Sources: sources, Quorum: 2}).Detect(context.Background(), IPv4)
	if err != nil || res.Addr != netip.MustParseAddr("9.9.9.9") || strings.Join(res.Agreeing, ",") != "a,b" {
		t.Fatalf("quorum 2 of 3 with one liar: %+v, %v", res, err)
	}
	if len(res.Tried) != 1 || res.Tried[0].Source != "liar" || !errors.Is(res.Tried[0].Err, ErrDisagreement) {
		t.Fatalf("the dissenter is not reported: %v", res.Tried)
	}

	_, err = (&Detector{Sources: sources, Quorum: 3}).Detect(context.Background(), IPv4)
	if !errors.Is(err, ErrDisagreement) || !errors.Is(err, ErrNoAddress) || errors.Is(err, ErrUnreachable) {
		t.Fatalf("quorum 3: err = %v; want a disagreement", err)
	}
	for _, want := range []string{"a and b said 9.9.9.9", "liar said 8.8.8.8", "nothing is published"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("the disagreement %q does not say %q", err, want)
		}
	}

	// Quorum 1: the first answer wins and later sources are not asked.
	before := liar.asks.Load()
	res, err = (&Detector{Sources: sources}).Detect(context.Background(), IPv4)
	if err != nil || res.Source != "a" || liar.asks.Load() != before {
		t.Fatalf("quorum 1: %+v, %v (liar asked %d times)", res, err, liar.asks.Load()-before)
	}

	_, err = (&Detector{Sources: sources[:2], Quorum: 3}).Detect(context.Background(), IPv4)
	if err == nil || !strings.Contains(err.Error(), "quorum 3 needs at least 3") {
		t.Fatalf("impossible quorum: %v", err)
	}
}

// dnsTestServer runs a miekg/dns server on 127.0.0.1 that answers like
// Cloudflare's whoami and OpenDNS's myip.
func dnsTestServer(t *testing.T) string {
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
		hdr := dns.RR_Header{Name: q.Name, Rrtype: q.Qtype, Class: q.Qclass, Ttl: 0}
		switch {
		case q.Name == "whoami.cloudflare." && q.Qtype == dns.TypeTXT && q.Qclass == dns.ClassCHAOS:
			m.Answer = append(m.Answer, &dns.TXT{Hdr: hdr, Txt: []string{"9.9.9.9"}})
		case q.Name == "whoami6.test." && q.Qtype == dns.TypeTXT:
			m.Answer = append(m.Answer, &dns.TXT{Hdr: hdr, Txt: []string{"2606:4700:", ":9"}})
		case q.Name == "myip.test." && q.Qtype == dns.TypeA:
			m.Answer = append(m.Answer, &dns.A{Hdr: hdr, A: net.ParseIP("9.9.9.9")})
		case q.Name == "myip.test." && q.Qtype == dns.TypeAAAA:
			m.Answer = append(m.Answer, &dns.AAAA{Hdr: hdr, AAAA: net.ParseIP("2606:4700::9")})
		case q.Name == "two.test." && q.Qtype == dns.TypeA:
			m.Answer = append(m.Answer, &dns.A{Hdr: hdr, A: net.ParseIP("9.9.9.9")}, &dns.A{Hdr: hdr, A: net.ParseIP("8.8.8.8")})
		case q.Name == "html.test.":
			m.Answer = append(m.Answer, &dns.TXT{Hdr: hdr, Txt: []string{"<html>no</html>"}})
		case q.Name == "refused.test.":
			m.Rcode = dns.RcodeRefused
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

func TestDNSSource(t *testing.T) {
	server := dnsTestServer(t)
	tests := []struct {
		name, qname, qtype, class string
		fam                       Family
		want, errHas              string
	}{
		{"whoami TXT CH", "whoami.cloudflare", "TXT", "CH", IPv4, "9.9.9.9", ""},
		{"TXT split in strings", "whoami6.test", "TXT", "IN", IPv6, "2606:4700::9", ""},
		{"A", "myip.test", "A", "IN", IPv4, "9.9.9.9", ""},
		{"AAAA by family", "myip.test", "", "", IPv6, "2606:4700::9", ""},
		{"two answers", "two.test", "A", "IN", IPv4, "", "2 different addresses"},
		{"no record", "nothing.test", "A", "IN", IPv4, "", "no A record"},
		{"html in TXT", "html.test", "TXT", "IN", IPv4, "", "HTML"},
		{"refused", "refused.test", "A", "IN", IPv4, "", "REFUSED"},
		{"A for IPv6", "myip.test", "A", "IN", IPv6, "", "cannot find an IPv6"},
		{"bad class", "myip.test", "A", "XX", IPv4, "", "unknown DNS class"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := NewDNSSource(server, tt.qname, tt.qtype, tt.class)
			a, err := src.Detect(context.Background(), tt.fam)
			if tt.want != "" {
				if err != nil || a != netip.MustParseAddr(tt.want) {
					t.Fatalf("%s: Detect = %v, %v; want %s", src.Name(), a, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.errHas) || !strings.Contains(err.Error(), server) {
				t.Fatalf("%s: Detect error = %v; want one naming the server and containing %q", src.Name(), err, tt.errHas)
			}
		})
	}
	t.Run("silent server times out as a network error", func(t *testing.T) {
		pc, err := net.ListenPacket("udp4", "127.0.0.1:0") // reads nothing, answers nothing
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err = NewDNSSource(pc.LocalAddr().String(), "myip.test", "A", "IN").Detect(ctx, IPv4)
		if !IsNetworkError(err) {
			t.Fatalf("err = %v; want a network error", err)
		}
	})
}

// TestHelperProcess is the program NewCommandSource runs in these tests.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv("NETPROBE_HELPER")
	if mode == "" {
		t.Skip("helper process for TestCommandSource")
	}
	switch mode {
	case "print":
		fmt.Println(map[string]string{"IPv4": "9.9.9.9", "IPv6": "2606:4700::9"}[os.Getenv("DDNS_FAMILY")])
		os.Exit(0)
	case "fail":
		fmt.Fprintln(os.Stderr, "no route to the echo service")
		os.Exit(3)
	case "hang":
		time.Sleep(time.Hour) // simulates a stuck program; the test's deadline kills it
	}
	os.Exit(99)
}

func TestCommandSource(t *testing.T) {
	helper := func(mode string) Source {
		t.Setenv("NETPROBE_HELPER", mode)
		return NewCommandSource([]string{os.Args[0], "-test.run=^TestHelperProcess$"})
	}
	a, err := helper("print").Detect(context.Background(), IPv6)
	if err != nil || a != netip.MustParseAddr("2606:4700::9") {
		t.Fatalf("print: %v, %v", a, err)
	}
	_, err = helper("fail").Detect(context.Background(), IPv4)
	if err == nil || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "no route to the echo service") {
		t.Fatalf("fail: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = helper("hang").Detect(ctx, IPv4)
	if !errors.Is(err, context.DeadlineExceeded) || !IsNetworkError(err) {
		t.Fatalf("hang: %v", err)
	}
	if _, err := NewCommandSource(nil).Detect(context.Background(), IPv4); err == nil {
		t.Fatal("an empty command succeeded")
	}
}
