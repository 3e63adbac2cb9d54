package providers

import (
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ddnsd/ddns/providers/providertest"
)

const tcSecret = "tc-test-secret-key-987"

// newFakeTencent starts the shared fake Tencent API, closed when the test ends.
func newFakeTencent(t testing.TB, id, secret string) *providertest.Tencent {
	f := providertest.NewTencent(id, secret)
	t.Cleanup(f.Close)
	return f
}

func newTestTencent(t testing.TB, f *providertest.Tencent, secret string) (Provider, *[]time.Duration) {
	t.Helper()
	prov, err := newTencentcloud(Env{Name: "tc", Endpoint: f.URL, Logger: hclog.NewNullLogger(), Timeout: 5 * time.Second},
		Params{"secret_id": f.SecretID, "secret_key": secret})
	if err != nil {
		t.Fatal(err)
	}
	waits := quickRetries(routedTransport(t, "TC3-HMAC-SHA256", f.SecretID))
	return Guard("tc", prov, 5*time.Second), waits
}

func TestTencentcloudSet(t *testing.T) {
	tests := []struct {
		name   string
		before func(f *providertest.Tencent)
		rec    Record
		calls  []string
		after  []string
	}{
		{
			name:  "absent: create",
			rec:   addrRec("home", "A", "192.0.2.1", 600*time.Second),
			calls: []string{"DescribeRecordList", "CreateRecord"},
			after: []string{"home A 192.0.2.1 600"},
		},
		{
			name:   "different: modify in place",
			before: func(f *providertest.Tencent) { f.Add("home", "A", "192.0.2.9", 600) },
			rec:    addrRec("home", "A", "192.0.2.1", 600*time.Second),
			calls:  []string{"DescribeRecordList", "DescribeRecordList", "ModifyRecord"},
			after:  []string{"home A 192.0.2.1 600"},
		},
		{
			name:   "already right: no write",
			before: func(f *providertest.Tencent) { f.Add("home", "A", "192.0.2.1", 600) },
			rec:    addrRec("home", "A", "192.0.2.1", 600*time.Second),
			calls:  []string{"DescribeRecordList"},
			after:  []string{"home A 192.0.2.1 600"},
		},
		{
			name: "extra records deleted",
			before: func(f *providertest.Tencent) {
				f.Add("home", "A", "192.0.2.1", 600)
				f.Add("home", "A", "192.0.2.7", 600)
				f.Add("home", "AAAA", "2001:db8::1", 600)
			},
			rec:   addrRec("home", "A", "192.0.2.1", 600*time.Second),
			calls: []string{"DescribeRecordList", "DescribeRecordList", "DeleteRecord"},
			after: []string{"home A 192.0.2.1 600", "home AAAA 2001:db8::1 600"},
		},
		{
			name:  "apex created",
			rec:   addrRec("@", "AAAA", "2001:db8::5", 600*time.Second),
			calls: []string{"DescribeRecordList", "CreateRecord"},
			after: []string{"@ AAAA 2001:db8::5 600"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeTencent(t, testKeyID(t, "AKID"), tcSecret)
			if tt.before != nil {
				tt.before(f)
			}
			prov, _ := newTestTencent(t, f, tcSecret)
			if err := prov.Set(context.Background(), tt.rec); err != nil {
				t.Fatalf("Set: %v", err)
			}
			if got := f.Calls(); !reflect.DeepEqual(got, tt.calls) {
				t.Errorf("calls %q, want %q", got, tt.calls)
			}
			if got := f.State(); !reflect.DeepEqual(got, tt.after) {
				t.Errorf("zone %q, want %q", got, tt.after)
			}
			if err := prov.Set(context.Background(), tt.rec); err != nil {
				t.Fatalf("second Set: %v", err)
			}
			if got := f.Calls(); !reflect.DeepEqual(got, []string{"DescribeRecordList"}) {
				t.Errorf("second Set calls %q", got)
			}
		})
	}
}

func TestTencentcloudErrors(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	tests := []struct {
		name      string
		secret    string
		before    func(f *providertest.Tencent)
		rec       Record
		fault     func(n int, action string, w http.ResponseWriter, r *http.Request) bool
		timeout   time.Duration
		class     error
		wantCalls []string
		wantWaits []time.Duration
		text      string
		after     []string
	}{
		{
			name: "wrong secret: ErrAuth, not retried", secret: "wrong-secret", class: ErrAuth,
			wantCalls: []string{"DescribeRecordList"}, text: "AuthFailure.SignatureFailure",
		},
		{
			name: "HTTP 403 from a gateway: ErrAuth, not retried",
			fault: func(_ int, _ string, w http.ResponseWriter, _ *http.Request) bool {
				w.WriteHeader(http.StatusForbidden)
				return true
			},
			class: ErrAuth, wantCalls: []string{"DescribeRecordList"},
		},
		{
			name: "429 with Retry-After, then success",
			fault: func(n int, _ string, w http.ResponseWriter, _ *http.Request) bool {
				if n == 1 {
					w.Header().Set("Retry-After", "1")
					w.WriteHeader(http.StatusTooManyRequests)
					return true
				}
				return false
			},
			wantCalls: []string{"DescribeRecordList", "DescribeRecordList", "CreateRecord"},
			wantWaits: []time.Duration{time.Second},
			after:     []string{"home A 192.0.2.1 600"},
		},
		{
			name: "5xx: five attempts, then ErrNetwork",
			fault: func(_ int, _ string, w http.ResponseWriter, _ *http.Request) bool {
				w.WriteHeader(http.StatusInternalServerError)
				return true
			},
			class:     ErrNetwork,
			wantCalls: []string{"DescribeRecordList", "DescribeRecordList", "DescribeRecordList", "DescribeRecordList", "DescribeRecordList"},
			wantWaits: []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond},
		},
		{
			name: "hanging server: error by the deadline",
			fault: func(_ int, _ string, _ http.ResponseWriter, r *http.Request) bool {
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
			fault: func(_ int, _ string, w http.ResponseWriter, _ *http.Request) bool {
				io.WriteString(w, `{"Response":{"RecordList":[{`)
				return true
			},
			class: ErrNetwork, wantCalls: []string{"DescribeRecordList"},
		},
		{
			name:   "a ModifyRecord failure the library ignores is reported",
			before: func(f *providertest.Tencent) { f.Add("home", "A", "192.0.2.9", 600) },
			rec:    addrRec("home", "A", "192.0.2.1", 300*time.Second),
			class:  ErrRejected, text: "InvalidTTL",
			wantCalls: []string{"DescribeRecordList", "DescribeRecordList", "ModifyRecord"},
			after:     []string{"home A 192.0.2.9 600"},
		},
		{
			name:      "existing apex record: refused as unsupported, nothing written",
			before:    func(f *providertest.Tencent) { f.Add("@", "A", "192.0.2.9", 600) },
			rec:       addrRec("@", "A", "192.0.2.1", 600*time.Second),
			class:     ErrUnsupported,
			wantCalls: []string{"DescribeRecordList"},
			after:     []string{"@ A 192.0.2.9 600"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeTencent(t, testKeyID(t, "AKID"), tcSecret)
			if tt.before != nil {
				tt.before(f)
			}
			f.SetFault(tt.fault)
			secret := tcSecret
			if tt.secret != "" {
				secret = tt.secret
			}
			prov, waits := newTestTencent(t, f, secret)
			if tt.timeout > 0 {
				prov = Guard("tc", prov.(*guarded).Unwrap(), tt.timeout)
			}
			rec := tt.rec
			if rec.Zone == "" {
				rec = addrRec("home", "A", "192.0.2.1", 600*time.Second)
			}
			start := time.Now()
			err := prov.Set(context.Background(), rec)
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
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Errorf("error leaks the secret: %v", err)
			}
			if tt.text != "" && (err == nil || !strings.Contains(err.Error(), tt.text)) {
				t.Errorf("error %v does not mention %q", err, tt.text)
			}
			if tt.wantCalls != nil {
				if got := f.Calls(); !reflect.DeepEqual(got, tt.wantCalls) {
					t.Errorf("calls %q, want %q", got, tt.wantCalls)
				}
			}
			if tt.wantWaits != nil && !equalDurations(*waits, tt.wantWaits) {
				t.Errorf("waits %v, want %v", *waits, tt.wantWaits)
			}
			if tt.after != nil {
				if got := f.State(); !reflect.DeepEqual(got, tt.after) {
					t.Errorf("zone %q, want %q", got, tt.after)
				}
			}
		})
	}
}
