package ddns

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/providers"
	"github.com/ddnsd/ddns/providers/providertest"
	"github.com/hashicorp/go-hclog"

	"github.com/ddnsd/ddns/testsupport/linebuf"
)

// proxiedRig runs engines with the real Cloudflare adapter against the fake
// API, one record home.example.com A, the address from an echo source, and
// one state file across engines (each config change is a new engine, as an
// updater restarted on the new config is).
type proxiedRig struct {
	t     *testing.T
	api   *providertest.Cloudflare
	echo  *echoServer
	state string
	logs  *linebuf.Buffer
	last  *Engine
}

func newProxiedRig(t *testing.T) *proxiedRig {
	api := providertest.NewCloudflare("tok-123", "example.com")
	t.Cleanup(api.Close)
	return &proxiedRig{t: t, api: api, echo: newEcho(t, "11.22.33.44"), state: filepath.Join(t.TempDir(), "state.json"), logs: &linebuf.Buffer{}}
}

// engine builds an engine whose account has accountLine and whose record
// has recordLine (each "" or a TOML line such as "proxied = true").
func (r *proxiedRig) engine(accountLine, recordLine string) *Engine {
	r.t.Helper()
	text := fmt.Sprintf("[ip]\nv4 = [{ type = \"http\", url = %q }]\n"+
		"[providers.cf]\ntype = \"cloudflare\"\napi_token = \"tok-123\"\nendpoint = %q\n%s\n"+
		"[[records]]\nprovider = \"cf\"\nzone = \"example.com\"\nname = \"home\"\n%s\n", r.echo.URL, r.api.URL, accountLine, recordLine)
	cfg, err := configs.Parse("cf.toml", []byte(text), configs.Options{})
	if err != nil {
		r.t.Fatal(err)
	}
	eng, err := New(cfg, Options{Logger: hclog.New(&hclog.LoggerOptions{Output: r.logs, Level: hclog.Debug}), Clock: newFakeClock(), StatePath: r.state})
	if err != nil {
		r.t.Fatal(err)
	}
	if r.last != nil {
		r.last.Close()
	}
	r.last = eng
	r.t.Cleanup(func() { eng.Close() })
	return eng
}

func (r *proxiedRig) pass(eng *Engine, what string) RecordResult {
	r.t.Helper()
	res := eng.Pass(context.Background())
	if err := res.Err(); err != nil {
		r.t.Fatalf("%s: %v\n%s", what, err, r.logs)
	}
	return res.Records[0]
}

func (r *proxiedRig) wantZone(what string, want ...string) {
	r.t.Helper()
	if got := r.api.State(); !reflect.DeepEqual(got, want) {
		r.t.Fatalf("%s: Cloudflare holds %q, want %q", what, got, want)
	}
}

func (r *proxiedRig) statedProxied() *bool {
	r.t.Helper()
	st, err := LoadState(r.state)
	if err != nil {
		r.t.Fatal(err)
	}
	return st.Records["home.example.com/A"].Proxied
}

// TestProxiedUnsetLeavesADashboardProxiedRecord: with proxied said nowhere,
// an address change keeps the proxied flag a person set in Cloudflare's
// dashboard (it used to be switched off at the next write).
func TestProxiedUnsetLeavesADashboardProxiedRecord(t *testing.T) {
	r := newProxiedRig(t)
	r.api.Add("home.example.com", "A", "192.0.2.7", 1, true)
	r.api.Calls()
	eng := r.engine("", "")
	if res := r.pass(eng, "address change"); res.Action != ActionUpdated {
		t.Fatalf("action %s, want updated", res.Action)
	}
	r.wantZone("after the address change", "home.example.com A 11.22.33.44 1 proxied")
	if p := r.statedProxied(); p != nil {
		t.Errorf("the state records proxied %v for a record that asks none", *p)
	}
	r.api.Calls()
	r.pass(eng, "second pass")
	if c := r.api.Calls(); providertest.Total(c) != 0 {
		t.Errorf("a pass with nothing changed made calls: %v", c)
	}
}

// TestProxiedFlipIsPublished: switching proxied on in the config (on the
// record, or on its account) for a record whose address already matches is
// written at the next pass, shown by the dry run first, recorded in the
// state, and then needs no call; switching it off again is written too.
func TestProxiedFlipIsPublished(t *testing.T) {
	for _, tt := range []struct{ name, account, record, accountOff, recordOff string }{
		{name: "record's", record: "proxied = true", recordOff: "proxied = false"},
		{name: "account's", account: "proxied = true", accountOff: "proxied = false"},
		{name: "record's over account's", account: "proxied = false", record: "proxied = true", accountOff: "proxied = false", recordOff: "proxied = false"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newProxiedRig(t)
			r.pass(r.engine("", ""), "first pass")
			r.wantZone("after the first pass", "home.example.com A 11.22.33.44 300")
			r.api.Calls()

			eng := r.engine(tt.account, tt.record)
			items, err := eng.Plan(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var plan bytes.Buffer
			if err := WritePlan(&plan, items); err != nil {
				t.Fatal(err)
			}
			wantPlan := "home.example.com A (cf): current 11.22.33.44 unproxied (provider), wanted 11.22.33.44 proxied: would update (its proxied setting differs)\n"
			if plan.String() != wantPlan {
				t.Errorf("plan:\n%s\nwant:\n%s", plan.String(), wantPlan)
			}
			if c := r.api.Calls(); providertest.Writes(c) != 0 {
				t.Fatalf("the plan wrote: %v", c)
			}
			if res := r.pass(eng, "pass after the flip"); res.Action != ActionUpdated {
				t.Fatalf("action %s, want updated", res.Action)
			}
			r.wantZone("after the flip", "home.example.com A 11.22.33.44 1 proxied")
			if p := r.statedProxied(); p == nil || !*p {
				t.Errorf("the state records proxied %v, want true", p)
			}
			r.api.Calls()
			if res := r.pass(eng, "next pass"); res.Action != ActionUnchanged {
				t.Errorf("next pass action %s, want unchanged", res.Action)
			}
			if c := r.api.Calls(); providertest.Total(c) != 0 {
				t.Errorf("a pass with nothing changed made calls: %v", c)
			}

			// And back: the state says proxied was published, so the
			// change is seen without reading Cloudflare.
			eng = r.engine(tt.accountOff, tt.recordOff)
			if res := r.pass(eng, "pass after switching it off"); res.Action != ActionUpdated {
				t.Fatalf("action %s, want updated", res.Action)
			}
			r.wantZone("after switching it off", "home.example.com A 11.22.33.44 300")
		})
	}
}

// TestProxiedWithAStateFromBefore: a state file written before proxied was
// kept (no proxied field) still loads; a record that asks proxied is then
// read from Cloudflare once, written only when Cloudflare differs, and the
// state records what was published.
func TestProxiedWithAStateFromBefore(t *testing.T) {
	for _, tt := range []struct {
		name      string
		proxiedCF bool
		writes    int
	}{
		{name: "Cloudflare already proxies it: no write", proxiedCF: true, writes: 0},
		{name: "Cloudflare does not: one write", proxiedCF: false, writes: 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newProxiedRig(t)
			ttl := 300
			if tt.proxiedCF {
				ttl = 1
			}
			r.api.Add("home.example.com", "A", "11.22.33.44", ttl, tt.proxiedCF)
			old := `{"version": 1, "records": {"home.example.com/A": {"address": "11.22.33.44", "provider": "cf", "ttl": 300,` +
				` "synced_at": "2026-11-01T12:00:00Z", "resynced_at": "2026-11-01T12:00:00Z"}}}` + "\n"
			if err := os.WriteFile(r.state, []byte(old), 0o600); err != nil {
				t.Fatal(err)
			}
			if st, err := LoadState(r.state); err != nil || st.Records["home.example.com/A"].Address != "11.22.33.44" {
				t.Fatalf("the old state file does not load: %+v, %v", st, err)
			}
			eng := r.engine("", "proxied = true")
			r.pass(eng, "first pass")
			c := r.api.Calls()
			if c["GET records"] == 0 || providertest.Writes(c) != tt.writes {
				t.Errorf("calls %v, want a read and %d write(s)", c, tt.writes)
			}
			r.wantZone("after the pass", "home.example.com A 11.22.33.44 1 proxied")
			if p := r.statedProxied(); p == nil || !*p {
				t.Errorf("the state records proxied %v, want true", p)
			}
			r.pass(eng, "second pass")
			if c := r.api.Calls(); providertest.Total(c) != 0 {
				t.Errorf("second pass calls %v, want none", c)
			}
		})
	}
}

// TestProxiedVerifyFailsWhenCloudflareKeepsAnother: when Cloudflare answers
// a write with success but keeps the other proxied setting, the read-back
// fails the record as rejected data, the state is not saved as done, and
// the next pass tries again.
func TestProxiedVerifyFailsWhenCloudflareKeepsAnother(t *testing.T) {
	r := newProxiedRig(t)
	r.api.Add("home.example.com", "A", "11.22.33.44", 300, false)
	r.api.KeepProxied(true)
	eng := r.engine("", "proxied = true")
	res := eng.Pass(context.Background()).Records[0]
	if res.Action != ActionFailed || !errors.Is(res.Err, providers.ErrRejected) {
		t.Fatalf("action %s, error %v; want failed, rejected data", res.Action, res.Err)
	}
	if msg := res.Err.Error(); !strings.Contains(msg, "proxied = false, not proxied = true") {
		t.Errorf("error %q does not say which proxied Cloudflare kept", msg)
	}
	if c := r.api.Calls(); c["PATCH record"] != 1 {
		t.Errorf("calls %v, want one PATCH", c)
	}
	if st, _ := LoadState(r.state); st.Records["home.example.com/A"].Proxied != nil {
		t.Errorf("the state records %+v after a write that did not take", st.Records["home.example.com/A"])
	}
	r.api.KeepProxied(false)
	if res := r.pass(eng, "retry"); res.Action != ActionUpdated {
		t.Errorf("retry action %s, want updated", res.Action)
	}
	r.wantZone("after the retry", "home.example.com A 11.22.33.44 1 proxied")
}
