package daemon

import (
	"reflect"
	"testing"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/readiness"
)

// TestProbeChecksDerived: the derived readiness checks name the hosts and
// ports the updater really talks to. DNS servers (RFC 2136 servers and
// endpoints, DNS address sources) default to port 53, as the provider and
// the source do, and an RFC 2136 endpoint is HOST:PORT or udp:// or tcp://,
// not a URL.
func TestProbeChecksDerived(t *testing.T) {
	dns := func(h string) readiness.Check { return readiness.Check{Kind: "dns", Target: h} }
	tcp := func(a string) readiness.Check { return readiness.Check{Kind: "tcp", Target: a} }
	rfc := func(server, endpoint string) map[string]configs.Provider {
		return map[string]configs.Provider{"ns": {Name: "ns", Type: "rfc2136", Endpoint: endpoint, Params: map[string]any{"server": server}}}
	}
	cases := []struct {
		name      string
		providers map[string]configs.Provider
		v4        []configs.Source
		want      []readiness.Check
	}{
		{"cloudflare", map[string]configs.Provider{"cf": {Type: "cloudflare"}}, nil,
			[]readiness.Check{dns("api.cloudflare.com"), tcp("api.cloudflare.com:443")}},
		{"cloudflare endpoint", map[string]configs.Provider{"cf": {Type: "cloudflare", Endpoint: "http://127.0.0.1:8080"}}, nil,
			[]readiness.Check{tcp("127.0.0.1:8080")}},
		{"rfc2136 host:port", rfc("ns1.example.net:5353", ""), nil,
			[]readiness.Check{dns("ns1.example.net"), tcp("ns1.example.net:5353")}},
		{"rfc2136 bare host", rfc("ns1.example.net", ""), nil,
			[]readiness.Check{dns("ns1.example.net"), tcp("ns1.example.net:53")}},
		{"rfc2136 bare address", rfc("192.0.2.53", ""), nil,
			[]readiness.Check{tcp("192.0.2.53:53")}},
		{"rfc2136 bare IPv6 address", rfc("2001:db8::53", ""), nil,
			[]readiness.Check{tcp("[2001:db8::53]:53")}},
		{"rfc2136 endpoint host:port", rfc("ns1.example.net", "127.0.0.1:5353"), nil,
			[]readiness.Check{tcp("127.0.0.1:5353")}},
		{"rfc2136 endpoint name:port", rfc("ns1.example.net", "localhost:5353"), nil,
			[]readiness.Check{dns("localhost"), tcp("localhost:5353")}},
		{"rfc2136 endpoint udp://", rfc("ns1.example.net", "udp://127.0.0.1:5353"), nil,
			[]readiness.Check{tcp("127.0.0.1:5353")}},
		{"dns source", nil, []configs.Source{{Type: "dns", Server: "1.1.1.1:53"}},
			[]readiness.Check{tcp("1.1.1.1:53")}},
		{"dns source without port", nil, []configs.Source{{Type: "dns", Server: "resolver1.opendns.com"}},
			[]readiness.Check{dns("resolver1.opendns.com"), tcp("resolver1.opendns.com:53")}},
		{"http source", nil, []configs.Source{{Type: "http", URL: "http://127.0.0.1:9/ip"}},
			[]readiness.Check{tcp("127.0.0.1:9")}},
		{"interface and command sources need nothing", nil, []configs.Source{{Type: "interface"}, {Type: "command", Command: []string{"/bin/true"}}},
			nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := configs.Defaults()
			cfg.Providers = tc.providers
			cfg.IP.V4 = tc.v4
			got := probeChecks(&cfg)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("probeChecks = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestProbeChecksConfigured: written [probe] lists win for their kind, a
// list left out is still derived, and enabled = false means no checks.
func TestProbeChecksConfigured(t *testing.T) {
	cfg := configs.Defaults()
	cfg.Providers = map[string]configs.Provider{"cf": {Type: "cloudflare"}}
	cfg.Probe.TCP = []string{"192.0.2.1:443"}
	want := []readiness.Check{{Kind: "tcp", Target: "192.0.2.1:443"}, {Kind: "dns", Target: "api.cloudflare.com"}}
	if got := probeChecks(&cfg); !reflect.DeepEqual(got, want) {
		t.Errorf("probeChecks = %v, want %v", got, want)
	}
	cfg.Probe.Enabled = false
	if got := probeChecks(&cfg); got != nil {
		t.Errorf("probes disabled: %v, want none", got)
	}
}
