package configs

import (
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
)

// Pos is a 1-based line and column in a config file.
type Pos struct{ Line, Col int }

// Limits on a file's shape, checked by the scanner before the TOML decoder
// reads the text. The decoder's work per key grows with the key's depth and
// length (it stores each key under its whole dotted path, and each inline
// table again under every enclosing one): without these limits a 20 KB file
// of nested inline tables takes it seconds and gigabytes. The deepest key
// of the schema, ip.v4.0.command.1, has five levels and one inline table.
const (
	// maxDepth is how many parts a key's full path may have: each table
	// header part, dotted-key part, array and inline table is one level
	// (records.0.ttl has three).
	maxDepth = 8
	// maxInline is how deep inline tables may sit inside each other.
	maxInline = 3
	// maxKeyLen is how many bytes a key's full dotted path may have.
	maxKeyLen = 256
)

// limits are the bounds one scan enforces; tests lift them to measure the
// scanner alone.
type limits struct{ depth, inline, keyLen int }

var defaultLimits = limits{depth: maxDepth, inline: maxInline, keyLen: maxKeyLen}

// positions records where every key and array element of a file is
// written, so that a problem found after decoding is reported at
// file:line:col. The TOML decoder reports no positions for keys it decoded
// successfully, hence this small structural scanner.
//
// Paths are kept as a tree of nodes whose names are slices of the source,
// never as joined strings: a node costs the same at any depth, so a scan is
// linear in the file's size (a map of joined paths costs the square of the
// depth, 3.7 GB for 40 KB of nested arrays). Joined paths are built only
// when asked for, on the error path.
type positions struct {
	nodes []node // nodes[0] is the document root
	kids  map[edge]int32
}

type node struct {
	name   string // a key part; "" for an array element
	index  int32  // the element's index; -1 for a key
	parent int32
	depth  int32 // parts in the full path
	keyLen int32 // bytes of the full dotted path
	// tables counts the [[name]] headers of an array of tables so far.
	tables int32
	// line and col are where the node is written or, until it is (set),
	// where it is first named: t in [t.q] is only implied, so a lookup
	// moves on to a parent, but a message about t itself can point there.
	line, col int32
	set       bool
}

// at is where the node is written or first named.
func (n *node) at() Pos { return Pos{int(n.line), int(n.col)} }

// edge names a node by its parent and its name or index.
type edge struct {
	parent int32
	index  int32
	name   string
}

// limitError is a file refused for its shape before it is decoded: nested
// too deep or a key too long. Its message names the limit.
type limitError struct {
	Pos Pos
	Off int // byte offset where the limit was passed
	Msg string
}

// scan walks src once and returns where its keys are written, or the first
// place where src passes lim. It only needs to understand structure
// (tables, keys, strings, arrays, inline tables, comments): it tolerates
// broken syntax, which the decoder reports.
func scan(src string, lim limits) (positions, *limitError) {
	s := &scanner{src: src, line: 1, col: 1, lim: lim}
	s.p.nodes = []node{{index: -1, parent: -1, keyLen: -1}}
	s.p.kids = map[edge]int32{}
	s.document()
	return s.p, s.err
}

type scanner struct {
	src       string
	i         int
	line, col int
	p         positions
	lim       limits
	inline    int // inline tables open around the scan
	err       *limitError
}

// eof is also true once a limit is passed, which ends every loop.
func (s *scanner) eof() bool { return s.i >= len(s.src) || s.err != nil }

func (s *scanner) peek() byte {
	if s.eof() {
		return 0
	}
	return s.src[s.i]
}

func (s *scanner) next() byte {
	c := s.src[s.i]
	s.i++
	if c == '\n' {
		s.line++
		s.col = 1
	} else {
		s.col++
	}
	return c
}

func (s *scanner) pos() Pos { return Pos{s.line, s.col} }

// mark is a place in the source: its position and byte offset.
type mark struct {
	pos Pos
	off int
}

func (s *scanner) mark() mark { return mark{s.pos(), s.i} }

// child returns the node named name (a key part) or index (an element,
// name "") under parent, adding it when new. Past a limit it records the
// error at the key or element written at at, and returns parent; the scan
// then stops.
func (s *scanner) child(parent int32, name string, index int32, at mark) int32 {
	e := edge{parent: parent, index: index, name: name}
	if id, ok := s.p.kids[e]; ok {
		return id
	}
	up := &s.p.nodes[parent]
	n := node{name: name, index: index, parent: parent, depth: up.depth + 1, keyLen: up.keyLen + 1 + int32(len(name)),
		line: int32(at.pos.Line), col: int32(at.pos.Col)}
	if index >= 0 {
		n.keyLen += int32(digits(int(index)))
	}
	switch {
	case int(n.depth) > s.lim.depth:
		s.fail(at, fmt.Sprintf("the value is nested deeper than the limit of %d levels (each table, dotted-key part, array and inline table is one level)", s.lim.depth))
		return parent
	case int(n.keyLen) > s.lim.keyLen:
		s.fail(at, fmt.Sprintf("the key's full dotted path is longer than the limit of %d bytes", s.lim.keyLen))
		return parent
	}
	id := int32(len(s.p.nodes))
	s.p.nodes = append(s.p.nodes, n)
	s.p.kids[e] = id
	return id
}

func (s *scanner) fail(at mark, msg string) {
	if s.err == nil {
		s.err = &limitError{Pos: at.pos, Off: at.off, Msg: msg}
	}
}

func digits(n int) int {
	d := 1
	for ; n >= 10; n /= 10 {
		d++
	}
	return d
}

// set records that node id is written at p; the first writing wins.
func (s *scanner) set(id int32, p Pos) {
	if n := &s.p.nodes[id]; !n.set && id != 0 {
		n.set, n.line, n.col = true, int32(p.Line), int32(p.Col)
	}
}

// skipSpace skips blanks, and with newlines also line breaks and comments.
func (s *scanner) skipSpace(newlines bool) {
	for !s.eof() {
		switch c := s.peek(); {
		case c == ' ' || c == '\t' || c == '\r':
			s.next()
		case c == '#':
			for !s.eof() && s.peek() != '\n' {
				s.next()
			}
		case c == '\n' && newlines:
			s.next()
		default:
			return
		}
	}
}

func (s *scanner) document() {
	var table int32 // the root
	for {
		s.skipSpace(true)
		if s.eof() {
			return
		}
		if s.peek() != '[' {
			s.keyValue(table)
			continue
		}
		start := s.mark()
		s.next()
		isArray := s.peek() == '['
		if isArray {
			s.next()
		}
		parts := s.keyPath()
		for !s.eof() && s.peek() != '\n' {
			s.next()
		}
		n := int32(0)
		for i, part := range parts {
			n = s.child(n, part, -1, start)
			// A part naming an array of tables means its last element,
			// as in TOML: [[b]] [[b.a]] puts a in b's last entry.
			if t := s.p.nodes[n].tables; t > 0 && i < len(parts)-1 {
				n = s.child(n, "", t-1, start)
			}
		}
		if isArray && len(parts) > 0 && s.err == nil {
			arr := n
			n = s.child(arr, "", s.p.nodes[arr].tables, start)
			s.p.nodes[arr].tables++
		}
		table = n
		s.set(table, start.pos)
	}
}

// keyValue reads `key = value` inside table.
func (s *scanner) keyValue(table int32) {
	start := s.mark()
	key := s.keyPath()
	if len(key) == 0 {
		// Not a key: skip the rest of the line so the scan always advances.
		for !s.eof() && s.next() != '\n' {
		}
		return
	}
	n := s.path(table, key, start)
	s.set(n, start.pos)
	s.skipSpace(false)
	if s.peek() == '=' {
		s.next()
	}
	s.skipSpace(false)
	s.value(n)
}

// path returns the node of the dotted key parts, written at at, under n.
func (s *scanner) path(n int32, parts []string, at mark) int32 {
	for _, part := range parts {
		n = s.child(n, part, -1, at)
	}
	return n
}

// keyPath reads a dotted key made of bare or quoted parts.
func (s *scanner) keyPath() []string {
	var parts []string
	for {
		s.skipSpace(false)
		switch c := s.peek(); {
		case c == '"' || c == '\'':
			parts = append(parts, s.str())
		case isBare(c):
			b := s.i
			for !s.eof() && isBare(s.peek()) {
				s.next()
			}
			parts = append(parts, s.src[b:s.i])
		default:
			return parts
		}
		s.skipSpace(false)
		if s.peek() != '.' {
			return parts
		}
		s.next()
	}
}

func isBare(c byte) bool {
	return c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// at reports whether src holds n copies of q at i.
func (s *scanner) at(i int, q byte, n int) bool {
	if i+n > len(s.src) {
		return false
	}
	for k := range n {
		if s.src[i+k] != q {
			return false
		}
	}
	return true
}

// str reads a basic, literal or multi-line string and returns its raw content
// (escapes are not interpreted; keys with escapes are rare enough).
func (s *scanner) str() string {
	q := s.next()
	triple := s.at(s.i, q, 2)
	if triple {
		s.next()
		s.next()
	}
	b := s.i
	for !s.eof() {
		if q == '"' && s.peek() == '\\' {
			s.next()
			if !s.eof() {
				s.next()
			}
			continue
		}
		if s.peek() == q {
			if !triple {
				e := s.i
				s.next()
				return s.src[b:e]
			}
			if s.at(s.i, q, 3) {
				// Up to two more quotes belong to the content: """a""""
				// is the string `a"`.
				run := 3
				for run < 5 && s.at(s.i+run, q, 1) {
					run++
				}
				e := s.i + run - 3
				for range run {
					s.next()
				}
				return s.src[b:e]
			}
		}
		if !triple && s.peek() == '\n' {
			return s.src[b:s.i]
		}
		s.next()
	}
	return s.src[b:s.i]
}

func (s *scanner) value(n int32) {
	switch c := s.peek(); {
	case c == '"' || c == '\'':
		s.str()
	case c == '[':
		s.next()
		for i := int32(0); ; i++ {
			s.skipSpace(true)
			if s.eof() {
				return
			}
			if s.peek() == ']' {
				s.next()
				return
			}
			at := s.mark()
			elem := s.child(n, "", i, at)
			s.set(elem, at.pos)
			before := s.i
			s.value(elem)
			s.skipSpace(true)
			if s.peek() == ',' {
				s.next()
			} else if s.i == before && !s.eof() {
				s.next() // a stray '}' or the like: keep moving
			}
		}
	case c == '{':
		s.inlineTable(n)
	default:
		for !s.eof() {
			switch s.peek() {
			case ',', ']', '}', '\n', '#':
				return
			}
			s.next()
		}
	}
}

// inlineTable reads `{ key = value, ... }` as the value of node n.
func (s *scanner) inlineTable(n int32) {
	s.inline++
	defer func() { s.inline-- }()
	if s.inline > s.lim.inline {
		s.fail(s.mark(), fmt.Sprintf("inline tables are nested deeper than the limit of %d", s.lim.inline))
		return
	}
	s.next()
	for {
		s.skipSpace(true)
		if s.eof() {
			return
		}
		if s.peek() == '}' {
			s.next()
			return
		}
		start := s.mark()
		key := s.keyPath()
		if len(key) == 0 {
			s.next() // stray character: keep moving
			continue
		}
		k := s.path(n, key, start)
		s.set(k, start.pos)
		s.skipSpace(false)
		if s.peek() == '=' {
			s.next()
		}
		s.skipSpace(false)
		s.value(k)
		s.skipSpace(true)
		if s.peek() == ',' {
			s.next()
		}
	}
}

// find returns the position of path, or of its nearest written ancestor.
func (p positions) find(path string) (Pos, bool) {
	if len(p.nodes) == 0 {
		return Pos{}, false
	}
	var best Pos
	found := false
	n, rest := int32(0), path
	for rest != "" {
		next, after := p.step(n, rest)
		if next < 0 {
			break
		}
		n, rest = next, after
		if p.nodes[n].set {
			best, found = p.nodes[n].at(), true
		}
	}
	return best, found
}

// step finds the child of n that path's first part names, and what of
// path is left. A quoted key may hold dots ("home.net"), so the shortest
// part that names a child is taken: "a.b" is tried as "a", then "a.b".
func (p positions) step(n int32, path string) (int32, string) {
	for i := 0; i <= len(path); i++ {
		if i < len(path) && path[i] != '.' {
			continue
		}
		part, rest := path[:i], ""
		if i < len(path) {
			rest = path[i+1:]
		}
		if id, ok := p.kids[edge{parent: n, index: -1, name: part}]; ok {
			return id, rest
		}
		if idx, err := strconv.Atoi(part); err == nil && idx >= 0 && idx <= 1<<31-1 {
			if id, ok := p.kids[edge{parent: n, index: int32(idx)}]; ok {
				return id, rest
			}
		}
	}
	return -1, ""
}

// key returns node id's dotted path ("records.0.provider").
func (p positions) key(id int32) string {
	var parts []string
	for ; id > 0; id = p.nodes[id].parent {
		if n := p.nodes[id]; n.index >= 0 {
			parts = append(parts, strconv.Itoa(int(n.index)))
		} else {
			parts = append(parts, n.name)
		}
	}
	slices.Reverse(parts)
	return strings.Join(parts, ".")
}

// onLine yields the dotted path and position of every key and element
// written on line.
func (p positions) onLine(line int) iter.Seq2[string, Pos] {
	return func(yield func(string, Pos) bool) {
		for i, n := range p.nodes {
			if n.set && int(n.line) == line && !yield(p.key(int32(i)), n.at()) {
				return
			}
		}
	}
}

// offsetPos converts a byte offset in src to a line and column.
func offsetPos(src string, off int) Pos {
	off = max(0, min(off, len(src)))
	line := 1 + strings.Count(src[:off], "\n")
	col := off - strings.LastIndexByte(src[:off], '\n')
	return Pos{line, col}
}

// byUnindexed maps each written key without its array indices
// ("records.ttll") to the written keys it stands for ("records.2.ttll",
// ...): the TOML decoder reports an unknown key inside an array of tables
// without its index, which has no position of its own. It is built once per
// file, in one pass over the nodes, so a file of many unknown keys still
// costs linear time.
func (p positions) byUnindexed() map[string][]string {
	out := map[string][]string{}
	var parts []string
	for id := int32(1); id < int32(len(p.nodes)); id++ {
		if !p.nodes[id].set || p.nodes[id].index >= 0 {
			continue
		}
		parts = parts[:0]
		for n := id; n > 0; n = p.nodes[n].parent {
			if p.nodes[n].index < 0 {
				parts = append(parts, p.nodes[n].name)
			}
		}
		slices.Reverse(parts)
		k := strings.Join(parts, ".")
		out[k] = append(out[k], p.key(id))
	}
	return out
}
