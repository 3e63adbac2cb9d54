package netprobe

import (
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

// TestUPnPEventCallback: the callback takes ExternalIPAddress only from a
// NOTIFY sent by the router's address for the current SID with a small
// propertyset; every hostile request is refused and announces nothing.
func TestUPnPEventCallback(t *testing.T) {
	huge := `<e:propertyset xmlns:e="urn:schemas-upnp-org:event-1-0"><e:property><ExternalIPAddress>11.22.33.77</ExternalIPAddress></e:property>` +
		strings.Repeat("<e:property><X>"+strings.Repeat("x", 1000)+"</X></e:property>", 100) + `</e:propertyset>`
	tests := []struct {
		name, method, path, from, sid, body string
		code                                int
		heard                               string // "" = nothing
	}{
		{"the router's NOTIFY", "NOTIFY", upnpEventPath, "192.168.77.1:4000", "uuid:ok", propertyset("11.22.33.55"), 200, "11.22.33.55"},
		{"the same address again", "NOTIFY", upnpEventPath, "192.168.77.1:4000", "uuid:ok", propertyset("11.22.33.44"), 200, ""},
		{"the WAN between addresses", "NOTIFY", upnpEventPath, "192.168.77.1:4000", "uuid:ok", propertyset("0.0.0.0"), 200, ""},
		{"not an address", "NOTIFY", upnpEventPath, "192.168.77.1:4000", "uuid:ok", propertyset("garbage"), 200, ""},
		{"wrong SID", "NOTIFY", upnpEventPath, "192.168.77.1:4000", "uuid:other", propertyset("11.22.33.66"), 412, ""},
		{"no SID", "NOTIFY", upnpEventPath, "192.168.77.1:4000", "", propertyset("11.22.33.66"), 412, ""},
		{"another source address", "NOTIFY", upnpEventPath, "192.168.77.9:4000", "uuid:ok", propertyset("11.22.33.66"), 403, ""},
		{"a huge body", "NOTIFY", upnpEventPath, "192.168.77.1:4000", "uuid:ok", huge, 400, ""},
		{"not XML", "NOTIFY", upnpEventPath, "192.168.77.1:4000", "uuid:ok", "\x00\x01garbage", 400, ""},
		{"a POST", "POST", upnpEventPath, "192.168.77.1:4000", "uuid:ok", propertyset("11.22.33.66"), 405, ""},
		{"another path", "NOTIFY", "/other", "192.168.77.1:4000", "uuid:ok", propertyset("11.22.33.66"), 405, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newUPnPWatch(nil, "")
			w.router, w.sid, w.last = netip.MustParseAddr("192.168.77.1"), "uuid:ok", netip.MustParseAddr("11.22.33.44")
			var heard []netip.Addr
			w.heard = func(a netip.Addr) { heard = append(heard, a) }
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			req.RemoteAddr = tt.from
			if tt.sid != "" {
				req.Header.Set("SID", tt.sid)
			}
			rec := httptest.NewRecorder()
			w.ServeHTTP(rec, req)
			if rec.Code != tt.code {
				t.Errorf("HTTP %d, want %d", rec.Code, tt.code)
			}
			want := 0
			if tt.heard != "" {
				want = 1
			}
			if len(heard) != want || (want == 1 && heard[0] != netip.MustParseAddr(tt.heard)) {
				t.Fatalf("heard %v, want %q", heard, tt.heard)
			}
			if got := len(w.ch); got != want {
				t.Errorf("%d events sent, want %d", got, want)
			}
		})
	}
}

// propertyset is a GENA NOTIFY body announcing ext.
func propertyset(ext string) string {
	return `<?xml version="1.0"?><e:propertyset xmlns:e="urn:schemas-upnp-org:event-1-0"><e:property><ExternalIPAddress>` + ext + `</ExternalIPAddress></e:property></e:propertyset>`
}
