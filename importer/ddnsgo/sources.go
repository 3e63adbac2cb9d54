package ddnsgo

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

type outSource struct {
	typ     string
	url     string
	name    string
	command []string
	match   string
	index   *int
	comment string
}

func (s outSource) id() string {
	index := ""
	if s.index != nil {
		index = strconv.Itoa(*s.index)
	}
	return fmt.Sprintf("%s\x00%s\x00%s\x00%q\x00%s\x00%s", s.typ, s.url, s.name, s.command, s.match, index)
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

// ipv6Reg maps ddns-go's ipv6reg of an interface source onto s. ddns-go
// (config.getIpv6AddrFromInterface) reads "@N" as the interface's Nth
// address, counting from 1 in the order the system lists the addresses in
// 2000::/3, temporary ones included; anything else is a Go regular
// expression matched, unanchored, against each address as net.IP writes it.
// Here match is the same dialect (Go's regexp, RE2) on the same text
// (netip.Addr writes IPv6 as net.IP does), and index counts from 0 in a
// fixed order of preference instead of the system's.
func (c *converter) ipv6Reg(e *entry, f *family, key, reg string, s *outSource) {
	at, k := f.ipv6Reg.line, e.key(key+".ipv6reg")
	if n, ok := ddnsgoNth(reg); ok {
		if n == 0 {
			c.r.note(at, k, "%q not converted: ddns-go counts from @1 and finds no address with @0; here the source, without index, picks the interface's preferred address", reg)
			return
		}
		i := n - 1
		s.index = &i
		c.r.note(at, k, "%q written as index = %d: ddns-go counted the interface's addresses from 1 in the order the system lists them, "+
			"temporary ones included; index counts from 0 in a fixed order of preference (public, then hand-set before autoconfigured, "+
			"then lowest first) without temporary or deprecated ones, so it can pick another address (`updater --dry-run` shows which), "+
			"and where ddns-go fell back to the first address when there were fewer, this source fails", reg, i)
		return
	}
	if _, err := regexp.Compile(reg); err != nil {
		c.r.note(at, k, "%q not converted: it is not a regular expression Go accepts (%v; ddns-go's web form checks it with JavaScript's, which takes lookarounds and backreferences), so ddns-go matched nothing with it and took the interface's first address, as this source does without it", reg, err)
		return
	}
	s.match = reg
	c.r.note(at, k, "%q written as match: where no address matched, ddns-go took the interface's first address; this source then fails and the next one is asked", reg)
}

// ddnsgoNth reads ddns-go's "@N" (digits only after the "@", as ddns-go's
// test for "@\d" and strconv.Atoi of the rest accept it); ok is false for
// anything else, which ddns-go takes as a regular expression.
func ddnsgoNth(reg string) (n int, ok bool) {
	if len(reg) < 2 || reg[0] != '@' {
		return 0, false
	}
	for _, r := range reg[1:] {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(reg[1:])
	return n, err == nil
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
			c.ipv6Reg(e, f, key, reg, &s)
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
