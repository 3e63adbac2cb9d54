package journal

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// decode reads one line; false for a line that is not an entry. Lines as
// Append writes them (its keys, plain strings and integers) take a fast
// path: a year of entries reads in a fraction of encoding/json's time,
// which the dashboard pays on every load. Anything else (an escape in a
// string, a key or a value of another shape, a damaged line) goes to
// encoding/json, which decides; so both paths read a line alike
// (FuzzDecode checks it).
func decode(line []byte) (Entry, bool) {
	if e, ok := decodeFast(line); ok {
		return e, e.valid()
	}
	if !mayBeObject(line) {
		// Not a JSON object at all (NULs a crash left, text): refused
		// without encoding/json, whose error for each line costs
		// allocations; a file of millions of short damaged lines read
		// at every dashboard poll made that 1.3 GB per 9 MB read.
		return Entry{}, false
	}
	var e Entry
	if err := json.Unmarshal(line, &e); err != nil {
		return Entry{}, false
	}
	return e, e.valid()
}

// mayBeObject says whether line could be a JSON object: its first byte
// after JSON's white space is '{'. Anything else encoding/json refuses too.
func mayBeObject(line []byte) bool {
	for _, c := range line {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c == '{'
	}
	return false
}

// valid says whether a decoded line is an entry: one with a time and a kind.
func (e *Entry) valid() bool { return !e.At.IsZero() && e.Kind != "" }

// decodeFast decodes a line of the shape Append writes; false when the line
// is of any other shape, for encoding/json to judge.
func decodeFast(line []byte) (Entry, bool) {
	var e Entry
	p := bytes.TrimRight(line, " \t\r\n")
	if len(p) < 2 || p[0] != '{' || p[len(p)-1] != '}' {
		return e, false
	}
	p = p[1 : len(p)-1]
	for len(p) > 0 {
		key, rest, ok := fastString(p)
		if !ok || len(rest) == 0 || rest[0] != ':' {
			return e, false
		}
		p = rest[1:]
		var val []byte
		isString := len(p) > 0 && p[0] == '"'
		if isString {
			if val, p, ok = fastString(p); !ok {
				return e, false
			}
		} else {
			end := bytes.IndexByte(p, ',')
			if end < 0 {
				end = len(p)
			}
			val, p = p[:end], p[end:]
		}
		if !e.set(string(key), val, isString) {
			return e, false
		}
		if len(p) > 0 {
			if p[0] != ',' || len(p) == 1 {
				return e, false
			}
			p = p[1:]
		}
	}
	return e, true
}

// fastString reads a JSON string without escapes or control characters,
// in valid UTF-8, at the start of p; false for any other.
func fastString(p []byte) (s, rest []byte, ok bool) {
	if len(p) == 0 || p[0] != '"' {
		return nil, nil, false
	}
	end := bytes.IndexByte(p[1:], '"')
	if end < 0 {
		return nil, nil, false
	}
	s = p[1 : 1+end]
	ascii := true
	for _, c := range s {
		if c < 0x20 || c == '\\' {
			return nil, nil, false
		}
		if c >= 0x80 {
			ascii = false
		}
	}
	if !ascii && !utf8.Valid(s) {
		return nil, nil, false
	}
	return s, p[2+end:], true
}

// set assigns one field; false for a key or a value encoding/json should
// judge.
func (e *Entry) set(key string, val []byte, isString bool) bool {
	str := func(dst *string) bool {
		if !isString {
			return false
		}
		*dst = string(val)
		return true
	}
	switch key {
	case "at":
		return isString && e.At.UnmarshalText(val) == nil
	case "kind":
		return str(&e.Kind)
	case "record":
		return str(&e.Record)
	case "provider":
		return str(&e.Provider)
	case "old":
		return str(&e.Old)
	case "new":
		return str(&e.New)
	case "error":
		return str(&e.Error)
	case "detail":
		return str(&e.Detail)
	case "took_ns":
		n, ok := fastInt(val, isString)
		e.Took = time.Duration(n)
		return ok
	case "pid":
		n, ok := fastInt(val, isString)
		e.PID = int(n)
		return ok && int64(e.PID) == n
	case "code":
		n, ok := fastInt(val, isString)
		c := int(n)
		e.Code = &c
		return ok && int64(c) == n
	case "verified":
		switch {
		case isString:
			return false
		case string(val) == "true":
			e.Verified = true
		case string(val) == "false":
			e.Verified = false
		default:
			return false
		}
		return true
	}
	return false
}

// fastInt reads a JSON integer as encoding/json writes one: an optional
// minus, then 0 or digits without a leading zero.
func fastInt(val []byte, isString bool) (int64, bool) {
	if isString || len(val) == 0 {
		return 0, false
	}
	d := val
	if d[0] == '-' {
		d = d[1:]
	}
	if len(d) == 0 || (d[0] == '0' && len(d) > 1) {
		return 0, false
	}
	for _, c := range d {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(string(val), 10, 64)
	return n, err == nil
}
