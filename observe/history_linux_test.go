package observe

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/ddnsd/ddns/journal"
)

// TestOtherLocalUserGetsThePageButNoHistory: without a token, another
// local user (nobody) may load the dashboard's shell, which holds no data,
// but is refused /history as it is /status; the owner reads it.
func TestOtherLocalUserGetsThePageButNoHistory(t *testing.T) {
	h := &fakeHistory{res: journal.Result{Entries: []journal.Entry{{At: t0, Kind: journal.KindChanged, Record: "home.example.com/A", New: "203.0.113.99"}}}}
	f := &fakeSupervisor{st: healthyStatus(t0), now: t0}
	s, base := startServer(t, Options{History: h.History}, f)
	_, port, _ := net.SplitHostPort(s.Addr().String())
	// bash's /dev/tcp sends the request as nobody; no HTTP client needed.
	fetch := func(path string) (int, string) {
		script := fmt.Sprintf(`exec 3<>/dev/tcp/127.0.0.1/%s && printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 && cat <&3`, port, path)
		out, err := asNobody(t, script).Output()
		if err != nil {
			t.Fatalf("GET %s as nobody: %v", path, err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(out)), nil)
		if err != nil {
			t.Fatalf("GET %s as nobody: %v in %q", path, err, out)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := fetch("/"); code != 200 || !strings.Contains(body, "dash.js") {
		t.Errorf("/ as nobody: %d, want 200 and the page", code)
	}
	if code, body := fetch("/history"); code != 403 || strings.Contains(body, "203.0.113.99") {
		t.Errorf("/history as nobody: %d %s, want 403 without the entries", code, body)
	}
	if len(h.got) != 0 {
		t.Error("the journal was read for nobody")
	}
	if code, body := get(t, "GET", base+"/history", ""); code != 200 || !strings.Contains(body, "203.0.113.99") {
		t.Errorf("/history as the owner: %d %s", code, body)
	}
}
