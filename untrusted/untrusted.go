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
	cleanRunes(s, func(r rune, space bool) bool {
		need := utf8.RuneLen(r)
		if space && b.Len() > 0 {
			need++
		}
		if limit > 0 && b.Len()+need > limit {
			b.WriteString(Ellipsis)
			return false
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
		return true
	})
	return b.String()
}

// Fit is Clean for a field of at most limit bytes in all, Ellipsis
// included: a text that fits comes back as Clean makes it (one already
// clean, as itself without a copy); a longer one is cut on a character
// boundary, white space before the cut dropped, and ends in Ellipsis; a
// limit too small for Ellipsis gives "" for a text that does not fit.
func Fit(s string, limit int) string {
	ok := len(s) <= limit
	for i := 0; ok && i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f || c >= 0x80 {
			ok = c == ' ' && i > 0 && i < len(s)-1 && s[i-1] != ' '
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	cleanRunes(s, func(r rune, space bool) bool {
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
		return b.Len() <= limit+len(Ellipsis) // past it, enough to know it is cut
	})
	out := b.String()
	if len(out) <= limit {
		return out
	}
	if limit < len(Ellipsis) {
		return ""
	}
	cut := limit - len(Ellipsis)
	for cut > 0 && !utf8.RuneStart(out[cut]) {
		cut--
	}
	return strings.TrimRight(out[:cut], " ") + Ellipsis
}

// cleanRunes calls put with each rune of s as Clean shows it (invalid
// UTF-8 and non-printable characters as '?', white space left out) and
// whether a run of white space came before it, until put returns false.
func cleanRunes(s string, put func(r rune, space bool) bool) {
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
		if !put(r, space) {
			return
		}
		space = false
	}
}

// Quote is Clean(s, limit) in Go double quotes, the form error messages use:
// `the answer is not an address: "<html><head>…"`.
func Quote(s string, limit int) string { return strconv.Quote(Clean(s, limit)) }
