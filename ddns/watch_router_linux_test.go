package ddns

import (
	"context"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/testsupport/netns"
)

// TestRouterAnnouncementTriggersPass: the WAN address changed on the
// router's side (a real miniupnpd in a router namespace) reaches the
// provider through the router's NAT-PMP announcement, long before the
// hour-long interval. The deadline is a failure guard, not the latency
// target: the latency (about 0.2 s, the debounce) is logged, and a loaded
// CI machine once took over a second.
func TestRouterAnnouncementTriggersPass(t *testing.T) {
	lan := netns.InFresh(t)
	if lan == nil {
		return
	}
	r := netns.NewRouter(t, lan, "11.22.33.44")
	r.Start()
	cfg, err := configs.Parse("router.toml", []byte(`
[updater]
interval = "1h"
watch_interfaces = true
[ip]
v4 = [{ type = "natpmp" }]
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
	expect := func(want string, since time.Time, within time.Duration) time.Duration {
		t.Helper()
		deadline := time.After(within)
		for {
			select {
			case a := <-prov.setCh:
				if a == netip.MustParseAddr(want) {
					return time.Since(since)
				}
			case <-deadline:
				t.Fatalf("no Set of %s within %v\n%s", want, within, r.Log())
			}
		}
	}
	expect("11.22.33.44", time.Now(), 5*time.Second)
	start := time.Now()
	r.DelAddr("wan0", "11.22.33.44/24")
	r.AddAddr("wan0", "11.22.33.55/24")
	lat := expect("11.22.33.55", start, 15*time.Second)
	t.Logf("from the WAN change to the provider's Set: %s (debounce %s)", lat.Round(time.Millisecond), WatchDebounce)
	cancel()
	if code := <-done; code != ipc.ExitOK {
		t.Fatalf("exit %d", code)
	}
}

// TestUPnPEventTriggersPass: with a upnp source, the WAN address changed on
// the router's side reaches the provider through miniupnpd's UPnP event
// (GENA NOTIFY) alone, long before the hour-long interval (the deadline is
// a failure guard; the latency is logged): the NAT-PMP announcement
// watch is replaced by one that never fires.
func TestUPnPEventTriggersPass(t *testing.T) {
	lan := netns.InFresh(t)
	if lan == nil {
		return
	}
	r := netns.NewRouter(t, lan, "11.22.33.44")
	r.Start()
	cfg, err := configs.Parse("router.toml", []byte(`
[updater]
interval = "1h"
watch_interfaces = true
[ip]
v4 = [{ type = "upnp", url = "`+netns.RouterDescription+`" }]
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
	subscribed := make(chan struct{}, 4)
	logOut := io.MultiWriter(os.Stderr, lineHook{"subscribed to the router's UPnP events", subscribed})
	eng, err := New(cfg, Options{Registry: fakeRegistry(map[string]*fakeProvider{"acct": prov}),
		StatePath: filepath.Join(t.TempDir(), "s.json"), Logger: hclog.New(&hclog.LoggerOptions{Output: logOut, Level: hclog.Info})})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan ipc.ExitCode, 1)
	silent := func(ctx context.Context, _ hclog.Logger) (<-chan struct{}, error) {
		ch := make(chan struct{})
		context.AfterFunc(ctx, func() { close(ch) })
		return ch, nil
	}
	go func() {
		done <- eng.Run(ctx, RunOptions{Notify: func(string) (bool, error) { return false, nil }, WatchRouter: silent})
	}()
	expect := func(want string, since time.Time, within time.Duration) time.Duration {
		t.Helper()
		deadline := time.After(within)
		for {
			select {
			case a := <-prov.setCh:
				if a == netip.MustParseAddr(want) {
					return time.Since(since)
				}
			case <-deadline:
				t.Fatalf("no Set of %s within %v\n%s", want, within, r.Log())
			}
		}
	}
	expect("11.22.33.44", time.Now(), 5*time.Second)
	// A change before the subscription exists would be missed.
	select {
	case <-subscribed:
	case <-time.After(5 * time.Second):
		t.Fatalf("the updater did not subscribe to the router's UPnP events within 5s\n%s", r.Log())
	}
	// miniupnpd sends the new subscription its first NOTIFY now. A change
	// while that one is in flight is not sent on its own (a CI run's log:
	// "should send external iface address change notification(s)" twice,
	// then only the first NOTIFY's answer), so the change waits for it.
	if !r.WaitLog("upnp_event_recv", 1, 5*time.Second) {
		t.Fatalf("miniupnpd's first NOTIFY to the subscription was not answered within 5s\n%s", r.Log())
	}
	start := time.Now()
	r.DelAddr("wan0", "11.22.33.44/24")
	r.AddAddr("wan0", "11.22.33.55/24")
	lat := expect("11.22.33.55", start, 15*time.Second)
	t.Logf("from the WAN change to the provider's Set: %s (debounce %s)", lat.Round(time.Millisecond), WatchDebounce)
	cancel()
	if code := <-done; code != ipc.ExitOK {
		t.Fatalf("exit %d", code)
	}
}

// lineHook signals on ch each time a write contains line (hclog writes a
// log line in one call).
type lineHook struct {
	line string
	ch   chan<- struct{}
}

func (h lineHook) Write(p []byte) (int, error) {
	if strings.Contains(string(p), h.line) {
		select {
		case h.ch <- struct{}{}:
		default:
		}
	}
	return len(p), nil
}
