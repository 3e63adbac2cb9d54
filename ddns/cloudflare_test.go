package ddns

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/providers"
	"github.com/ddnsd/ddns/providers/providertest"
	"github.com/hashicorp/go-hclog"

	"github.com/ddnsd/ddns/testsupport/linebuf"
)

// echoServer answers HTTP address-source requests with whatever it is told.
type echoServer struct {
	*httptest.Server
	mu   sync.Mutex
	addr string
}

func newEcho(t testing.TB, addr string) *echoServer {
	e := &echoServer{addr: addr}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		defer e.mu.Unlock()
		fmt.Fprintln(w, e.addr)
	}))
	t.Cleanup(e.Close)
	return e
}

func (e *echoServer) set(a string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.addr = a
}

// cloudflareConfig is a config whose records go to the fake API through
// `endpoint`, with addresses from an HTTP echo source.
func cloudflareConfig(t testing.TB, api, echo string, n int) *configs.Config {
	var b strings.Builder
	fmt.Fprintf(&b, "[updater]\nresync = \"24h\"\nconcurrency = 16\n[ip]\nv4 = [{ type = \"http\", url = %q }]\n", echo)
	fmt.Fprintf(&b, "[providers.cf]\ntype = \"cloudflare\"\napi_token = \"tok-123\"\nendpoint = %q\n", api)
	for i := range n {
		name := "home"
		if i > 0 {
			name = fmt.Sprintf("h%d", i)
		}
		fmt.Fprintf(&b, "[[records]]\nprovider = \"cf\"\nzone = \"example.com\"\nname = %q\n", name)
	}
	cfg, err := configs.Parse("cf.toml", []byte(b.String()), configs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestCloudflareEndToEnd(t *testing.T) {
	api := providertest.NewCloudflare("tok-123", "example.com")
	defer api.Close()
	echo := newEcho(t, "11.22.33.44")
	clock := newFakeClock()
	logs := &linebuf.Buffer{}
	eng, err := New(cloudflareConfig(t, api.URL, echo.URL, 1), Options{
		Logger: hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Debug}), Clock: clock,
		StatePath: filepath.Join(t.TempDir(), "state.json"),
	})
	if err != nil {
		t.Fatal(err)
	}
	pass := func(what string) *PassResult {
		t.Helper()
		res := eng.Pass(context.Background())
		if res.Err() != nil {
			t.Fatalf("%s: %v\n%s", what, res.Err(), logs)
		}
		return res
	}
	pass("first pass")
	if got := api.Lookup("home.example.com", "A"); len(got) != 1 || got[0] != "11.22.33.44" {
		t.Fatalf("after the first pass the API holds %v", got)
	}
	if c := api.Calls(); c["POST records"] != 1 {
		t.Fatalf("first pass calls: %v; want a POST", c)
	}
	pass("second pass")
	if c := api.Calls(); providertest.Total(c) != 0 {
		t.Fatalf("a pass with nothing changed made API calls: %v", c)
	}
	echo.set("11.22.33.45")
	pass("after an address change")
	if c := api.Calls(); c["PATCH record"] != 1 || providertest.Writes(c) != 1 {
		t.Fatalf("address change calls: %v; want exactly one PATCH", c)
	}
	if got := api.Lookup("home.example.com", "A"); len(got) != 1 || got[0] != "11.22.33.45" {
		t.Fatalf("after the change the API holds %v", got)
	}
	api.Put("home.example.com", "A", "9.9.9.9") // edited by hand
	clock.Advance(25 * time.Hour)
	if res := pass("resync"); res.Records[0].Action != ActionRepaired {
		t.Fatalf("resync action %s", res.Records[0].Action)
	}
	if got := api.Lookup("home.example.com", "A"); len(got) != 1 || got[0] != "11.22.33.45" {
		t.Fatalf("after the resync the API holds %v", got)
	}
}

func TestReportReachesTheSupervisor(t *testing.T) {
	got := make(chan ipc.Report, 10)
	path := filepath.Join(t.TempDir(), "ddns", "s.sock")
	srv, err := ipc.Listen(ipc.ServerOptions{Path: path, Handler: func(ctx context.Context, req ipc.Request, p ipc.Peer, w ipc.ReplyWriter) {
		if req.Cmd == ipc.CmdReport && req.Report != nil {
			got <- *req.Report
		}
		w.Send(ipc.Reply{OK: true})
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go srv.Serve(ctx)
	defer srv.Close()

	r := newRig(t, testConfig(t, "", "home example.com A acct", "home example.com AAAA acct"), filepath.Join(t.TempDir(), "s.json"))
	// Rejected, so the next pass waits for the interval rather than the
	// retry schedule, and the heartbeat below runs without a pass.
	r.provs["acct"].errFor["home.example.com/AAAA"] = fmt.Errorf("fake refuses: %w", providers.ErrRejected)
	rep := ipc.NewReporter(path, nil)
	defer rep.Close()
	done := make(chan ipc.ExitCode, 1)
	passes := make(chan *PassResult, 1)
	go func() {
		done <- r.eng.Run(ctx, RunOptions{Reporter: rep, Passes: passes, Notify: func(string) (bool, error) { return false, nil }})
	}()
	<-passes
	var report ipc.Report
	select {
	case report = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("no report within 10s of the pass")
	}
	if len(report.Records) != 2 {
		t.Fatalf("report: %+v", report)
	}
	a, aaaa := report.Records[0], report.Records[1]
	if a.Name != "home.example.com" || a.Type != "A" || a.Provider != "acct" || a.Address != "11.22.33.44" ||
		a.SyncedAt.String() != "2026-11-01T12:00:00Z" || a.ChangedAt.String() != "2026-11-01T12:00:00Z" || a.Error != "" {
		t.Errorf("A record in the report: %+v", a)
	}
	if aaaa.Type != "AAAA" || !strings.Contains(aaaa.Error, "fake refuses") || aaaa.Address != "" {
		t.Errorf("AAAA record in the report: %+v", aaaa)
	}
	if report.PID == 0 || !report.At.Equal(r.clock.Now()) {
		t.Errorf("report header: pid %d at %v", report.PID, report.At)
	}
	// The heartbeat sends another one without a pass.
	r.clock.waitAfter(t, time.Minute)
	r.clock.Advance(HeartbeatInterval)
	select {
	case <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("no heartbeat report")
	}
	cancel()
	if code := <-done; code != ipc.ExitOK {
		t.Fatalf("exit %d", code)
	}
}
