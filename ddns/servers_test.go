package ddns

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/miekg/dns"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/netprobe"
	"github.com/ddnsd/ddns/providers/providertest/dnsserver"
)

// serverEngine is an engine with the real rfc2136 provider pointed at srv,
// one record of the given name, and the address source src4.
func serverEngine(t *testing.T, srv *dnsserver.Server, name, verify string, src *fakeSource, opts Options) (*Engine, string) {
	t.Helper()
	v := ""
	if verify != "" {
		v = fmt.Sprintf("verify = %q\n", verify)
	}
	text := fmt.Sprintf(`[updater]
interval = "1m"
timeout = "10s"
[ip]
v4 = [{ type = "interface", name = "fake0" }]
defaults = false
allow_private = true # documentation ranges
[providers.lab]
type = "rfc2136"
server = %q
key_name = %q
key_secret = %q
[[records]]
provider = "lab"
zone = %q
name = %q
type = "A"
ttl = 60
%s`, srv.Addr, srv.UpdateKey.Name, srv.UpdateKey.Secret, srv.Zone, name, v)
	cfg, err := configs.Parse("lab.toml", []byte(text), configs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "state.json")
	opts.StatePath = path
	opts.Logger = hclog.NewNullLogger()
	opts.Sources = map[netprobe.Family][]netprobe.Source{netprobe.IPv4: {src}}
	eng, err := New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	return eng, path
}

// TestCNAMEAtTheNameFailsThePass runs the engine against each real server
// with a CNAME at the record's name. BIND and Knot answer NOERROR and drop
// the address, PowerDNS refuses it: every pass must fail as rejected data
// naming the CNAME, the state must not claim the address, and the next
// pass must try again.
func TestCNAMEAtTheNameFailsThePass(t *testing.T) {
	for _, kind := range dnsserver.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			srv := dnsserver.Start(t, kind, dnsserver.Options{Records: "alias IN CNAME ns\n"})
			src := &fakeSource{}
			src.set("192.0.2.44")
			eng, path := serverEngine(t, srv, "alias", "", src, Options{})
			// A failure on the second pass with the same cause proves it
			// wrote again: only the write's own check names the CNAME.
			for pass := 1; pass <= 2; pass++ {
				res := eng.Pass(context.Background())
				rr := res.Records[0]
				if rr.Action != ActionFailed || res.Code() != ipc.ExitRejected {
					t.Fatalf("pass %d: %s, action %s, code %d, %v; want failed, exit 4", pass, res.Summary(), rr.Action, res.Code(), rr.Err)
				}
				if msg := rr.Err.Error(); !strings.Contains(msg, "CNAME") || !strings.Contains(msg, "alias.example.test") {
					t.Fatalf("pass %d: error %q does not name the CNAME at alias.example.test", pass, msg)
				}
				if st, err := LoadState(path); err == nil {
					if e, ok := st.Records["alias.example.test/A"]; ok {
						t.Fatalf("pass %d: the state claims %+v", pass, e)
					}
				}
				if got, _ := srv.Addresses(t, "alias", dns.TypeA); len(got) != 0 {
					t.Fatalf("pass %d: alias A = %v beside its CNAME", pass, got)
				}
			}
		})
	}
}

// TestAuthoritativeAgainstBIND: with verify = "authoritative" the engine
// finds the zone's NS (ns.example.test, 127.0.0.1) through a resolver
// that asks BIND, asks BIND as that server, and saves the verified write.
func TestAuthoritativeAgainstBIND(t *testing.T) {
	srv := dnsserver.Start(t, dnsserver.BIND, dnsserver.Options{})
	_, port, _ := net.SplitHostPort(srv.Addr)
	src := &fakeSource{}
	src.set("192.0.2.45")
	eng, path := serverEngine(t, srv, "home", configs.VerifyAuthoritative, src,
		Options{Resolver: resolverAt(srv.Addr), AuthoritativePort: port})
	res := eng.Pass(context.Background())
	if res.Err() != nil || res.Records[0].Action != ActionUpdated {
		t.Fatalf("%s, %v", res.Summary(), res.Err())
	}
	st, err := LoadState(path)
	if err != nil || st.Records["home.example.test/A"].Address != "192.0.2.45" {
		t.Fatalf("state: %+v, %v", st, err)
	}
}
