//go:build chaos && linux

package chaos

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/providers/providertest"
	"github.com/ddnsd/ddns/testsupport/e2e"
	"github.com/ddnsd/ddns/testsupport/netns"
)

// forward relays every connection accepted on ln to the address to (on the
// test's own loopback) until ln closes.
func forward(ln net.Listener, to string) {
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

// testNetworkGone runs the supervisor inside a network namespace the test
// creates, with the provider API (the fake Cloudflare, relayed) and the
// readiness probe target both on that namespace's loopback. With lo down the
// updater's pass fails for network reasons, it exits 3, and the supervisor
// waits for the network (waiting-network, network not ready, last exit 3);
// with lo up again the probe passes, a new child starts at once and
// publishes the address that changed meanwhile.
func testNetworkGone(t *testing.T) {
	if err := netns.Check(); err != nil {
		skipf(t, "%v", err)
	}
	ns := netns.New(t)
	const token = "chaos-token-netns"
	cf := providertest.NewCloudflare(token, "example.com")
	t.Cleanup(cf.Close)
	ln, err := ns.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		skipf(t, "cannot listen inside the namespace: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	go forward(ln, strings.TrimPrefix(cf.URL, "http://"))
	target := ln.Addr().String()

	s := newSup(t)
	s.Wrap = ns.Wrap()
	writeAddr := func(a string) {
		if err := os.WriteFile(filepath.Join(s.Dir, "addr"), []byte(a+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeAddr("192.0.2.31")
	s.Write(fmt.Sprintf(`[supervisor]
socket = "@SOCKET@"
restart_delay = "0s"
[probe]
enabled = true
interval = "200ms"
interval_max = "200ms"
timeout = "300ms"
dns = []
tcp = [%q]
[updater]
interval = "1h"
state_file = "@STATE@"
timeout = "3s"
network_grace = "0s"
[ip]
v4 = [{ type = "command", command = ["/bin/cat", "@DIR@/addr"] }]
allow_private = true
`, target) + cloudflareRecord(token, "http://"+target))
	s.Start()
	st := s.WaitStatus("the child to publish through the namespace's loopback", 20*time.Second, func(st ipc.Status) bool {
		return e2e.Running(st) && len(st.Records) == 1 && st.Records[0].Address == "192.0.2.31" && st.Records[0].Error == ""
	})
	if st.Supervisor.PID != s.PID() {
		t.Fatalf("status answered by pid %d, want the supervisor started in the namespace (%d)", st.Supervisor.PID, s.PID())
	}
	if got := cf.Lookup("home.example.com", "A"); len(got) != 1 || got[0] != "192.0.2.31" {
		t.Fatalf("the provider holds %v, want [192.0.2.31]", got)
	}
	first := st.Child.PID

	// The network goes away; the address changes meanwhile.
	ns.LinkDown("lo")
	writeAddr("192.0.2.32")
	if out, code := s.CLI("update-now", "--socket", s.Socket); code != 0 {
		t.Fatalf("update-now: exit %d\n%s", code, out)
	}
	st = s.WaitStatus("waiting-network after the pass failed offline", 30*time.Second, func(st ipc.Status) bool {
		return st.Child.State == "waiting-network"
	})
	if st.Network.Ready {
		t.Errorf("network shown ready while lo is down: %+v", st.Network)
	}
	if st.Child.LastExit == nil || st.Child.LastExit.Code != int(ipc.ExitNetwork) {
		t.Errorf("last exit %+v, want code %d (network unreachable)", st.Child.LastExit, ipc.ExitNetwork)
	}
	if !e2e.Gone(first) {
		t.Errorf("the first child %d still exists while the supervisor waits for the network", first)
	}

	// Back: the probe passes and a new child publishes the new address.
	ns.LinkUp("lo")
	st = s.WaitStatus("a new child once the network is back", 20*time.Second, func(st ipc.Status) bool {
		return e2e.Running(st) && st.Child.PID != first && len(st.Records) == 1 && st.Records[0].Address == "192.0.2.32" && st.Records[0].Error == ""
	})
	if !st.Network.Ready {
		t.Errorf("network not ready after the start: %+v", st.Network)
	}
	if got := cf.Lookup("home.example.com", "A"); len(got) != 1 || got[0] != "192.0.2.32" {
		t.Errorf("the provider holds %v after the network came back, want [192.0.2.32]", got)
	}
	var kinds []string
	for _, e := range st.Events {
		kinds = append(kinds, e.Kind)
	}
	if !strings.Contains(strings.Join(kinds, " "), "waiting-network") {
		t.Errorf("no waiting-network event in %v", kinds)
	}
}
