package observe

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ddnsd/ddns/ipc"
	"github.com/hashicorp/go-hclog"
)

func TestListenRefusesOpenAddressWithoutToken(t *testing.T) {
	tests := []struct {
		listen, token string
		wantErr       string // "" means accepted
	}{
		{"127.0.0.1:0", "", ""},
		{"localhost:0", "", ""},
		{"0.0.0.0:0", "", "is not a loopback address, so the endpoint needs a bearer token"},
		{":0", "", "is not a loopback address"},
		{"192.0.2.1:9876", "", "set token_file (or token_env) in [http], or listen on 127.0.0.1"},
		{"[::]:0", "", "is not a loopback address"},
		{"0.0.0.0:0", "s3cret", ""},
		{"9876", "", "is not host:port"},
	}
	for _, tc := range tests {
		t.Run(tc.listen+"/"+tc.token, func(t *testing.T) {
			s, err := Listen(Options{Listen: tc.listen, Token: tc.token, Status: func() ipc.Status { return ipc.Status{} }})
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				s.Close()
				return
			}
			if err == nil {
				s.Close()
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "http.listen") {
				t.Errorf("error %q does not say %q", err, tc.wantErr)
			}
		})
	}
}

func TestStartLineAndPortInUse(t *testing.T) {
	var buf bytes.Buffer
	log := hclog.New(&hclog.LoggerOptions{Output: &buf})
	s, err := Listen(Options{Listen: "127.0.0.1:0", Status: func() ipc.Status { return ipc.Status{} }, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if want := "http endpoint on " + s.Addr().String() + " (loopback only)"; !strings.Contains(buf.String(), want) {
		t.Errorf("log %q lacks %q", buf.String(), want)
	}
	_, err = Listen(Options{Listen: s.Addr().String(), Status: func() ipc.Status { return ipc.Status{} }})
	if err == nil || !strings.Contains(err.Error(), "cannot listen on "+s.Addr().String()) {
		t.Errorf("second listen on the same port: %v", err)
	}
	s.Close()
	s.Close() // twice is fine
}

func TestTokenRequiredOnEveryPath(t *testing.T) {
	const token = "tok-9f8e7d"
	var buf bytes.Buffer
	log := hclog.New(&hclog.LoggerOptions{Output: &buf})
	f := &fakeSupervisor{st: healthyStatus(t0), now: t0}
	s, _ := startServer(t, Options{Listen: "0.0.0.0:0", Token: token, Logger: log}, f)
	if !strings.Contains(buf.String(), "(token required)") {
		t.Errorf("start line %q does not say a token is required", buf.String())
	}
	_, port, _ := net.SplitHostPort(s.Addr().String())
	base := "http://127.0.0.1:" + port
	for _, path := range []string{"/healthz", "/status", "/metrics", "/nope"} {
		for _, tok := range []string{"", "wrong", token + "x", token[:len(token)-1]} {
			if code, _ := get(t, "GET", base+path, tok); code != http.StatusUnauthorized {
				t.Errorf("GET %s with token %q: %d, want 401", path, tok, code)
			}
		}
		want := 200
		if path == "/nope" {
			want = 404
		}
		if code, body := get(t, "GET", base+path, token); code != want {
			t.Errorf("GET %s with the token: %d, want %d (%s)", path, code, want, body)
		}
	}
	// Scheme name is case-insensitive (RFC 6750 follows RFC 7235).
	req, _ := http.NewRequest("GET", base+"/healthz", nil)
	req.Header.Set("Authorization", "bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("lower-case scheme: %d", resp.StatusCode)
	}
	if strings.Contains(buf.String(), token) {
		t.Error("the token reached the log")
	}
}

func TestStatusIsTheStatusDocument(t *testing.T) {
	f := &fakeSupervisor{st: healthyStatus(t0), now: t0}
	code := 2
	f.st.Events = append(f.st.Events, ipc.EventStatus{At: ipc.TimeOf(t0), Kind: "exited", Detail: "unexpected failure", PID: 11, Code: &code})
	_, base := startServer(t, Options{}, f)
	c, body := get(t, "GET", base+"/status", "")
	if c != 200 {
		t.Fatalf("/status: %d %s", c, body)
	}
	var got ipc.Status
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, f.Status()) {
		t.Errorf("/status = %+v\nwant %+v", got, f.Status())
	}
	want, _ := json.Marshal(f.Status())
	if body != string(want) {
		t.Errorf("/status bytes differ from json.Marshal of the status:\n%s\n%s", body, want)
	}
}

func TestMethodsAndPaths(t *testing.T) {
	f := &fakeSupervisor{st: healthyStatus(t0), now: t0}
	_, base := startServer(t, Options{}, f)
	tests := []struct {
		method, path string
		code         int
		emptyBody    bool
	}{
		{"GET", "/healthz", 200, false},
		{"HEAD", "/healthz", 200, true},
		{"HEAD", "/status", 200, true},
		{"POST", "/healthz", 405, false},
		{"PUT", "/status", 405, false},
		{"DELETE", "/metrics", 405, false},
		{"GET", "/", 200, false}, // the dashboard (page_test.go)
		{"GET", "/nope", 404, false},
		{"GET", "/healthz/", 404, false},
	}
	for _, tc := range tests {
		code, body := get(t, tc.method, base+tc.path, "")
		if code != tc.code || (body == "") != tc.emptyBody {
			t.Errorf("%s %s: %d %q, want %d (empty body %v)", tc.method, tc.path, code, body, tc.code, tc.emptyBody)
		}
	}
}

// TestSlowlorisDoesNotBlock: clients that dribble their headers neither
// block other requests nor stay connected past ReadHeaderTimeout.
func TestSlowlorisDoesNotBlock(t *testing.T) {
	f := &fakeSupervisor{st: healthyStatus(t0), now: t0}
	s, base := startServer(t, Options{MaxConcurrent: 2, MaxConns: 16, ReadHeaderTimeout: time.Second}, f)
	var slow []net.Conn
	for i := 0; i < 8; i++ {
		c, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "); err != nil {
			t.Fatal(err)
		}
		slow = append(slow, c)
	}
	var worst time.Duration
	for i := 0; i < 5; i++ {
		start := time.Now()
		if code, body := get(t, "GET", base+"/healthz", ""); code != 200 {
			t.Fatalf("request %d beside slow clients: %d %s", i, code, body)
		}
		d := time.Since(start)
		if d > 500*time.Millisecond {
			t.Errorf("request %d took %v beside slow clients", i, d)
		}
		worst = max(worst, d)
	}
	t.Logf("slowest /healthz beside %d slow clients: %v", len(slow), worst)
	// The server cuts the slow clients off; reading sees the end.
	for i, c := range slow {
		c.SetReadDeadline(time.Now().Add(5 * time.Second)) // failure guard only
		_, err := io.ReadAll(c)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("slow client %d still connected after 5s", i)
		}
	}
}

// TestBusyAnswers503: with every handler slot taken, a request is answered
// 503 at once rather than queued.
func TestBusyAnswers503(t *testing.T) {
	entered := make(chan struct{}, 1)
	release := make(chan struct{})
	f := &fakeSupervisor{st: healthyStatus(t0), now: t0}
	status := func() ipc.Status {
		select {
		case entered <- struct{}{}:
			<-release // only the first call blocks
		default:
		}
		return f.Status()
	}
	_, base := startServer(t, Options{MaxConcurrent: 1, Status: status}, f)
	first := make(chan int, 1)
	go func() {
		resp, err := http.Get(base + "/status")
		if err != nil {
			first <- -1
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	select {
	case <-entered:
	case <-time.After(5 * time.Second):
		t.Fatal("the first request never reached the handler")
	}
	code, body := get(t, "GET", base+"/metrics", "")
	if code != 503 || !strings.Contains(body, "too many requests") {
		t.Errorf("while busy: %d %s", code, body)
	}
	close(release)
	if c := <-first; c != 200 {
		t.Errorf("the blocked request ended with %d", c)
	}
	if code, _ := get(t, "GET", base+"/healthz", ""); code != 200 {
		t.Errorf("after the slot freed: %d", code)
	}
}

// TestConnectionCap: connections beyond MaxConns are closed at once.
func TestConnectionCap(t *testing.T) {
	f := &fakeSupervisor{st: healthyStatus(t0), now: t0}
	s, _ := startServer(t, Options{MaxConns: 3}, f)
	addr := s.Addr().String()
	var held []net.Conn
	for i := 0; i < 3; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		held = append(held, c)
	}
	// A held connection is served (so it really has a slot) ...
	if _, err := io.WriteString(held[0], "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	held[0].SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(held[0]), nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("held connection: %v %v", resp, err)
	}
	resp.Body.Close()
	// ... and one more is closed without an answer.
	extra, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	io.WriteString(extra, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
	extra.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(extra)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the connection over the cap was kept open")
	}
	if len(b) != 0 {
		t.Errorf("the connection over the cap got an answer: %q", b)
	}
}

func TestServeStopsOnClose(t *testing.T) {
	s, err := Listen(Options{Listen: "127.0.0.1:0", Status: func() ipc.Status { return ipc.Status{} }})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(context.Background()) }()
	// Prove it serves, then close.
	if code, _ := get(t, "GET", "http://"+s.Addr().String()+"/healthz", ""); code != 503 {
		t.Errorf("empty status should be unhealthy, got %d", code)
	}
	s.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after Close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after Close")
	}
}
