package ddns

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/netprobe"
	"github.com/ddnsd/ddns/providers"
)

func TestNothingChangedMeansNoProviderCalls(t *testing.T) {
	cfg := testConfig(t, "", "home example.com A acct", "home example.com AAAA acct", "nas example.com A other")
	r := newRig(t, cfg, filepath.Join(t.TempDir(), "state.json"))
	res := r.eng.Pass(context.Background())
	if res.Err() != nil || res.Changed != 3 {
		t.Fatalf("first pass: %s, err %v", res.Summary(), res.Err())
	}
	if g, s := r.provs["acct"].calls(); g != 4 || s != 2 {
		t.Fatalf("first pass on acct: %d gets, %d sets; want 4 and 2 (read, create, read back)", g, s)
	}
	r.provs["other"].calls()
	info1, err := os.Stat(r.path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		r.clock.Advance(time.Minute)
		res := r.eng.Pass(context.Background())
		if res.Err() != nil || res.Changed != 0 || res.Failed != 0 {
			t.Fatalf("pass %d: %s, %v", i+2, res.Summary(), res.Err())
		}
		for name, p := range r.provs {
			if g, s := p.calls(); g+s != 0 {
				t.Fatalf("pass %d with nothing changed called %s %d times (%d gets, %d sets); want 0", i+2, name, g+s, g, s)
			}
		}
	}
	if info2, _ := os.Stat(r.path); !info2.ModTime().Equal(info1.ModTime()) {
		t.Error("the state file was rewritten although nothing changed")
	}

	// A new address: only the records of that family are set, without a read.
	r.src4.set("11.22.33.45")
	res = r.eng.Pass(context.Background())
	if res.Changed != 2 || res.Err() != nil {
		t.Fatalf("after an IPv4 change: %s, %v", res.Summary(), res.Err())
	}
	g1, s1 := r.provs["acct"].calls()
	g2, s2 := r.provs["other"].calls()
	if g1+g2 != 2 || s1+s2 != 2 {
		t.Fatalf("IPv4 change: %d gets, %d sets; want 2 sets and no read before them (2 gets: the read-backs)", g1+g2, s1+s2)
	}
	if a := r.provs["other"].get("nas.example.com/A"); a != netip.MustParseAddr("11.22.33.45") {
		t.Fatalf("nas A holds %v", a)
	}
	if !strings.Contains(r.logs.String(), "home.example.com A: updated 11.22.33.44 → 11.22.33.45 in") {
		t.Errorf("no update line in the log:\n%s", r.logs)
	}
	if !strings.Contains(r.logs.String(), "pass finished: 3 records, 2 changed, 0 failed in") {
		t.Errorf("no summary line in the log:\n%s", r.logs)
	}
}

func TestResyncRepairsDrift(t *testing.T) {
	cfg := testConfig(t, "", "home example.com A acct")
	r := newRig(t, cfg, filepath.Join(t.TempDir(), "state.json"))
	p := r.provs["acct"]
	if res := r.eng.Pass(context.Background()); res.Err() != nil {
		t.Fatal(res.Err())
	}
	p.calls()
	// Someone edits the record by hand. Before the resync is due, the
	// updater trusts its state and calls nothing.
	p.put("home.example.com/A", netip.MustParseAddr("9.9.9.9"))
	r.clock.Advance(23 * time.Hour)
	if res := r.eng.Pass(context.Background()); res.Changed != 0 {
		t.Fatalf("before the resync: %s", res.Summary())
	}
	if g, s := p.calls(); g+s != 0 {
		t.Fatalf("before the resync: %d gets, %d sets", g, s)
	}
	r.clock.Advance(time.Hour)
	res := r.eng.Pass(context.Background())
	if res.Changed != 1 || res.Records[0].Action != ActionRepaired || res.Records[0].Previous != netip.MustParseAddr("9.9.9.9") {
		t.Fatalf("at the resync: %s, %+v", res.Summary(), res.Records[0])
	}
	if g, s := p.calls(); g != 2 || s != 1 {
		t.Fatalf("resync: %d gets, %d sets; want 2 (the resync's read and the read-back) and 1", g, s)
	}
	if a := p.get("home.example.com/A"); a != netip.MustParseAddr("11.22.33.44") {
		t.Fatalf("after the repair the record holds %v", a)
	}
	if !strings.Contains(r.logs.String(), "repaired 9.9.9.9 → 11.22.33.44") {
		t.Errorf("no repair line:\n%s", r.logs)
	}
	// A resync that finds the record right makes no write, and the next
	// comparison is a full period later.
	r.clock.Advance(24 * time.Hour)
	r.eng.Pass(context.Background())
	if g, s := p.calls(); g != 1 || s != 0 {
		t.Fatalf("resync of a correct record: %d gets, %d sets; want 1 and 0", g, s)
	}
	r.clock.Advance(time.Hour)
	r.eng.Pass(context.Background())
	if g, s := p.calls(); g+s != 0 {
		t.Fatalf("an hour after a resync: %d gets, %d sets", g, s)
	}
}

func TestOneFailingRecordDoesNotStopTheOthers(t *testing.T) {
	cfg := testConfig(t, "", "a example.com A acct", "b example.com A acct", "c example.com A acct", "d example.com A other")
	r := newRig(t, cfg, filepath.Join(t.TempDir(), "state.json"))
	r.provs["acct"].errFor["b.example.com/A"] = fmt.Errorf("fake refuses b: %w", providers.ErrRejected)
	r.provs["other"].errAll = fmt.Errorf("fake down: %w", providers.ErrNetwork)
	res := r.eng.Pass(context.Background())
	if res.Changed != 2 || res.Failed != 2 {
		t.Fatalf("%s; want 2 changed, 2 failed", res.Summary())
	}
	for _, k := range []string{"a.example.com/A", "c.example.com/A"} {
		if r.provs["acct"].get(k) != netip.MustParseAddr("11.22.33.44") {
			t.Errorf("%s was not set", k)
		}
	}
	if code := res.Code(); code != ipc.ExitRejected {
		t.Errorf("code %d; want 4 (rejected outranks network)", code)
	}
	recs := r.eng.Records()
	if recs[0].Error != "" || recs[0].Address != "11.22.33.44" || recs[0].SyncedAt.IsZero() {
		t.Errorf("record a: %+v", recs[0])
	}
	if !strings.Contains(recs[1].Error, "fake refuses b") || !strings.Contains(recs[3].Error, "fake down") {
		t.Errorf("errors not kept per record: %+v", recs)
	}
	// The failed ones are retried next pass (no state was written for them),
	// the good ones are not touched.
	delete(r.provs["acct"].errFor, "b.example.com/A")
	r.provs["other"].errAll = nil
	r.provs["acct"].calls()
	res = r.eng.Pass(context.Background())
	if res.Changed != 2 || res.Failed != 0 {
		t.Fatalf("retry: %s", res.Summary())
	}
	if g, s := r.provs["acct"].calls(); g != 2 || s != 1 {
		t.Fatalf("retry on acct: %d gets, %d sets; want only b's (its read and read-back, one set)", g, s)
	}
	if recs := r.eng.Records(); recs[1].Error != "" {
		t.Errorf("b's error was not cleared: %+v", recs[1])
	}
}

func TestCorruptStateIsRebuiltFromProviders(t *testing.T) {
	valid := `{"version":1,"records":{"home.example.com/A":{"address":"11.22.33.44","provider":"acct","synced_at":"2026-11-01T12:00:00Z","resynced_at":"2026-11-01T12:00:00Z"}}}`
	cases := []struct {
		name, content, wantLog string
	}{
		{"garbage", "\x00\x01 not json at all", "is not valid JSON"},
		{"truncated", valid[:len(valid)/2], "is not valid JSON"},
		{"wrong version", strings.Replace(valid, `"version":1`, `"version":7`, 1), "has version 7"},
		{"two documents", valid + valid, "after its JSON document"},
		{"unreadable", "", "cannot read the state file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.json")
			if tc.name == "unreadable" {
				// A folder where the file should be: reading fails, and so
				// does saving, but the pass must still do its work.
				if err := os.Mkdir(path, 0o700); err != nil {
					t.Fatal(err)
				}
			} else if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := testConfig(t, "", "home example.com A acct", "www example.com A acct")
			r := newRig(t, cfg, path)
			p := r.provs["acct"]
			p.put("home.example.com/A", netip.MustParseAddr("11.22.33.44")) // already right
			p.put("www.example.com/A", netip.MustParseAddr("9.9.9.9"))      // stale
			if !strings.Contains(r.logs.String(), tc.wantLog) || !strings.Contains(r.logs.String(), path) {
				t.Fatalf("the log does not name the file and the problem (%q):\n%s", tc.wantLog, r.logs)
			}
			res := r.eng.Pass(context.Background())
			if g, s := p.calls(); g != 3 || s != 1 {
				t.Fatalf("rebuild: %d gets, %d sets; want 3 gets (both records read, www read back after its set) and 1 set (www)", g, s)
			}
			if p.get("www.example.com/A") != netip.MustParseAddr("11.22.33.44") {
				t.Fatal("www was not repaired")
			}
			if tc.name == "unreadable" {
				if res.StateErr == nil {
					t.Fatal("saving over a folder did not fail")
				}
				return
			}
			if res.Err() != nil {
				t.Fatal(res.Err())
			}
			st, err := LoadState(path)
			if err != nil || len(st.Records) != 2 {
				t.Fatalf("rebuilt state: %v, %+v", err, st)
			}
			// Rebuilt: the next pass makes no call.
			r.eng.Pass(context.Background())
			if g, s := p.calls(); g+s != 0 {
				t.Fatalf("after the rebuild: %d gets, %d sets", g, s)
			}
		})
	}
}

func TestUnreadableProviderIsSetAnyway(t *testing.T) {
	cfg := testConfig(t, "", "home example.com A acct")
	r := newRig(t, cfg, filepath.Join(t.TempDir(), "state.json"))
	r.provs["acct"].noRead = true
	res := r.eng.Pass(context.Background())
	if res.Err() != nil || res.Changed != 1 {
		t.Fatalf("%s, %v", res.Summary(), res.Err())
	}
	if g, s := r.provs["acct"].calls(); g != 2 || s != 1 {
		t.Fatalf("%d gets, %d sets; want 2 (unsupported, before and after the set) and 1", g, s)
	}
}

func TestStateFileFormat(t *testing.T) {
	cfg := testConfig(t, "", "home example.com A acct")
	r := newRig(t, cfg, filepath.Join(t.TempDir(), "sub", "state.json"))
	r.eng.Pass(context.Background())
	data, err := os.ReadFile(r.path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version int                       `json:"version"`
		Records map[string]map[string]any `json:"records"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	rec := doc.Records["home.example.com/A"]
	if doc.Version != 1 || rec["address"] != "11.22.33.44" || rec["provider"] != "acct" {
		t.Fatalf("state file:\n%s", data)
	}
	for _, k := range []string{"synced_at", "changed_at", "resynced_at"} {
		if s, _ := rec[k].(string); s != "2026-11-01T12:00:00Z" {
			t.Errorf("%s = %v; want the fake clock's time", k, rec[k])
		}
	}
	if m, _ := filepath.Glob(filepath.Join(filepath.Dir(r.path), "*.tmp")); len(m) != 0 {
		t.Errorf("temporary files left: %v", m)
	}
}

func TestStaleTempFilesAreRemoved(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	stale := filepath.Join(dir, "state.json.123456"+tempSuffix)
	other := filepath.Join(dir, "other.json.1"+tempSuffix)
	for _, f := range []string{stale, other} {
		os.WriteFile(f, []byte(`{"vers`), 0o600)
	}
	newRig(t, testConfig(t, "", "home example.com A acct"), path)
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temp file kept: %v", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("a file that is not ours was removed: %v", err)
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	cfg := testConfig(t, "", "home example.com A acct", "www example.com A acct", "v6 example.com AAAA acct")
	path := filepath.Join(t.TempDir(), "state.json")
	// Compared with the provider just now (the rig's clock), so no resync
	// is due and a pass would trust the state.
	resynced := newFakeClock().Now()
	st := &State{Version: 1, Records: map[string]RecordState{
		"home.example.com/A":  {Address: "1.2.3.4", Provider: "acct", ResyncedAt: resynced},
		"v6.example.com/AAAA": {Address: "2001:4860:1::5", Provider: "acct", ResyncedAt: resynced},
	}}
	if err := st.Save(path); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	r := newRig(t, cfg, path)
	items, err := r.eng.Plan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	WritePlan(&out, items)
	want := []string{
		"home.example.com A (acct): current 1.2.3.4 (state file), wanted 11.22.33.44: would update",
		"www.example.com A (acct): current none (provider), wanted 11.22.33.44: would create",
		"v6.example.com AAAA (acct): current 2001:4860:1::5 (state file), wanted 2001:4860:1::5: nothing to do",
	}
	if got := strings.Split(strings.TrimSpace(out.String()), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("plan:\n%s\nwant:\n%s", out.String(), strings.Join(want, "\n"))
	}
	if g, s := r.provs["acct"].calls(); s != 0 || g != 1 {
		t.Fatalf("dry run: %d gets, %d sets; want 1 get (www has no state) and no set", g, s)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Fatal("the dry run changed the state file")
	}

	// Once the resync is due a pass compares with the provider, which holds
	// nothing: the plan says so instead of trusting the state.
	r.clock.Advance(25 * time.Hour)
	items, err = r.eng.Plan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	WritePlan(&out, items)
	if want := "v6.example.com AAAA (acct): current none (provider), wanted 2001:4860:1::5: would repair (the provider holds no such record)"; !strings.Contains(out.String(), want) {
		t.Fatalf("plan with the resync due:\n%s\nwant a line %q", out.String(), want)
	}
}

func TestProviderErrorsAreLocatedConfigErrors(t *testing.T) {
	cfg, err := configs.Parse("/etc/ddns/config.toml", []byte(`
[ip]
v4 = [{ type = "interface", name = "eth0" }]
[providers.home]
type = "cloudflare"
[[records]]
provider = "home"
zone = "example.com"
name = "home"
`), configs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(cfg, Options{StatePath: filepath.Join(t.TempDir(), "s.json")})
	es, ok := configs.AsErrors(err)
	if !ok || len(es) != 1 {
		t.Fatalf("err = %v; want one located config error", err)
	}
	if got := es[0].Error(); !strings.HasPrefix(got, "/etc/ddns/config.toml:4:1: providers.home: ") || !strings.Contains(got, "api_token") {
		t.Fatalf("error %q; want it located at the provider's table and naming the key", got)
	}
}

func TestMissingSourcesForANeededFamily(t *testing.T) {
	cfg, err := configs.Parse("c.toml", []byte(`
[ip]
v4 = [{ type = "interface", name = "eth0" }]
defaults = false
[providers.p]
type = "dryrun"
[[records]]
provider = "p"
zone = "example.com"
type = "AAAA"
`), configs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(cfg, Options{StatePath: filepath.Join(t.TempDir(), "s.json")})
	if err == nil || !strings.Contains(err.Error(), "c.toml:2:1: ip.v6: records of type AAAA need an IPv6 address source") {
		t.Fatalf("err = %v", err)
	}
}

func TestExitCodeFor(t *testing.T) {
	detectBad := &netprobe.Detector{Sources: []netprobe.Source{&fakeSource{addr: netip.MustParseAddr("10.0.0.1")}}}
	_, badErr := detectBad.Detect(context.Background(), netprobe.IPv4)
	cases := []struct {
		name string
		err  error
		want ipc.ExitCode
	}{
		{"nil", nil, ipc.ExitOK},
		{"auth", fmt.Errorf("x: %w", providers.ErrAuth), ipc.ExitAuth},
		{"rejected", fmt.Errorf("x: %w", providers.ErrRejected), ipc.ExitRejected},
		{"bad address", fmt.Errorf("x: %w", netprobe.ErrBadAddress), ipc.ExitRejected},
		{"disagreement", fmt.Errorf("x: %w", netprobe.ErrDisagreement), ipc.ExitRejected},
		{"every source gave a private address", badErr, ipc.ExitRejected},
		{"unreachable", fmt.Errorf("x: %w", netprobe.ErrUnreachable), ipc.ExitNetwork},
		{"provider network", fmt.Errorf("x: %w", providers.ErrNetwork), ipc.ExitNetwork},
		{"other", errors.New("boom"), ipc.ExitFailure},
		{"unsupported", providers.ErrUnsupported, ipc.ExitFailure},
		{"auth outranks the rest", errors.Join(providers.ErrNetwork, providers.ErrRejected, providers.ErrAuth), ipc.ExitAuth},
		{"rejected outranks network", errors.Join(providers.ErrNetwork, errors.New("x"), badErr), ipc.ExitRejected},
		{"network outranks other", errors.Join(errors.New("x"), providers.ErrNetwork), ipc.ExitNetwork},
	}
	for _, tc := range cases {
		if got := ExitCodeFor(tc.err); got != tc.want {
			t.Errorf("%s: ExitCodeFor(%v) = %d, want %d", tc.name, tc.err, got, tc.want)
		}
	}
}

func TestStatePathFor(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	cases := []struct {
		goos string
		env  func(string) string
		uid  int
		home string
		want string
	}{
		{"linux", env(), 1000, "/home/u", "/home/u/.local/state/ddns/state.json"},
		{"linux", env("XDG_STATE_HOME", "/x/state"), 1000, "/home/u", "/x/state/ddns/state.json"},
		{"linux", env("XDG_STATE_HOME", "relative"), 1000, "/home/u", "/home/u/.local/state/ddns/state.json"},
		{"linux", env(), 0, "/root", "/var/lib/ddns/state.json"},
		{"linux", env("STATE_DIRECTORY", "/var/lib/ddns:/other"), 0, "/root", "/var/lib/ddns/state.json"},
		{"freebsd", env(), 1000, "/home/u", "/home/u/.local/state/ddns/state.json"},
		{"darwin", env(), 501, "/Users/u", "/Users/u/Library/Application Support/ddns/state.json"},
		{"darwin", env(), 0, "/var/root", "/Library/Application Support/ddns/state.json"},
		{"windows", env("LOCALAPPDATA", `C:\Users\u\AppData\Local`), -1, `C:\Users\u`, filepath.Join(`C:\Users\u\AppData\Local`, "ddns", "state.json")},
	}
	for _, tc := range cases {
		got, err := statePathFor(tc.goos, tc.env, tc.uid, tc.home)
		if err != nil || got != tc.want {
			t.Errorf("%s uid %d: %q, %v; want %q", tc.goos, tc.uid, got, err, tc.want)
		}
	}
	if _, err := statePathFor("linux", env(), 1000, ""); err == nil || !strings.Contains(err.Error(), "state_file") {
		t.Errorf("no home: %v; want advice to set state_file", err)
	}
}

// A state file that could not be written is written by a later pass even
// when no record changes, as the log line promises; before, the in-memory
// state already held the new records, so no later pass saw a reason to save
// and the file stayed stale until some address changed.
func TestFailedStateSaveIsRetried(t *testing.T) {
	sub := filepath.Join(t.TempDir(), "sub")
	r := newRig(t, testConfig(t, "", "home example.com A acct"), filepath.Join(sub, "state.json"))
	if res := r.eng.Pass(context.Background()); res.Err() != nil || res.Changed != 1 {
		t.Fatalf("first pass: %s, %v", res.Summary(), res.Err())
	}
	// The state folder becomes a file: the next save fails.
	if err := os.RemoveAll(sub); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sub, []byte("not a folder"), 0o600); err != nil {
		t.Fatal(err)
	}
	r.src4.set("11.22.33.45")
	r.clock.Advance(time.Minute)
	if res := r.eng.Pass(context.Background()); res.StateErr == nil || res.Changed != 1 {
		t.Fatalf("second pass: %s, state error %v; want 1 changed and a state error", res.Summary(), res.StateErr)
	}
	if err := os.Remove(sub); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(time.Minute)
	if res := r.eng.Pass(context.Background()); res.Err() != nil || res.Changed != 0 {
		t.Fatalf("third pass: %s, %v", res.Summary(), res.Err())
	}
	st, err := LoadState(r.path)
	if err != nil || st.Records["home.example.com/A"].Address != "11.22.33.45" {
		t.Fatalf("state after the third pass: %v %+v; want the record saved", err, st)
	}
}

// When the comparison with the provider finds the wanted address but another
// TTL than the config's, the record is set; before, it was counted as
// unchanged and the state recorded the config's TTL, so a ttl changed while
// the state file was missing (or drift in the TTL) was never published.
func TestResyncPublishesADifferentTTL(t *testing.T) {
	cfg := testConfig(t, "", "home example.com A acct")
	cfg.Records[0].TTL = 60
	r := newRig(t, cfg, filepath.Join(t.TempDir(), "s.json"))
	r.provs["acct"].put("home.example.com/A", netip.MustParseAddr("11.22.33.44")) // the fake reads back TTL 300
	res := r.eng.Pass(context.Background())
	if res.Err() != nil || res.Records[0].Action != ActionUpdated {
		t.Fatalf("pass: %s, action %s, %v; want the record set with TTL 60", res.Summary(), res.Records[0].Action, res.Err())
	}
	if _, s := r.provs["acct"].calls(); s != 1 {
		t.Fatalf("%d sets, want 1", s)
	}
	// The fake still reads back 300, as a provider that raises TTLs to its
	// minimum does: the state says 60 was published, so a resync sets nothing.
	r.clock.Advance(25 * time.Hour)
	if res := r.eng.Pass(context.Background()); res.Err() != nil || res.Changed != 0 {
		t.Fatalf("resync: %s, %v", res.Summary(), res.Err())
	}
	if g, s := r.provs["acct"].calls(); g != 1 || s != 0 {
		t.Fatalf("resync: %d gets, %d sets; want 1 and 0", g, s)
	}
}

// TestRecordProxiedReachesTheProvider: a record's proxied setting from the
// config is what the provider is asked to set; a record without one asks
// for none (its account's applies).
func TestRecordProxiedReachesTheProvider(t *testing.T) {
	cfg := testConfig(t, "", "home example.com A acct", "mail example.com A acct")
	on := true
	cfg.Records[0].Proxied = &on
	r := newRig(t, cfg, filepath.Join(t.TempDir(), "state.json"))
	if res := r.eng.Pass(context.Background()); res.Err() != nil {
		t.Fatalf("%s, %v", res.Summary(), res.Err())
	}
	p := r.provs["acct"]
	p.mu.Lock()
	defer p.mu.Unlock()
	if got := p.proxied["home.example.com/A"]; got == nil || !*got {
		t.Errorf("home: Set with Proxied %v, want true", got)
	}
	if got, ok := p.proxied["mail.example.com/A"]; !ok || got != nil {
		t.Errorf("mail: Set with Proxied %v (set %v), want nil", got, ok)
	}
}
