package ddns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ddnsd/ddns/backoff"
	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/providers"
	"github.com/miekg/dns"
)

func TestVerify(t *testing.T) {
	want := netip.MustParseAddr("192.0.2.1")
	other := netip.MustParseAddr("192.0.2.9")
	rec := func(as ...netip.Addr) []providers.Record {
		var out []providers.Record
		for _, a := range as {
			out = append(out, providers.Record{Addr: a})
		}
		return out
	}
	readErr := fmt.Errorf("timeout: %w", providers.ErrNetwork)
	tests := []struct {
		name   string
		verify string
		obs    Observed
		want   VerifyKind
		saved  bool
	}{
		{"the provider serves the address", configs.VerifyProvider, Observed{Read: true, Records: rec(want)}, Verified, true},
		{"beside others it still serves it", configs.VerifyProvider, Observed{Read: true, Records: rec(other, want)}, Verified, true},
		{"no record after the write", configs.VerifyProvider, Observed{Read: true}, VerifyMissing, false},
		{"another address after the write", configs.VerifyProvider, Observed{Read: true, Records: rec(other)}, VerifyMissing, false},
		{"the read failed", configs.VerifyProvider, Observed{Read: true, Err: readErr}, VerifyFailed, false},
		{"not read", configs.VerifyProvider, Observed{}, VerifyFailed, false},
		{"the provider cannot read", configs.VerifyProvider, Observed{Read: true, Err: providers.ErrUnsupported}, Unverified, true},
		{"verify none trusts the write", configs.VerifyNone, Observed{}, Unverified, true},
		{"authoritative checks the provider first", configs.VerifyAuthoritative, Observed{Read: true, Records: rec(other)}, VerifyMissing, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Verify(want, nil, configs.Record{Verify: tt.verify}, tt.obs)
			if v.Kind != tt.want || v.Saved() != tt.saved {
				t.Fatalf("Verify = %s (saved %v), want %s (saved %v)", v.Kind, v.Saved(), tt.want, tt.saved)
			}
			if tt.want == VerifyFailed && tt.obs.Err != nil && !errors.Is(v.Err, tt.obs.Err) {
				t.Errorf("Err = %v, want the read's error", v.Err)
			}
			if tt.want == VerifyMissing && len(v.Held) != len(tt.obs.Records) {
				t.Errorf("Held = %v, want what the read returned", v.Held)
			}
		})
	}
}

// TestDroppedWriteIsNotSaved: a provider that answers success to a write it
// drops fails the record with rejected data (exit 4), saying what it serves
// instead (no record, or the old address); the state does not claim the
// address, so the next pass writes again, and once the write takes, it is
// saved.
func TestDroppedWriteIsNotSaved(t *testing.T) {
	cfg := testConfig(t, "", "home example.com A acct")
	path := filepath.Join(t.TempDir(), "state.json")
	r := newRig(t, cfg, path)
	p := r.provs["acct"]
	p.drops = true
	for pass := 1; pass <= 2; pass++ {
		res := r.eng.Pass(context.Background())
		if res.Records[0].Action != ActionFailed || !errors.Is(res.Err(), providers.ErrRejected) || res.Code() != ipc.ExitRejected {
			t.Fatalf("pass %d: %s, action %s, %v; want the record failed as rejected data", pass, res.Summary(), res.Records[0].Action, res.Err())
		}
		if !strings.Contains(res.Err().Error(), "serves no A record, not 11.22.33.44: the change did not take effect") {
			t.Errorf("pass %d: error %q does not say that no record is served and the change did not take effect", pass, res.Err())
		}
		if _, s := p.calls(); s != 1 {
			t.Fatalf("pass %d: %d sets, want 1 (a write that was not verified is tried again)", pass, s)
		}
		st, err := LoadState(path)
		if err == nil {
			if e, ok := st.Records["home.example.com/A"]; ok {
				t.Fatalf("pass %d: the state claims %+v for a write that did not take", pass, e)
			}
		}
	}
	p.drops = false
	res := r.eng.Pass(context.Background())
	if res.Err() != nil || res.Records[0].Action != ActionUpdated {
		t.Fatalf("pass after the provider keeps the write: %s, %v", res.Summary(), res.Err())
	}
	st, err := LoadState(path)
	if err != nil || st.Records["home.example.com/A"].Address != "11.22.33.44" {
		t.Fatalf("state after a verified write: %+v, %v", st, err)
	}
	p.drops = true
	r.src4.set("11.22.33.45")
	res = r.eng.Pass(context.Background())
	if res.Err() == nil || !strings.Contains(res.Err().Error(), "serves 11.22.33.44, not 11.22.33.45") {
		t.Fatalf("a dropped change of an existing record: %s, %v; want the error to name the address still served", res.Summary(), res.Err())
	}
}

// TestVerifyNoneTrustsTheWrite: with verify = "none" nothing is read back
// and the write is saved as done.
func TestVerifyNoneTrustsTheWrite(t *testing.T) {
	cfg := parseVerifyConfig(t, "none", "")
	r := newRig(t, cfg, filepath.Join(t.TempDir(), "state.json"))
	p := r.provs["acct"]
	p.drops = true
	p.noRead = true // the decision's read says "cannot read": no get may follow the set
	res := r.eng.Pass(context.Background())
	if res.Err() != nil || res.Records[0].Action != ActionUpdated {
		t.Fatalf("%s, %v", res.Summary(), res.Err())
	}
	if g, s := p.calls(); g != 1 || s != 1 {
		t.Fatalf("%d gets, %d sets; want 1 get (the decision's) and 1 set, no read-back", g, s)
	}
}

func TestVerifyKeyIsChecked(t *testing.T) {
	_, err := configs.Parse("test.toml", []byte(verifyConfigText("sometimes", "")), configs.Options{})
	if err == nil || !strings.Contains(err.Error(), "verify") || !strings.Contains(err.Error(), "sometimes") {
		t.Fatalf("verify = \"sometimes\": %v, want an error naming the key and the value", err)
	}
	cfg := parseVerifyConfig(t, "", "")
	if cfg.Records[0].Verify != configs.VerifyProvider {
		t.Fatalf("default verify = %q, want %q", cfg.Records[0].Verify, configs.VerifyProvider)
	}
}

func verifyConfigText(verify, extra string) string {
	v := ""
	if verify != "" {
		v = fmt.Sprintf("verify = %q\n", verify)
	}
	return "[updater]\ninterval = \"1m\"\n[ip]\nv4 = [{ type = \"interface\", name = \"fake0\" }]\ndefaults = false\n" + extra +
		"[providers.acct]\ntype = \"fake\"\n[[records]]\nname = \"home\"\nzone = \"example.com\"\ntype = \"A\"\nprovider = \"acct\"\n" + v
}

func parseVerifyConfig(t *testing.T, verify, extra string) *configs.Config {
	t.Helper()
	cfg, err := configs.Parse("test.toml", []byte(verifyConfigText(verify, extra)), configs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// fakeDNS is a UDP DNS server answering, with authority, from a table of
// "NAME TYPE" → records.
type fakeDNS struct {
	mu  sync.Mutex
	rrs map[string][]string // "home.example.com. A" → "home.example.com. 60 IN A 192.0.2.1"
}

func (f *fakeDNS) set(key string, rrs ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rrs[key] = rrs
}

func startFakeDNS(t *testing.T, addr string) (*fakeDNS, string) {
	t.Helper()
	pc, err := net.ListenPacket("udp4", addr)
	if err != nil {
		t.Fatalf("listen on %s: %v", addr, err)
	}
	f := &fakeDNS{rrs: map[string][]string{}}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(req)
		m.Authoritative = true
		q := req.Question[0]
		f.mu.Lock()
		for _, s := range f.rrs[strings.ToLower(q.Name)+" "+dns.TypeToString[q.Qtype]] {
			rr, err := dns.NewRR(s)
			if err == nil {
				m.Answer = append(m.Answer, rr)
			}
		}
		f.mu.Unlock()
		w.WriteMsg(m)
	})}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return f, pc.LocalAddr().String()
}

// resolverAt is a resolver that sends every query to addr.
func resolverAt(addr string) *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", addr)
	}}
}

// TestAuthoritativeVerify: with verify = "authoritative" a write counts
// only when every server the zone's NS records name serves it; one that
// serves the old address fails the record as rejected data, naming the
// server, and the state does not claim the address.
func TestAuthoritativeVerify(t *testing.T) {
	// Two "authoritative servers" on one port at 127.0.0.1 and 127.0.0.2,
	// as the updater asks every server on the same port.
	var port string
	var ns1, ns2 *fakeDNS
	for range 20 {
		pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		_, port, _ = net.SplitHostPort(pc.LocalAddr().String())
		pc.Close()
		if c, err := net.ListenPacket("udp4", "127.0.0.2:"+port); err == nil {
			c.Close()
			break
		}
	}
	ns1, _ = startFakeDNS(t, "127.0.0.1:"+port)
	ns2, _ = startFakeDNS(t, "127.0.0.2:"+port)
	resolver, resAddr := startFakeDNS(t, "127.0.0.1:0")
	resolver.set("example.com. NS", "example.com. 60 IN NS ns1.example.com.", "example.com. 60 IN NS ns2.example.com.")
	resolver.set("ns1.example.com. A", "ns1.example.com. 60 IN A 127.0.0.1")
	resolver.set("ns2.example.com. A", "ns2.example.com. 60 IN A 127.0.0.2")

	cfg := parseVerifyConfig(t, "authoritative", "")
	path := filepath.Join(t.TempDir(), "state.json")
	r := newRig(t, cfg, path)
	r.eng.auth.resolver, r.eng.auth.port = resolverAt(resAddr), port
	r.eng.auth.schedule = backoff.Policy{First: time.Millisecond, Max: time.Millisecond}

	ns1.set("home.example.com. A", "home.example.com. 60 IN A 11.22.33.44")
	ns2.set("home.example.com. A", "home.example.com. 60 IN A 192.0.2.99") // not yet transferred
	pr := r.eng.Pass(context.Background())
	if pr.Code() != ipc.ExitRejected || !strings.Contains(pr.Err().Error(), "ns2.example.com (127.0.0.2) serves 192.0.2.99") {
		t.Fatalf("with a stale secondary: %s, %v; want rejected data naming ns2 and what it serves", pr.Summary(), pr.Err())
	}
	if st, err := LoadState(path); err == nil {
		if _, ok := st.Records["home.example.com/A"]; ok {
			t.Fatal("the state claims the address that ns2 does not serve")
		}
	}

	ns2.set("home.example.com. A", "home.example.com. 60 IN A 11.22.33.44")
	pr = r.eng.Pass(context.Background())
	if pr.Err() != nil {
		t.Fatalf("with both servers serving the address: %s, %v", pr.Summary(), pr.Err())
	}
	if st, err := LoadState(path); err != nil || st.Records["home.example.com/A"].Address != "11.22.33.44" {
		t.Fatalf("state after a verified write: %+v, %v", st, err)
	}
}

// TestVerifyProxied: with a proxied setting asked, the write counts only if
// the provider serves the address with it; a provider that does not report
// proxied, or a record that asks none, is checked by address alone.
func TestVerifyProxied(t *testing.T) {
	want := netip.MustParseAddr("192.0.2.1")
	on, off := true, false
	served := func(p *bool) Observed {
		return Observed{Read: true, Records: []providers.Record{{Addr: want, Proxied: p}}}
	}
	tests := []struct {
		name    string
		asked   *bool
		obs     Observed
		want    VerifyKind
		proxied bool // Verification.Proxied, for VerifyProxied
	}{
		{"proxied asked and served", &on, served(&on), Verified, false},
		{"unproxied asked and served", &off, served(&off), Verified, false},
		{"proxied asked, served unproxied", &on, served(&off), VerifyProxied, false},
		{"unproxied asked, served proxied", &off, served(&on), VerifyProxied, true},
		{"none asked, served proxied", nil, served(&on), Verified, false},
		{"the provider does not report it", &on, served(nil), Verified, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Verify(want, tt.asked, configs.Record{Verify: configs.VerifyProvider}, tt.obs)
			if v.Kind != tt.want || (v.Kind == VerifyProxied && v.Proxied != tt.proxied) {
				t.Fatalf("Verify = %s (proxied %v), want %s (proxied %v)", v.Kind, v.Proxied, tt.want, tt.proxied)
			}
			if v.Kind == VerifyProxied && v.Saved() {
				t.Error("a write whose proxied did not take is saved")
			}
		})
	}
}
