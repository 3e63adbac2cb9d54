//go:build linux

package netns

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The router network NewRouter builds: the LAN side (the namespace given,
// usually InFresh's, where the test runs) is 192.168.77.2/24 on lan0 with
// its default route through the router, 192.168.77.1 on rlan0; the router's
// WAN is wan0 (its veth peer wan1 stays in the router namespace, up).
const (
	RouterLAN     = "192.168.77.1"
	RouterLANHost = "192.168.77.2"
	// RouterDescription is the UPnP IGD description miniupnpd serves.
	RouterDescription = "http://" + RouterLAN + ":5000/rootDesc.xml"
)

// Router is a home router in a namespace of its own and, once started,
// Debian's miniupnpd serving UPnP IGD, NAT-PMP and PCP on its LAN side.
type Router struct {
	*Namespace
	t   testing.TB
	dir string
	cmd *exec.Cmd
	out *Output
}

// NewRouter builds the router namespace with wan (as "11.22.33.44") on its
// WAN interface wan0 and links it to lan, whose loopback it sets up and
// whose default route then goes through the router.
func NewRouter(t testing.TB, lan *Namespace, wan string) *Router {
	t.Helper()
	r := &Router{Namespace: New(t), t: t, dir: t.TempDir()}
	lan.LinkUp("lo") // InFresh's loopback starts down; local delivery needs it
	lan.AddVeth("lan0", "rlan0")
	lan.IP("link", "set", "rlan0", "netns", r.Name())
	lan.AddAddr("lan0", RouterLANHost+"/24")
	lan.LinkUp("lan0")
	lan.IP("route", "add", "default", "via", RouterLAN)
	r.AddVeth("wan0", "wan1")
	r.AddAddr("wan0", wan+"/24")
	r.LinkUp("wan0")
	r.LinkUp("wan1")
	r.AddAddr("rlan0", RouterLAN+"/24")
	r.LinkUp("rlan0")
	return r
}

// MiniupnpdPath finds miniupnpd; without it the test cannot run: a failure
// under CI=true (.ci/run installs it), a skip elsewhere.
func MiniupnpdPath(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"miniupnpd", "/usr/sbin/miniupnpd"} {
		if full, err := exec.LookPath(p); err == nil {
			return full
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("cannot run: miniupnpd is not installed (apt-get install miniupnpd); under CI=true every test must run")
	}
	t.Skip("miniupnpd is not installed (apt-get install miniupnpd)")
	return ""
}

// Start runs miniupnpd in the router namespace and waits until it serves
// NAT-PMP (its last start-up step); it is stopped when the test ends.
func (r *Router) Start() {
	r.t.Helper()
	bin := MiniupnpdPath(r.t)
	conf := filepath.Join(r.dir, "miniupnpd.conf")
	cfg := strings.Join([]string{
		"ext_ifname=wan0",
		"listening_ip=rlan0",
		"port=5000",
		"enable_natpmp=yes",
		"enable_upnp=yes",
		"uuid=3d3cec3a-8cf0-11e0-98ee-001a6bd2d07b",
		"allow 1024-65535 192.168.77.0/24 1024-65535",
		"deny 0-65535 0.0.0.0/0 0-65535",
	}, "\n") + "\n"
	if err := os.WriteFile(conf, []byte(cfg), 0o600); err != nil {
		r.t.Fatal(err)
	}
	argv := r.Wrap(bin, "-d", "-f", conf, "-P", filepath.Join(r.dir, "miniupnpd.pid"))
	r.cmd = exec.Command(argv[0], argv[1:]...)
	r.out = newOutput()
	r.cmd.Stdout, r.cmd.Stderr = r.out, r.out
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("starting miniupnpd: %v", err)
	}
	r.t.Cleanup(r.Stop)
	if !r.out.Wait("Listening for NAT-PMP/PCP traffic", 10*time.Second) {
		r.t.Fatalf("miniupnpd did not start serving NAT-PMP within 10s:\n%s", r.out)
	}
}

// WaitLog waits until miniupnpd's output holds text n times, for at most
// within, and reports whether it did.
func (r *Router) WaitLog(text string, n int, within time.Duration) bool {
	return r.out != nil && r.out.WaitCount(text, n, within)
}

// Log is what miniupnpd wrote so far (for a failing test's message).
func (r *Router) Log() string {
	if r.out == nil {
		return "(miniupnpd not started)"
	}
	return r.out.String()
}

// Stop ends miniupnpd (SIGTERM, then SIGKILL after 5 s) and waits for it;
// a failed test gets its log.
func (r *Router) Stop() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	cmd := r.cmd
	r.cmd = nil
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		<-done
	}
	if r.t.Failed() {
		r.t.Logf("miniupnpd's log:\n%s", r.out)
	}
}

// Output collects a process's output and lets a test wait for a line.
type Output struct {
	mu   sync.Mutex
	buf  strings.Builder
	more chan struct{}
}

func newOutput() *Output { return &Output{more: make(chan struct{})} }

// Write appends p and wakes waiters.
func (l *Output) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	close(l.more)
	l.more = make(chan struct{})
	return len(p), nil
}

// String is everything written so far.
func (l *Output) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Wait reports whether s appears in the output within d.
func (l *Output) Wait(s string, d time.Duration) bool { return l.WaitCount(s, 1, d) }

// WaitCount reports whether s appears n times in the output within d.
func (l *Output) WaitCount(s string, n int, d time.Duration) bool {
	deadline := time.After(d)
	for {
		l.mu.Lock()
		has, more := strings.Count(l.buf.String(), s) >= n, l.more
		l.mu.Unlock()
		if has {
			return true
		}
		select {
		case <-more:
		case <-deadline:
			return false
		}
	}
}
