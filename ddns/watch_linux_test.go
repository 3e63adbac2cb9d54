package ddns

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/ipc"
	"github.com/hashicorp/go-hclog"

	"github.com/ddnsd/ddns/testsupport/netns"
)

// TestAddressChangeTriggersPass adds an address to an interface and expects
// the provider to be set to it at once, long before the hour-long interval.
func TestAddressChangeTriggersPass(t *testing.T) {
	ns := netns.InFresh(t)
	if ns == nil {
		return
	}
	ns.LinkUp("lo")
	ns.AddVeth("v0", "v1")
	ns.AddAddr("v0", "10.1.1.1/24")
	ns.LinkUp("v0")
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
	ns.AddAddr("v0", "11.22.33.55/24") // public: preferred over the private one
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
