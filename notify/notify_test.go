package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ddnsd/ddns/clock/clocktest"
	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/ipc"
	"github.com/hashicorp/go-hclog"
)

// TestRetriesThroughFailureAndHang: the receiver answers 500, then hangs,
// then recovers. Every event arrives exactly once with a 2xx, in order, and
// the first one took three attempts.
func TestRetriesThroughFailureAndHang(t *testing.T) {
	rc := newReceiver(t, func(n int, _ *http.Request) int {
		switch n {
		case 1:
			return 500
		case 2:
			return hang
		}
		return 200
	})
	e := webhook(rc.srv.URL + "/hook")
	e.Timeout.Duration = 200 * time.Millisecond
	n := New([]configs.Notify{e}, hclog.NewNullLogger(), WithBackoff(fastBackoff))
	run(t, n)

	want := []string{KindAddressChanged, KindUpdateFailed, KindUpdateRecovered}
	for _, k := range want {
		n.Notify(Event{Kind: k, Record: "home.example.com", Type: "A"})
	}
	var got []received
	for range want {
		got = append(got, rc.waitOK())
	}
	// A barrier: the queue is first in, first out, so once this arrives no
	// retry of an earlier event can still be pending.
	n.Notify(Event{Kind: KindChildRestarted, ID: "barrier"})
	if b := rc.waitOK(); b.ID != "barrier" {
		t.Fatalf("after the three events came %+v", b)
	}
	for i, r := range got {
		if r.Kind != want[i] {
			t.Errorf("delivery %d is %s, want %s", i, r.Kind, want[i])
		}
		if c := rc.okCount(r.ID); c != 1 {
			t.Errorf("event %s (%s) was delivered %d times", r.ID, r.Kind, c)
		}
	}
	all := rc.requests()
	if len(all) != 6 || all[0].ID != all[1].ID || all[1].ID != all[2].ID || all[0].Status != 500 || all[1].Status != hang {
		t.Errorf("requests: %+v", all)
	}
}

// TestObserveReportEndToEnd: many identical reports reach the receiver as
// one notification per transition.
func TestObserveReportEndToEnd(t *testing.T) {
	rc := newReceiver(t, func(n int, _ *http.Request) int {
		if n == 1 {
			return 503
		}
		return 204
	})
	now := time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)
	clk := clocktest.New(now)
	n := New([]configs.Notify{webhook(rc.srv.URL)}, hclog.NewNullLogger(), WithBackoff(fastBackoff), WithClock(clk))
	run(t, n)
	rec := ipc.RecordStatus{Name: "home.example.com", Type: "A", Provider: "home", Address: "203.0.113.1",
		SyncedAt: ipc.TimeOf(now.Add(-time.Minute)), ChangedAt: ipc.TimeOf(now.Add(-time.Hour))}
	send := func(r ipc.RecordStatus, times int) {
		for i := 0; i < times; i++ {
			n.ObserveReport(ipc.Report{PID: 7, At: now, Records: []ipc.RecordStatus{r}})
			n.ObserveReport(ipc.Report{PID: 7, At: now}) // heartbeat between passes
		}
	}
	send(rec, 20) // baseline: nothing to say
	bad := rec
	bad.Error = "cloudflare: 500 Internal Server Error"
	send(bad, 50)
	send(rec, 50)
	moved := rec
	moved.Address, moved.ChangedAt = "203.0.113.9", ipc.TimeOf(now)
	send(moved, 50)
	n.Notify(Event{Kind: KindChildRestarted, ID: "barrier"})

	// The first attempt is answered 503: the retry waits on the fake clock.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := clk.WaitForTimers(ctx, 1); err != nil {
		t.Fatalf("no retry was scheduled after the 503: %v", err)
	}
	clk.Advance(fastBackoff(1))

	var got []received
	for {
		r := rc.waitOK()
		if r.ID == "barrier" {
			break
		}
		got = append(got, r)
	}
	if k := kinds(got); k != "update-failed,update-recovered,address-changed" {
		t.Fatalf("notifications: %s", k)
	}
	for _, r := range got {
		if c := rc.okCount(r.ID); c != 1 {
			t.Errorf("%s delivered %d times", r.Kind, c)
		}
	}
	var body map[string]string
	if err := json.Unmarshal([]byte(got[2].Body), &body); err != nil {
		t.Fatal(err)
	}
	if body["event"] != "address-changed" || body["old_address"] != "203.0.113.1" || body["new_address"] != "203.0.113.9" ||
		body["record"] != "home.example.com" || body["provider"] != "home" || body["id"] != got[2].ID || body["time"] != "2026-11-03T12:00:00Z" {
		t.Errorf("default body: %s", got[2].Body)
	}
	if ct := got[2].Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
}

// TestNotifyNeverBlocks: with the receiver hanging and the queue full,
// Notify still returns at once, dropping the oldest with a log line.
func TestNotifyNeverBlocks(t *testing.T) {
	busy := make(chan struct{})
	rc := newReceiver(t, func(n int, _ *http.Request) int {
		if n == 1 {
			close(busy)
		}
		return hang
	})
	e := webhook(rc.srv.URL)
	e.Timeout.Duration = time.Minute
	e.QueueSize = 4
	logs := newLogCapture("queue full")
	clk := clocktest.New(time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC))
	n := New([]configs.Notify{e}, logs.logger(), WithBackoff(fastBackoff), WithClock(clk))
	run(t, n)

	// First make the worker busy with a request that hangs.
	n.Notify(Event{Kind: KindCrashLoop})
	select {
	case <-busy:
	case <-time.After(10 * time.Second):
		t.Fatal("the first notification never reached the receiver")
	}
	const calls = 2000
	done := make(chan time.Duration, 1)
	go func() {
		var worst time.Duration
		for i := 0; i < calls; i++ {
			start := time.Now()
			n.Notify(Event{Kind: KindUpdateFailed, Record: "r", Error: "x"})
			worst = max(worst, time.Since(start))
		}
		done <- worst
	}()
	select {
	case worst := <-done:
		t.Logf("%d Notify calls against a hanging receiver; slowest call %v", calls, worst)
	case <-time.After(10 * time.Second):
		t.Fatal("Notify blocked")
	}
	line := logs.wait(t)
	if !strings.Contains(line, "dropped the oldest notification") || !strings.Contains(line, "queue_size=4") || !strings.Contains(line, "also_dropped=0") {
		t.Errorf("log line: %s", line)
	}
	// Within the same second the drops are counted, not logged one by one;
	// the next line, a second later, says how many there were.
	if c := strings.Count(logs.String(), "queue full"); c != 1 {
		t.Errorf("%d queue-full lines in one second, want 1", c)
	}
	clk.Advance(time.Second)
	n.Notify(Event{Kind: KindUpdateFailed, Record: "r", Error: "x"})
	// The flood dropped calls-4 (the queue keeps four): the first was
	// logged, the other calls-5 are counted in this line.
	if line := logs.wait(t); !strings.Contains(line, fmt.Sprintf("also_dropped=%d", calls-5)) {
		t.Errorf("second line: %s", line)
	}
	n.sinks[0].mu.Lock()
	q := len(n.sinks[0].queue)
	n.sinks[0].mu.Unlock()
	if q != 4 {
		t.Errorf("queue holds %d, want its size 4", q)
	}
}

// TestSecretsStayOutOfLogs: URLs with a user and password, a query token or
// a secret path (a chat webhook), a receiver that fails, one that refuses
// connections and a ping: the log never shows the secrets.
func TestSecretsStayOutOfLogs(t *testing.T) {
	rc := newReceiver(t, func(int, *http.Request) int { return 500 })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close() // nothing listens there now: connection refused

	host := strings.TrimPrefix(rc.srv.URL, "http://")
	entries := []configs.Notify{
		webhook("http://alice:hunter2pw@" + host + "/hook?token=s3cretTok&x=1"),
		webhook("http://bob:hunter2pw@" + closed + "/hook?token=s3cretTok"),
		{Type: "ping", URL: "http://" + host + "/ping/abc?token=s3cretTok", Method: "POST", Timeout: configs.Duration{Duration: time.Second}, Retries: 1, QueueSize: 4},
		webhook("http://" + host + "/%zz?token=s3cretTok"),                                   // does not parse
		webhook("http://" + host + "/services/T01ABCDEF/B02GHIJKL/aB3dE5fG7hI9jK1lM3nO5pQ7"), // a chat webhook: the secret is the path
	}
	for i := range entries[:2] {
		entries[i].Retries = 1
	}
	logs := newLogCapture("notification dropped after")
	n := New(entries, logs.logger(), WithBackoff(fastBackoff))
	run(t, n)
	n.Notify(Event{Kind: KindUpdateFailed, Record: "home.example.com", Type: "A", Error: "provider said no"})
	for range entries {
		logs.wait(t)
	}
	out := logs.String()
	for _, secret := range []string{"hunter2pw", "alice", "s3cretTok", "aB3dE5fG7hI9jK1lM3nO5pQ7"} {
		if strings.Contains(out, secret) {
			t.Errorf("secret %q in the log:\n%s", secret, out)
		}
	}
	for _, want := range []string{"answered 500 Internal Server Error", "connection refused", "/ping/abc/fail", configs.Mask, "after 2 attempts"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

// TestClientErrorsAreNotRetried: a 404 will not change by retrying.
func TestClientErrorsAreNotRetried(t *testing.T) {
	rc := newReceiver(t, func(int, *http.Request) int { return 404 })
	logs := newLogCapture("notification dropped after")
	n := New([]configs.Notify{webhook(rc.srv.URL)}, logs.logger(), WithBackoff(fastBackoff))
	run(t, n)
	n.Notify(Event{Kind: KindCrashLoop})
	n.Notify(Event{Kind: KindCrashLoop})
	for i := 0; i < 2; i++ {
		if l := logs.wait(t); !strings.Contains(l, "after 1 attempt:") || !strings.Contains(l, "which retrying will not change") {
			t.Errorf("log line: %s", l)
		}
	}
	if r := rc.requests(); len(r) != 2 {
		t.Errorf("%d requests for two events", len(r))
	}
}

func TestWebhookTemplates(t *testing.T) {
	rc := newReceiver(t, func(int, *http.Request) int { return 200 })
	e := webhook(rc.srv.URL + "/api/notify")
	e.Method = "put"
	e.Body = `{"text": {{json .Error}}, "ev": "{{.Event}}", "kind": "{{.Kind}}", "rec": "{{.Record}} {{.Type}}", "via": "{{.Provider}}", "from": "{{.OldAddress}}", "to": "{{.NewAddress}}", "at": "{{.Time}}", "d": "{{.Detail}}"}`
	e.Headers = map[string]string{"X-Title": "ddns {{.Event}} {{.Record}}", "Authorization": "Bearer abc"}
	at := time.Date(2026, 11, 3, 12, 0, 0, 0, time.FixedZone("x", 3600))
	n := New([]configs.Notify{e}, hclog.NewNullLogger())
	run(t, n)
	n.Notify(Event{Kind: KindUpdateFailed, Record: "home.example.com", Type: "AAAA", Provider: "cf", OldAddress: "2001:db8::1",
		NewAddress: "2001:db8::2", Error: `said "no" \ twice`, At: at, Detail: "pass 3"})
	r := rc.waitOK()
	if r.Method != "PUT" || r.Path != "/api/notify" {
		t.Errorf("%s %s", r.Method, r.Path)
	}
	var body map[string]string
	if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
		t.Fatalf("rendered body is not JSON: %v: %s", err, r.Body)
	}
	want := map[string]string{"text": `said "no" \ twice`, "ev": "update-failed", "kind": "update-failed", "rec": "home.example.com AAAA",
		"via": "cf", "from": "2001:db8::1", "to": "2001:db8::2", "at": "2026-11-03T11:00:00Z", "d": "pass 3"}
	for k, v := range want {
		if body[k] != v {
			t.Errorf("body[%s] = %q, want %q", k, body[k], v)
		}
	}
	if h := r.Header.Get("X-Title"); h != "ddns update-failed home.example.com" {
		t.Errorf("X-Title %q", h)
	}
	if h := r.Header.Get("Authorization"); h != "Bearer abc" {
		t.Errorf("Authorization %q", h)
	}
	if r.Header.Get("Content-Type") != "application/json" || r.Header.Get("X-DDNS-Event-ID") == "" {
		t.Errorf("headers %v", r.Header)
	}
}

func TestBrokenTemplateFallsBackToDefaultBody(t *testing.T) {
	rc := newReceiver(t, func(int, *http.Request) int { return 200 })
	e := webhook(rc.srv.URL)
	e.Body = `{{.NoSuchField}}`
	logs := newLogCapture("template is invalid")
	n := New([]configs.Notify{e}, logs.logger())
	logs.wait(t)
	run(t, n)
	n.Notify(Event{Kind: KindConfigInvalid, Detail: "config.toml:3:1: bad"})
	r := rc.waitOK()
	if !strings.Contains(r.Body, `"event":"config-invalid"`) {
		t.Errorf("body %s", r.Body)
	}
}

func TestBadTemplatesAreLocatedConfigErrors(t *testing.T) {
	const good = "[[notify]]\ntype = \"webhook\"\nurl = \"http://127.0.0.1/\"\nbody = '{\"t\": {{json .Error}}}'\n"
	const bad = "[[notify]]\ntype = \"webhook\"\nurl = \"http://127.0.0.1/\"\nbody = '{{.Nope}}'\nheaders = { X-A = \"{{\", X-B = \"ok\" }\n"
	o := configs.Options{NotifyTemplate: CheckTemplate}
	if _, err := configs.Parse("n.toml", []byte(good), o); err != nil {
		t.Errorf("good entry: %v", err)
	}
	_, err := configs.Parse("n.toml", []byte(good+bad), o)
	if err == nil {
		t.Fatal("bad entry accepted")
	}
	for _, want := range []string{"n.toml:8:1: notify.1.body", "Nope", "n.toml:9:", "notify.1.headers.X-A"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "X-B") {
		t.Errorf("a good header is reported: %v", err)
	}
	if _, err := configs.Parse("n.toml", []byte(good+bad), configs.Options{}); err != nil {
		t.Errorf("without a template checker the entry loads (New falls back): %v", err)
	}
}

func TestPingRoutes(t *testing.T) {
	rc := newReceiver(t, func(int, *http.Request) int { return 200 })
	p := configs.Notify{Type: "ping", URL: rc.srv.URL + "/ping/abc-123/?rid=7", Method: "GET", Timeout: configs.Duration{Duration: 5 * time.Second}, Retries: 2, QueueSize: 16}
	n := New([]configs.Notify{p}, hclog.NewNullLogger())
	run(t, n)
	tests := []struct{ kind, path string }{
		{KindChildRestarted, "/ping/abc-123/start"},
		{KindUpdateFailed, "/ping/abc-123/fail"},
		{KindUpdateRecovered, "/ping/abc-123/"},
		{KindAddressChanged, "/ping/abc-123/"},
		{KindCrashLoop, "/ping/abc-123/fail"},
		{KindConfigInvalid, "/ping/abc-123/fail"},
	}
	for _, tc := range tests {
		n.Notify(Event{Kind: tc.kind})
	}
	for _, tc := range tests {
		r := rc.waitOK()
		if r.Kind != tc.kind || r.Path != tc.path || r.Query != "rid=7" || r.Method != "GET" || r.Body != "" {
			t.Errorf("%s: %s %s?%s body %q", tc.kind, r.Method, r.Path, r.Query, r.Body)
		}
	}
}

func TestPingPostCarriesSummary(t *testing.T) {
	rc := newReceiver(t, func(int, *http.Request) int { return 200 })
	p := configs.Notify{Type: "ping", URL: rc.srv.URL + "/p", Method: "POST", Timeout: configs.Duration{Duration: 5 * time.Second}, QueueSize: 4}
	n := New([]configs.Notify{p}, hclog.NewNullLogger())
	run(t, n)
	n.Notify(Event{Kind: KindUpdateFailed, Record: "home.example.com", Type: "A", Error: "timeout"})
	r := rc.waitOK()
	if r.Path != "/p/fail" || r.Body != "update-failed home.example.com A: timeout" {
		t.Errorf("%s %q", r.Path, r.Body)
	}
}

// TestEventFilter: an entry gets only the kinds it asked for.
func TestEventFilter(t *testing.T) {
	rcA := newReceiver(t, func(int, *http.Request) int { return 200 })
	rcB := newReceiver(t, func(int, *http.Request) int { return 200 })
	a := webhook(rcA.srv.URL)
	a.Events = []string{KindCrashLoop}
	n := New([]configs.Notify{a, webhook(rcB.srv.URL)}, hclog.NewNullLogger())
	run(t, n)
	n.Notify(Event{Kind: KindAddressChanged})
	n.Notify(Event{Kind: KindCrashLoop})
	if r := rcA.waitOK(); r.Kind != KindCrashLoop {
		t.Errorf("entry A got %s first", r.Kind)
	}
	if k := rcB.waitOK().Kind + "," + rcB.waitOK().Kind; k != "address-changed,crash-loop" {
		t.Errorf("entry B got %s", k)
	}
}

// TestRunStopsWithHangingReceiver: cancelling Run ends an attempt in flight.
func TestRunStopsWithHangingReceiver(t *testing.T) {
	var entered atomic.Int32
	started := make(chan struct{})
	rc := newReceiver(t, func(int, *http.Request) int {
		if entered.Add(1) == 1 {
			close(started)
		}
		return hang
	})
	e := webhook(rc.srv.URL)
	e.Timeout.Duration = time.Hour
	n := New([]configs.Notify{e}, hclog.NewNullLogger())
	run(t, n) // its cleanup fails the test if Run outlives cancel by 5s
	n.Notify(Event{Kind: KindCrashLoop})
	n.Notify(Event{Kind: KindCrashLoop})
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("no request arrived")
	}
}
