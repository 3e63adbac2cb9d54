package configs

import (
	"strings"
	"testing"
)

// TestErrorsEscapeHostileKeys: a quoted TOML key may hold any character
// (an ANSI sequence, an OSC that retitles the window, a bidi override), and
// the key is part of the error `check` prints, the supervisor logs and
// status shows: it comes out escaped, as does the file's name.
func TestErrorsEscapeHostileKeys(t *testing.T) {
	for _, tc := range []struct {
		text, want string
	}{
		{"[updater]\n\"\\u001b[2Jx\\u202e\" = 1\n", `updater.\x1b[2Jx\u202e: unknown key`},
	} {
		_, err := Parse("/etc/ddns/\x1b[1mconfig.toml", []byte(tc.text), Options{})
		if err == nil {
			t.Fatalf("%q loaded", tc.text)
		}
		msg := err.Error()
		if i := strings.IndexFunc(msg, func(r rune) bool { return r < 0x20 && r != '\n' || r == 0x7f || r == 0x202e }); i >= 0 {
			t.Errorf("the error holds %q raw:\n%q", msg[i:i+1], msg)
		}
		for _, want := range []string{tc.want, `/etc/ddns/\x1b[1mconfig.toml`} {
			if !strings.Contains(msg, want) {
				t.Errorf("the error lacks %q:\n%s", want, msg)
			}
		}
	}
}
