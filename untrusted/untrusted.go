// Package untrusted makes untrusted text safe to put in a message or a log:
// an echo service's answer, an API's error body, a command's error output,
// the lines a supervised child prints. Such text may be an HTML page,
// binary garbage or a hostile attempt to forge log lines or rewrite a
// terminal, and it may be megabytes long. Clean and Quote give a short,
// clean start of it for a sentence; Escape keeps it whole but shows every
// control character as an escape, for a log; ParseLogLine reads another
// process's JSON log line, which Escaped then makes safe to log again.
package untrusted

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Ellipsis marks a cut excerpt.
const Ellipsis = "…"

// Clean returns the start of s as it may appear in a message:
//   - invalid UTF-8 and every non-printable character (control bytes, ANSI
//     escapes, U+2028) become '?', so nothing can start a new log line or
//     recolour a terminal;
//   - every run of white space (newlines, tabs) becomes one space, and white
//     space at either end is dropped;
//   - the result is cut, on a character boundary, once it would pass limit
//     bytes, and then ends in Ellipsis (so it is at most limit plus
//     len(Ellipsis) bytes). A limit of 0 or less means no cut.
//
// Clean does not quote; use Quote where the text sits inside a sentence.
func Clean(s string, limit int) string {
	var b strings.Builder
	space := false
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		switch {
		case r == utf8.RuneError && size <= 1:
			r = '?'
		case unicode.IsSpace(r):
			space = true
			continue
		case !unicode.IsPrint(r):
			r = '?'
		}
		need := utf8.RuneLen(r)
		if space && b.Len() > 0 {
			need++
		}
		if limit > 0 && b.Len()+need > limit {
			b.WriteString(Ellipsis)
			break
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// Quote is Clean(s, limit) in Go double quotes, the form error messages use:
// `the answer is not an address: "<html><head>…"`.
func Quote(s string, limit int) string { return strconv.Quote(Clean(s, limit)) }
