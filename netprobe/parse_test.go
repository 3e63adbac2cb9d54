package netprobe

import (
	"net/netip"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseBody(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		fam    Family
		want   string // address, or "" for an error
		errHas string
	}{
		{"bare v4", "9.9.9.9", IPv4, "9.9.9.9", ""},
		{"trailing newline", "9.9.9.9\n", IPv4, "9.9.9.9", ""},
		{"surrounding space and CRLF", "  9.9.9.9\r\n", IPv4, "9.9.9.9", ""},
		{"bare v6", "2606:4700:4700::1111\n", IPv6, "2606:4700:4700::1111", ""},
		{"v4-mapped counts as v4", "::ffff:9.9.9.9", IPv4, "9.9.9.9", ""},
		{"v4-mapped is not v6", "::ffff:9.9.9.9", IPv6, "", "IPv4 address"},
		{"json", `{"ip":"9.9.9.9"}`, IPv4, "9.9.9.9", ""},
		{"json with more members", `{"ip": "2606:4700::1", "country": "NL"}`, IPv6, "2606:4700::1", ""},
		{"json without ip", `{"address":"9.9.9.9"}`, IPv4, "", "exactly one \"ip\""},
		{"json ip not string", `{"ip": 9}`, IPv4, "", "not a string"},
		{"broken json", `{"ip": "9.9.9.9"`, IPv4, "", "does not parse"},
		{"ip=", "ip=9.9.9.9", IPv4, "9.9.9.9", ""},
		{"cdn-cgi/trace", "fl=123\nh=1.1.1.1\nip=9.9.9.9\nts=1700000000.1\nvisit_scheme=https\n", IPv4, "9.9.9.9", ""},
		{"ip= not an address", "ip=nope", IPv4, "", "not an address"},
		{"empty", "", IPv4, "", "empty"},
		{"only space", " \n\t", IPv4, "", "empty"},
		{"html", "<!DOCTYPE html><html><body>Your IP is 9.9.9.9</body></html>", IPv4, "", "HTML page"},
		{"two addresses", "9.9.9.9 8.8.8.8", IPv4, "", "holds 2 addresses"},
		{"two lines", "9.9.9.9\n9.9.9.10\n", IPv4, "", "holds 2 addresses"},
		{"text around", "Current IP Address: 9.9.9.9", IPv4, "", "text around the address"},
		{"garbage", "hello world", IPv4, "", "not an IPv4 address"},
		{"wrong family v6 for v4", "2606:4700::1", IPv4, "", "the IPv6 address"},
		{"wrong family v4 for v6", "9.9.9.9", IPv6, "", "the IPv4 address"},
		{"zone", "fe80::1%eth0", IPv6, "", "zone"},
		{"unknown family", "9.9.9.9", Family(0), "", "unknown family"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseBody([]byte(tt.body), tt.fam)
			if tt.want != "" {
				if err != nil || got != netip.MustParseAddr(tt.want) {
					t.Fatalf("ParseBody(%q) = %v, %v; want %s", tt.body, got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseBody(%q) = %v, want an error containing %q", tt.body, got, tt.errHas)
			}
			if !strings.Contains(err.Error(), tt.errHas) {
				t.Fatalf("ParseBody(%q) error %q does not contain %q", tt.body, err, tt.errHas)
			}
		})
	}
}

func TestQuoteAnswerSanitizes(t *testing.T) {
	got := quoteAnswer("line1\nERROR forged\x1b[31m" + strings.Repeat("x", 200) + "\xff")
	if strings.ContainsAny(got, "\n\x1b") || strings.Contains(got, `\n`) {
		t.Fatalf("excerpt keeps control characters: %s", got)
	}
	if utf8.RuneCountInString(got) > maxExcerpt+4 {
		t.Fatalf("excerpt is %d runes long: %s", utf8.RuneCountInString(got), got)
	}
	if !strings.HasPrefix(got, `"line1 ERROR forged?[31m`) || !strings.HasSuffix(got, `…"`) {
		t.Fatalf("unexpected excerpt %s", got)
	}
}

func FuzzParseBody(f *testing.F) {
	for _, s := range []string{"9.9.9.9\n", "2606:4700::1", `{"ip":"9.9.9.9"}`, "ip=9.9.9.9\nh=x", "<html>9.9.9.9</html>", "::ffff:1.2.3.4", "fe80::1%lo", "\xff\xfe"} {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, body []byte, v4 bool) {
		fam := IPv6
		if v4 {
			fam = IPv4
		}
		a, err := ParseBody(body, fam)
		if err != nil {
			if a.IsValid() {
				t.Fatalf("error %v but address %v", err, a)
			}
			if msg := err.Error(); strings.ContainsAny(msg, "\n\r\x1b") || len(msg) > 600 {
				t.Fatalf("error message is unsafe or unbounded: %q", msg)
			}
			return
		}
		if !fam.matches(a) || a.Zone() != "" {
			t.Fatalf("ParseBody(%q, %v) = %v: wrong family or zoned", body, fam, a)
		}
		// The address must come from the body, not be invented.
		s := string(body)
		if !strings.Contains(strings.ToLower(s), strings.ToLower(a.String())) && !strings.Contains(s, a.StringExpanded()) {
			if p, perr := netip.ParseAddr(strings.TrimSpace(s)); perr != nil || p.Unmap() != a {
				// Non-canonical spellings (leading zeros in v6 groups, etc.) are
				// fine as long as re-parsing the body finds the same address.
				if b2, err2 := ParseBody(body, fam); err2 != nil || b2 != a {
					t.Fatalf("ParseBody(%q) = %v, not reproducible", body, a)
				}
			}
		}
		// Deterministic.
		if b2, err2 := ParseBody(body, fam); err2 != nil || b2 != a {
			t.Fatalf("ParseBody(%q) not deterministic: %v/%v vs %v", body, b2, err2, a)
		}
	})
}
