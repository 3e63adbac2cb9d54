package netprobe

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// inNetnsEnv marks a test binary re-executed inside a fresh network namespace.
const inNetnsEnv = "NETPROBE_IN_NETNS"

// inFreshNetns runs test (this very test function) again under `unshare -n`,
// so it can add interfaces and addresses without touching the host's
// network. It returns true in the child, where the test body should run.
func inFreshNetns(t *testing.T) bool {
	t.Helper()
	if os.Getenv(inNetnsEnv) == t.Name() {
		return true
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a network namespace (unshare -n)")
	}
	for _, tool := range []string{"unshare", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s (util-linux, iproute2): %v", tool, err)
		}
	}
	cmd := exec.Command("unshare", "-n", os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), inNetnsEnv+"="+t.Name())
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: "+t.Name())) {
		t.Fatalf("in a fresh network namespace: %v\n%s", err, out)
	}
	t.Logf("child in a fresh network namespace:\n%s", out)
	return false
}

// ip runs an iproute2 command, failing the test when it fails.
func ip(t testing.TB, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func TestInterfaceSourceNetns(t *testing.T) {
	if !inFreshNetns(t) {
		return
	}
	// A veth pair whose peer stays down: v0 has no carrier, so an address
	// added without nodad stays tentative for as long as the test runs.
	ip(t, "link", "add", "v0", "type", "veth", "peer", "name", "v1")
	ip(t, "link", "set", "v0", "up")
	ip(t, "addr", "add", "2001:4860:1::5/64", "dev", "v0", "nodad")                       // stable global: the answer
	ip(t, "addr", "add", "2001:4860:1::3/64", "dev", "v0", "nodad", "preferred_lft", "0") // deprecated
	ip(t, "addr", "add", "2001:4860:1::2/64", "dev", "v0")                                // tentative
	ip(t, "addr", "add", "fe80::1/64", "dev", "v0", "nodad")                              // link-local
	ip(t, "addr", "add", "fd00::1/64", "dev", "v0", "nodad")                              // ULA
	ip(t, "addr", "add", "10.1.1.1/24", "dev", "v0")
	ip(t, "addr", "add", "11.22.33.44/24", "dev", "v0")

	src := NewInterfaceSource("v0")
	a, err := src.Detect(context.Background(), IPv6)
	if err != nil || a != netip.MustParseAddr("2001:4860:1::5") {
		out, _ := exec.Command("ip", "addr", "show", "v0").CombinedOutput()
		t.Fatalf("IPv6: %v, %v; want the stable global 2001:4860:1::5\n%s", a, err, out)
	}
	// Same answer every time.
	for range 3 {
		if b, _ := src.Detect(context.Background(), IPv6); b != a {
			t.Fatalf("the choice changed: %v then %v", a, b)
		}
	}
	if a, err := src.Detect(context.Background(), IPv4); err != nil || a != netip.MustParseAddr("11.22.33.44") {
		t.Fatalf("IPv4: %v, %v; want the public 11.22.33.44", a, err)
	}
	// Without the stable global, only the skipped ones and the ULA remain.
	ip(t, "addr", "del", "2001:4860:1::5/64", "dev", "v0")
	if a, err := src.Detect(context.Background(), IPv6); err != nil || a != netip.MustParseAddr("fd00::1") {
		t.Fatalf("without the global: %v, %v; want the ULA", a, err)
	}
	ip(t, "addr", "del", "fd00::1/64", "dev", "v0")
	_, err = src.Detect(context.Background(), IPv6)
	for _, want := range []string{"2001:4860:1::3 deprecated", "2001:4860:1::2 tentative", "fe80::1 not global"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("err = %v; want it to mention %q", err, want)
		}
	}
	if _, err := NewInterfaceSource("nosuch0").Detect(context.Background(), IPv4); err == nil || !strings.Contains(err.Error(), "v0") {
		t.Fatalf("unknown interface: %v; want a list of the real ones", err)
	}
}

func TestWatchAddressesNetns(t *testing.T) {
	if !inFreshNetns(t) {
		return
	}
	ip(t, "link", "add", "v0", "type", "veth", "peer", "name", "v1")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := WatchAddresses(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
		t.Fatal("an event before any change")
	default:
	}
	start := time.Now()
	ip(t, "addr", "add", "11.22.33.44/24", "dev", "v0")
	select {
	case _, ok := <-ch:
		if !ok {
			t.Fatal("the channel closed instead of reporting the change")
		}
		t.Logf("event %v after starting `ip addr add`", time.Since(start))
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s of adding an address")
	}
	ip(t, "link", "set", "v0", "up")
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s of a link change")
	}
	cancel()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("the channel was not closed after ctx was cancelled")
		}
	}
}
