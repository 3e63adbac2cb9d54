package netprobe

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"unicode"

	"github.com/ddnsd/ddns/untrusted"
)

// maxExcerpt bounds how much of a bad answer is quoted in an error: enough to
// recognise an HTML login page or a captive portal, short enough for a log line.
const maxExcerpt = 60

// ParseBody extracts the one address of family fam from an echo service's
// answer. Accepted forms, after trimming surrounding white space:
//
//	203.0.113.7                    a bare address (most echo services)
//	ip=203.0.113.7                 key=value lines, exactly one "ip" key
//	                               (Cloudflare's /cdn-cgi/trace answers this way)
//	{"ip":"203.0.113.7", ...}      a JSON object with a string "ip" member
//
// Anything else (HTML, two addresses, an address of the other family, an
// empty answer, garbage) is an error quoting a short, sanitized excerpt. The
// address is not checked for being public: see Validate.
func ParseBody(body []byte, fam Family) (netip.Addr, error) {
	if !fam.valid() {
		return netip.Addr{}, fmt.Errorf("cannot look for an address of unknown family %v", fam)
	}
	text := strings.TrimSpace(strings.TrimPrefix(string(body), "\uFEFF"))
	if text == "" {
		return netip.Addr{}, fmt.Errorf("the answer is empty, expected an %v address", fam)
	}
	if a, err := netip.ParseAddr(text); err == nil {
		return checkFamily(a, fam, text)
	}
	if strings.HasPrefix(text, "{") {
		return parseJSON(text, fam)
	}
	if a, ok, err := parseKeyValue(text, fam); ok {
		return a, err
	}
	return netip.Addr{}, describeGarbage(text, fam)
}

// checkFamily accepts a parsed address when it is of family fam. An
// IPv4-mapped IPv6 address counts as IPv4, since some dual-stack services
// print the peer address that way.
func checkFamily(a netip.Addr, fam Family, text string) (netip.Addr, error) {
	if a.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("the answer %s carries an interface zone, which no public address has", quoteAnswer(text))
	}
	if fam == IPv4 && a.Is4In6() {
		a = a.Unmap()
	}
	if !fam.matches(a) {
		other := IPv6
		if a.Is4() || a.Is4In6() {
			other = IPv4
		}
		return netip.Addr{}, fmt.Errorf("the answer is the %v address %s, expected an %v address: the source reached over the wrong family, or answers only one family", other, a, fam)
	}
	return a, nil
}

// parseJSON accepts {"ip": "..."}; other members are ignored because
// services add geolocation and the like.
func parseJSON(text string, fam Family) (netip.Addr, error) {
	var obj map[string]any
	if err := json.Unmarshal([]byte(text), &obj); err != nil {
		return netip.Addr{}, fmt.Errorf("the answer looks like JSON but does not parse (%v): %s", err, quoteAnswer(text))
	}
	var found []string
	for k, v := range obj {
		if strings.EqualFold(k, "ip") {
			s, ok := v.(string)
			if !ok {
				return netip.Addr{}, fmt.Errorf("the answer's JSON member %q is not a string: %s", k, quoteAnswer(text))
			}
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		return netip.Addr{}, fmt.Errorf("the answer is JSON without exactly one \"ip\" member: %s", quoteAnswer(text))
	}
	s := strings.TrimSpace(found[0])
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("the answer's JSON \"ip\" member is not an address: %s", quoteAnswer(s))
	}
	return checkFamily(a, fam, s)
}

// parseKeyValue accepts text made only of key=value lines with exactly one
// "ip" key. ok is false when the text is not in that form at all.
func parseKeyValue(text string, fam Family) (a netip.Addr, ok bool, err error) {
	var vals []string
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, found := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !found || k == "" || strings.ContainsFunc(k, func(r rune) bool {
			return !(r == '_' || r == '-' || r == '.' || unicode.IsLetter(r) || unicode.IsDigit(r))
		}) {
			return netip.Addr{}, false, nil
		}
		if strings.EqualFold(k, "ip") {
			vals = append(vals, strings.TrimSpace(v))
		}
	}
	if len(vals) != 1 {
		return netip.Addr{}, false, nil
	}
	a, perr := netip.ParseAddr(vals[0])
	if perr != nil {
		return netip.Addr{}, true, fmt.Errorf("the answer's ip= value is not an address: %s", quoteAnswer(vals[0]))
	}
	a, err = checkFamily(a, fam, vals[0])
	return a, true, err
}

// describeGarbage explains why text is not one address, in the words a user
// needs to fix the source setting.
func describeGarbage(text string, fam Family) error {
	lower := strings.ToLower(text)
	if strings.Contains(lower, "<html") || strings.Contains(lower, "<!doctype") || strings.Contains(lower, "<body") || strings.Contains(lower, "<head") {
		return fmt.Errorf("the answer is an HTML page, not an address (a captive portal, a proxy, or the wrong URL?): %s", quoteAnswer(text))
	}
	var addrs []netip.Addr
	for _, tok := range strings.FieldsFunc(text, func(r rune) bool {
		return !(r == '.' || r == ':' || unicode.Is(unicode.ASCII_Hex_Digit, r))
	}) {
		if a, err := netip.ParseAddr(tok); err == nil {
			addrs = append(addrs, a)
		}
	}
	switch {
	case len(addrs) > 1:
		return fmt.Errorf("the answer holds %d addresses, expected exactly one %v address: %s", len(addrs), fam, quoteAnswer(text))
	case len(addrs) == 1:
		return fmt.Errorf("the answer has text around the address %s, expected the address alone: %s", addrs[0], quoteAnswer(text))
	}
	return fmt.Errorf("the answer is not an %v address: %s", fam, quoteAnswer(text))
}

// quoteAnswer quotes the start of an untrusted answer for an error message
// (see untrusted.Quote): a hostile or binary answer can neither forge log
// lines nor flood them.
func quoteAnswer(s string) string { return untrusted.Quote(s, maxExcerpt) }
