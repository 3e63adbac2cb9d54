package ddnsgo

import (
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// What ddns-go's file holds, as ddns-go reads it: its structs decoded by
// yaml.v3, whose keys are the Go field names in lower case, matched
// exactly (so "Ipv4:" is not "ipv4:" and ddns-go ignores it). Every value
// keeps its line, for notes.

type value struct {
	s    string
	line int
	set  bool
}

type family struct {
	line                                     int
	present                                  bool
	enable                                   bool
	enableLine                               int
	getType, url, netInterface, cmd, ipv6Reg value
	domains                                  []value
	domainsLine                              int
}

type dnsAccount struct {
	line                    int
	name, id, secret, extra value
}

type entry struct {
	index         int
	line          int
	name          value
	v4, v6        family
	dns           dnsAccount
	ttl           value
	httpInterface value
}

func (e *entry) key(rest string) string {
	if e.index < 0 {
		return rest // the pre-v5 format: the entry is the whole file
	}
	if rest == "" {
		return fmt.Sprintf("dnsconf[%d]", e.index)
	}
	return fmt.Sprintf("dnsconf[%d].%s", e.index, rest)
}

type webhook struct {
	line               int
	url, body, headers value
}

type document struct {
	entries     []*entry
	dnsconfLine int
	webhook     webhook
	user        struct {
		line               int
		username, password value
	}
	notAllowWANAccess value
	lang              value
}

// reader walks the YAML tree, collecting notes for what it ignores.
type reader struct {
	name  string
	notes []Note
	// keyLine is the line of the key whose value mapping's callback is
	// reading.
	keyLine int
}

func (r *reader) note(line int, key, format string, args ...any) {
	r.notes = append(r.notes, Note{Line: line, Key: key, Text: fmt.Sprintf(format, args...)})
}

func (r *reader) fail(line int, key, format string, args ...any) error {
	return &InputError{Name: r.name, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)}
}

// parse reads data as ddns-go's config.
func (r *reader) parse(data []byte) (*document, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, r.yamlError(err)
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, r.fail(0, "", "the file is empty, not a ddns-go config (it should hold a dnsconf list)")
	}
	if own, expanded := aliasExpansion(&root); expanded-own > maxAliasExpansion {
		return nil, r.fail(0, "", "its YAML aliases (*name) make its %d values stand for %s, and aliases may add at most %d; ddns-go writes no aliases: write the entries out", own, expandedWords(expanded), maxAliasExpansion)
	}
	top := deref(root.Content[0])
	if top.Kind != yaml.MappingNode {
		return nil, r.fail(top.Line, "", "this is YAML %s, not a ddns-go config (a mapping with a dnsconf list, as ddns-go writes to .ddns_go_config.yaml)", kindName(top))
	}
	doc := &document{}
	var dnsconf *yaml.Node
	legacy := map[string]*yaml.Node{}
	err := r.mapping(top, "", func(k string, v *yaml.Node) error {
		switch k {
		case "dnsconf":
			dnsconf, doc.dnsconfLine = v, r.keyLine
		case "user":
			doc.user.line = v.Line
			return r.mapping(v, "user", func(k string, v *yaml.Node) error {
				switch k {
				case "username":
					return r.str(v, "user.username", &doc.user.username)
				case "password":
					return r.str(v, "user.password", &doc.user.password)
				}
				return errUnknown
			})
		case "webhook":
			doc.webhook.line = v.Line
			return r.mapping(v, "webhook", func(k string, v *yaml.Node) error {
				switch k {
				case "webhookurl":
					return r.str(v, "webhook.webhookurl", &doc.webhook.url)
				case "webhookrequestbody":
					return r.str(v, "webhook.webhookrequestbody", &doc.webhook.body)
				case "webhookheaders":
					return r.str(v, "webhook.webhookheaders", &doc.webhook.headers)
				}
				return errUnknown
			})
		case "notallowwanaccess":
			return r.str(v, k, &doc.notAllowWANAccess)
		case "lang":
			return r.str(v, k, &doc.lang)
		case "ipv4", "ipv6", "dns", "ttl", "name", "httpinterface":
			// ddns-go before v5 kept one entry at the top level; it still
			// reads such a file when it has no dnsconf.
			legacy[k] = v
		default:
			return errUnknown
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	switch {
	case dnsconf != nil:
		for k, v := range legacy {
			r.note(v.Line, k, "ignored: ddns-go reads a top-level %s only from a file without dnsconf (the format before v5)", k)
		}
		dnsconf = deref(dnsconf)
		if dnsconf.Kind == yaml.ScalarNode && dnsconf.Tag == "!!null" {
			return nil, r.fail(dnsconf.Line, "dnsconf", "the list is empty: there is nothing to convert")
		}
		if dnsconf.Kind != yaml.SequenceNode {
			return nil, r.fail(dnsconf.Line, "dnsconf", "is YAML %s, not a list of entries", kindName(dnsconf))
		}
		if len(dnsconf.Content) == 0 {
			return nil, r.fail(dnsconf.Line, "dnsconf", "the list is empty: there is nothing to convert")
		}
		for i, n := range dnsconf.Content {
			e, err := r.entry(deref(n), i, legacy)
			if err != nil {
				return nil, err
			}
			doc.entries = append(doc.entries, e)
		}
	case len(legacy) > 0 && legacy["dns"] != nil:
		e, err := r.entry(top, -1, legacy)
		if err != nil {
			return nil, err
		}
		doc.entries = append(doc.entries, e)
	default:
		hint := ""
		for _, k := range mappingKeys(top) {
			if strings.EqualFold(k, "dnsconf") || strings.EqualFold(k, "dns") || strings.EqualFold(k, "ipv4") {
				hint = fmt.Sprintf(" (it has %q, but ddns-go reads keys in lower case only, so it would ignore it too)", k)
				break
			}
		}
		return nil, r.fail(top.Line, "", "has no dnsconf list, so there is nothing to convert%s", hint)
	}
	return doc, nil
}

// yamlError turns a YAML syntax error into "FILE:LINE: not YAML: ...".
func (r *reader) yamlError(err error) error {
	msg := err.Error()
	line := 0
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, after, ok := strings.Cut(rest, ": "); ok {
			if _, err := fmt.Sscanf(n, "%d", &line); err == nil {
				msg = after
			}
		}
	}
	return &InputError{Name: r.name, Line: line, Msg: "not YAML that ddns-go could read: " + msg}
}

var errUnknown = errors.New("unknown key")

// mapping calls each for every key of n, in order. A key each does not
// know (errUnknown) becomes a note; a duplicate key is refused, as yaml.v3
// refuses it.
func (r *reader) mapping(n *yaml.Node, path string, each func(k string, v *yaml.Node) error) error {
	n = deref(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return r.fail(n.Line, path, "is YAML %s, not a mapping of keys to values", kindName(n))
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], n.Content[i+1]
		k := kn.Value
		full := joinKey(path, k)
		if at, dup := seen[k]; dup {
			return r.fail(kn.Line, full, "is given twice (also at line %d)", at)
		}
		seen[k] = kn.Line
		r.keyLine = kn.Line
		if err := each(k, vn); errors.Is(err, errUnknown) {
			lower := strings.ToLower(k)
			if lower != k {
				r.note(kn.Line, full, "ignored: ddns-go reads keys in lower case only (%q), so it ignores this one too", lower)
			} else {
				r.note(kn.Line, full, "ignored: not a key ddns-go reads")
			}
		} else if err != nil {
			return err
		}
	}
	return nil
}

func (r *reader) entry(n *yaml.Node, index int, legacy map[string]*yaml.Node) (*entry, error) {
	e := &entry{index: index, line: n.Line}
	if n.Kind != yaml.MappingNode {
		return nil, r.fail(n.Line, e.key(""), "is YAML %s, not an entry with ipv4, ipv6 and dns", kindName(n))
	}
	each := func(k string, v *yaml.Node) error {
		switch k {
		case "name":
			return r.str(v, e.key("name"), &e.name)
		case "ipv4":
			return r.family(v, e.key("ipv4"), &e.v4, false)
		case "ipv6":
			return r.family(v, e.key("ipv6"), &e.v6, true)
		case "dns":
			e.dns.line = v.Line
			return r.mapping(v, e.key("dns"), func(k string, v *yaml.Node) error {
				p := e.key("dns." + k)
				switch k {
				case "name":
					return r.str(v, p, &e.dns.name)
				case "id":
					return r.str(v, p, &e.dns.id)
				case "secret":
					return r.str(v, p, &e.dns.secret)
				case "extparam":
					return r.str(v, p, &e.dns.extra)
				}
				return errUnknown
			})
		case "ttl":
			return r.str(v, e.key("ttl"), &e.ttl)
		case "httpinterface":
			return r.str(v, e.key("httpinterface"), &e.httpInterface)
		}
		return errUnknown
	}
	if index < 0 {
		for _, k := range []string{"name", "ipv4", "ipv6", "dns", "ttl", "httpinterface"} {
			if v, ok := legacy[k]; ok {
				if err := each(k, v); err != nil {
					return nil, err
				}
			}
		}
		return e, nil
	}
	return e, r.mapping(n, e.key(""), each)
}

func (r *reader) family(n *yaml.Node, path string, f *family, v6 bool) error {
	f.present, f.line = true, n.Line
	return r.mapping(n, path, func(k string, v *yaml.Node) error {
		p := joinKey(path, k)
		switch k {
		case "enable":
			f.enableLine = v.Line
			if err := deref(v).Decode(&f.enable); err != nil {
				return r.fail(v.Line, p, "%q is not true or false", v.Value)
			}
			return nil
		case "gettype":
			return r.str(v, p, &f.getType)
		case "url":
			return r.str(v, p, &f.url)
		case "netinterface":
			return r.str(v, p, &f.netInterface)
		case "cmd":
			return r.str(v, p, &f.cmd)
		case "ipv6reg":
			if !v6 {
				return errUnknown
			}
			return r.str(v, p, &f.ipv6Reg)
		case "domains":
			f.domainsLine = v.Line
			v = deref(v)
			if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
				return nil
			}
			if v.Kind != yaml.SequenceNode {
				return r.fail(v.Line, p, "is YAML %s, not a list of domains", kindName(v))
			}
			for i, d := range v.Content {
				var s value
				if err := r.str(d, fmt.Sprintf("%s[%d]", p, i), &s); err != nil {
					return err
				}
				f.domains = append(f.domains, s)
			}
			return nil
		}
		return errUnknown
	})
}

// str decodes a scalar as ddns-go's string fields take it: any scalar
// (600 as well as "600"), null as "".
func (r *reader) str(n *yaml.Node, path string, out *value) error {
	line := n.Line
	n = deref(n)
	if n.Kind != yaml.ScalarNode {
		return r.fail(line, path, "is YAML %s, not a single value", kindName(n))
	}
	out.line, out.set = line, true
	if n.Tag == "!!null" {
		out.s = ""
		return nil
	}
	out.s = n.Value
	return nil
}

// maxAliasExpansion bounds how many values the YAML aliases of a file may
// add to it once followed. The converter follows every alias it meets, so
// a small file whose list repeats, by alias, an entry that itself holds a
// long list by alias ("billion laughs") would cost time, memory and output
// in the product of the two: 6 KB of 300 aliases to an entry of 300
// domains made 13 MB of TOML and 218 MB of allocations. ddns-go writes no
// aliases; a hand-written file may share a few.
const maxAliasExpansion = 10_000

// aliasCeiling is where aliasExpansion stops counting: far above
// maxAliasExpansion, and small enough that the sum of two counts fits a
// 32-bit int (linux/arm and linux/mipsle builds).
const aliasCeiling = 1 << 29

// aliasExpansion counts the values of the document at n: own, each node
// once as written; expanded, with every alias counted as the values it
// stands for (saturating, so a nest of aliases cannot overflow it).
func aliasExpansion(n *yaml.Node) (own, expanded int) {
	const ceiling = aliasCeiling
	memo := map[*yaml.Node]int{}
	var size func(n *yaml.Node, depth int) int
	size = func(n *yaml.Node, depth int) int {
		if v, ok := memo[n]; ok {
			return v
		}
		memo[n] = ceiling // an alias cycle, which yaml.v3 refuses anyway, counts as endless
		total := 1
		if n.Kind == yaml.AliasNode {
			total = ceiling
			if n.Alias != nil && depth < 64 {
				total = size(n.Alias, depth+1)
			}
		} else {
			own++
		}
		if n.Kind != yaml.AliasNode {
			for _, c := range n.Content {
				total = min(total+size(c, depth), ceiling)
			}
		}
		memo[n] = total
		return total
	}
	expanded = size(n, 0)
	return own, expanded
}

// expandedWords is aliasExpansion's count in words.
func expandedWords(n int) string {
	if n >= aliasCeiling {
		return "more than 500 million"
	}
	return fmt.Sprintf("%d", n)
}

// deref follows an alias (bounded: yaml.v3 refuses an alias to itself).
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 16; i++ {
		n = n.Alias
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		return deref(n.Content[0])
	}
	return n
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "null"
		case "!!str":
			return "text"
		case "!!int", "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		}
		return "a single value"
	}
	return "of an unexpected kind"
}

func mappingKeys(n *yaml.Node) []string {
	var out []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, n.Content[i].Value)
	}
	return out
}

func joinKey(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}
