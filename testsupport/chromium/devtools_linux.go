package chromium

import (
	"bufio"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Page is one page of a Chromium a test drives over the DevTools protocol,
// for what --dump-dom cannot do: typing into a form, reading
// sessionStorage, waiting for a condition the page's script reaches.
type Page struct {
	t    testing.TB
	conn net.Conn
	rd   *bufio.Reader
	mu   sync.Mutex
	id   int
}

// Open starts the browser on url with remote debugging on a free loopback
// port and connects to the page's DevTools socket. The browser is killed
// and the connection closed when the test ends.
func (b Browser) Open(t testing.TB, url string) *Page {
	t.Helper()
	profile := t.TempDir()
	// No virtual time here: the page runs on the real clock.
	argv := append(append(append([]string{}, b.Wrap...), b.Path), args(profile)...)
	argv = append(argv, "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", url)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "HOME="+profile)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A pipe of our own rather than StderrPipe: Chromium's helper
	// processes inherit its write end, so its end of file says that every
	// one of them is gone (Wait would close StderrPipe's at the main
	// process's exit).
	stderr, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = w
	if err := cmd.Start(); err != nil {
		stderr.Close()
		w.Close()
		t.Fatalf("cannot start %s: %v", b.Path, err)
	}
	w.Close()
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()

	// Chromium says where it listens on stderr: "DevTools listening on
	// ws://127.0.0.1:PORT/devtools/browser/ID".
	found := make(chan string, 1)
	gone := make(chan struct{})
	go func() {
		defer close(gone)
		defer stderr.Close()
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if i := strings.Index(sc.Text(), "DevTools listening on ws://"); i >= 0 {
				select {
				case found <- sc.Text()[i+len("DevTools listening on "):]:
				default:
				}
			}
		}
		close(found)
	}()
	// SIGTERM is Chromium's clean shutdown; the test's folders are removed
	// only once every process of the browser has ended, so none still
	// writes in its profile. The group kill is the failure guard.
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-gone:
		case <-time.After(20 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-gone
		}
		<-done
	})
	var ws string
	select {
	case ws = <-found:
	case <-time.After(30 * time.Second): // failure guard
	}
	if ws == "" {
		t.Fatalf("%s did not open its DevTools socket", b.Path)
	}
	u, err := parseWS(ws)
	if err != nil {
		t.Fatal(err)
	}
	// The page's own socket, from the target list.
	var targets []struct{ Type, URL, WebSocketDebuggerURL string }
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get("http://" + u.Host + "/json/list")
	if err != nil {
		t.Fatalf("DevTools target list: %v", err)
	}
	err = json.NewDecoder(resp.Body).Decode(&targets)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("DevTools target list: %v", err)
	}
	for _, tg := range targets {
		if tg.Type == "page" {
			p := dialPage(t, tg.WebSocketDebuggerURL)
			t.Cleanup(func() { p.conn.Close() })
			p.waitContext(url)
			return p
		}
	}
	t.Fatalf("no page among the DevTools targets %+v", targets)
	return nil
}

// parseWS reads a ws:// address.
func parseWS(s string) (*neturl.URL, error) {
	u, err := neturl.Parse(strings.TrimSpace(s))
	if err != nil || u.Scheme != "ws" {
		return nil, fmt.Errorf("%q is not a ws:// address: %v", s, err)
	}
	return u, nil
}

// dialPage opens the WebSocket (RFC 6455) of one DevTools target.
func dialPage(t testing.TB, ws string) *Page {
	t.Helper()
	u, err := parseWS(ws)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.DialTimeout("tcp", u.Host, 10*time.Second)
	if err != nil {
		t.Fatalf("DevTools socket: %v", err)
	}
	var key [16]byte
	rand.Read(key[:])
	k := base64.StdEncoding.EncodeToString(key[:])
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", u.RequestURI(), u.Host, k)
	rd := bufio.NewReader(conn)
	resp, err := http.ReadResponse(rd, nil)
	if err != nil {
		t.Fatalf("DevTools handshake: %v", err)
	}
	sum := sha1.Sum([]byte(k + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		t.Fatalf("DevTools handshake answered %s", resp.Status)
	}
	return &Page{t: t, conn: conn, rd: rd}
}

// writeFrame sends one masked text frame, as a client must.
func (p *Page) writeFrame(payload []byte) error {
	hdr := []byte{0x81}
	switch n := len(payload); {
	case n < 126:
		hdr = append(hdr, 0x80|byte(n))
	case n < 1<<16:
		hdr = append(hdr, 0x80|126, byte(n>>8), byte(n))
	default:
		hdr = append(hdr, 0x80|127)
		hdr = binary.BigEndian.AppendUint64(hdr, uint64(n))
	}
	var mask [4]byte
	rand.Read(mask[:])
	hdr = append(hdr, mask[:]...)
	masked := make([]byte, len(payload))
	for i, c := range payload {
		masked[i] = c ^ mask[i%4]
	}
	_, err := p.conn.Write(append(hdr, masked...))
	return err
}

// readMessage reads one whole text message, joining continuation frames
// and answering pings.
func (p *Page) readMessage() ([]byte, error) {
	var msg []byte
	for {
		var h [2]byte
		if _, err := io.ReadFull(p.rd, h[:]); err != nil {
			return nil, err
		}
		fin, op := h[0]&0x80 != 0, h[0]&0x0f
		n := uint64(h[1] & 0x7f)
		switch n {
		case 126:
			var b [2]byte
			if _, err := io.ReadFull(p.rd, b[:]); err != nil {
				return nil, err
			}
			n = uint64(binary.BigEndian.Uint16(b[:]))
		case 127:
			var b [8]byte
			if _, err := io.ReadFull(p.rd, b[:]); err != nil {
				return nil, err
			}
			n = binary.BigEndian.Uint64(b[:])
		}
		if n > 64<<20 {
			return nil, fmt.Errorf("DevTools frame of %d bytes", n)
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(p.rd, payload); err != nil {
			return nil, err
		}
		switch op {
		case 0x8:
			return nil, errors.New("DevTools socket closed")
		case 0x9, 0xa: // ping, pong: the browser does not ping; ignore
			continue
		}
		msg = append(msg, payload...)
		if fin {
			return msg, nil
		}
	}
}

// send writes one command and returns its id.
func (p *Page) send(method string, params any) int {
	p.t.Helper()
	p.id++
	req, _ := json.Marshal(map[string]any{"id": p.id, "method": method, "params": params})
	p.conn.SetDeadline(time.Now().Add(30 * time.Second)) // failure guard
	if err := p.writeFrame(req); err != nil {
		p.t.Fatalf("DevTools %s: %v", method, err)
	}
	return p.id
}

// waitContext waits until the page at url has its script context: with
// Runtime.enable the browser reports every context, those made before
// included, so the page's own is seen whether it came first or not.
func (p *Page) waitContext(url string) {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	origin := url
	if u, err := neturl.Parse(url); err == nil {
		origin = u.Scheme + "://" + u.Host
	}
	p.send("Runtime.enable", map[string]any{})
	for {
		msg, err := p.readMessage()
		if err != nil {
			p.t.Fatalf("DevTools: waiting for the page's context: %v", err)
		}
		var ev struct {
			Method string `json:"method"`
			Params struct {
				Context struct {
					Origin  string `json:"origin"`
					AuxData struct {
						IsDefault bool `json:"isDefault"`
					} `json:"auxData"`
				} `json:"context"`
			} `json:"params"`
		}
		if json.Unmarshal(msg, &ev) == nil && ev.Method == "Runtime.executionContextCreated" &&
			ev.Params.Context.AuxData.IsDefault && ev.Params.Context.Origin == origin {
			return
		}
	}
}

// Eval runs a JavaScript expression in the page (awaiting a promise) and
// returns its value decoded into out (nil to ignore it). An exception
// fails the test.
func (p *Page) Eval(expr string, out any) {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	id := p.send("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true})
	for {
		msg, err := p.readMessage()
		if err != nil {
			p.t.Fatalf("DevTools: %v", err)
		}
		var rep struct {
			ID     int `json:"id"`
			Result struct {
				Result struct {
					Value json.RawMessage `json:"value"`
				} `json:"result"`
				ExceptionDetails *struct {
					Text      string `json:"text"`
					Exception struct {
						Description string `json:"description"`
					} `json:"exception"`
				} `json:"exceptionDetails"`
			} `json:"result"`
			Error *struct{ Message string } `json:"error"`
		}
		if json.Unmarshal(msg, &rep) != nil || rep.ID != id {
			continue // an event, or another reply
		}
		if rep.Error != nil {
			p.t.Fatalf("DevTools %s: %s", expr, rep.Error.Message)
		}
		if ex := rep.Result.ExceptionDetails; ex != nil {
			p.t.Fatalf("the page threw on %s: %s %s", expr, ex.Text, ex.Exception.Description)
		}
		if out != nil && len(rep.Result.Result.Value) > 0 {
			if err := json.Unmarshal(rep.Result.Result.Value, out); err != nil {
				p.t.Fatalf("DevTools %s: value %s: %v", expr, rep.Result.Result.Value, err)
			}
		}
		return
	}
}

// WaitFor evaluates a boolean expression inside the page until it is true:
// the page itself waits (a promise that checks on each animation frame),
// so the test does not poll. After timeout the test fails with what.
func (p *Page) WaitFor(what, expr string, timeout time.Duration) {
	p.t.Helper()
	var ok bool
	p.Eval(fmt.Sprintf(`new Promise((resolve) => {
  const end = Date.now() + %d;
  const check = () => { let v = false; try { v = !!(%s); } catch (e) {}
    if (v || Date.now() > end) resolve(v); else setTimeout(check, 20); };
  check();
})`, timeout.Milliseconds(), expr), &ok)
	if !ok {
		p.t.Fatalf("timed out after %s waiting for %s (%s)", timeout, what, expr)
	}
}
