package providers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ddnsd/ddns/providers/providertest"
)

const aliSecret = "ali-test-secret-abcdef"

// testKeyID gives each test its own credential ID: routes to the fake APIs
// are keyed by it in the process-wide router.

// newFakeAlidns starts the shared fake Alidns API, closed when the test ends.
func newFakeAlidns(t testing.TB, id, secret string) *providertest.Alidns {
	f := providertest.NewAlidns(id, secret)
	t.Cleanup(f.Close)
	return f
}

func testKeyID(t testing.TB, prefix string) string {
	r := strings.NewReplacer("/", "-", " ", "-", ",", "-", ":", "-")
	return prefix + r.Replace(t.Name())
}

func routedTransport(t testing.TB, alg, id string) *retryTransport {
	t.Helper()
	sharedRouter.mu.RLock()
	defer sharedRouter.mu.RUnlock()
	r, ok := sharedRouter.routes[alg+" "+id]
	if !ok {
		t.Fatalf("no route for %s %s", alg, id)
	}
	return r.rt
}

func newTestAlidns(t testing.TB, f *providertest.Alidns, secret string) (Provider, *[]time.Duration) {
	t.Helper()
	prov, err := newAlidns(Env{Name: "ali", Endpoint: f.URL, Logger: hclog.NewNullLogger(), Timeout: 5 * time.Second},
		Params{"access_key_id": f.KeyID, "access_key_secret": secret})
	if err != nil {
		t.Fatal(err)
	}
	waits := quickRetries(routedTransport(t, "ACS3-HMAC-SHA256", f.KeyID))
	return Guard("ali", prov, 5*time.Second), waits
}

func TestAlidnsSet(t *testing.T) {
	tests := []struct {
		name   string
		before func(f *providertest.Alidns)
		rec    Record
		calls  []string
		after  []string
	}{
		{
			name:  "absent: create, TTL raised to 600",
			rec:   addrRec("home", "A", "192.0.2.1", 300*time.Second),
			calls: []string{"DescribeDomainRecords", "DescribeDomains", "AddDomainRecord"},
			after: []string{"home A 192.0.2.1 600"},
		},
		{
			name:   "different: add the new record, then delete the old one",
			before: func(f *providertest.Alidns) { f.Add("home", "A", "192.0.2.9", 600) },
			rec:    addrRec("home", "A", "192.0.2.1", 600*time.Second),
			calls:  []string{"DescribeDomainRecords", "DescribeDomains", "AddDomainRecord", "DescribeDomains", "DeleteDomainRecord"},
			after:  []string{"home A 192.0.2.1 600"},
		},
		{
			name:   "already right: no write",
			before: func(f *providertest.Alidns) { f.Add("home", "A", "192.0.2.1", 600) },
			rec:    addrRec("home", "A", "192.0.2.1", 300*time.Second),
			calls:  []string{"DescribeDomainRecords"},
			after:  []string{"home A 192.0.2.1 600"},
		},
		{
			name: "extra records deleted, the right one kept",
			before: func(f *providertest.Alidns) {
				f.Add("home", "A", "192.0.2.7", 600)
				f.Add("home", "A", "192.0.2.1", 600)
				f.Add("home", "AAAA", "2001:db8::1", 600)
				f.Add("homer", "A", "192.0.2.7", 600)
			},
			rec:   addrRec("home", "A", "192.0.2.1", 600*time.Second),
			calls: []string{"DescribeDomainRecords", "DescribeDomains", "DeleteDomainRecord"},
			after: []string{"home A 192.0.2.1 600", "home AAAA 2001:db8::1 600", "homer A 192.0.2.7 600"},
		},
		{
			name: "two old records, new address",
			before: func(f *providertest.Alidns) {
				f.Add("home", "A", "192.0.2.7", 600)
				f.Add("home", "A", "192.0.2.8", 600)
			},
			rec:   addrRec("home", "A", "192.0.2.1", 600*time.Second),
			calls: []string{"DescribeDomainRecords", "DescribeDomains", "AddDomainRecord", "DescribeDomains", "DeleteDomainRecord", "DescribeDomains", "DeleteDomainRecord"},
			after: []string{"home A 192.0.2.1 600"},
		},
		{
			name:   "only the TTL differs: replaced",
			before: func(f *providertest.Alidns) { f.Add("home", "A", "192.0.2.1", 600) },
			rec:    addrRec("home", "A", "192.0.2.1", 3600*time.Second),
			calls:  []string{"DescribeDomainRecords", "DescribeDomains", "DeleteDomainRecord", "DescribeDomains", "AddDomainRecord"},
			after:  []string{"home A 192.0.2.1 3600"},
		},
		{
			name:  "apex AAAA",
			rec:   addrRec("@", "AAAA", "2001:db8::5", 600*time.Second),
			calls: []string{"DescribeDomainRecords", "DescribeDomains", "AddDomainRecord"},
			after: []string{"@ AAAA 2001:db8::5 600"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAlidns(t, testKeyID(t, "LTAI"), aliSecret)
			if tt.before != nil {
				tt.before(f)
			}
			prov, _ := newTestAlidns(t, f, aliSecret)
			if err := prov.Set(context.Background(), tt.rec); err != nil {
				t.Fatalf("Set: %v", err)
			}
			if got := f.Calls(); !reflect.DeepEqual(got, tt.calls) {
				t.Errorf("calls %q, want %q", got, tt.calls)
			}
			if got := f.State(); !reflect.DeepEqual(got, tt.after) {
				t.Errorf("zone %q, want %q", got, tt.after)
			}
			// A second identical Set only reads.
			if err := prov.Set(context.Background(), tt.rec); err != nil {
				t.Fatalf("second Set: %v", err)
			}
			if got := f.Calls(); !reflect.DeepEqual(got, []string{"DescribeDomainRecords"}) {
				t.Errorf("second Set calls %q", got)
			}
		})
	}
}

func TestAlidnsGet(t *testing.T) {
	f := newFakeAlidns(t, testKeyID(t, "LTAI"), aliSecret)
	f.Add("home", "A", "192.0.2.1", 600)
	f.Add("home", "AAAA", "2001:db8::1", 600)
	f.Add("@", "A", "192.0.2.2", 600)
	prov, _ := newTestAlidns(t, f, aliSecret)
	got, err := prov.Get(context.Background(), "example.com", "home", "A")
	if err != nil || !reflect.DeepEqual(got, []Record{addrRec("home", "A", "192.0.2.1", 600*time.Second)}) {
		t.Errorf("Get home A = %v, %v", got, err)
	}
	got, err = prov.Get(context.Background(), "example.com", "@", "A")
	if err != nil || !reflect.DeepEqual(got, []Record{addrRec("@", "A", "192.0.2.2", 600*time.Second)}) {
		t.Errorf("Get @ A = %v, %v", got, err)
	}
}

func TestAlidnsErrors(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	tests := []struct {
		name      string
		secret    string
		before    func(f *providertest.Alidns)
		fault     func(n int, action string, w http.ResponseWriter, r *http.Request) bool
		timeout   time.Duration
		class     error
		wantCalls []string
		wantWaits []time.Duration
		text      string
	}{
		{
			name: "wrong secret: ErrAuth, not retried", secret: "not-the-secret", class: ErrAuth,
			wantCalls: []string{"DescribeDomainRecords"}, text: "SignatureDoesNotMatch",
		},
		{
			name: "403 Forbidden.RAM: ErrAuth, not retried",
			fault: func(_ int, _ string, w http.ResponseWriter, _ *http.Request) bool {
				providertest.WriteAlidnsError(w, 403, "Forbidden.RAM", "User not authorized to operate on the specified resource, or this API doesn't support RAM.")
				return true
			},
			class: ErrAuth, wantCalls: []string{"DescribeDomainRecords"}, text: "Forbidden.RAM",
		},
		{
			name: "429 with Retry-After, then success",
			fault: func(n int, _ string, w http.ResponseWriter, _ *http.Request) bool {
				if n == 1 {
					w.Header().Set("Retry-After", "2")
					providertest.WriteAlidnsError(w, 429, "Throttling.User", "Request was denied due to user flow control.")
					return true
				}
				return false
			},
			wantCalls: []string{"DescribeDomainRecords", "DescribeDomainRecords", "DescribeDomains", "AddDomainRecord"},
			wantWaits: []time.Duration{2 * time.Second},
		},
		{
			name: "5xx: five attempts, then ErrNetwork",
			fault: func(_ int, _ string, w http.ResponseWriter, _ *http.Request) bool {
				providertest.WriteAlidnsError(w, 503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server.")
				return true
			},
			class:     ErrNetwork,
			wantCalls: []string{"DescribeDomainRecords", "DescribeDomainRecords", "DescribeDomainRecords", "DescribeDomainRecords", "DescribeDomainRecords"},
			wantWaits: []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond},
		},
		{
			name: "5xx on the library's own zone lookup (no context) is still classified",
			fault: func(_ int, action string, w http.ResponseWriter, _ *http.Request) bool {
				if action == "DescribeDomains" {
					providertest.WriteAlidnsError(w, 500, "InternalError", "The request processing has failed due to some unknown error.")
					return true
				}
				return false
			},
			class:     ErrNetwork,
			wantCalls: []string{"DescribeDomainRecords", "DescribeDomains", "DescribeDomains", "DescribeDomains", "DescribeDomains", "DescribeDomains"},
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
				io.WriteString(w, `{"RequestId":"x","DomainRecords":{"Record":[`)
				return true
			},
			class: ErrNetwork, wantCalls: []string{"DescribeDomainRecords"},
		},
		{
			name: "zone bigger than one page: refused, nothing written",
			before: func(f *providertest.Alidns) {
				for i := 0; i < 25; i++ {
					f.Add(fmt.Sprintf("h%d", i), "A", "198.51.100.1", 600)
				}
			},
			class: ErrUnsupported, wantCalls: []string{"DescribeDomainRecords"}, text: "first 20",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAlidns(t, testKeyID(t, "LTAI"), aliSecret)
			if tt.before != nil {
				tt.before(f)
			}
			f.SetFault(tt.fault)
			secret := aliSecret
			if tt.secret != "" {
				secret = tt.secret
			}
			prov, waits := newTestAlidns(t, f, secret)
			if tt.timeout > 0 {
				prov = Guard("ali", prov.(*guarded).Unwrap(), tt.timeout)
			}
			start := time.Now()
			err := prov.Set(context.Background(), addrRec("home", "A", "192.0.2.1", 600*time.Second))
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
		})
	}
}

// TestCredentialRouterLeavesOthersAlone: only requests to the API host that
// are signed with a registered credential are taken over.
func TestCredentialRouterLeavesOthersAlone(t *testing.T) {
	var base []string
	baseRT := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		base = append(base, r.URL.String())
		return &http.Response{StatusCode: 204, Body: http.NoBody, Request: r}, nil
	})
	hit := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hit++ }))
	defer srv.Close()
	rt := newRetryTransport(Env{Endpoint: srv.URL, Logger: hclog.NewNullLogger()}, http.DefaultTransport)
	c := &credentialRouter{base: baseRT, routes: map[string]route{
		"ACS3-HMAC-SHA256 LTAIone": {host: func(h string) bool { return h == alidnsHost }, rt: rt},
	}}
	send := func(url, auth string) {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader("x"))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := c.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	send("https://alidns.aliyuncs.com/", "ACS3-HMAC-SHA256 Credential=LTAIone,SignedHeaders=host,Signature=00")
	send("https://alidns.aliyuncs.com/", "ACS3-HMAC-SHA256 Credential=LTAItwo,SignedHeaders=host,Signature=00")
	send("https://example.net/", "ACS3-HMAC-SHA256 Credential=LTAIone,SignedHeaders=host,Signature=00")
	send("https://alidns.aliyuncs.com/", "")
	if hit != 1 || len(base) != 3 {
		t.Errorf("routed %d, passed through %q", hit, base)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
