//go:build chaos && linux

package chaos

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/providers/providertest"
)

// netns is a network namespace the test created with `ip netns add`.
type netns struct {
	t    *testing.T
	name string
}

func newNetns(t *testing.T) *netns {
	t.Helper()
	if _, err := exec.LookPath("ip"); err != nil {
		skipf(t, "the ip command (iproute2) is not installed")
	}
	n := &netns{t: t, name: fmt.Sprintf("ddnschaos%d", os.Getpid())}
	if out, err := exec.Command("ip", "netns", "add", n.name).CombinedOutput(); err != nil {
		skipf(t, "cannot create a network namespace: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", n.name).Run() })
	n.ip("link", "set", "lo", "up")
	return n
}

// ip runs `ip -n NAME args...`.
func (n *netns) ip(args ...string) {
	n.t.Helper()
	if out, err := exec.Command("ip", append([]string{"-n", n.name}, args...)...).CombinedOutput(); err != nil {
		n.t.Fatalf("ip -n %s %s: %v: %s", n.name, strings.Join(args, " "), err, out)
	}
}

// listen opens a TCP listener on the namespace's loopback. A socket keeps
// the namespace it was created in, so one OS thread switches in, creates
// it, and switches back.
func (n *netns) listen() (net.Listener, error) {
	type result struct {
		ln  net.Listener
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{err: err}
			return
		}
		defer orig.Close()
		target, err := os.Open(filepath.Join("/var/run/netns", n.name))
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{err: err}
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			ch <- result{err: fmt.Errorf("setns into %s: %w", n.name, err)}
			return
		}
		ln, lerr := net.Listen("tcp", "127.0.0.1:0")
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			// The thread stays in the namespace: keep it locked so it
			// ends with this goroutine instead of running other code.
			if ln != nil {
				ln.Close()
			}
			ch <- result{err: fmt.Errorf("setns back to the test's namespace: %w", err)}
			return
		}
		runtime.UnlockOSThread()
		ch <- result{ln, lerr}
	}()
	r := <-ch
	return r.ln, r.err
}

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
	needRoot(t, "create a network namespace")
	ns := newNetns(t)
	const token = "chaos-token-netns"
	cf := providertest.NewCloudflare(token, "example.com")
	t.Cleanup(cf.Close)
	ln, err := ns.listen()
	if err != nil {
		skipf(t, "cannot listen inside the namespace: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	go forward(ln, strings.TrimPrefix(cf.URL, "http://"))
	target := ln.Addr().String()

	s := newSup(t)
	s.wrap = []string{"ip", "netns", "exec", ns.name}
	writeAddr := func(a string) {
		if err := os.WriteFile(filepath.Join(s.dir, "addr"), []byte(a+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeAddr("192.0.2.31")
	s.write(fmt.Sprintf(`[supervisor]
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
[providers.cf]
type = "cloudflare"
api_token = %q
endpoint = "http://%s"
[[records]]
provider = "cf"
zone = "example.com"
name = "home"
`, target, token, target))
	s.start()
	st := s.waitFor("the child to publish through the namespace's loopback", 20*time.Second, func(st ipc.Status) bool {
		return running(st) && len(st.Records) == 1 && st.Records[0].Address == "192.0.2.31" && st.Records[0].Error == ""
	})
	if st.Supervisor.PID != s.cmd.Process.Pid {
		t.Fatalf("status answered by pid %d, want the supervisor started in the namespace (%d)", st.Supervisor.PID, s.cmd.Process.Pid)
	}
	if got := cf.Lookup("home.example.com", "A"); len(got) != 1 || got[0] != "192.0.2.31" {
		t.Fatalf("the provider holds %v, want [192.0.2.31]", got)
	}
	first := st.Child.PID

	// The network goes away; the address changes meanwhile.
	ns.ip("link", "set", "lo", "down")
	writeAddr("192.0.2.32")
	if out, code := s.cli("update-now", "--socket", s.socket); code != 0 {
		t.Fatalf("update-now: exit %d\n%s", code, out)
	}
	st = s.waitFor("waiting-network after the pass failed offline", 30*time.Second, func(st ipc.Status) bool {
		return st.Child.State == "waiting-network"
	})
	if st.Network.Ready {
		t.Errorf("network shown ready while lo is down: %+v", st.Network)
	}
	if st.Child.LastExit == nil || st.Child.LastExit.Code != int(ipc.ExitNetwork) {
		t.Errorf("last exit %+v, want code %d (network unreachable)", st.Child.LastExit, ipc.ExitNetwork)
	}
	if !gone(first) {
		t.Errorf("the first child %d still exists while the supervisor waits for the network", first)
	}

	// Back: the probe passes and a new child publishes the new address.
	ns.ip("link", "set", "lo", "up")
	st = s.waitFor("a new child once the network is back", 20*time.Second, func(st ipc.Status) bool {
		return running(st) && st.Child.PID != first && len(st.Records) == 1 && st.Records[0].Address == "192.0.2.32" && st.Records[0].Error == ""
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
