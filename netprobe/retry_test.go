package netprobe

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// quickRetry is the policy's attempts without its waits, and records them.
func quickRetry(waits *[]time.Duration) retrier {
	return retrier{wait: func(ctx context.Context, d time.Duration) error {
		*waits = append(*waits, d)
		return ctx.Err()
	}}
}

// An HTTP echo service that fails transiently (5xx, a dropped connection)
// is asked again on the project's schedule, 100 ms doubling, up to 5 tries;
// an answer that is final (404, a rate limit, a bad body) is not. Before,
// one 502 from the service's edge failed the source's turn.
func TestHTTPSourceRetriesTransientFailures(t *testing.T) {
	for _, c := range []struct {
		name      string
		fails     int // answers before the good one
		status    int
		wantTries int32
		wantErr   string
	}{
		{"two 502s, then the address", 2, http.StatusBadGateway, 3, ""},
		{"503 every time", 99, http.StatusServiceUnavailable, 5, "HTTP 503"},
		{"dropped connections, then the address", 2, 0, 3, ""},
		{"404 is final", 99, http.StatusNotFound, 1, "HTTP 404"},
		{"429 is a rate limit, rested by the Detector", 99, http.StatusTooManyRequests, 1, "rate limiting"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var tries atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if int(tries.Add(1)) <= c.fails {
					if c.status == 0 {
						conn, _, _ := w.(http.Hijacker).Hijack()
						conn.Close()
						return
					}
					w.WriteHeader(c.status)
					return
				}
				fmt.Fprintln(w, "198.51.100.7")
			}))
			defer srv.Close()
			var waits []time.Duration
			src := NewHTTPSource(srv.URL, &http.Client{}).(*httpSource)
			src.retry = quickRetry(&waits)
			a, err := src.Detect(context.Background(), IPv4)
			if got := tries.Load(); got != c.wantTries {
				t.Errorf("%d requests, want %d", got, c.wantTries)
			}
			if c.wantErr == "" {
				if err != nil || a != netip.MustParseAddr("198.51.100.7") {
					t.Fatalf("Detect = %v, %v", a, err)
				}
			} else if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("Detect error %v; want one with %q", err, c.wantErr)
			}
			want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond}[:c.wantTries-1]
			if fmt.Sprint(waits) != fmt.Sprint(want) {
				t.Errorf("waits %v, want %v", waits, want)
			}
		})
	}
	t.Run("a URL the client cannot use is not retried", func(t *testing.T) {
		var waits []time.Duration
		src := NewHTTPSource("ftp://127.0.0.1/ip", &http.Client{}).(*httpSource)
		src.retry = quickRetry(&waits)
		if _, err := src.Detect(context.Background(), IPv4); err == nil || len(waits) != 0 {
			t.Fatalf("Detect = %v after %d retries; want an error and none", err, len(waits))
		}
	})
}

// A DNS source whose server answers SERVFAIL (a resolver whose upstream
// timed out) or drops the query asks again; REFUSED is final.
func TestDNSSourceRetriesTransientFailures(t *testing.T) {
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var tries atomic.Int32
	mux := dns.NewServeMux()
	mux.HandleFunc(".", func(w dns.ResponseWriter, req *dns.Msg) {
		n := tries.Add(1)
		m := new(dns.Msg)
		m.SetReply(req)
		q := req.Question[0]
		switch {
		case q.Name == "refused.test.":
			m.Rcode = dns.RcodeRefused
		case q.Name == "drop.test." && n == 1:
			return // lost: the client times out and asks again
		case q.Name == "servfail.test." && n <= 2:
			m.Rcode = dns.RcodeServerFailure
		default:
			m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET}, A: net.ParseIP("198.51.100.8")})
		}
		w.WriteMsg(m)
	})
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: mux, NotifyStartedFunc: func() { close(started) }}
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })

	for _, c := range []struct {
		name      string
		wantTries int32
		wantErr   string
	}{
		{"servfail.test", 3, ""},
		{"drop.test", 2, ""},
		{"refused.test", 1, "REFUSED"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tries.Store(0)
			var waits []time.Duration
			src := NewDNSSource(pc.LocalAddr().String(), c.name, "A", "IN").(*dnsSource)
			src.retry = quickRetry(&waits)
			ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
			defer cancel()
			a, err := src.Detect(ctx, IPv4)
			if got := tries.Load(); got != c.wantTries {
				t.Errorf("%d queries, want %d", got, c.wantTries)
			}
			if c.wantErr == "" {
				if err != nil || a != netip.MustParseAddr("198.51.100.8") {
					t.Fatalf("Detect = %v, %v", a, err)
				}
			} else if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("Detect error %v; want one with %q", err, c.wantErr)
			}
		})
	}
}
