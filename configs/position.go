package configs

import (
	"strconv"
	"strings"
)

// Pos is a 1-based line and column in a config file.
type Pos struct{ Line, Col int }

// positions maps a dotted key path ("providers.home.api_token",
// "records.2.provider", "ip.v4.0.url") to where the key is written.
//
// The TOML decoder reports no positions for keys it decoded successfully,
// so this small structural scanner walks the same text once and remembers
// where every key and array element starts. It only needs to understand
// structure (tables, keys, strings, arrays, inline tables, comments); the
// decoder has already checked the syntax by the time positions are asked for.
type positions map[string]Pos

func locate(src string) positions {
	s := &scanner{src: src, line: 1, col: 1, out: positions{}, arrays: map[string]int{}}
	s.document()
	return s.out
}

type scanner struct {
	src       string
	i         int
	line, col int
	out       positions
	arrays    map[string]int // [[array]] header counts
}

func (s *scanner) eof() bool { return s.i >= len(s.src) }

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
	var table []string
	for {
		s.skipSpace(true)
		if s.eof() {
			return
		}
		if s.peek() == '[' {
			start := s.pos()
			s.next()
			isArray := s.peek() == '['
			if isArray {
				s.next()
			}
			path := s.keyPath()
			for !s.eof() && s.peek() != '\n' {
				s.next()
			}
			name := strings.Join(path, ".")
			if isArray {
				n := s.arrays[name]
				s.arrays[name] = n + 1
				path = append(path, strconv.Itoa(n))
			}
			table = path
			s.set(table, start)
			continue
		}
		s.keyValue(table)
	}
}

func (s *scanner) set(path []string, p Pos) {
	k := strings.Join(path, ".")
	if _, ok := s.out[k]; !ok {
		s.out[k] = p
	}
}

// keyValue reads `key = value` inside table.
func (s *scanner) keyValue(table []string) {
	start := s.pos()
	key := s.keyPath()
	if len(key) == 0 {
		// Not a key: skip the rest of the line so the scan always advances.
		for !s.eof() && s.next() != '\n' {
		}
		return
	}
	full := append(append([]string{}, table...), key...)
	s.set(full, start)
	s.skipSpace(false)
	if s.peek() == '=' {
		s.next()
	}
	s.skipSpace(false)
	s.value(full)
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

// str reads a basic, literal or multi-line string and returns its raw content
// (escapes are not interpreted; keys with escapes are rare enough).
func (s *scanner) str() string {
	q := s.next()
	triple := strings.HasPrefix(s.src[s.i:], string([]byte{q, q}))
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
			if strings.HasPrefix(s.src[s.i:], string([]byte{q, q, q})) {
				e := s.i
				s.next()
				s.next()
				s.next()
				return s.src[b:e]
			}
		}
		if !triple && s.peek() == '\n' {
			return s.src[b:s.i]
		}
		s.next()
	}
	return s.src[b:]
}

func (s *scanner) value(path []string) {
	switch c := s.peek(); {
	case c == '"' || c == '\'':
		s.str()
	case c == '[':
		s.next()
		for n := 0; ; n++ {
			s.skipSpace(true)
			if s.eof() {
				return
			}
			if s.peek() == ']' {
				s.next()
				return
			}
			elem := append(append([]string{}, path...), strconv.Itoa(n))
			s.set(elem, s.pos())
			before := s.i
			s.value(elem)
			s.skipSpace(true)
			if s.peek() == ',' {
				s.next()
			} else if s.i == before {
				s.next() // a stray '}' or the like: keep moving
			}
		}
	case c == '{':
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
			start := s.pos()
			key := s.keyPath()
			if len(key) == 0 {
				s.next() // stray character: keep moving
				continue
			}
			full := append(append([]string{}, path...), key...)
			s.set(full, start)
			s.skipSpace(false)
			if s.peek() == '=' {
				s.next()
			}
			s.skipSpace(false)
			s.value(full)
			s.skipSpace(true)
			if s.peek() == ',' {
				s.next()
			}
		}
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

// find returns the position of path, or of its nearest written ancestor.
func (p positions) find(path string) (Pos, bool) {
	for path != "" {
		if pos, ok := p[path]; ok {
			return pos, true
		}
		i := strings.LastIndexByte(path, '.')
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return Pos{}, false
}

// offsetPos converts a byte offset in src to a line and column.
func offsetPos(src string, off int) Pos {
	off = max(0, min(off, len(src)))
	line := 1 + strings.Count(src[:off], "\n")
	col := off - strings.LastIndexByte(src[:off], '\n')
	return Pos{line, col}
}

// indexed returns the written keys that key names once array indices are
// put back: the TOML decoder reports an unknown key inside an array of
// tables without its index ("records.ttll" for "records.2.ttll"), which
// has no position of its own. The keys come in no particular order (errors
// are sorted by position when reported); a key with no index to restore
// comes back as itself.
func (p positions) indexed(key []string) []string {
	if _, ok := p[strings.Join(key, ".")]; ok {
		return []string{strings.Join(key, ".")}
	}
	var out []string
	for k := range p {
		if matchesWithIndices(strings.Split(k, "."), key) {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return []string{strings.Join(key, ".")}
	}
	return out
}

// matchesWithIndices reports whether written equals key with a number
// after any of key's parts.
func matchesWithIndices(written, key []string) bool {
	for len(key) > 0 {
		if len(written) == 0 || written[0] != key[0] {
			return false
		}
		written, key = written[1:], key[1:]
		if len(written) > 0 && (len(key) == 0 || written[0] != key[0]) {
			if _, err := strconv.Atoi(written[0]); err == nil {
				written = written[1:]
			}
		}
	}
	return len(written) == 0
}
