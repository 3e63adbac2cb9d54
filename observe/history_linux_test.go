package observe

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/ddnsd/ddns/journal"
)

// TestOtherLocalUserGetsThePageButNoHistory: without a token, another
// local user (nobody) may load the dashboard's shell, which holds no data,
// but is refused /history as it is /status; the owner reads it.
func TestOtherLocalUserGetsThePageButNoHistory(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("needs curl to send requests as nobody")
	}
	h := &fakeHistory{res: journal.Result{Entries: []journal.Entry{{At: t0, Kind: journal.KindChanged, Record: "home.example.com/A", New: "203.0.113.99"}}}}
	f := &fakeSupervisor{st: healthyStatus(t0), now: t0}
	_, base := startServer(t, Options{History: h.History}, f)
	fetch := func(path string) (int, string) {
		out, err := asNobody(t, "curl -s -w '\\n%{http_code}' "+base+path).Output()
		if err != nil {
			t.Fatalf("curl %s as nobody: %v", path, err)
		}
		i := strings.LastIndex(string(out), "\n")
		if i < 0 {
			t.Fatalf("curl %s as nobody printed %q", path, out)
		}
		n, _ := strconv.Atoi(strings.TrimSpace(string(out[i+1:])))
		return n, string(out[:i])
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
