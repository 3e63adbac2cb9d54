package ddns

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/ipc"
	"github.com/hashicorp/go-hclog"
)

const inNetnsEnv = "DDNS_TEST_IN_NETNS"

// inFreshNetns re-runs the calling test under `unshare -n` and returns true
// in that child, where the test body runs with a network of its own.
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
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "latency") {
			t.Log(strings.TrimSpace(l))
		}
	}
	return false
}

func ipCmd(t testing.TB, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestAddressChangeTriggersPass adds an address to an interface and expects
// the provider to be set to it at once, long before the hour-long interval.
func TestAddressChangeTriggersPass(t *testing.T) {
	if !inFreshNetns(t) {
		return
	}
	ipCmd(t, "link", "set", "lo", "up")
	ipCmd(t, "link", "add", "v0", "type", "veth", "peer", "name", "v1")
	ipCmd(t, "addr", "add", "10.1.1.1/24", "dev", "v0")
	ipCmd(t, "link", "set", "v0", "up")
	cfg, err := configs.Parse("netns.toml", []byte(`
[updater]
interval = "1h"
watch_interfaces = true
[ip]
v4 = [{ type = "interface", name = "v0" }]
allow_private = true
[providers.acct]
type = "fake"
[[records]]
provider = "acct"
zone = "example.com"
name = "home"
`), configs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	prov := newFakeProvider()
	prov.setCh = make(chan netip.Addr, 10)
	eng, err := New(cfg, Options{Registry: fakeRegistry(map[string]*fakeProvider{"acct": prov}),
		StatePath: filepath.Join(t.TempDir(), "s.json"), Logger: hclog.New(&hclog.LoggerOptions{Output: os.Stderr, Level: hclog.Info})})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan ipc.ExitCode, 1)
	go func() { done <- eng.Run(ctx, RunOptions{Notify: func(string) (bool, error) { return false, nil }}) }()
	expect := func(want string, since time.Time) time.Duration {
		t.Helper()
		deadline := time.After(5 * time.Second)
		for {
			select {
			case a := <-prov.setCh:
				if a == netip.MustParseAddr(want) {
					return time.Since(since)
				}
			case <-deadline:
				t.Fatalf("no Set of %s within 5s", want)
			}
		}
	}
	expect("10.1.1.1", time.Now())
	start := time.Now()
	ipCmd(t, "addr", "add", "11.22.33.55/24", "dev", "v0") // public: preferred over the private one
	lat := expect("11.22.33.55", start)
	t.Logf("latency from `ip addr add` to the provider's Set: %s (debounce %s)", lat.Round(time.Millisecond), WatchDebounce)
	if lat > time.Second {
		t.Errorf("the change took %s to reach the provider; want well under a second", lat)
	}
	cancel()
	if code := <-done; code != ipc.ExitOK {
		t.Fatalf("exit %d", code)
	}
}
