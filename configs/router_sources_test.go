package configs

import (
	"strings"
	"testing"
)

// TestRouterSourceKeys: upnp takes an optional url of the router's
// description, natpmp an optional IPv4 gateway; other keys, bad values and
// either type under ip.v6 (both tell only IPv4) are refused with the key
// named.
func TestRouterSourceKeys(t *testing.T) {
	for _, tc := range []struct {
		name, ip string
		wantErr  string // "" = valid
	}{
		{"upnp discovery", `v4 = [{ type = "upnp" }]`, ""},
		{"upnp url", `v4 = [{ type = "upnp", url = "http://192.168.1.1:5000/rootDesc.xml" }]`, ""},
		{"upnp bad url", `v4 = [{ type = "upnp", url = "192.168.1.1/rootDesc.xml" }]`, "ip.v4.0.url"},
		{"upnp gateway", `v4 = [{ type = "upnp", gateway = "192.168.1.1" }]`, "ip.v4.0.gateway"},
		{"natpmp default", `v4 = [{ type = "natpmp" }]`, ""},
		{"natpmp gateway", `v4 = [{ type = "natpmp", gateway = "192.168.1.1" }]`, ""},
		{"natpmp bad gateway", `v4 = [{ type = "natpmp", gateway = "router.lan" }]`, "ip.v4.0.gateway"},
		{"natpmp IPv6 gateway", `v4 = [{ type = "natpmp", gateway = "fe80::1" }]`, "ip.v4.0.gateway"},
		{"natpmp url", `v4 = [{ type = "natpmp", url = "http://192.168.1.1/" }]`, "ip.v4.0.url"},
		{"upnp under v6", `v6 = [{ type = "upnp" }]`, "ip.v6.0.type"},
		{"natpmp under v6", `v6 = [{ type = "natpmp" }]`, "ip.v6.0.type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, "[ip]\n"+tc.ip+"\n"+validBase)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("err = %v; want one naming %s", err, tc.wantErr)
			}
		})
	}
}

// TestRouterSourceNames: the names in messages say where the address comes from.
func TestRouterSourceNames(t *testing.T) {
	for _, tc := range []struct {
		s    Source
		want string
	}{
		{Source{Type: "upnp"}, "upnp (SSDP discovery)"},
		{Source{Type: "upnp", URL: "http://192.168.1.1:5000/rootDesc.xml"}, "upnp http://192.168.1.1:5000/rootDesc.xml"},
		{Source{Type: "natpmp"}, "natpmp (default gateway)"},
		{Source{Type: "natpmp", Gateway: "192.168.1.1"}, "natpmp 192.168.1.1"},
	} {
		if got := tc.s.String(); got != tc.want {
			t.Errorf("%+v names itself %q, want %q", tc.s, got, tc.want)
		}
	}
}
