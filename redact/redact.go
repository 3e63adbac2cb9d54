// Package redact keeps secrets that travel inside URLs out of messages.
// Webhook, ping and API URLs often carry one: a password in the user info, a
// token in the query (?token=...), or the whole credential in the path
// (Slack's /services/T…/B…/SECRET, Discord's /api/webhooks/ID/TOKEN,
// Telegram's /botTOKEN/sendMessage, healthchecks.io's /PING-UUID). Every log
// line, error and status text that names a URL shows URL(raw) instead, and
// every error from net/http goes through URLError first, because a
// *url.Error repeats the full URL in its message.
package redact

import (
	"errors"
	"net/url"
	"strings"
	"unicode"
)

// Mask is what a secret is replaced with. It is the same text as
// configs.Mask, so masked URLs and masked config values read alike.
const Mask = "********"

// URL returns raw with every part that may be a secret replaced by Mask:
//   - the whole user info (user name and password: a token is often given
//     as the user name);
//   - every query value, and a query key that looks like a token (a bare
//     ?TOKEN with no value);
//   - the fragment;
//   - every path segment that looks like a token (see Token).
//
// Scheme, host, port and the ordinary path segments stay, so a person can
// still tell which service and which endpoint a message is about. A raw URL
// that does not parse is replaced by Mask as a whole: its parts cannot be
// told apart, so none of it is safe to show.
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return Mask
	}
	user := u.User != nil
	u.User = nil
	if u.RawQuery != "" || u.ForceQuery {
		u.RawQuery, u.ForceQuery = query(u.RawQuery), false
	}
	if u.Fragment != "" || u.RawFragment != "" {
		u.Fragment, u.RawFragment = Mask, ""
	}
	if u.Opaque != "" {
		u.Opaque = Mask // mailto:TOKEN@..., a form no service of ours uses
	}
	// Segments are judged in their escaped form, so an escaped slash
	// inside a token does not split it; the mask is written raw because
	// url.URL would escape its asterisks.
	segs := strings.Split(u.EscapedPath(), "/")
	for i, seg := range segs {
		if name, err := url.PathUnescape(seg); err != nil || Token(name) {
			segs[i] = Mask
		}
	}
	u.RawPath = strings.Join(segs, "/")
	if p, err := url.PathUnescape(u.RawPath); err == nil {
		u.Path = p
	}
	out := u.String()
	if user && u.Host != "" {
		out = strings.Replace(out, "//", "//"+Mask+"@", 1)
	}
	return out
}

// Path returns an unescaped URL path with every segment that looks like a
// token (see Token) replaced by Mask: "/services/T0123/B0456/AbCdEf0123456789xyzW"
// becomes "/services/T0123/B0456/********".
func Path(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if Token(s) {
			segs[i] = Mask
		}
	}
	return strings.Join(segs, "/")
}

// Token reports whether s, a path segment or query key, looks like a
// credential rather than a word: at least 16 characters with a digit in
// them, or mixed upper and lower case. Words of an API path
// ("dns_records", "sendMessage", "cdn-cgi") are shorter or all of one case
// without digits; random tokens, UUIDs and hex or base64 keys are not. The
// test errs on the side of masking: an ID that is not secret may be hidden
// too, which costs a little clarity and no secret.
func Token(s string) bool {
	if len(s) < 16 {
		return false
	}
	var digit, upper, lower bool
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
			digit = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		}
	}
	return digit || (upper && lower)
}

// query masks every value of a raw query, and every key that looks like a
// token, keeping the order and the ordinary keys so that "?format=json&token=x"
// reads "?format=********&token=********".
func query(raw string) string {
	if raw == "" {
		return Mask
	}
	parts := strings.Split(raw, "&")
	for i, kv := range parts {
		k, _, _ := strings.Cut(kv, "=")
		if name, err := url.QueryUnescape(k); err != nil || Token(name) {
			k = Mask
		}
		parts[i] = k + "=" + Mask
	}
	return strings.Join(parts, "&")
}

// URLError returns the error inside a *url.Error (anywhere in err's chain
// as errors.As finds it), dropping the layer whose message repeats the full
// URL, query and all; other errors are returned as they are. Callers name
// the URL themselves, through URL.
func URLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
