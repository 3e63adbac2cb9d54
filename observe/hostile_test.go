package observe

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestHostHeaderChecked: a loopback endpoint answers only requests whose
// Host names loopback or localhost; a name that resolved to 127.0.0.1 on
// the client's side (DNS rebinding) is refused before anything is read.
func TestHostHeaderChecked(t *testing.T) {
	f := &fakeSupervisor{st: healthyStatus(t0), now: t0}
	s, base := startServer(t, Options{}, f)
	port := s.Addr().(*net.TCPAddr).Port
	tests := []struct {
		host string
		want int
	}{
		{"", 200},
		{"127.0.0.1", 200},
		{net.JoinHostPort("127.0.0.1", itoa(port)), 200},
		{"localhost:" + itoa(port), 200},
		{"LOCALHOST.", 200},
		{"[::1]:" + itoa(port), 200},
		{"ddns.localhost", 200},
		{"rebind.attacker.example:" + itoa(port), 421},
		{"127.0.0.1.nip.io", 421},
		{"192.168.1.10", 421},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			for _, path := range []string{"/status", "/healthz"} {
				req, err := http.NewRequest("GET", base+path, nil)
				if err != nil {
					t.Fatal(err)
				}
				req.Host = tt.host
				if tt.host == "" {
					// An HTTP/1.0 request without Host: written by hand.
					code := rawGet(t, s.Addr().String(), "GET "+path+" HTTP/1.0\r\n\r\n")
					if code != tt.want {
						t.Errorf("%s without Host: %d, want %d", path, code, tt.want)
					}
					continue
				}
				resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tt.want {
					t.Errorf("%s with Host %q: %d %s, want %d", path, tt.host, resp.StatusCode, body, tt.want)
				}
				if tt.want != 200 && strings.Contains(string(body), "203.0.113.7") {
					t.Errorf("%s with Host %q leaked the status: %s", path, tt.host, body)
				}
			}
		})
	}
}

// TestIdleConnectionClosed: a kept-alive connection that sends nothing more
// is closed after IdleTimeout, so idle clients give their slots back.
func TestIdleConnectionClosed(t *testing.T) {
	f := &fakeSupervisor{st: healthyStatus(t0), now: t0}
	s, _ := startServer(t, Options{IdleTimeout: 100 * time.Millisecond}, f)
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	_, err = br.ReadByte()
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("an idle kept-alive connection was still open after 10s (IdleTimeout 100ms)")
	}
	if !errors.Is(err, io.EOF) {
		t.Fatalf("reading an idle connection: %v, want the server to close it", err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// rawGet sends a hand-written request and returns the status code.
func rawGet(t *testing.T, addr, request string) int {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, request); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
