package configs

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// quotedRE finds what a TOML parser message quotes from the file: "..."
// and '...' excerpts, and runs of digits (a number that does not fit).
var quotedRE = regexp.MustCompile(`"([^"]+)"|'([^']+)'|(\d{2,})`)

// withholdSecrets rewrites decode errors that would show part of a secret.
// The TOML parser quotes what it could not read, and on a line that writes a
// secret badly (a token without quotes, a long numeric password read as an
// integer that overflows) that is the secret itself. Such a message goes to
// status, logs and notifications, so it is replaced by one that says what to
// fix without the value. Messages that quote nothing of the value (a
// duplicate key, an unterminated string) are kept.
func withholdSecrets(err error, src string, pos positions, o Options) error {
	es, ok := err.(Errors)
	if !ok {
		return err
	}
	lines := strings.Split(src, "\n")
	for _, fe := range es {
		if fe.Pos.Line < 1 || fe.Pos.Line > len(lines) {
			continue
		}
		key := secretKeyOn(pos, fe.Pos.Line, o)
		if key == "" {
			continue
		}
		_, value, _ := strings.Cut(lines[fe.Pos.Line-1], "=")
		if !quotesValue(fe.Msg, value) {
			continue
		}
		name := key[strings.LastIndexByte(key, '.')+1:]
		fe.Key = key
		fe.Msg = fmt.Sprintf("the value cannot be read (the parser's message is withheld: it would quote the secret); write it as one quoted string on one line, %s = \"...\", or move it to %s_file", name, name)
	}
	return es
}

// quotesValue reports whether msg quotes any part of value. Fragments
// without a letter or digit (the parser's expected '"') are syntax, not data.
func quotesValue(msg, value string) bool {
	for _, m := range quotedRE.FindAllStringSubmatch(msg, -1) {
		for _, frag := range m[1:] {
			if strings.IndexFunc(frag, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 && strings.Contains(value, frag) {
				return true
			}
		}
	}
	return false
}

// secretKeyOn returns a key written on line that holds a secret: a
// provider's secret key, http.token or a notify URL. "" when there is none.
func secretKeyOn(pos positions, line int, o Options) string {
	secret := map[string]bool{}
	if o.ProviderKeys != nil {
		for _, typ := range o.ProviderKeys.Types() {
			_, secrets, _ := o.ProviderKeys.Keys(typ)
			for _, s := range secrets {
				secret[s] = true
			}
		}
	}
	for key := range pos.onLine(line) {
		parts := strings.Split(key, ".")
		last := parts[len(parts)-1]
		switch {
		case parts[0] == "providers" && len(parts) == 3 && secret[last],
			key == "http.token",
			parts[0] == "notify" && last == "url":
			return key
		}
	}
	return ""
}
