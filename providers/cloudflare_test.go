package providers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/libdns/cloudflare"

	"github.com/ddnsd/ddns/providers/providertest"
)

const cfToken = "cf-test-token-0123456789"

// fakeZoneID in a test's params stands for the fake's ID of example.com,
// which exists only once the fake does.
const fakeZoneID = "<the fake's zone ID>"

// newFakeCloudflare starts the shared fake Cloudflare API serving
// example.com, expecting token, closed when the test ends.
func newFakeCloudflare(t testing.TB, token string) *providertest.Cloudflare {
	f := providertest.NewCloudflare(token, "example.com")
	t.Cleanup(f.Close)
	return f
}

func newTestCloudflare(t testing.TB, f *providertest.Cloudflare, extra Params) (Provider, *[]time.Duration) {
	t.Helper()
	p := Params{"api_token": cfToken}
	for k, v := range extra {
		p[k] = v
	}
	prov, err := newCloudflare(Env{Name: "cf", Endpoint: f.URL, Logger: hclog.NewNullLogger(), Timeout: 5 * time.Second}, p)
	if err != nil {
		t.Fatal(err)
	}
	doer := prov.(*libdnsAdapter).lib.(*cloudflare.Provider).HTTPClient.(*cfDoer)
	waits := quickRetries(doer.client.Transport.(*retryTransport))
	return Guard("cf", prov, 5*time.Second), waits
}

func addrRec(name, typ, addr string, ttl time.Duration) Record {
	return Record{Zone: "example.com", Name: name, Type: typ, Addr: netip.MustParseAddr(addr), TTL: ttl}
}

func TestCloudflareSet(t *testing.T) {
	tests := []struct {
		name    string
		params  Params
		before  func(f *providertest.Cloudflare)
		rec     Record
		calls   []string
		after   []string
		recheck []string // calls of a second, identical Set on the same provider
	}{
		{
			name:    "absent: create",
			rec:     addrRec("home", "A", "192.0.2.1", 300*time.Second),
			calls:   []string{"GET zones", "GET records", "POST records"},
			after:   []string{"home.example.com A 192.0.2.1 300"},
			recheck: []string{"GET records"},
		},
		{
			name:    "different: update in place",
			before:  func(f *providertest.Cloudflare) { f.Add("home.example.com", "A", "192.0.2.9", 300, false) },
			rec:     addrRec("home", "A", "192.0.2.1", 300*time.Second),
			calls:   []string{"GET zones", "GET records", "GET records", "PATCH record"},
			after:   []string{"home.example.com A 192.0.2.1 300"},
			recheck: []string{"GET records"},
		},
		{
			name:   "already right: no write",
			before: func(f *providertest.Cloudflare) { f.Add("home.example.com", "A", "192.0.2.1", 300, false) },
			rec:    addrRec("home", "A", "192.0.2.1", 300*time.Second),
			calls:  []string{"GET zones", "GET records"},
			after:  []string{"home.example.com A 192.0.2.1 300"},
		},
		{
			name:    "only the TTL differs: update",
			before:  func(f *providertest.Cloudflare) { f.Add("home.example.com", "A", "192.0.2.1", 120, false) },
			rec:     addrRec("home", "A", "192.0.2.1", 300*time.Second),
			calls:   []string{"GET zones", "GET records", "GET records", "PATCH record"},
			after:   []string{"home.example.com A 192.0.2.1 300"},
			recheck: []string{"GET records"},
		},
		{
			name: "extra records: the right one kept, the other deleted",
			before: func(f *providertest.Cloudflare) {
				f.Add("home.example.com", "A", "192.0.2.1", 300, false)
				f.Add("home.example.com", "A", "192.0.2.7", 300, false)
				f.Add("home.example.com", "AAAA", "2001:db8::1", 300, false)
			},
			rec:     addrRec("home", "A", "192.0.2.1", 300*time.Second),
			calls:   []string{"GET zones", "GET records", "GET records", "DELETE record"},
			after:   []string{"home.example.com A 192.0.2.1 300", "home.example.com AAAA 2001:db8::1 300"},
			recheck: []string{"GET records"},
		},
		{
			name: "extra records, none right: delete one, update the other",
			before: func(f *providertest.Cloudflare) {
				f.Add("home.example.com", "A", "192.0.2.8", 300, false)
				f.Add("home.example.com", "A", "192.0.2.7", 300, false)
			},
			rec:     addrRec("home", "A", "192.0.2.1", 300*time.Second),
			calls:   []string{"GET zones", "GET records", "GET records", "DELETE record", "GET records", "PATCH record"},
			after:   []string{"home.example.com A 192.0.2.1 300"},
			recheck: []string{"GET records"},
		},
		{
			name:    "proxied honoured on create",
			params:  Params{"proxied": true},
			rec:     addrRec("home", "A", "192.0.2.1", 300*time.Second),
			calls:   []string{"GET zones", "GET records", "POST records"},
			after:   []string{"home.example.com A 192.0.2.1 1 proxied"},
			recheck: []string{"GET records"},
		},
		{
			name:    "proxied switched on for a record with the right address",
			params:  Params{"proxied": true},
			before:  func(f *providertest.Cloudflare) { f.Add("home.example.com", "A", "192.0.2.1", 300, false) },
			rec:     addrRec("home", "A", "192.0.2.1", 300*time.Second),
			calls:   []string{"GET zones", "GET records", "GET records", "PATCH record"},
			after:   []string{"home.example.com A 192.0.2.1 1 proxied"},
			recheck: []string{"GET records"},
		},
		{
			name:    "proxied switched off",
			params:  Params{"proxied": false},
			before:  func(f *providertest.Cloudflare) { f.Add("home.example.com", "A", "192.0.2.1", 1, true) },
			rec:     addrRec("home", "A", "192.0.2.1", 300*time.Second),
			calls:   []string{"GET zones", "GET records", "GET records", "PATCH record"},
			after:   []string{"home.example.com A 192.0.2.1 300"},
			recheck: []string{"GET records"},
		},
		{
			name:    "apex AAAA",
			rec:     addrRec("@", "AAAA", "2001:db8::5", 0),
			calls:   []string{"GET zones", "GET records", "POST records"},
			after:   []string{"example.com AAAA 2001:db8::5 1"},
			recheck: []string{"GET records"},
		},
		{
			name:    "zone_id skips the zone lookup",
			params:  Params{"zone_id": fakeZoneID}, // replaced by the fake's ID
			rec:     addrRec("home", "A", "192.0.2.1", 300*time.Second),
			calls:   []string{"GET records", "POST records"},
			after:   []string{"home.example.com A 192.0.2.1 300"},
			recheck: []string{"GET records"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCloudflare(t, cfToken)
			if tt.before != nil {
				tt.before(f)
			}
			params := Params{}
			for k, v := range tt.params {
				if v == fakeZoneID {
					v = f.ZoneID("example.com")
				}
				params[k] = v
			}
			prov, _ := newTestCloudflare(t, f, params)
			if err := prov.Set(context.Background(), tt.rec); err != nil {
				t.Fatalf("Set: %v", err)
			}
			if got := f.CallSequence(); !reflect.DeepEqual(got, tt.calls) {
				t.Errorf("calls %q, want %q", got, tt.calls)
			}
			if got := f.State(); !reflect.DeepEqual(got, tt.after) {
				t.Errorf("zone %q, want %q", got, tt.after)
			}
			if tt.recheck != nil {
				if err := prov.Set(context.Background(), tt.rec); err != nil {
					t.Fatalf("second Set: %v", err)
				}
				if got := f.CallSequence(); !reflect.DeepEqual(got, tt.recheck) {
					t.Errorf("second Set calls %q, want %q", got, tt.recheck)
				}
			}
		})
	}
}

func TestCloudflareGet(t *testing.T) {
	f := newFakeCloudflare(t, cfToken)
	f.Add("home.example.com", "A", "192.0.2.1", 300, false)
	f.Add("home.example.com", "A", "192.0.2.2", 300, false)
	f.Add("home.example.com", "AAAA", "2001:db8::1", 300, false)
	f.Add("other.example.com", "A", "192.0.2.3", 300, false)
	// Enough records for a second page of 100.
	for i := 0; i < 150; i++ {
		f.Add(fmt.Sprintf("h%d.example.com", i), "A", "198.51.100.1", 60, false)
	}
	f.Add("zzz.example.com", "A", "203.0.113.9", 120, false)
	prov, _ := newTestCloudflare(t, f, nil)
	got, err := prov.Get(context.Background(), "example.com", "home", "A")
	if err != nil {
		t.Fatal(err)
	}
	// Get reports each record's proxied flag as Cloudflare lists it.
	off := false
	want := []Record{addrRec("home", "A", "192.0.2.1", 300*time.Second), addrRec("home", "A", "192.0.2.2", 300*time.Second)}
	want[0].Proxied, want[1].Proxied = &off, &off
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Get = %v, want %v", got, want)
	}
	f.Add("cdn.example.com", "A", "192.0.2.9", 1, true)
	cdn, err := prov.Get(context.Background(), "example.com", "cdn", "A")
	if err != nil || len(cdn) != 1 || cdn[0].Proxied == nil || !*cdn[0].Proxied || cdn[0].TTL != time.Second {
		t.Errorf("proxied record: %+v, %v; want one record, proxied, TTL 1s", cdn, err)
	}
	last, err := prov.Get(context.Background(), "example.com", "zzz", "A")
	if err != nil || len(last) != 1 || last[0].Addr.String() != "203.0.113.9" {
		t.Errorf("record on page 2: %v, %v", last, err)
	}
	none, err := prov.Get(context.Background(), "example.com", "absent", "A")
	if err != nil || len(none) != 0 {
		t.Errorf("absent: %v, %v", none, err)
	}
}

func TestCloudflareErrors(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	listOnly := func(fn func(w http.ResponseWriter)) providertest.Fault {
		return func(_ int, w http.ResponseWriter, r *http.Request) bool {
			if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/dns_records") {
				fn(w)
				return true
			}
			return false
		}
	}
	tests := []struct {
		name      string
		token     string
		fault     providertest.Fault
		timeout   time.Duration
		class     error
		wantCalls []string
		wantWaits []time.Duration
		text      string
	}{
		{
			name: "wrong token: ErrAuth, not retried", token: "wrong-token-xyz", class: ErrAuth,
			wantCalls: []string{"GET zones"}, text: "9109",
		},
		{
			name: "403 without body details is still auth",
			fault: func(_ int, w http.ResponseWriter, _ *http.Request) bool {
				providertest.WriteError(w, http.StatusForbidden, 10000, "Authentication error")
				return true
			},
			class: ErrAuth, wantCalls: []string{"GET zones"}, text: "10000",
		},
		{
			name: "429 with Retry-After, then success",
			fault: func(n int, w http.ResponseWriter, _ *http.Request) bool {
				if n == 1 {
					w.Header().Set("Retry-After", "1")
					providertest.WriteError(w, http.StatusTooManyRequests, 971, "Please wait and consider throttling your request speed")
					return true
				}
				return false
			},
			wantCalls: []string{"GET zones", "GET zones", "GET records", "POST records"},
			wantWaits: []time.Duration{time.Second},
		},
		{
			name: "5xx: five attempts, then ErrNetwork",
			fault: func(_ int, w http.ResponseWriter, _ *http.Request) bool {
				w.WriteHeader(http.StatusBadGateway)
				io.WriteString(w, "<html><body>502 Bad Gateway</body></html>")
				return true
			},
			class:     ErrNetwork,
			wantCalls: []string{"GET zones", "GET zones", "GET zones", "GET zones", "GET zones"},
			wantWaits: []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond},
			text:      "502",
		},
		{
			name: "hanging server: error by the deadline",
			fault: func(_ int, _ http.ResponseWriter, r *http.Request) bool {
				select {
				case <-r.Context().Done():
				case <-release:
				}
				return true
			},
			timeout: 300 * time.Millisecond, class: ErrNetwork,
		},
		{
			name: "malformed JSON: error, no panic",
			fault: listOnly(func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, `{"success":true,"result":[{"id":`)
			}),
			class: ErrNetwork, wantCalls: []string{"GET zones", "GET records"},
		},
		{
			name: "list without result_info: error, no panic",
			fault: listOnly(func(w http.ResponseWriter) {
				providertest.WriteResult(w, []any{}, nil)
			}),
			class: ErrNetwork, wantCalls: []string{"GET zones", "GET records"}, text: "result_info",
		},
		{
			name: "list with per_page 0: error, no panic",
			fault: listOnly(func(w http.ResponseWriter) {
				providertest.WriteResult(w, []any{}, map[string]int{"page": 1, "per_page": 0, "count": 0, "total_count": 0})
			}),
			class: ErrNetwork, wantCalls: []string{"GET zones", "GET records"}, text: "result_info",
		},
		{
			name: "zone not in the account: ErrRejected",
			fault: func(_ int, w http.ResponseWriter, r *http.Request) bool {
				if strings.HasSuffix(r.URL.Path, "/zones") {
					providertest.WriteResult(w, []any{}, map[string]int{"page": 1, "per_page": 20, "count": 0, "total_count": 0})
					return true
				}
				return false
			},
			class: ErrRejected, wantCalls: []string{"GET zones"}, text: "expected 1 zone",
		},
		{
			name: "API error echoing the token: redacted",
			fault: func(_ int, w http.ResponseWriter, _ *http.Request) bool {
				providertest.WriteError(w, http.StatusBadRequest, 1004, "token "+cfToken+" cannot do that")
				return true
			},
			class: ErrRejected, wantCalls: []string{"GET zones"}, text: "[redacted]",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fakeToken := cfToken
			if tt.token != "" {
				fakeToken = tt.token // the provider still sends cfToken
			}
			f := newFakeCloudflare(t, fakeToken)
			f.SetFault(tt.fault)
			prov, waits := newTestCloudflare(t, f, nil)
			if tt.timeout > 0 {
				prov = Guard("cf", prov.(*guarded).Unwrap(), tt.timeout)
			}
			start := time.Now()
			err := prov.Set(context.Background(), addrRec("home", "A", "192.0.2.1", 300*time.Second))
			if tt.timeout > 0 && time.Since(start) > tt.timeout+2*time.Second {
				t.Errorf("returned after %v, deadline was %v", time.Since(start), tt.timeout)
			}
			if tt.class == nil {
				if err != nil {
					t.Fatalf("Set: %v", err)
				}
			} else if !errors.Is(err, tt.class) {
				t.Fatalf("Set error %v, want class %v", err, tt.class)
			}
			if err != nil && strings.Contains(err.Error(), cfToken) {
				t.Errorf("error leaks the token: %v", err)
			}
			if tt.text != "" && (err == nil || !strings.Contains(err.Error(), tt.text)) {
				t.Errorf("error %v does not mention %q", err, tt.text)
			}
			if tt.wantCalls != nil {
				if got := f.CallSequence(); !reflect.DeepEqual(got, tt.wantCalls) {
					t.Errorf("calls %q, want %q", got, tt.wantCalls)
				}
			}
			if tt.wantWaits != nil && !equalDurations(*waits, tt.wantWaits) {
				t.Errorf("waits %v, want %v", *waits, tt.wantWaits)
			}
		})
	}
}

func TestCloudflareRejectsBadInput(t *testing.T) {
	f := newFakeCloudflare(t, cfToken)
	prov, _ := newTestCloudflare(t, f, nil)
	err := prov.Set(context.Background(), addrRec("home", "A", "2001:db8::1", 0))
	if !errors.Is(err, ErrRejected) {
		t.Errorf("AAAA address in an A record: %v", err)
	}
	if calls := f.CallSequence(); len(calls) != 0 {
		t.Errorf("bad input reached the API: %q", calls)
	}
	for _, p := range []Params{{}, {"api_token": "x", "proxied": "yes"}} {
		if _, err := newCloudflare(Env{Logger: hclog.NewNullLogger()}, p); err == nil {
			t.Errorf("params %v accepted", p)
		}
	}
	if _, err := newCloudflare(Env{Logger: hclog.NewNullLogger(), Endpoint: "127.0.0.1:8080"}, Params{"api_token": "x"}); err == nil {
		t.Error("endpoint without scheme accepted")
	}
}

// runSets makes n Set calls, each on its own name, with at most conc at once.
func runSets(tb testing.TB, prov Provider, n, conc int) {
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			rec := addrRec(fmt.Sprintf("host%d", i), "A", fmt.Sprintf("192.0.2.%d", i%250+1), 300*time.Second)
			if err := prov.Set(context.Background(), rec); err != nil {
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		tb.Fatalf("Set: %v", err)
	}
}

// TestCloudflareThousandSets is the throughput figure: 1,000 Set calls with
// 16 in flight against the fake API, starting from an empty zone.
func TestCloudflareThousandSets(t *testing.T) {
	f := newFakeCloudflare(t, cfToken)
	prov, _ := newTestCloudflare(t, f, Params{"zone_id": f.ZoneID("example.com")})
	start := time.Now()
	runSets(t, prov, 1000, 16)
	took := time.Since(start)
	t.Logf("1000 Cloudflare Set calls, 16 in flight: %v (%d API calls)", took, len(f.CallSequence()))
	if took > 20*time.Second { // a failure guard only; the figure is the log line above
		t.Errorf("1000 Set calls took %v", took)
	}
	if n := len(f.State()); n != 1000 {
		t.Errorf("zone holds %d records, want 1000", n)
	}
}

func BenchmarkCloudflareSet1000(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		f := newFakeCloudflare(b, cfToken)
		prov, _ := newTestCloudflare(b, f, Params{"zone_id": f.ZoneID("example.com")})
		b.StartTimer()
		runSets(b, prov, 1000, 16)
	}
}
