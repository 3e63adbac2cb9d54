package providers

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/ddnsd/ddns/providers/providertest"
)

// TestCloudflareRecordProxied checks that a record's own proxied setting
// overrides the account's, both ways, and that a record already as asked
// is left alone.
func TestCloudflareRecordProxied(t *testing.T) {
	on, off := true, false
	tests := []struct {
		name    string
		account Params
		proxied *bool
		before  func(f *providertest.Cloudflare)
		calls   []string
		after   []string
	}{
		{
			name: "record on, account off: created proxied", account: Params{"proxied": false}, proxied: &on,
			calls: []string{"GET zones", "GET records", "POST records"},
			after: []string{"home.example.com A 192.0.2.1 1 proxied"},
		},
		{
			name: "record off, account on: created unproxied with its TTL", account: Params{"proxied": true}, proxied: &off,
			calls: []string{"GET zones", "GET records", "POST records"},
			after: []string{"home.example.com A 192.0.2.1 300"},
		},
		{
			name: "record on, existing unproxied: switched on", proxied: &on,
			before: func(f *providertest.Cloudflare) { f.Add("home.example.com", "A", "192.0.2.1", 300, false) },
			calls:  []string{"GET zones", "GET records", "GET records", "PATCH record"},
			after:  []string{"home.example.com A 192.0.2.1 1 proxied"},
		},
		{
			name: "record off, account on, existing proxied: switched off", account: Params{"proxied": true}, proxied: &off,
			before: func(f *providertest.Cloudflare) { f.Add("home.example.com", "A", "192.0.2.1", 1, true) },
			calls:  []string{"GET zones", "GET records", "GET records", "PATCH record"},
			after:  []string{"home.example.com A 192.0.2.1 300"},
		},
		{
			name: "record on, already proxied: no write", account: Params{"proxied": false}, proxied: &on,
			before: func(f *providertest.Cloudflare) { f.Add("home.example.com", "A", "192.0.2.1", 1, true) },
			calls:  []string{"GET zones", "GET records"},
			after:  []string{"home.example.com A 192.0.2.1 1 proxied"},
		},
		{
			name: "no record setting: the account's", account: Params{"proxied": true},
			calls: []string{"GET zones", "GET records", "POST records"},
			after: []string{"home.example.com A 192.0.2.1 1 proxied"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCloudflare(t, cfToken)
			if tt.before != nil {
				tt.before(f)
			}
			prov, _ := newTestCloudflare(t, f, tt.account)
			rec := addrRec("home", "A", "192.0.2.1", 300*time.Second)
			rec.Proxied = tt.proxied
			if err := prov.Set(context.Background(), rec); err != nil {
				t.Fatalf("Set: %v", err)
			}
			if got := f.CallSequence(); !reflect.DeepEqual(got, tt.calls) {
				t.Errorf("calls %q, want %q", got, tt.calls)
			}
			if got := f.State(); !reflect.DeepEqual(got, tt.after) {
				t.Errorf("zone %q, want %q", got, tt.after)
			}
			// Once set, the same record needs nothing more.
			if err := prov.Set(context.Background(), rec); err != nil {
				t.Fatalf("second Set: %v", err)
			}
			if got := f.CallSequence(); !reflect.DeepEqual(got, []string{"GET records"}) {
				t.Errorf("second Set calls %q, want only the list", got)
			}
		})
	}
}

// TestCloudflareProxiedUnsetLeavesCloudflares checks that with proxied said
// neither on the record nor on the account, a write leaves the record's
// proxied as Cloudflare has it: a PATCH does not send proxied (and sends TTL
// 1 only for a record Cloudflare lists as proxied), a POST sends Cloudflare's
// default, false.
func TestCloudflareProxiedUnsetLeavesCloudflares(t *testing.T) {
	tests := []struct {
		name       string
		before     func(f *providertest.Cloudflare)
		addr       string
		calls      []string
		after      []string
		sent       map[string]any // keys of the last write's body and their values; nil value: absent
		secondOnly []string
	}{
		{
			name:   "proxied in the dashboard, new address: stays proxied",
			before: func(f *providertest.Cloudflare) { f.Add("home.example.com", "A", "192.0.2.7", 1, true) },
			addr:   "192.0.2.1",
			calls:  []string{"GET zones", "GET records", "GET records", "PATCH record"},
			after:  []string{"home.example.com A 192.0.2.1 1 proxied"},
			sent:   map[string]any{"proxied": nil, "ttl": float64(1), "content": "192.0.2.1"},
		},
		{
			name:   "unproxied, new address: stays unproxied with its TTL",
			before: func(f *providertest.Cloudflare) { f.Add("home.example.com", "A", "192.0.2.7", 120, false) },
			addr:   "192.0.2.1",
			calls:  []string{"GET zones", "GET records", "GET records", "PATCH record"},
			after:  []string{"home.example.com A 192.0.2.1 300"},
			sent:   map[string]any{"proxied": nil, "ttl": float64(300)},
		},
		{
			name:   "proxied in the dashboard, same address: no write",
			before: func(f *providertest.Cloudflare) { f.Add("home.example.com", "A", "192.0.2.1", 1, true) },
			addr:   "192.0.2.1",
			calls:  []string{"GET zones", "GET records"},
			after:  []string{"home.example.com A 192.0.2.1 1 proxied"},
		},
		{
			name:  "no record: created unproxied",
			addr:  "192.0.2.1",
			calls: []string{"GET zones", "GET records", "POST records"},
			after: []string{"home.example.com A 192.0.2.1 300"},
			sent:  map[string]any{"proxied": false, "ttl": float64(300)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCloudflare(t, cfToken)
			if tt.before != nil {
				tt.before(f)
			}
			prov, _ := newTestCloudflare(t, f, nil)
			rec := addrRec("home", "A", tt.addr, 300*time.Second)
			if err := prov.Set(context.Background(), rec); err != nil {
				t.Fatalf("Set: %v", err)
			}
			if got := f.CallSequence(); !reflect.DeepEqual(got, tt.calls) {
				t.Errorf("calls %q, want %q", got, tt.calls)
			}
			if got := f.State(); !reflect.DeepEqual(got, tt.after) {
				t.Errorf("zone %q, want %q", got, tt.after)
			}
			body := f.LastWrite()
			for k, want := range tt.sent {
				got, ok := body[k]
				switch {
				case want == nil && ok:
					t.Errorf("the write sent %s = %v; it should leave it out", k, got)
				case want != nil && got != want:
					t.Errorf("the write sent %s = %v (present %t), want %v", k, got, ok, want)
				}
			}
			if err := prov.Set(context.Background(), rec); err != nil {
				t.Fatalf("second Set: %v", err)
			}
			if got := f.CallSequence(); !reflect.DeepEqual(got, []string{"GET records"}) {
				t.Errorf("second Set calls %q, want only the list", got)
			}
		})
	}
}
