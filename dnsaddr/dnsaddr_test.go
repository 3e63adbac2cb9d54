package dnsaddr

import "testing"

func TestWithPort(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1":          "192.0.2.1:53",
		" 192.0.2.1:5353 ":   "192.0.2.1:5353",
		"ns.example":         "ns.example:53",
		"ns.example:53":      "ns.example:53",
		"2001:db8::1":        "[2001:db8::1]:53",
		"[2001:db8::1]":      "[2001:db8::1]:53",
		"[2001:db8::1]:5300": "[2001:db8::1]:5300",
		"a:b:c":              "a:b:c",
		"":                   "",
	} {
		if got := WithPort(in); got != want {
			t.Errorf("WithPort(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHostPort(t *testing.T) {
	for in, want := range map[string]string{
		"ns.example":               "ns.example:53",
		"udp://192.0.2.1":          "192.0.2.1:53",
		"tcp://ns.example:5353/":   "ns.example:5353",
		" tcp://[2001:db8::1] ":    "[2001:db8::1]:53",
		"TCP://[2001:db8::1]:5300": "[2001:db8::1]:5300",
		"192.0.2.1:5353":           "192.0.2.1:5353",
		"":                         "",
	} {
		if got := HostPort(in); got != want {
			t.Errorf("HostPort(%q) = %q, want %q", in, got, want)
		}
	}
}
