package providers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"
)

// The write-only HTTP providers hold the project's retry policy too: a 502
// from the service's edge, then success, is one successful Set of two
// requests, not a failed record.
func TestWriteOnlyHTTPProvidersRetryTransientFailures(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			http.Error(w, "bad gateway", http.StatusBadGateway)
			return
		}
		w.Write([]byte("good 192.0.2.1"))
	}))
	defer srv.Close()
	rec := Record{Zone: "example.com", Name: "home", Type: "A", Addr: netip.MustParseAddr("192.0.2.1"), TTL: time.Minute}
	for name, p := range map[string]Provider{
		"dyndns2": newDyndns2ForTest(t, quietEnv("d"), Params{"server": srv.URL, "username": "u", "password": "pw-123"}),
		"webhook": newWebhookForTest(t, quietEnv("w"), Params{"url": srv.URL + "/hook"}),
	} {
		t.Run(name, func(t *testing.T) {
			hits.Store(0)
			if err := p.Set(context.Background(), rec); err != nil {
				t.Fatalf("Set after one 502: %v", err)
			}
			if n := hits.Load(); n != 2 {
				t.Fatalf("%d requests, want 2 (the 502, then the retry)", n)
			}
		})
	}
}
