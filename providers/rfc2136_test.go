package providers

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/miekg/dns"

	"github.com/ddnsd/ddns/providers/providertest/dnsserver"
)

func quietEnv(name string) Env {
	return Env{Name: name, Logger: hclog.NewNullLogger(), Timeout: 5 * time.Second}
}

func newRFC2136ForTest(t *testing.T, server string, k dnsserver.Key) Provider {
	t.Helper()
	p, err := rfc2136Spec().New(quietEnv("bind"), Params{
		"server":        server,
		"key_name":      k.Name,
		"key_algorithm": k.Algorithm,
		"key_secret":    k.Secret,
	})
	if err != nil {
		t.Fatalf("new rfc2136: %v", err)
	}
	return p
}

// fastRetries shortens p's retry waits to a millisecond, for tests of what
// is retried rather than of how long it waits.
func fastRetries(p Provider) Provider {
	p.(*rfc2136).delay = func(int) time.Duration { return time.Millisecond }
	return p
}

func TestRFC2136Constructor(t *testing.T) {
	const secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ="
	good := func() Params {
		return Params{"server": "127.0.0.1:53", "key_name": "ddns-key", "key_secret": secret}
	}
	tests := []struct {
		name    string
		edit    func(Params)
		wantKey string // the key the error must name; "" = no error
	}{
		{"valid defaults", func(Params) {}, ""},
		{"bare address gets port 53", func(p Params) { p["server"] = "127.0.0.1" }, ""},
		{"bare IPv6 address", func(p Params) { p["server"] = "::1" }, ""},
		{"bracketed IPv6 with port", func(p Params) { p["server"] = "[::1]:5353" }, ""},
		{"host name", func(p Params) { p["server"] = "ns1.example.net:53" }, ""},
		{"sha512 with trailing dot", func(p Params) { p["key_algorithm"] = "HMAC-SHA512." }, ""},
		{"tcp transport", func(p Params) { p["transport"] = "tcp" }, ""},
		{"missing server", func(p Params) { delete(p, "server") }, "server"},
		{"bad port", func(p Params) { p["server"] = "127.0.0.1:99999" }, "server"},
		{"server not a string", func(p Params) { p["server"] = int64(53) }, "server"},
		{"missing key_name", func(p Params) { delete(p, "key_name") }, "key_name"},
		{"blank key_name", func(p Params) { p["key_name"] = "  " }, "key_name"},
		{"missing key_secret", func(p Params) { delete(p, "key_secret") }, "key_secret"},
		{"secret not base64", func(p Params) { p["key_secret"] = "not*base64!" + secret }, "key_secret"},
		{"unknown algorithm", func(p Params) { p["key_algorithm"] = "hmac-md4" }, "key_algorithm"},
		{"unknown transport", func(p Params) { p["transport"] = "quic" }, "transport"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := good()
			tt.edit(p)
			prov, err := rfc2136Spec().New(quietEnv("x"), p)
			if tt.wantKey == "" {
				if err != nil || prov == nil {
					t.Fatalf("want a provider, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want an error naming %q, got none", tt.wantKey)
			}
			if !strings.Contains(err.Error(), strconv.Quote(tt.wantKey)) {
				t.Errorf("error %q does not name key %q", err, tt.wantKey)
			}
			if s := p.String("key_secret"); s != "" && strings.Contains(err.Error(), s) {
				t.Errorf("error %q contains the secret", err)
			}
		})
	}
}

func TestRFC2136AgainstBIND(t *testing.T) {
	srv := startBIND(t)
	ctx := context.Background()
	prov := newRFC2136ForTest(t, srv.Addr, srv.UpdateKey)

	set := func(t *testing.T, p Provider, name, typ, addr string, ttl time.Duration) error {
		t.Helper()
		return p.Set(ctx, Record{Zone: srv.Zone, Name: name, Type: typ, Addr: netip.MustParseAddr(addr), TTL: ttl})
	}
	expect := func(t *testing.T, fqdn string, qtype uint16, want []string, wantTTL uint32) {
		t.Helper()
		got, ttls := srv.Addresses(t, fqdn, qtype)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("%s %s on the server = %v, want exactly %v", fqdn, dns.TypeToString[qtype], got, want)
		}
		for _, ttl := range ttls {
			if ttl != wantTTL {
				t.Fatalf("%s %s TTL = %d, want %d", fqdn, dns.TypeToString[qtype], ttl, wantTTL)
			}
		}
	}

	t.Run("create, change, read back", func(t *testing.T) {
		if err := set(t, prov, "home", "A", "192.0.2.1", 300*time.Second); err != nil {
			t.Fatal(err)
		}
		if err := set(t, prov, "home", "AAAA", "2001:db8::1", 300*time.Second); err != nil {
			t.Fatal(err)
		}
		expect(t, "home.example.test", dns.TypeA, []string{"192.0.2.1"}, 300)
		expect(t, "home.example.test", dns.TypeAAAA, []string{"2001:db8::1"}, 300)

		if err := set(t, prov, "home", "A", "198.51.100.7", 60*time.Second); err != nil {
			t.Fatal(err)
		}
		if err := set(t, prov, "home", "AAAA", "2001:db8::2", 60*time.Second); err != nil {
			t.Fatal(err)
		}
		expect(t, "home.example.test", dns.TypeA, []string{"198.51.100.7"}, 60)
		expect(t, "home.example.test", dns.TypeAAAA, []string{"2001:db8::2"}, 60)

		for _, tc := range []struct {
			typ, addr string
		}{{"A", "198.51.100.7"}, {"AAAA", "2001:db8::2"}} {
			got, err := prov.Get(ctx, srv.Zone, "home", tc.typ)
			if err != nil {
				t.Fatalf("Get %s: %v", tc.typ, err)
			}
			want := []Record{{Zone: srv.Zone, Name: "home", Type: tc.typ, Addr: netip.MustParseAddr(tc.addr), TTL: 60 * time.Second}}
			if !slices.Equal(got, want) {
				t.Fatalf("Get %s = %+v, want %+v", tc.typ, got, want)
			}
		}

		// Setting the value that is already there is not an error.
		if err := set(t, prov, "home", "A", "198.51.100.7", 60*time.Second); err != nil {
			t.Fatalf("repeat set: %v", err)
		}
		expect(t, "home.example.test", dns.TypeA, []string{"198.51.100.7"}, 60)
	})

	t.Run("extra records of the same name and type are removed", func(t *testing.T) {
		expect(t, "multi.example.test", dns.TypeA, []string{"192.0.2.101", "192.0.2.102"}, 3600)
		if err := set(t, prov, "multi", "A", "192.0.2.103", 120*time.Second); err != nil {
			t.Fatal(err)
		}
		expect(t, "multi.example.test", dns.TypeA, []string{"192.0.2.103"}, 120)
	})

	t.Run("apex", func(t *testing.T) {
		if err := set(t, prov, "@", "A", "203.0.113.9", 300*time.Second); err != nil {
			t.Fatal(err)
		}
		expect(t, "example.test", dns.TypeA, []string{"203.0.113.9"}, 300)
		got, err := prov.Get(ctx, srv.Zone, "@", "A")
		if err != nil || len(got) != 1 || got[0].Addr != netip.MustParseAddr("203.0.113.9") {
			t.Fatalf("Get apex = %+v, %v", got, err)
		}
	})

	t.Run("hmac-sha512 key", func(t *testing.T) {
		p512 := newRFC2136ForTest(t, srv.Addr, srv.SHA512Key)
		if err := set(t, p512, "five12", "A", "192.0.2.51", 300*time.Second); err != nil {
			t.Fatal(err)
		}
		expect(t, "five12.example.test", dns.TypeA, []string{"192.0.2.51"}, 300)
	})

	t.Run("missing names read as no records", func(t *testing.T) {
		for _, name := range []string{"nothing-here", "home"} {
			typ := "A"
			if name == "home" {
				typ = "AAAA"
				// home has an AAAA, so ask for a name that has only A.
				name = "five12"
			}
			got, err := prov.Get(ctx, srv.Zone, name, typ)
			if err != nil || len(got) != 0 {
				t.Fatalf("Get %s %s = %+v, %v; want nothing and no error", name, typ, got, err)
			}
		}
		// A CNAME in front of the name is not an address of the name.
		got, err := prov.Get(ctx, srv.Zone, "alias", "A")
		if err != nil || len(got) != 0 {
			t.Fatalf("Get alias A = %+v, %v; want nothing", got, err)
		}
	})

	t.Run("large answer falls back to TCP, still signed", func(t *testing.T) {
		got, err := prov.Get(ctx, srv.Zone, "many", "A")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 60 {
			t.Fatalf("Get many = %d records, want 60", len(got))
		}
		if err := set(t, prov, "many", "A", "198.51.100.200", time.Minute); err != nil {
			t.Fatal(err)
		}
		expect(t, "many.example.test", dns.TypeA, []string{"198.51.100.200"}, 60)
	})

	t.Run("wrong secret is ErrAuth and changes nothing", func(t *testing.T) {
		bad := srv.UpdateKey
		bad.Secret = dnsserver.Secret(t, 32)
		p := newRFC2136ForTest(t, srv.Addr, bad)
		err := set(t, p, "home", "A", "192.0.2.66", 300*time.Second)
		if !errors.Is(err, ErrAuth) {
			t.Fatalf("Set with a wrong secret: %v, want ErrAuth", err)
		}
		if !strings.Contains(err.Error(), "BADSIG") {
			t.Errorf("error %q does not say BADSIG", err)
		}
		if strings.Contains(err.Error(), bad.Secret) || strings.Contains(err.Error(), srv.UpdateKey.Secret) {
			t.Errorf("error %q contains a secret", err)
		}
		expect(t, "home.example.test", dns.TypeA, []string{"198.51.100.7"}, 60)
		if _, err := p.Get(ctx, srv.Zone, "home", "A"); !errors.Is(err, ErrAuth) {
			t.Fatalf("Get with a wrong secret: %v, want ErrAuth", err)
		}
	})

	t.Run("unknown key is ErrAuth", func(t *testing.T) {
		p := newRFC2136ForTest(t, srv.Addr, dnsserver.Key{Name: "nobody-key", Algorithm: "hmac-sha256", Secret: dnsserver.Secret(t, 32)})
		err := set(t, p, "home", "A", "192.0.2.67", 300*time.Second)
		if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "BADKEY") {
			t.Fatalf("Set with an unknown key: %v, want ErrAuth naming BADKEY", err)
		}
		expect(t, "home.example.test", dns.TypeA, []string{"198.51.100.7"}, 60)
	})

	t.Run("wrong algorithm for a known key is ErrAuth", func(t *testing.T) {
		k := srv.UpdateKey
		k.Algorithm = "hmac-sha1"
		p := newRFC2136ForTest(t, srv.Addr, k)
		if err := set(t, p, "home", "A", "192.0.2.68", 300*time.Second); !errors.Is(err, ErrAuth) {
			t.Fatalf("Set with the wrong algorithm: %v, want ErrAuth", err)
		}
	})

	t.Run("key the server accepts but grants no update is ErrRejected", func(t *testing.T) {
		// named signs its REFUSED with the key: the key is good, the
		// update-policy says no, which a new key would not change.
		p := newRFC2136ForTest(t, srv.Addr, srv.OutsideKey)
		err := set(t, p, "home", "A", "192.0.2.69", 300*time.Second)
		if !errors.Is(err, ErrRejected) || errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "REFUSED") {
			t.Fatalf("Set with a key not granted updates: %v, want ErrRejected (not ErrAuth) naming REFUSED", err)
		}
		expect(t, "home.example.test", dns.TypeA, []string{"198.51.100.7"}, 60)
	})

	t.Run("unsigned REFUSED is classified ErrAuth", func(t *testing.T) {
		// The provider always signs, so send the unsigned message by hand and
		// classify named's real reply with the provider's own mapping.
		m := new(dns.Msg)
		m.SetUpdate("example.test.")
		m.Insert([]dns.RR{&dns.A{Hdr: dns.RR_Header{Name: "home.example.test.", Rrtype: dns.TypeA, Ttl: 60}, A: net.ParseIP("192.0.2.70")}})
		r, _, err := (&dns.Client{Timeout: 5 * time.Second}).Exchange(m, srv.Addr)
		if err != nil {
			t.Fatal(err)
		}
		if r.Rcode != dns.RcodeRefused {
			t.Fatalf("named answered an unsigned update with %s, want REFUSED", dns.RcodeToString[r.Rcode])
		}
		err = prov.(*rfc2136).rcodeError("unsigned update", r, false)
		if !errors.Is(err, ErrAuth) {
			t.Fatalf("REFUSED classified as %v, want ErrAuth", err)
		}
		expect(t, "home.example.test", dns.TypeA, []string{"198.51.100.7"}, 60)
	})

	t.Run("zone the server does not serve", func(t *testing.T) {
		err := prov.Set(ctx, Record{Zone: "elsewhere.test", Name: "home", Type: "A", Addr: netip.MustParseAddr("192.0.2.71"), TTL: time.Minute})
		if err == nil {
			t.Fatal("update to a zone named does not serve succeeded")
		}
		// named signs its NOTAUTH with our key: the key is fine, the zone is wrong.
		if !errors.Is(err, ErrRejected) || !strings.Contains(err.Error(), "NOTAUTH") {
			t.Fatalf("update to a foreign zone: %v, want ErrRejected naming NOTAUTH", err)
		}
	})

	t.Run("mismatched address family is rejected before sending", func(t *testing.T) {
		if err := set(t, prov, "home", "A", "2001:db8::9", time.Minute); !errors.Is(err, ErrRejected) {
			t.Fatalf("A record with an IPv6 address: %v, want ErrRejected", err)
		}
		if err := set(t, prov, "home", "TXT", "192.0.2.1", time.Minute); !errors.Is(err, ErrRejected) {
			t.Fatalf("TXT record: %v, want ErrRejected", err)
		}
	})

	t.Run("endpoint replaces server", func(t *testing.T) {
		for i, ep := range []string{srv.Addr, "tcp://" + srv.Addr, "udp://" + srv.Addr} {
			env := quietEnv("bind-ep")
			env.Endpoint = ep
			p, err := rfc2136Spec().New(env, Params{
				"server": "ns1.example.invalid:53", "key_name": srv.UpdateKey.Name, "key_secret": srv.UpdateKey.Secret,
			})
			if err != nil {
				t.Fatal(err)
			}
			addr := netip.AddrFrom4([4]byte{192, 0, 2, byte(200 + i)})
			if err := set(t, p, "viaendpoint", "A", addr.String(), 300*time.Second); err != nil {
				t.Fatalf("endpoint %q: %v", ep, err)
			}
			expect(t, "viaendpoint.example.test", dns.TypeA, []string{addr.String()}, 300)
		}
		env := quietEnv("bind-ep")
		env.Endpoint = "https://" + srv.Addr
		if _, err := rfc2136Spec().New(env, Params{"server": srv.Addr, "key_name": "k", "key_secret": "c2VjcmV0"}); err == nil {
			t.Fatal("an https endpoint was accepted for rfc2136")
		}
	})

	t.Run("latency", func(t *testing.T) {
		// A figure for the report, not a pass/fail threshold.
		const n = 50
		start := time.Now()
		for i := range n {
			if err := set(t, prov, "bench", "A", netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}).String(), time.Minute); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("%d signed updates against named: %s each on average", n, time.Since(start)/n)
		expect(t, "bench.example.test", dns.TypeA, []string{"192.0.2.49"}, 60)
	})

	t.Run("tcp transport", func(t *testing.T) {
		p, err := rfc2136Spec().New(quietEnv("bind-tcp"), Params{
			"server": srv.Addr, "key_name": srv.UpdateKey.Name, "key_secret": srv.UpdateKey.Secret, "transport": "tcp",
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := set(t, p, "viatcp", "AAAA", "2001:db8::53", 300*time.Second); err != nil {
			t.Fatal(err)
		}
		expect(t, "viatcp.example.test", dns.TypeAAAA, []string{"2001:db8::53"}, 300)
	})
}

func TestRFC2136Unreachable(t *testing.T) {
	// A port nothing listens on: UDP gets ICMP port-unreachable at once, TCP a
	// refused connection.
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(dnsserver.FreePort(t)))
	for _, transport := range []string{"udp", "tcp"} {
		t.Run(transport, func(t *testing.T) {
			p, err := rfc2136Spec().New(quietEnv("gone"), Params{
				"server": addr, "key_name": "k", "key_secret": "c2VjcmV0", "transport": transport,
			})
			if err != nil {
				t.Fatal(err)
			}
			p = fastRetries(p)
			err = p.Set(context.Background(), Record{Zone: "example.test", Name: "x", Type: "A", Addr: netip.MustParseAddr("192.0.2.1"), TTL: time.Minute})
			if !errors.Is(err, ErrNetwork) {
				t.Fatalf("Set to a closed port: %v, want ErrNetwork", err)
			}
			if _, err := p.Get(context.Background(), "example.test", "x", "A"); !errors.Is(err, ErrNetwork) {
				t.Fatalf("Get from a closed port: %v, want ErrNetwork", err)
			}
		})
	}
}

func TestRFC2136Timeout(t *testing.T) {
	// A UDP socket that reads and never answers: the provider must give up
	// at the context's deadline with ErrNetwork.
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	p, err := rfc2136Spec().New(quietEnv("silent"), Params{
		"server": pc.LocalAddr().String(), "key_name": "k", "key_secret": "c2VjcmV0",
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = p.Get(ctx, "example.test", "x", "A")
	if !errors.Is(err, ErrNetwork) {
		t.Fatalf("Get from a silent server: %v, want ErrNetwork", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("Get took %s, want it to stop at the 200ms deadline", d)
	}
}

func TestRFC2136UnsignedReplyRefused(t *testing.T) {
	// A server that answers every message NOERROR without a signature, as a
	// forger or a key-stripping middlebox would: the provider must not take
	// it as success.
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(req)
		w.WriteMsg(m)
	})}
	// The server verifies nothing: no TsigSecret, so it does not reject our signature.
	srv.MsgAcceptFunc = func(dns.Header) dns.MsgAcceptAction { return dns.MsgAccept }
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })

	p, err := rfc2136Spec().New(quietEnv("forged"), Params{"server": pc.LocalAddr().String(), "key_name": "k", "key_secret": "c2VjcmV0"})
	if err != nil {
		t.Fatal(err)
	}
	err = p.Set(context.Background(), Record{Zone: "example.test", Name: "x", Type: "A", Addr: netip.MustParseAddr("192.0.2.1"), TTL: time.Minute})
	if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "not signed") {
		t.Fatalf("Set with an unsigned NOERROR reply: %v, want ErrAuth saying the answer is not signed", err)
	}
	if _, err := p.Get(context.Background(), "example.test", "x", "A"); !errors.Is(err, ErrAuth) {
		t.Fatalf("Get with an unsigned reply: %v, want ErrAuth", err)
	}
}

// TestRFC2136ServerAddrAddsPort53: every way of writing a server without a
// port gets port 53 (a bracketed IPv6 address used to become "[[::1]]:53").
func TestRFC2136ServerAddrAddsPort53(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1": "127.0.0.1:53", "::1": "[::1]:53", "[::1]": "[::1]:53", " ns1.example.net ": "ns1.example.net:53",
		"[::1]:5353": "[::1]:5353", "ns1.example.net:5300": "ns1.example.net:5300",
	} {
		if got, err := rfc2136ServerAddr(in); err != nil || got != want {
			t.Errorf("rfc2136ServerAddr(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"a:b:c", ":53", "127.0.0.1:99999"} {
		if got, err := rfc2136ServerAddr(bad); err == nil {
			t.Errorf("rfc2136ServerAddr(%q) = %q, want an error", bad, got)
		}
	}
}

// tsigServer is a UDP DNS server on loopback that knows key k and answers
// each message with the next rcode of answers (the last one repeats; -1
// answers nothing),
// signed with k, as a real server that accepted the key would.
func tsigServer(t *testing.T, k dnsserver.Key, answers ...int) (addr string, count func() int) {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	n := 0
	srv := &dns.Server{PacketConn: pc, TsigSecret: map[string]string{dns.Fqdn(k.Name): k.Secret},
		Handler: dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
			mu.Lock()
			rc := answers[min(n, len(answers)-1)]
			n++
			mu.Unlock()
			if rc < 0 {
				return // no answer: the client times out
			}
			m := new(dns.Msg)
			m.SetRcode(req, rc)
			if req.IsTsig() != nil && w.TsigStatus() == nil {
				m.SetTsig(dns.Fqdn(k.Name), dns.HmacSHA256, 300, time.Now().Unix())
			}
			w.WriteMsg(m)
		})}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String(), func() int { mu.Lock(); defer mu.Unlock(); return n }
}

// TestRFC2136Retries: SERVFAIL, timeouts and refused connections are retried on the
// HTTP transport's schedule (5 tries, 100 ms doubling); answers that are
// not transient (REFUSED, NOTAUTH) are not.
func TestRFC2136Retries(t *testing.T) {
	k := dnsserver.Key{Name: "ddns-key", Algorithm: "hmac-sha256", Secret: dnsserver.Secret(t, 32)}
	tests := []struct {
		name      string
		answers   []int
		wantErr   error // nil: success
		wantTries int
	}{
		{"SERVFAIL twice, then success", []int{dns.RcodeServerFailure, dns.RcodeServerFailure, dns.RcodeSuccess}, nil, 3},
		{"SERVFAIL every time", []int{dns.RcodeServerFailure}, ErrNetwork, 5},
		{"no answer, then success", []int{-1, dns.RcodeSuccess}, nil, 2},
		{"REFUSED is not retried", []int{dns.RcodeRefused}, ErrRejected, 1},
		{"NOTAUTH is not retried", []int{dns.RcodeNotAuth}, ErrRejected, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, count := tsigServer(t, k, tt.answers...)
			p := newRFC2136ForTest(t, addr, k).(*rfc2136)
			p.timeout = 100 * time.Millisecond // one attempt's
			var waits []time.Duration
			p.wait = func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return nil }
			_, err := p.Get(context.Background(), "example.test", "home", "A")
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("Get: %v, want %v", err, tt.wantErr)
			}
			if got := count(); got != tt.wantTries {
				t.Fatalf("the server got %d messages, want %d", got, tt.wantTries)
			}
			want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond}[:tt.wantTries-1]
			if !slices.Equal(waits, want) {
				t.Fatalf("waits %v, want %v", waits, want)
			}
		})
	}
	t.Run("refused connection is retried", func(t *testing.T) {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(dnsserver.FreePort(t)))
		p := newRFC2136ForTest(t, addr, k).(*rfc2136)
		waits := 0
		p.wait = func(ctx context.Context, d time.Duration) error { waits++; return nil }
		if _, err := p.Get(context.Background(), "example.test", "home", "A"); !errors.Is(err, ErrNetwork) {
			t.Fatalf("Get from a closed port: %v, want ErrNetwork", err)
		}
		if waits != 4 {
			t.Fatalf("%d retries, want 4 (5 tries)", waits)
		}
	})
}
