package untrusted

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		limit int
		want  string
	}{
		{"plain text stays", "203.0.113.7", 60, "203.0.113.7"},
		{"white space runs collapse and ends are trimmed", "  a\n\n\tb \r\n", 60, "a b"},
		{"control bytes and escapes are replaced", "line1\nERROR forged\x1b[31m", 60, "line1 ERROR forged?[31m"},
		{"invalid UTF-8 is replaced", "ok\xff\xfeend", 60, "ok??end"},
		{"line separators cannot split a log line", "a\u2028b\u0085c", 60, "a b c"},
		{"non-printing format characters are replaced", "a\u200bb", 60, "a?b"},
		{"cut at the limit with an ellipsis", strings.Repeat("x", 10), 4, "xxxx…"},
		{"exactly the limit is not cut", "abcd", 4, "abcd"},
		{"cut on a character boundary", "ééé", 5, "éé…"},
		{"no limit", strings.Repeat("y", 300), 0, strings.Repeat("y", 300)},
		{"only white space is empty", " \n\t ", 60, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Clean(tt.in, tt.limit); got != tt.want {
				t.Errorf("Clean(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
			}
		})
	}
}

func TestCleanBoundsHostileInput(t *testing.T) {
	in := strings.Repeat("\x00\x1b[2J\n<script>é\xff", 100000)
	got := Clean(in, 200)
	if len(got) > 200+len(Ellipsis) {
		t.Fatalf("Clean returned %d bytes for a limit of 200", len(got))
	}
	if !utf8.ValidString(got) {
		t.Fatalf("Clean returned invalid UTF-8: %q", got)
	}
	for _, r := range got {
		if r < 0x20 || r == 0x7f {
			t.Fatalf("Clean kept a control character: %q", got)
		}
	}
}

func TestQuote(t *testing.T) {
	if got, want := Quote("say \"hi\"\n"+strings.Repeat("z", 10), 12), `"say \"hi\" zzz…"`; got != want {
		t.Errorf("Quote = %s, want %s", got, want)
	}
	if got := Quote("", 10); got != `""` {
		t.Errorf("Quote of nothing = %s, want \"\"", got)
	}
}

// TestFit checks Fit's bound counts the ellipsis, that a text which fits is
// only cleaned, and that a cut drops the white space before it.
func TestFit(t *testing.T) {
	tests := []struct {
		in    string
		limit int
		want  string
	}{
		{"already clean", 13, "already clean"},
		{"one  too\tmany", 64, "one too many"},
		{"abcd fghij", 8, "abcd…"},
		{"日本語テキスト", 10, "日本…"},
		{"\x1b[31mred", 64, "?[31mred"},
		{"abc", 3, "abc"},
		{"abcd", 3, "…"},
		{"", 0, ""},
		{"x", -1, ""},
	}
	for _, tt := range tests {
		got := Fit(tt.in, tt.limit)
		if got != tt.want {
			t.Errorf("Fit(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
		}
		if len(got) > max(tt.limit, 0) {
			t.Errorf("Fit(%q, %d) is %d bytes, over the limit", tt.in, tt.limit, len(got))
		}
	}
}
