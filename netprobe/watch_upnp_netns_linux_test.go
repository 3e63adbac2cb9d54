package netprobe

import (
	"context"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ddnsd/ddns/testsupport/netns"
)

// TestUPnPEventsNetns: subscribed to a real miniupnpd's WANIPConnection
// events, the watch hears the address miniupnpd sends on subscription; a
// WAN address removed on the router's side (miniupnpd announces 0.0.0.0)
// sends an event, and the address added after it is heard; a NOTIFY with the right SID but from another LAN address has
// its connection closed unanswered and announces nothing.
func TestUPnPEventsNetns(t *testing.T) {
	lan := netns.InFresh(t)
	if lan == nil {
		return
	}
	r := netns.NewRouter(t, lan, "11.22.33.44")
	r.Start()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	heard := make(chan netip.Addr, 16)
	w := newUPnPWatch(nil, routerDesc)
	w.heard = func(a netip.Addr) { heard <- a }
	go w.run(ctx)

	waitHeard := func(want string, within time.Duration) {
		t.Helper()
		deadline := time.After(within)
		for {
			select {
			case a := <-heard:
				t.Logf("heard %v", a)
				if a == netip.MustParseAddr(want) {
					return
				}
			case <-deadline:
				t.Fatalf("no UPnP event announcing %s within %v\nminiupnpd:\n%s", want, within, r.Log())
			}
		}
	}
	waitEvent := func() {
		t.Helper()
		select {
		case _, ok := <-w.ch:
			if !ok {
				t.Fatal("the channel closed instead of reporting the event")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no event was sent")
		}
	}
	waitHeard("11.22.33.44", 5*time.Second) // the NOTIFY sent on subscription
	waitEvent()

	// A LAN device (the test itself, 192.168.77.2) that knows the SID.
	w.mu.Lock()
	callback, sid := w.callback, w.sid
	w.mu.Unlock()
	req, _ := http.NewRequest("NOTIFY", callback, strings.NewReader(propertyset("11.22.33.66")))
	req.Header.Set("SID", sid)
	req.Header.Set("NT", "upnp:event")
	req.Header.Set("NTS", "upnp:propchange")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("a NOTIFY from another LAN address got HTTP %d; want the connection closed unanswered", resp.StatusCode)
	} else {
		t.Logf("a NOTIFY from another LAN address: %v", err)
	}

	// miniupnpd sends no NOTIFY of its own for a change while one to this
	// subscriber is in flight, so each step waits for the last one's answer.
	if !r.WaitLog("upnp_event_recv", 1, 5*time.Second) {
		t.Fatalf("miniupnpd's first NOTIFY was not answered within 5s\n%s", r.Log())
	}
	r.DelAddr("wan0", "11.22.33.44/24")
	waitEvent() // 0.0.0.0: the WAN between addresses runs a pass
	if !r.WaitLog("upnp_event_recv", 2, 5*time.Second) {
		t.Fatalf("miniupnpd's NOTIFY of the lost address was not answered within 5s\n%s", r.Log())
	}
	start := time.Now()
	r.AddAddr("wan0", "11.22.33.55/24")
	deadline := time.After(15 * time.Second) // a failure guard; the latency is logged
	for got := false; !got; {
		select {
		case a := <-heard:
			if a == netip.MustParseAddr("11.22.33.66") {
				t.Fatal("the NOTIFY from another LAN address was taken")
			}
			t.Logf("heard %v, %v after the change", a, time.Since(start))
			got = a == netip.MustParseAddr("11.22.33.55")
		case <-deadline:
			t.Fatalf("no UPnP event of 11.22.33.55 within 15s of the WAN change\n%s", r.Log())
		}
	}
	waitEvent()
	cancel()
	for range w.ch {
	}
}

// TestUPnPEventsResubscribeNetns: the watch renews its subscription (the
// same SID, no new subscription), and when miniupnpd restarts and forgets
// the SID, the failed renewal makes it subscribe anew, after which a WAN
// change is heard again.
func TestUPnPEventsResubscribeNetns(t *testing.T) {
	lan := netns.InFresh(t)
	if lan == nil {
		return
	}
	r := netns.NewRouter(t, lan, "11.22.33.44")
	r.Start()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type sub struct {
		sid     string
		renewal bool
	}
	subs := make(chan sub, 64)
	heard := make(chan netip.Addr, 16)
	w := newUPnPWatch(nil, routerDesc)
	w.heard = func(a netip.Addr) { heard <- a }
	w.renew = func(time.Duration) time.Duration { return 50 * time.Millisecond }
	w.retry = 50 * time.Millisecond
	w.onSub = func(sid string, renewal bool) {
		select {
		case subs <- sub{sid, renewal}:
		default:
		}
	}
	go w.run(ctx)
	next := func() sub {
		t.Helper()
		select {
		case s := <-subs:
			return s
		case <-time.After(5 * time.Second):
			t.Fatalf("no subscription or renewal within 5s\n%s", r.Log())
			return sub{}
		}
	}
	first := next()
	if first.renewal {
		t.Fatalf("the first grant is a renewal: %+v", first)
	}
	for range 3 {
		if s := next(); !s.renewal || s.sid != first.sid {
			t.Fatalf("got %+v; want a renewal of %s", s, first.sid)
		}
	}
	r.Stop()
	r.Start()
	var again sub
	for again = next(); again.renewal; again = next() {
		// renewals granted before the restart
	}
	// miniupnpd numbers its SIDs from start-up, so the new one may read
	// like the old; what counts is that a new subscription was granted.
	t.Logf("SID %s, then %s after miniupnpd's restart", first.sid, again.sid)
	for len(heard) > 0 {
		<-heard
	}
	// As in TestUPnPEventsNetns, each step waits for miniupnpd's last
	// NOTIFY to be answered (its output starts anew with the restart).
	if !r.WaitLog("upnp_event_recv", 1, 5*time.Second) {
		t.Fatalf("miniupnpd's first NOTIFY to the new subscription was not answered within 5s\n%s", r.Log())
	}
	r.DelAddr("wan0", "11.22.33.44/24")
	if !r.WaitLog("upnp_event_recv", 2, 5*time.Second) {
		t.Fatalf("miniupnpd's NOTIFY of the lost address was not answered within 5s\n%s", r.Log())
	}
	start := time.Now()
	r.AddAddr("wan0", "11.22.33.55/24")
	deadline := time.After(15 * time.Second) // a failure guard; the latency is logged
	for {
		select {
		case a := <-heard:
			if a == netip.MustParseAddr("11.22.33.55") {
				t.Logf("heard %v, %v after the change", a, time.Since(start))
				return
			}
		case <-deadline:
			t.Fatalf("no UPnP event of 11.22.33.55 within 15s of the WAN change after re-subscribing\n%s", r.Log())
		}
	}
}
