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
		events                              int    // sent on w.ch
	}{
		{"the router's NOTIFY", "NOTIFY", upnpEventPath, "192.168.77.1:4000", "uuid:ok", propertyset("11.22.33.55"), 200, "11.22.33.55", 1},
		{"the same address again", "NOTIFY", upnpEventPath, "192.168.77.1:4000", "uuid:ok", propertyset("11.22.33.44"), 200, "", 0},
		{"the WAN between addresses", "NOTIFY", upnpEventPath, "192.168.77.1:4000", "uuid:ok", propertyset("0.0.0.0"), 200, "", 1},
		{"not an address", "NOTIFY", upnpEventPath, "192.168.77.1:4000", "uuid:ok", propertyset("garbage"), 200, "", 0},
		{"wrong SID", "NOTIFY", upnpEventPath, "192.168.77.1:4000", "uuid:other", propertyset("11.22.33.66"), 412, "", 0},
		{"no SID", "NOTIFY", upnpEventPath, "192.168.77.1:4000", "", propertyset("11.22.33.66"), 412, "", 0},
		{"another source address", "NOTIFY", upnpEventPath, "192.168.77.9:4000", "uuid:ok", propertyset("11.22.33.66"), 403, "", 0},
		{"a huge body", "NOTIFY", upnpEventPath, "192.168.77.1:4000", "uuid:ok", huge, 400, "", 0},
		{"not XML", "NOTIFY", upnpEventPath, "192.168.77.1:4000", "uuid:ok", "\x00\x01garbage", 400, "", 0},
		{"a POST", "POST", upnpEventPath, "192.168.77.1:4000", "uuid:ok", propertyset("11.22.33.66"), 405, "", 0},
		{"another path", "NOTIFY", "/other", "192.168.77.1:4000", "uuid:ok", propertyset("11.22.33.66"), 405, "", 0},
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
			if got := len(w.ch); got != tt.events {
				t.Errorf("%d events sent, want %d", got, tt.events)
			}
		})
	}
}

// propertyset is a GENA NOTIFY body announcing ext.
func propertyset(ext string) string {
	return `<?xml version="1.0"?><e:propertyset xmlns:e="urn:schemas-upnp-org:event-1-0"><e:property><ExternalIPAddress>` + ext + `</ExternalIPAddress></e:property></e:propertyset>`
}

// TestUPnPEventAfterTheWANWasLost: a NOTIFY of 0.0.0.0 runs a pass (the
// router may send nothing for the address that follows), and the address
// announced after it counts as new even when it is the old one, since a
// pass may have run in between and found none.
func TestUPnPEventAfterTheWANWasLost(t *testing.T) {
	w := newUPnPWatch(nil, "")
	w.router, w.sid, w.last = netip.MustParseAddr("192.168.77.1"), "uuid:ok", netip.MustParseAddr("11.22.33.44")
	send := func(ext string) int {
		t.Helper()
		req := httptest.NewRequest("NOTIFY", upnpEventPath, strings.NewReader(propertyset(ext)))
		req.RemoteAddr = "192.168.77.1:4000"
		req.Header.Set("SID", "uuid:ok")
		rec := httptest.NewRecorder()
		w.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("NOTIFY of %s: HTTP %d", ext, rec.Code)
		}
		n := len(w.ch)
		for len(w.ch) > 0 {
			<-w.ch
		}
		return n
	}
	if n := send("0.0.0.0"); n != 1 {
		t.Fatalf("NOTIFY of 0.0.0.0: %d events, want 1 (a pass, which asks the router itself)", n)
	}
	if n := send("11.22.33.44"); n != 1 {
		t.Fatalf("NOTIFY of the old address after 0.0.0.0: %d events, want 1", n)
	}
	if n := send("11.22.33.44"); n != 0 {
		t.Fatalf("the same address again: %d events, want 0", n)
	}
}
