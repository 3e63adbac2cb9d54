package untrusted

import (
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Escape makes s safe to print on a terminal, in a log file or in a
// journal, cut to about limit bytes (0: no cut). Unlike Clean it keeps the
// text whole and shows what was there: every character that is not
// printable (control bytes, ANSI escapes, carriage returns, newlines, C1
// controls, line and paragraph separators, bidi overrides) is written as
// its Go escape, \x1b, \r, \n, \u2028, \u202e, and each byte of invalid
// UTF-8 as \xff. Printable text and tabs stay as they are (a Go crash
// report indents with tabs; a tab moves no cursor back and starts no
// line). Where the escaped text reaches limit bytes it is cut there, on a
// character boundary, and ends with a note of how many bytes of s were
// left out: "... [1234 more bytes]".
func Escape(s string, limit int) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || !printable(r) {
			clean = false
			break
		}
	}
	if clean {
		return Cut(s, limit)
	}
	b := make([]byte, 0, len(s)+16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b = append(b, `\x`...)
			b = append(b, hex[s[i]>>4], hex[s[i]&0xf])
		case printable(r):
			b = append(b, s[i:i+size]...)
		default:
			q := strconv.QuoteRuneToASCII(r)
			b = append(b, q[1:len(q)-1]...)
		}
		i += size
		if limit > 0 && len(b) >= limit && i < len(s) {
			b = append(b, cutNote(len(s)-i)...)
			break
		}
	}
	return string(b)
}

const hex = "0123456789abcdef"

// printable reports whether r may reach a terminal as it is. U+FFFD, the
// replacement character, is printable: text that already holds it shows
// it, while an invalid byte, which decodes to it too, is escaped first.
func printable(r rune) bool { return r == '\t' || unicode.IsPrint(r) }

// Cut is s cut to limit bytes on a character boundary (0: not cut), with a
// note of how many bytes were left out, as Escape cuts: for text a logger
// escapes itself.
func Cut(s string, limit int) string {
	if limit <= 0 || len(s) <= limit {
		return s
	}
	i := limit
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + cutNote(len(s)-i)
}

func cutNote(n int) string {
	return "... [" + strconv.Itoa(n) + " more bytes]"
}
