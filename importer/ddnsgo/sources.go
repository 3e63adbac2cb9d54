package ddnsgo

import (
	"fmt"
	"net/url"
	"reflect"
	"strings"

	"github.com/ddnsd/ddns/configs"
)

type outSource struct {
	typ     string
	url     string
	name    string
	command []string
	match   string
	comment string
}

func (s outSource) id() string {
	return fmt.Sprintf("%s\x00%s\x00%s\x00%q\x00%s", s.typ, s.url, s.name, s.command, s.match)
}

type sourceList struct {
	items []outSource
	ids   map[string]bool
	// first is the source list of the first entry using the family, to tell
	// whether later entries differ.
	first   string
	noted   bool
	entries int
}

// textEchoes are echo services in ddns-go's default lists whose answer is
// a sentence or a page around the address: ddns-go finds the address with
// a regular expression, this program takes only an answer that is the
// address (or ip=..., or JSON with "ip"), so they would always fail.
var textEchoes = map[string]string{
	"myip.ipip.net":  "answers a sentence (\"当前 IP：… 来自于：…\")",
	"ddns.oray.com":  "answers an HTML page",
	"myip4.ipip.net": "answers a sentence around the address",
}

// interfaceSelector reports whether interface sources take key (a regular
// expression selector such as "match"): other work adds selectors to
// configs.Source, and ipv6reg maps onto one as soon as it is there.
func interfaceSelector(key string) bool {
	t := reflect.TypeFor[configs.Source]()
	for i := range t.NumField() {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("toml"), ","); tag == key {
			return true
		}
	}
	return false
}

// source adds the address sources of entry e's family f (idx 0 = IPv4).
func (c *converter) source(e *entry, f *family, key string, idx int) {
	var got []outSource
	switch gt := f.getType.s; gt {
	case "url":
		for _, raw := range strings.Split(f.url.s, ",") {
			raw = strings.TrimSpace(raw)
			if raw == "" {
				continue
			}
			u, err := url.Parse(raw)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				c.r.note(f.url.line, e.key(key+".url"), "%q skipped: not an http:// or https:// URL", raw)
				continue
			}
			if why, bad := textEchoes[strings.ToLower(u.Hostname())]; bad {
				c.r.note(f.url.line, e.key(key+".url"), "%s skipped: it %s, which this program does not read (it wants an answer that is just the address)", raw, why)
				continue
			}
			got = append(got, outSource{typ: "http", url: raw})
		}
		if len(got) == 0 {
			c.r.note(f.url.line, e.key(key+".url"), "no usable URL: [ip] defaults = true asks the built-in public echo services instead")
		}
	case "netInterface":
		s := outSource{typ: "interface", name: strings.TrimSpace(f.netInterface.s)}
		if s.name == "" {
			c.r.note(f.netInterface.line, e.key(key+".netinterface"), "no interface is named: ddns-go then finds no address; here any up, non-loopback interface is used")
		}
		if reg := strings.TrimSpace(f.ipv6Reg.s); reg != "" {
			switch {
			case strings.HasPrefix(reg, "@"):
				c.r.note(f.ipv6Reg.line, e.key(key+".ipv6reg"), "%q (the interface's Nth IPv6 address) not converted: interface sources here pick the first global, non-temporary address", reg)
			case interfaceSelector("match"):
				s.match = reg
			default:
				c.r.note(f.ipv6Reg.line, e.key(key+".ipv6reg"), "%q not converted: interface sources in this build have no regular-expression selector; they pick the first global, non-temporary address", reg)
			}
		}
		got = append(got, s)
	case "cmd":
		cmd := strings.TrimSpace(f.cmd.s)
		if cmd == "" {
			c.r.note(f.cmd.line, e.key(key+".cmd"), "the command is empty: ddns-go then finds no address; [ip] defaults = true asks the built-in public echo services instead")
			break
		}
		argv := append(append([]string(nil), c.o.Shell...), cmd)
		got = append(got, outSource{typ: "command", command: argv,
			comment: "ddns-go ran this through a shell and took the first address in its output; here the output must be the address alone"})
	default:
		c.r.note(f.getType.line, e.key(key+".gettype"), "%q is not url, netInterface or cmd: ddns-go finds no address with it; [ip] defaults = true asks the built-in public echo services instead", gt)
	}
	l := &c.sources[idx]
	if l.ids == nil {
		l.ids = map[string]bool{}
	}
	var sig strings.Builder
	for _, s := range got {
		sig.WriteString(s.id() + "\x01")
	}
	l.entries++
	if l.entries == 1 {
		l.first = sig.String()
	} else if sig.String() != l.first && !l.noted {
		l.noted = true
		c.r.note(f.line, e.key(key), "this entry takes its %s address from other sources than the first one: [ip] here is one list for every record, so all the sources are listed and tried in order, and every %s record gets the first good answer",
			[]string{"IPv4", "IPv6"}[idx], []string{"A", "AAAA"}[idx])
	}
	for _, s := range got {
		if !l.ids[s.id()] {
			l.ids[s.id()] = true
			l.items = append(l.items, s)
		}
	}
}
