package providers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ddnsd/ddns/testsupport/linebuf"
)

func newDryrunForTest(t *testing.T, p Params) (Provider, *linebuf.Buffer, *atomic.Int64) {
	t.Helper()
	// Any request anywhere would land here: the endpoint override is the
	// only way this process could reach a provider API.
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	buf := &linebuf.Buffer{}
	env := Env{
		Name:     "preview",
		Endpoint: srv.URL,
		Logger:   hclog.New(&hclog.LoggerOptions{Output: buf, Level: hclog.Trace, DisableTime: true}),
		Timeout:  time.Second,
	}
	prov, err := NewRegistry(dryrunSpec()).New("dryrun", env, p)
	if err != nil {
		t.Fatal(err)
	}
	return prov, buf, &hits
}

func TestDryrunSetGetRoundTrip(t *testing.T) {
	prov, logs, hits := newDryrunForTest(t, Params{})
	ctx := context.Background()

	got, err := prov.Get(ctx, "example.com", "home", "A")
	if err != nil || len(got) != 0 {
		t.Fatalf("Get before any Set = %+v, %v; want nothing", got, err)
	}

	recs := []Record{
		{Zone: "example.com", Name: "home", Type: "A", Addr: netip.MustParseAddr("203.0.113.7"), TTL: 300 * time.Second},
		{Zone: "example.com", Name: "home", Type: "AAAA", Addr: netip.MustParseAddr("2001:db8::7"), TTL: 60 * time.Second},
		{Zone: "example.com", Name: "@", Type: "A", Addr: netip.MustParseAddr("198.51.100.1"), TTL: time.Hour},
	}
	for _, r := range recs {
		if err := prov.Set(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range recs {
		got, err := prov.Get(ctx, r.Zone, r.Name, r.Type)
		if err != nil || !slices.Equal(got, []Record{r}) {
			t.Fatalf("Get %s %s = %+v, %v; want %+v", r.FQDN(), r.Type, got, err, r)
		}
	}
	// Names compare as DNS names do.
	if got, _ := prov.Get(ctx, "Example.COM.", "HOME", "a"); len(got) != 1 || got[0].Addr != recs[0].Addr {
		t.Fatalf("case-insensitive Get = %+v", got)
	}
	// A change replaces the remembered record: still exactly one.
	changed := recs[0]
	changed.Addr = netip.MustParseAddr("203.0.113.8")
	if err := prov.Set(ctx, changed); err != nil {
		t.Fatal(err)
	}
	if got, _ := prov.Get(ctx, "example.com", "home", "A"); !slices.Equal(got, []Record{changed}) {
		t.Fatalf("after a change Get = %+v, want %+v", got, changed)
	}

	out := logs.String()
	for _, want := range []string{
		"[INFO]  would set home.example.com A 203.0.113.7 (ttl 300s): provider=preview",
		"[INFO]  would set home.example.com AAAA 2001:db8::7 (ttl 60s): provider=preview",
		"[INFO]  would set example.com A 198.51.100.1 (ttl 3600s): provider=preview",
		"[INFO]  would set home.example.com A 203.0.113.8 (ttl 300s): provider=preview",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q; log:\n%s", want, out)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the dry run sent %d requests", n)
	}
}

func TestDryrunLogLevelAndBadRecords(t *testing.T) {
	prov, logs, _ := newDryrunForTest(t, Params{"log_level": "warn"})
	ctx := context.Background()
	if err := prov.Set(ctx, Record{Zone: "example.com", Name: "home", Type: "A", Addr: netip.MustParseAddr("192.0.2.1"), TTL: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "[WARN]  would set home.example.com A 192.0.2.1 (ttl 60s)") {
		t.Errorf("log_level=warn not honoured; log:\n%s", logs)
	}
	for _, rec := range []Record{
		{Zone: "example.com", Name: "home", Type: "A", Addr: netip.MustParseAddr("2001:db8::1")},
		{Zone: "example.com", Name: "home", Type: "CNAME", Addr: netip.MustParseAddr("192.0.2.1")},
		{Zone: "example.com", Name: "home", Type: "AAAA"},
	} {
		if err := prov.Set(ctx, rec); !errors.Is(err, ErrRejected) {
			t.Errorf("Set(%+v) = %v, want ErrRejected", rec, err)
		}
	}
	if _, err := dryrunSpec().New(quietEnv("x"), Params{"log_level": "loud"}); err == nil || !strings.Contains(err.Error(), `"log_level"`) {
		t.Errorf("bad log_level: %v, want an error naming the key", err)
	}
}

func TestDryrunConcurrent(t *testing.T) {
	prov, _, _ := newDryrunForTest(t, Params{"log_level": "debug"})
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			rec := Record{Zone: "example.com", Name: fmt.Sprintf("h%d", i), Type: "A", Addr: netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}), TTL: time.Minute}
			for range 20 {
				if err := prov.Set(ctx, rec); err != nil {
					t.Error(err)
				}
				if got, err := prov.Get(ctx, rec.Zone, rec.Name, "A"); err != nil || len(got) != 1 || got[0] != rec {
					t.Errorf("Get %s = %+v, %v", rec.Name, got, err)
				}
			}
		})
	}
	wg.Wait()
}
