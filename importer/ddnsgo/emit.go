package ddnsgo

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ddnsd/ddns/untrusted"
)

type outKV struct {
	key   string
	value any
}

type outProvider struct {
	name     string
	typ      string
	keys     []outKV
	comments []string
	from     string
	line     int
}

type outRecord struct {
	provider, zone, name, typ string
	ttl                       int
	proxied                   *bool // Cloudflare's, nil when not said
	from                      string
	line                      int
}

type outNotify struct {
	url, urlFile, method, body string
	headers                    map[string]string
	line                       int
}

type output struct {
	sources   [2]sourceList
	providers []outProvider
	records   []outRecord
	notify    []outNotify
}

// render writes the config. Comments say where each part came from, so
// the file explains itself when the user opens it.
func (o *output) render(name string, notes []Note) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# Converted from the ddns-go config %s by `import-ddns-go`.\n", comment(name))
	b.WriteString("# Check it with `supervisor check --config FILE`; `updater --config FILE --dry-run` shows what it would change.\n")
	if len(notes) > 0 {
		fmt.Fprintf(&b, "#\n# Not converted, or converted with a difference (%d):\n", len(notes))
		for _, n := range notes {
			fmt.Fprintf(&b, "#   %s\n", comment(n.String()))
		}
	}
	b.WriteString("\n[ip]\n")
	for _, l := range o.sources {
		if slices.ContainsFunc(l.items, func(s outSource) bool { return s.typ == "interface" }) {
			b.WriteString("# ddns-go published whatever address an interface had; this program refuses private,\n" +
				"# CGNAT and link-local ones unless allow_private = true (for a LAN-only name, say so here).\n")
			break
		}
	}
	for i, fam := range []string{"v4", "v6"} {
		l := o.sources[i]
		if len(l.items) == 0 {
			continue
		}
		fmt.Fprintf(&b, "%s = [\n", fam)
		for _, s := range l.items {
			if s.comment != "" {
				fmt.Fprintf(&b, "  # %s\n", comment(s.comment))
			}
			fields := []string{"type = " + tomlString(s.typ)}
			switch s.typ {
			case "http":
				fields = append(fields, "url = "+tomlString(s.url))
			case "interface":
				if s.name != "" {
					fields = append(fields, "name = "+tomlString(s.name))
				}
				if s.match != "" {
					fields = append(fields, "match = "+tomlString(s.match))
				}
				if s.index != nil {
					fields = append(fields, "index = "+strconv.Itoa(*s.index))
				}
			case "command":
				fields = append(fields, "command = "+tomlArray(s.command))
			}
			fmt.Fprintf(&b, "  { %s },\n", strings.Join(fields, ", "))
		}
		b.WriteString("]\n")
	}
	for _, p := range o.providers {
		fmt.Fprintf(&b, "\n# from %s (line %d)\n", p.from, p.line)
		for _, c := range p.comments {
			fmt.Fprintf(&b, "# %s\n", comment(c))
		}
		fmt.Fprintf(&b, "[providers.%s]\ntype = %s\n", tomlKey(p.name), tomlString(p.typ))
		for _, kv := range p.keys {
			fmt.Fprintf(&b, "%s = %s\n", tomlKey(kv.key), tomlValue(kv.value))
		}
	}
	for _, r := range o.records {
		fmt.Fprintf(&b, "\n# %s (line %d)\n[[records]]\nprovider = %s\nzone = %s\nname = %s\ntype = %s\nttl = %d\n",
			comment(r.from), r.line, tomlString(r.provider), tomlString(r.zone), tomlString(r.name), tomlString(r.typ), r.ttl)
		if r.proxied != nil {
			fmt.Fprintf(&b, "proxied = %t\n", *r.proxied)
		}
	}
	for _, n := range o.notify {
		fmt.Fprintf(&b, "\n# from ddns-go's webhook (line %d)\n[[notify]]\ntype = \"webhook\"\n", n.line)
		if n.urlFile != "" {
			fmt.Fprintf(&b, "url_file = %s\n", tomlString(n.urlFile))
		} else {
			fmt.Fprintf(&b, "url = %s\n", tomlString(n.url))
		}
		fmt.Fprintf(&b, "method = %s\nevents = [\"address-changed\", \"update-failed\"]\n", tomlString(n.method))
		if n.body != "" {
			fmt.Fprintf(&b, "body = %s\n", tomlString(n.body))
		}
		if len(n.headers) > 0 {
			fmt.Fprintf(&b, "headers = %s\n", tomlValue(n.headers))
		}
	}
	return []byte(b.String())
}

// comment makes s safe on one comment line: every character TOML allows
// in no comment (control characters but tab) and every one that would act
// on a terminal showing the file (line separators, bidi overrides) is
// written as its Go escape, so a YAML key or value holding them neither
// breaks the config (TOML refuses a file with a raw control character)
// nor starts a line of its own.
func comment(s string) string { return untrusted.Escape(s, 0) }

var bareKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func tomlKey(k string) string {
	if bareKey.MatchString(k) {
		return k
	}
	return tomlString(k)
}

// tomlString writes s as a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x20 || r >= 0x7f && r <= 0x9f || r == utf8.RuneError || terminalActive(r) {
				// TOML refuses C0 controls and DEL raw; C1 controls,
				// line separators and bidi controls it allows, but they
				// act on the terminal the config is printed to: all are
				// written as escapes, the same value.
				fmt.Fprintf(&b, `\u%04X`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// terminalActive reports the characters besides controls that change how
// a terminal shows text: line and paragraph separators, bidi embeddings,
// overrides, isolates and marks.
func terminalActive(r rune) bool {
	return r == 0x2028 || r == 0x2029 || r == 0x061c || r == 0x200e || r == 0x200f ||
		r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

func tomlArray(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = tomlString(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func tomlValue(v any) string {
	switch v := v.(type) {
	case string:
		return tomlString(v)
	case bool:
		return fmt.Sprint(v)
	case int:
		return fmt.Sprint(v)
	case map[string]string:
		var parts []string
		for _, k := range sortedKeys(v) {
			parts = append(parts, tomlKey(k)+" = "+tomlString(v[k]))
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	}
	panic(fmt.Sprintf("ddnsgo: no TOML form for %T", v))
}
