package configs

import (
	"encoding"
	"fmt"
	"reflect"
	"strings"
)

// checkKeyCase reports every key written in a case the schema does not
// use, at its file:line:col. TOML keys are case-sensitive, but the decoder
// matches struct fields regardless of case, so `TTL = 60` beside
// `ttl = 300` would set one of them silently and `[IP]` would read as
// [ip]. Keys the schema does not know in any case are the unknown keys
// reported from the decoder's metadata; keys under providers.NAME are
// checked against the provider's schema, which is exact already.
func checkKeyCase(p *problems) {
	// Each node's children, in file order: those of node i are
	// order[start[i]:start[i+1]].
	nodes := p.pos.nodes
	start := make([]int32, len(nodes)+1)
	for _, n := range nodes[1:] {
		start[n.parent+1]++
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	order := make([]int32, len(nodes))
	fill := append([]int32(nil), start...)
	for i := 1; i < len(nodes); i++ {
		up := nodes[i].parent
		order[fill[up]] = int32(i)
		fill[up]++
	}
	fields := map[reflect.Type][]field{}
	var walk func(id int32, t reflect.Type)
	walk = func(id int32, t reflect.Type) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if reflect.PointerTo(t).Implements(textUnmarshaler) {
			return // a leaf written as text (a Duration)
		}
		for _, c := range order[start[id]:start[id+1]] {
			n := nodes[c]
			switch {
			case n.index >= 0:
				if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
					walk(c, t.Elem())
				}
			case t.Kind() == reflect.Map:
				walk(c, t.Elem())
			case t.Kind() == reflect.Struct:
				if id == 0 && strings.EqualFold(n.name, "providers") {
					if n.name != "providers" {
						caseError(p, c, "providers")
					}
					continue
				}
				fs, ok := fields[t]
				if !ok {
					fs = fieldsOf(t)
					fields[t] = fs
				}
				f, found, exact := fieldFor(fs, n.name)
				switch {
				case !found:
				case !exact:
					caseError(p, c, f.key)
				default:
					walk(c, f.typ)
				}
			}
		}
	}
	walk(0, reflect.TypeFor[Config]())
}

// caseError reports node id, written in the wrong case, where it is first
// named: a part of a dotted key or table header has no position of its own.
func caseError(p *problems, id int32, want string) {
	p.errs = append(p.errs, &FieldError{File: p.file, Pos: p.pos.nodes[id].at(), Key: p.pos.key(id),
		Msg: fmt.Sprintf("unknown key: keys are case-sensitive; write %q", want)})
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// field is a struct field as the decoder sees it: its key and type.
type field struct {
	key string
	typ reflect.Type
}

// fieldsOf lists the decodable fields of struct t.
func fieldsOf(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		f := t.Field(i)
		k, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if k == "" {
			k = f.Name
		}
		if f.IsExported() && k != "-" {
			out = append(out, field{k, f.Type})
		}
	}
	return out
}

// fieldFor returns the field of fs that key name decodes into, and
// whether name is written exactly as the field's key.
func fieldFor(fs []field, name string) (f field, found, exact bool) {
	for _, f := range fs {
		if f.key == name {
			return f, true, true
		}
	}
	for _, f := range fs {
		if strings.EqualFold(f.key, name) {
			return f, true, false
		}
	}
	return field{}, false, false
}
