//go:build linux

package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/providers/providertest"
	"github.com/ddnsd/ddns/testsupport/chromium"
	"github.com/ddnsd/ddns/testsupport/e2e"
	"github.com/ddnsd/ddns/testsupport/netns"
)

// relay forwards every connection accepted on ln to the address to until
// ln closes: the fake provider API, served by the test on its own loopback,
// reached from inside a network namespace.
func relay(ln net.Listener, to string) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			up, err := net.Dial("tcp", to)
			if err != nil {
				return
			}
			defer up.Close()
			done := make(chan struct{})
			go func() { io.Copy(up, c); up.(*net.TCPConn).CloseWrite(); close(done) }()
			io.Copy(c, up)
			<-done
		}()
	}
}

// dashboardShot is where the proof's screenshot goes: $ARTIFACTS_DIR, else
// dist/artifacts at the top of the repository (CI keeps both).
func dashboardShot(t *testing.T) string {
	dir := os.Getenv("ARTIFACTS_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "dist", "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "dashboard.png")
}

// TestDashboardShowsChangeFailureRestartAndOutage is the dashboard's
// proof. A real supervisor and updater run in a network namespace against
// a fake Cloudflare API; the test takes them through an address change, a
// pass the provider refuses, a `supervisor restart` and a network outage
// (loopback down, the pass fails, the supervisor waits for the network,
// loopback up). Then headless Chromium, inside the namespace, loads the
// dashboard from the [http] endpoint; its DOM must show the record's new
// address and verification, and one mark of each of the four on the
// timeline. The screenshot is saved as an artifact.
func TestDashboardShowsChangeFailureRestartAndOutage(t *testing.T) {
	browser := chromium.Require(t)
	ns := netns.New(t)
	const token = "dash-token-4410"
	cf := providertest.NewCloudflare(token, "example.com")
	t.Cleanup(cf.Close)
	ln, err := ns.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("cannot listen inside the namespace: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	go relay(ln, strings.TrimPrefix(cf.URL, "http://"))
	target := ln.Addr().String()
	const page = "127.0.0.1:18080" // the namespace's own loopback: no port is shared

	s := e2e.NewSupervisor(t, bins)
	s.Wrap = ns.Wrap()
	setAddr := func(a string) {
		if err := os.WriteFile(filepath.Join(s.Dir, "addr"), []byte(a+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	updateNow := func() {
		t.Helper()
		if out, code := s.CLI("update-now", "--socket", s.Socket); code != 0 {
			t.Fatalf("update-now: exit %d\n%s", code, out)
		}
	}
	setAddr("192.0.2.31")
	s.Write(fmt.Sprintf(`[supervisor]
socket = "@SOCKET@"
restart_delay = "0s"
[probe]
enabled = true
interval = "200ms"
interval_max = "200ms"
timeout = "300ms"
dns = []
tcp = [%[1]q]
[http]
listen = %[3]q
[updater]
interval = "1h"
state_file = "@STATE@"
timeout = "3s"
network_grace = "0s"
[ip]
v4 = [{ type = "command", command = ["/bin/cat", "@DIR@/addr"] }]
allow_private = true
[providers.cf]
type = "cloudflare"
api_token = %[2]q
endpoint = "http://%[1]s"
[[records]]
provider = "cf"
zone = "example.com"
name = "home"
`, target, token, page))
	s.Start()
	published := func(addr string) func(ipc.Status) bool {
		return func(st ipc.Status) bool {
			return e2e.Running(st) && len(st.Records) == 1 && st.Records[0].Address == addr && st.Records[0].Error == ""
		}
	}
	s.WaitStatus("the first address published", 20*time.Second, published("192.0.2.31"))

	// An address change.
	setAddr("192.0.2.32")
	updateNow()
	s.WaitStatus("the changed address published", 20*time.Second, published("192.0.2.32"))

	// A failed pass: the provider refuses the write; with its only record
	// rejected the updater exits 4 and the supervisor backs off.
	pid := s.WaitStatus("a running child", 10*time.Second, e2e.Running).Child.PID
	cf.RejectWrites(true)
	setAddr("192.0.2.33")
	updateNow()
	s.WaitStatus("the refused write and the exit it caused", 20*time.Second, func(st ipc.Status) bool {
		return len(st.Records) == 1 && st.Records[0].Error != "" && st.Child.State == "backoff" &&
			st.Child.LastExit != nil && st.Child.LastExit.Code == int(ipc.ExitRejected)
	})

	// A restart: asked for during the backoff, once the provider accepts
	// writes again.
	cf.RejectWrites(false)
	if out, code := s.CLI("restart", "--socket", s.Socket); code != 0 {
		t.Fatalf("restart: exit %d\n%s", code, out)
	}
	st := s.WaitStatus("a new child publishing after the restart", 20*time.Second, func(st ipc.Status) bool {
		return published("192.0.2.33")(st) && st.Child.PID != pid
	})

	// A network outage: the pass fails offline, the supervisor waits.
	pid = st.Child.PID
	ns.LinkDown("lo")
	setAddr("192.0.2.34")
	updateNow()
	s.WaitStatus("waiting-network while lo is down", 30*time.Second, func(st ipc.Status) bool { return st.Child.State == "waiting-network" })
	ns.LinkUp("lo")
	s.WaitStatus("the address published after the outage", 30*time.Second, func(st ipc.Status) bool {
		return published("192.0.2.34")(st) && st.Child.PID != pid
	})

	url := "http://" + page + "/"
	browser.Wrap = ns.Wrap()
	dom := browser.DumpDOM(t, url, 5*time.Second)
	checks := []struct{ what, re string }{
		{"the record with its current address", `data-record="home\.example\.com/A" data-state="ok"><h3>[^<]*</h3><p class="addr" data-address="192\.0\.2\.34">`},
		{"whether the last change was verified", `data-verified="(yes|no)"`},
		{"the child running", `id="child-state" data-state="ok">running<`},
		{"the network ready", `id="network-state" data-state="ok">ready<`},
		{"the config generation", `id="config-state" data-state="ok">generation 1<`},
		{"address changes on the timeline", `data-changes="[1-9]\d*"`},
		{"a failed pass on the timeline", `data-failures="[1-9]\d*"`},
		{"a restart on the timeline", `data-restarts="[1-9]\d*"`},
		{"a network outage on the timeline", `data-outages="[1-9]\d*"`},
		{"a change mark", `<circle class="mark change" data-kind="change"`},
		{"an outage mark that ended", `class="mark outage" data-kind="outage" data-at="[^"]+" [^>]*data-open="no"`},
		{"the refusal among the events", `<li class="event" data-kind="failed" data-bad="">`},
		{"the change among the events", `<li class="event" data-kind="changed">`},
		{"the wait for the network among the events", `<li class="event" data-kind="waiting-network"`},
	}
	for _, c := range checks {
		if !regexp.MustCompile(c.re).MatchString(dom) {
			t.Errorf("the page does not show %s (%s)", c.what, c.re)
		}
	}
	if t.Failed() || os.Getenv("DASH_DOM") != "" {
		t.Logf("DOM:\n%s", dom)
	}
	shot := dashboardShot(t)
	browser.Screenshot(t, url, shot, 1200, 900, 5*time.Second)
	t.Logf("screenshot: %s", shot)
}
