package ddnsgo

import (
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/ddnsd/ddns/providers/spec"
	"github.com/ddnsd/ddns/untrusted"
	"golang.org/x/net/publicsuffix"
)

// Convert reads data as a ddns-go config and returns the equivalent TOML.
// An input that cannot be converted at all (not YAML, not ddns-go's
// shape, an unknown provider name, nothing to convert) is an *InputError
// naming the file and line; everything else that does not map is a Note.
func Convert(data []byte, o Options) (*Result, error) {
	if o.Name == "" {
		o.Name = "(input)"
	}
	if o.Shell == nil {
		o.Shell = []string{"sh", "-c"}
	}
	if o.Supported == nil {
		o.Supported = spec.Default()
	}
	r := &reader{name: o.Name}
	doc, err := r.parse(data)
	if err != nil {
		return nil, err
	}
	c := &converter{o: o, r: r, out: &output{}, seen: map[string]int{}, providerBy: map[string]string{}, taken: map[string]bool{}}
	for _, e := range doc.entries {
		if err := c.entry(e); err != nil {
			return nil, err
		}
	}
	c.topLevel(doc)
	c.out.sources = c.sources
	// In file order: the notes are read beside the file.
	slices.SortStableFunc(r.notes, func(a, b Note) int { return a.Line - b.Line })
	if len(c.out.records) == 0 {
		msg := "nothing could be converted: no entry has an enabled family with domains for a provider this program supports"
		if len(r.notes) > 0 {
			msg += "; the reasons:\n  " + strings.Join(noteLines(o.Name, r.notes), "\n  ")
		}
		return nil, &InputError{Name: o.Name, Line: doc.dnsconfLine, Key: "dnsconf", Msg: msg}
	}
	res := &Result{Notes: r.notes, Secrets: c.secrets, InlineSecrets: c.inline,
		Records: len(c.out.records), Providers: len(c.out.providers)}
	res.TOML = c.out.render(o.Name, r.notes)
	return res, nil
}

// noteLines formats notes as "FILE:LINE: KEY: TEXT".
func noteLines(name string, notes []Note) []string {
	out := make([]string, len(notes))
	for i, n := range notes {
		loc := name
		if n.Line > 0 {
			loc += ":" + strconv.Itoa(n.Line)
		}
		// Escaped: a note quotes the input, and it goes to a terminal.
		out[i] = untrusted.Escape(loc+": "+strings.TrimPrefix(n.String(), fmt.Sprintf("line %d: ", n.Line)), 0)
	}
	return out
}

// NoteLines formats notes for stderr: "FILE:LINE: KEY: TEXT", one a line.
func NoteLines(name string, notes []Note) []string { return noteLines(name, notes) }

type converter struct {
	o       Options
	r       *reader
	out     *output
	secrets []Secret
	inline  int
	// seen maps "fqdn TYPE" to the entry that defined it: our records are
	// unique by name and type.
	seen map[string]int
	// providerBy maps a provider's content to its name, so identical
	// accounts of several entries become one table.
	providerBy map[string]string
	taken      map[string]bool
	sources    [2]sourceList
}

// domain is one parsed ddns-go domain.
type domain struct {
	zone, name string // name relative to the zone, "@" for the apex
	params     url.Values
	line       int
	raw        string
}

// parseDomain splits a domain as ddns-go does: "sub:zone" explicitly, else
// the zone is the registrable domain by the public suffix list; "?k=v"
// after it are provider parameters. ok is false (with a reason) where
// ddns-go would skip the domain too.
func parseDomain(s string) (d domain, why string) {
	s = strings.TrimSpace(s)
	d.raw = s
	host, query, hasQuery := strings.Cut(s, "?")
	if hasQuery {
		q, err := url.ParseQuery(query)
		if err != nil {
			return d, fmt.Sprintf("its parameters %q do not parse (%v); ddns-go skips it too", query, err)
		}
		d.params = q
	}
	parts := strings.Split(host, ":")
	switch len(parts) {
	case 1:
		zone, err := publicsuffix.EffectiveTLDPlusOne(host)
		if err != nil {
			return d, fmt.Sprintf("%q has no registrable domain by the public suffix list; ddns-go skips it too (write it as sub:zone)", host)
		}
		d.zone = zone
		d.name = strings.TrimSuffix(strings.TrimSuffix(host, zone), ".")
	case 2:
		if !strings.Contains(parts[1], ".") {
			return d, fmt.Sprintf("%q is not a zone (it has no dot); ddns-go skips it too", parts[1])
		}
		d.zone, d.name = parts[1], parts[0]
	default:
		return d, "it has more than one \":\"; ddns-go skips it too"
	}
	d.zone = strings.ToLower(strings.TrimSuffix(d.zone, "."))
	if d.name == "" {
		d.name = "@"
	}
	return d, ""
}

// ttlFor maps ddns-go's ttl ("" for Auto, else seconds) to a TTL that typ
// accepts, noting a change.
func (c *converter) ttlFor(e *entry, m mapping, typ string) int {
	ttl := m.ttl
	if ttl == 0 {
		ttl = ddnsgoDefaultTTL
	}
	v := strings.TrimSpace(e.ttl.s)
	if m.fixedTTL {
		if v != "" && !strings.EqualFold(v, "auto") && v != strconv.Itoa(ttl) {
			c.r.note(e.ttl.line, e.key("ttl"), "%q ignored: ddns-go's %s sends %d whatever ttl says, and so does this config", v, e.dns.name.s, ttl)
		}
		v = ""
	}
	if v != "" && !strings.EqualFold(v, "auto") {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			c.r.note(e.ttl.line, e.key("ttl"), "%q is not a number of seconds; ddns-go then uses its default, %d, and so does this config", v, ttl)
		} else {
			ttl = n
		}
	}
	s, ok := spec.Default().Lookup(typ)
	if !ok {
		return ttl
	}
	if _, err := s.CheckTTL(ttl); err != nil {
		fixed := min(max(ttl, s.TTL.Min), s.TTL.Max)
		c.r.note(e.ttl.line, e.key("ttl"), "%d is not a TTL %s accepts; written as %d", ttl, typ, fixed)
		ttl = fixed
	}
	return ttl
}

func (c *converter) entry(e *entry) error {
	name := strings.TrimSpace(e.dns.name.s)
	if name == "" {
		return c.r.fail(e.dns.line, e.key("dns.name"), "no provider is named (ddns-go would fall back to alidns without a word; say which one: %s)", knownNames())
	}
	m, ok := lookupMapping(name)
	if !ok {
		return c.r.fail(e.dns.name.line, e.key("dns.name"), "%q is not a provider ddns-go knows (it would fall back to alidns); ddns-go's are: %s", name, knownNames())
	}
	fams := []struct {
		f   *family
		typ string
		key string
		idx int
	}{{&e.v4, "A", "ipv4", 0}, {&e.v6, "AAAA", "ipv6", 1}}
	var doms [2][]domain
	for _, fm := range fams {
		f := fm.f
		var live []value
		for _, d := range f.domains {
			if strings.TrimSpace(d.s) != "" {
				live = append(live, d)
			}
		}
		if !f.enable {
			if len(live) > 0 {
				c.r.note(f.enableLine, e.key(fm.key+".enable"), "%s is off in ddns-go, so its %d domain(s) are not converted", fm.key, len(live))
			}
			continue
		}
		if len(live) == 0 {
			continue
		}
		for _, d := range live {
			pd, why := parseDomain(d.s)
			if why != "" {
				c.r.note(d.line, e.key(fm.key+".domains"), "%q skipped: %s", d.s, why)
				continue
			}
			pd.line = d.line
			if strings.ContainsFunc(fqdn(pd), func(r rune) bool { return r > 0x7e }) {
				// ddns-go converts to punycode for Cloudflare only; the
				// x/net/idna tables would cost the updater x/text.
				c.r.note(d.line, e.key(fm.key+".domains"), "%q is written as is: if the provider refuses it, write its ASCII (punycode, xn--...) form", fqdn(pd))
			}
			doms[fm.idx] = append(doms[fm.idx], pd)
		}
	}
	if len(doms[0])+len(doms[1]) == 0 {
		return nil
	}
	if m.ours == "" {
		c.r.note(e.dns.name.line, e.key("dns.name"), "provider %q not converted, with its domains %s: %s", name, listDomains(doms), m.why)
		return nil
	}
	if e.httpInterface.s != "" {
		c.r.note(e.httpInterface.line, e.key("httpinterface"), "ignored: provider calls go out on the system's route, not bound to %q", e.httpInterface.s)
	}
	if e.dns.extra.s != "" {
		c.r.note(e.dns.extra.line, e.key("dns.extparam"), "ignored: %s takes no extra parameter here", name)
	}
	var pending []pendingRecord
	for _, fm := range fams {
		for _, d := range doms[fm.idx] {
			pending = append(pending, pendingRecord{d: d, typ: fm.typ, key: e.key(fm.key + ".domains")})
		}
	}
	var err error
	if name == "callback" {
		err = c.callback(e, m, pending)
	} else {
		err = c.account(e, name, m, pending)
	}
	if err != nil {
		return err
	}
	for _, fm := range fams {
		if len(doms[fm.idx]) > 0 {
			c.source(e, fm.f, fm.key, fm.idx)
		}
	}
	return nil
}

type pendingRecord struct {
	d   domain
	typ string
	key string
	// proxied is the record's own Cloudflare proxied, nil for the account's.
	proxied *bool
}

func listDomains(doms [2][]domain) string {
	var s []string
	for i, ds := range doms {
		for _, d := range ds {
			s = append(s, fmt.Sprintf("%s (%s)", fqdn(d), []string{"A", "AAAA"}[i]))
		}
	}
	return strings.Join(s, ", ")
}

func fqdn(d domain) string {
	if d.name == "@" {
		return d.zone
	}
	return d.name + "." + d.zone
}

// account converts a provider of a fixed API (not callback).
func (c *converter) account(e *entry, name string, m mapping, recs []pendingRecord) error {
	ps := m.params(e.dns)
	if why := usable(c.o.Supported, m.ours, ps); why != "" {
		c.r.note(e.dns.name.line, e.key("dns.name"), "provider %q (%s) not converted, with its domains %s: %s",
			name, m.ours, listPending(recs), why)
		return nil
	}
	for _, p := range ps {
		if p.value == "" {
			// Broken in ddns-go too; the other entries still convert.
			c.r.note(e.dns.line, e.key("dns"), "provider %s needs its %s (for %s here), and it is empty: not converted, with its domains %s",
				name, p.field, p.key, listPending(recs))
			return nil
		}
	}
	// ddns-go's Cloudflare takes ?proxied= per domain; here it is the
	// record's own proxied. ddns-go sets it only where the domain says so
	// (true is "true", anything else false) and otherwise leaves the
	// record as Cloudflare has it; here a record without it (on an
	// account without one, which the importer never writes) is left so too.
	unsaid := false
	for i := range recs {
		pr := &recs[i]
		for _, k := range sortedKeys(pr.d.params) {
			vs := pr.d.params[k]
			switch {
			case m.ours == "cloudflare" && k == "proxied":
				v := vs[0]
				p := v == "true"
				if v != "true" && v != "false" {
					c.r.note(pr.d.line, pr.key, "proxied=%s of %q written as proxied = false: ddns-go takes only \"true\" as true", v, pr.d.raw)
				}
				pr.proxied = &p
			default:
				c.r.note(pr.d.line, pr.key, "parameter %s=%s of %q ignored: %s takes no per-record parameters here", k, strings.Join(vs, ","), pr.d.raw, m.ours)
			}
		}
		if m.ours == "cloudflare" && pr.proxied == nil {
			unsaid = true
		}
	}
	var comments []string
	if unsaid {
		comments = append(comments, "a record without proxied (its domain had no ?proxied=) is left proxied or not as Cloudflare has it, "+
			"as ddns-go left it; write proxied = true or false on a record to enforce one")
	}
	pname := c.provider(e, m.ours, "", ps, comments)
	c.records(e, m, m.ours, pname, recs)
	return nil
}

func listPending(recs []pendingRecord) string {
	var s []string
	for _, r := range recs {
		s = append(s, fmt.Sprintf("%s (%s)", fqdn(r.d), r.typ))
	}
	return strings.Join(s, ", ")
}

func (c *converter) records(e *entry, m mapping, typ, pname string, recs []pendingRecord) {
	ttl := c.ttlFor(e, m, typ)
	for _, pr := range recs {
		id := fqdn(pr.d) + " " + pr.typ
		if prev, dup := c.seen[id]; dup {
			c.r.note(pr.d.line, pr.key, "%s skipped: dnsconf[%d] already sets it, and a name and type is kept by one provider here", id, prev)
			continue
		}
		c.seen[id] = e.index
		c.out.records = append(c.out.records, outRecord{provider: pname, zone: pr.d.zone, name: pr.d.name, typ: pr.typ, ttl: ttl, proxied: pr.proxied, from: pr.d.raw, line: pr.d.line})
	}
}

// provider adds (or finds) a [providers.NAME] table and returns its name.
func (c *converter) provider(e *entry, typ, suffix string, ps []param, comments []string) string {
	var sig strings.Builder
	sig.WriteString(typ)
	for _, p := range ps {
		fmt.Fprintf(&sig, "\x00%s=%v", p.key, p.value)
	}
	if n, ok := c.providerBy[sig.String()]; ok {
		// Another entry's account: what this entry adds to say is said too.
		for i := range c.out.providers {
			if op := &c.out.providers[i]; op.name == n {
				for _, cm := range comments {
					if !slices.Contains(op.comments, cm) {
						op.comments = append(op.comments, cm)
					}
				}
			}
		}
		return n
	}
	base := typ
	if n := sanitizeName(e.name.s); n != "" {
		base = n
	}
	name := base + suffix
	for i := 2; c.taken[name]; i++ {
		name = fmt.Sprintf("%s%s-%d", base, suffix, i)
	}
	c.taken[name] = true
	c.providerBy[sig.String()] = name
	op := outProvider{name: name, typ: typ, comments: comments, from: e.key("dns"), line: e.dns.line}
	for _, p := range ps {
		kv := outKV{key: p.key, value: p.value}
		if s, ok := p.value.(string); ok && isSecret(c.o.Supported, typ, p.key) && s != "" {
			if c.o.SecretsDir != "" {
				path := filepath.Join(c.o.SecretsDir, name+"."+p.key)
				c.secrets = append(c.secrets, Secret{Path: path, Value: s})
				kv = outKV{key: p.key + "_file", value: path}
			} else {
				c.inline++
			}
		}
		op.keys = append(op.keys, kv)
	}
	c.out.providers = append(c.out.providers, op)
	return name
}

var nameRune = regexp.MustCompile(`[^a-z0-9_-]+`)

// sanitizeName makes ddns-go's entry name a bare TOML key.
func sanitizeName(s string) string {
	return strings.Trim(nameRune.ReplaceAllString(strings.ToLower(strings.TrimSpace(s)), "-"), "-")
}

// jsonish tells whether a request body is JSON once its variables are
// filled in, as ddns-go decides its Content-Type.
func jsonish(body string, vars map[string]string) bool {
	for k, v := range vars {
		body = strings.ReplaceAll(body, k, v)
	}
	return json.Valid([]byte(body))
}
