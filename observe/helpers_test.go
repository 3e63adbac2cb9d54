package observe

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ddnsd/ddns/clock/clocktest"
	"github.com/ddnsd/ddns/ipc"
	"github.com/hashicorp/go-hclog"
)

// fakeSupervisor hands out a status document and a clock the test controls:
// now is where the clock starts, and set moves it.
type fakeSupervisor struct {
	mu    sync.Mutex
	st    ipc.Status
	now   time.Time
	clock *clocktest.Fake // made by startServer
}

func (f *fakeSupervisor) Status() ipc.Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st
}

func (f *fakeSupervisor) set(fn func(st *ipc.Status, now *time.Time)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(&f.st, &f.now)
	if f.clock != nil {
		f.clock.Set(f.now)
	}
}

// startServer listens with o (filling Status and Clock from f when unset),
// serves until the test ends, and returns the base URL.
func startServer(t *testing.T, o Options, f *fakeSupervisor) (*Server, string) {
	t.Helper()
	if o.Listen == "" {
		o.Listen = "127.0.0.1:0"
	}
	if o.Status == nil {
		o.Status = f.Status
	}
	if o.Clock == nil && f != nil {
		f.mu.Lock()
		f.clock = clocktest.New(f.now)
		f.mu.Unlock()
		o.Clock = f.clock
	}
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	s, err := Listen(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve returned %v after cancel", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Serve did not return after cancel")
		}
	})
	return s, "http://" + s.Addr().String()
}

// get performs one request and returns the status code and body.
func get(t *testing.T, method, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// healthyStatus is a running child, a ready network and one record synced at now.
func healthyStatus(now time.Time) ipc.Status {
	return ipc.Status{
		Supervisor: ipc.SupervisorStatus{PID: 10, Version: "test", ConfigPath: "/etc/ddns/config.toml"},
		Child:      ipc.ChildStatus{State: "running", PID: 11, UptimeSeconds: 3600},
		Network:    ipc.NetworkStatus{Ready: true, Checks: []ipc.CheckStatus{{Kind: "tcp", Target: "1.1.1.1:443", OK: true, LatencyMS: 12}}},
		Records: []ipc.RecordStatus{
			{Name: "home.example.com", Type: "A", Address: "203.0.113.7", SyncedAt: ipc.TimeOf(now)},
		},
		Events: []ipc.EventStatus{{At: ipc.TimeOf(now), Kind: "started", Detail: "pid 11"}},
	}
}
