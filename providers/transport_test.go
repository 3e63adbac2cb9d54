package providers

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

// quickRetries makes rt retry without real waits and records each wait asked for.
func quickRetries(rt *retryTransport) *[]time.Duration {
	var mu sync.Mutex
	waits := &[]time.Duration{}
	rt.wait = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		*waits = append(*waits, d)
		mu.Unlock()
		return ctx.Err()
	}
	return waits
}

func testClient(t *testing.T, endpoint string, logger hclog.Logger) (*http.Client, *retryTransport) {
	t.Helper()
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	c := NewHTTPClient(Env{Name: "t", Endpoint: endpoint, Logger: logger, Timeout: 10 * time.Second})
	rt, ok := c.Transport.(*retryTransport)
	if !ok {
		t.Fatalf("transport is %T", c.Transport)
	}
	return c, rt
}

func TestBackoffDelay(t *testing.T) {
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond,
		1600 * time.Millisecond, 3200 * time.Millisecond, 6400 * time.Millisecond, 10 * time.Second, 10 * time.Second}
	for i, w := range want {
		if got := backoffDelay(i + 1); got != w {
			t.Errorf("backoffDelay(%d) = %v, want %v", i+1, got, w)
		}
	}
}

func TestEndpointRewriteKeepsPathAndQuery(t *testing.T) {
	var gotPath, gotQuery, gotHost string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath, gotQuery, gotHost = r.URL.Path, r.URL.RawQuery, r.Host
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	c, _ := testClient(t, srv.URL, nil)
	resp, err := c.Get("https://api.cloudflare.com/client/v4/zones?name=example.com.&status=active")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if gotPath != "/client/v4/zones" || gotQuery != "name=example.com.&status=active" {
		t.Errorf("server saw %q ? %q", gotPath, gotQuery)
	}
	if gotHost != strings.TrimPrefix(srv.URL, "http://") {
		t.Errorf("Host header %q, want the endpoint's", gotHost)
	}
}

func TestBadEndpointFailsEveryRequest(t *testing.T) {
	c, _ := testClient(t, "ftp://nowhere", nil)
	if _, err := c.Get("https://api.cloudflare.com/client/v4/zones"); err == nil || !strings.Contains(err.Error(), "endpoint") {
		t.Fatalf("want an endpoint error, got %v", err)
	}
}

// TestBadEndpointErrorHidesSecrets: an endpoint that is refused is named
// redacted, whether it parses or not.
func TestBadEndpointErrorHidesSecrets(t *testing.T) {
	for _, ep := range []string{"ftp://host/hook/aB3dE5fG7hI9jK1lM3nO5pQ7?token=s3cretTok", "http://host/%zz?token=s3cretTok"} {
		_, err := parseEndpoint(ep)
		if err == nil {
			t.Fatalf("parseEndpoint(%q) accepted it", ep)
		}
		if strings.Contains(err.Error(), "s3cretTok") || strings.Contains(err.Error(), "aB3dE5fG7hI9jK1lM3nO5pQ7") {
			t.Errorf("parseEndpoint(%q) = %v: the error shows a secret", ep, err)
		}
	}
}

func TestRetryResendsBody(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		n := len(bodies)
		mu.Unlock()
		if n < 3 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	c, rt := testClient(t, "", nil)
	waits := quickRetries(rt)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/x", io.NopCloser(strings.NewReader(`{"content":"192.0.2.1"}`)))
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if len(bodies) != 3 || bodies[0] != bodies[2] || bodies[1] != bodies[2] || bodies[2] != `{"content":"192.0.2.1"}` {
		t.Errorf("bodies seen: %q", bodies)
	}
	if want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}; !equalDurations(*waits, want) {
		t.Errorf("waits %v, want %v", *waits, want)
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRetryPolicyByStatus(t *testing.T) {
	now := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		status     int
		header     string
		wantCalls  int
		wantWaits  []time.Duration
		wantStatus int
	}{
		{"401 not retried", 401, "", 1, nil, 401},
		{"403 not retried", 403, "", 1, nil, 403},
		{"404 not retried", 404, "", 1, nil, 404},
		{"500 retried to the limit", 500, "", 5, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond}, 500},
		{"429 retry-after seconds", 429, "2", 5, []time.Duration{2 * time.Second, 2 * time.Second, 2 * time.Second, 2 * time.Second}, 429},
		{"503 retry-after date", 503, now.Add(3 * time.Second).Format(http.TimeFormat), 5, []time.Duration{3 * time.Second, 3 * time.Second, 3 * time.Second, 3 * time.Second}, 503},
		{"502 ignores retry-after", 502, "30", 5, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond}, 502},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			calls := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				calls++
				mu.Unlock()
				if tt.header != "" {
					w.Header().Set("Retry-After", tt.header)
				}
				w.WriteHeader(tt.status)
			}))
			defer srv.Close()
			c, rt := testClient(t, "", nil)
			rt.now = func() time.Time { return now }
			waits := quickRetries(rt)
			resp, err := c.Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if calls != tt.wantCalls || resp.StatusCode != tt.wantStatus || !equalDurations(*waits, tt.wantWaits) {
				t.Errorf("calls %d status %d waits %v; want %d %d %v", calls, resp.StatusCode, *waits, tt.wantCalls, tt.wantStatus, tt.wantWaits)
			}
		})
	}
}

func TestRetryAfterThenSuccess(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		io.WriteString(w, "fine")
	}))
	defer srv.Close()
	c, rt := testClient(t, "", nil)
	waits := quickRetries(rt)
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "fine" || calls != 2 || !equalDurations(*waits, []time.Duration{time.Second}) {
		t.Errorf("body %q calls %d waits %v", b, calls, *waits)
	}
}

func TestConnectionErrorRetried(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close() // the client sees the connection drop
			}
			return
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	c, rt := testClient(t, "", nil)
	quickRetries(rt)
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("payload"))
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if calls != 2 || resp.StatusCode != 200 {
		t.Errorf("calls %d status %d", calls, resp.StatusCode)
	}
}

func TestRetryWaitEndsWithContext(t *testing.T) {
	arrived := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	c, rt := testClient(t, "", nil)
	rt.delay = func(int) time.Duration { return time.Hour }
	c.Timeout = 0

	// Without a deadline the wait is real and ends when ctx is cancelled.
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	start := time.Now()
	_, err := c.Do(req)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("waited %v after cancel", time.Since(start))
	}

	// With a deadline shorter than the wait, the answer comes back at once.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel2()
	req2, _ := http.NewRequestWithContext(ctx2, http.MethodGet, srv.URL, nil)
	start = time.Now()
	resp, err := c.Do(req2)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || time.Since(start) > 5*time.Second {
		t.Errorf("status %d after %v", resp.StatusCode, time.Since(start))
	}
}

func TestRetryLogHasNoHeaderValues(t *testing.T) {
	var buf bytes.Buffer
	logger := hclog.New(&hclog.LoggerOptions{Output: &buf, Level: hclog.Debug})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()
	c, rt := testClient(t, "", logger)
	quickRetries(rt)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/client/v4/zones", nil)
	req.Header.Set("Authorization", "Bearer sekrit-token-value")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	out := buf.String()
	if strings.Count(out, "retrying API call") != 4 {
		t.Errorf("want 4 retry lines, got:\n%s", out)
	}
	if strings.Contains(out, "sekrit") {
		t.Errorf("log leaks a header value:\n%s", out)
	}
}

func TestClassifyHTTP(t *testing.T) {
	tests := []struct {
		status int
		body   string
		class  error
		text   string
	}{
		{200, "", nil, ""},
		{401, `{"error":"bad token"}`, ErrAuth, "HTTP 401"},
		{403, "", ErrAuth, "HTTP 403"},
		{400, "bad\n\n  name\x00", ErrRejected, `"bad name?"`},
		{404, "", ErrRejected, "HTTP 404"},
		{429, "", ErrNetwork, "unavailable"},
		{502, "<html>" + strings.Repeat("x", 500), ErrNetwork, "…"},
	}
	for _, tt := range tests {
		err := ClassifyHTTP(tt.status, []byte(tt.body))
		if tt.class == nil {
			if err != nil {
				t.Errorf("%d: want nil, got %v", tt.status, err)
			}
			continue
		}
		if !errors.Is(err, tt.class) || !strings.Contains(err.Error(), tt.text) {
			t.Errorf("%d: got %v; want class %v containing %q", tt.status, err, tt.class, tt.text)
		}
		if len(err.Error()) > 400 {
			t.Errorf("%d: message too long (%d)", tt.status, len(err.Error()))
		}
	}
}

func TestCredentialOf(t *testing.T) {
	tests := []struct{ in, alg, id string }{
		{"ACS3-HMAC-SHA256 Credential=LTAIabc,SignedHeaders=host,Signature=ff", "ACS3-HMAC-SHA256", "LTAIabc"},
		{"TC3-HMAC-SHA256 Credential=AKIDxyz/2026-11-30/dnspod/tc3_request, SignedHeaders=a, Signature=b", "TC3-HMAC-SHA256", "AKIDxyz"},
		{"SDK-HMAC-SHA256 Access=HPUAxyz, SignedHeaders=x-sdk-date, Signature=c0", "SDK-HMAC-SHA256", "HPUAxyz"},
		{"Bearer token", "", ""},
	}
	for _, tt := range tests {
		alg, id, ok := credentialOf(tt.in)
		if alg != tt.alg || id != tt.id || ok != (tt.id != "") {
			t.Errorf("credentialOf(%q) = %q %q %v", tt.in, alg, id, ok)
		}
	}
}
