package logging

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/go-hclog"
)

// MaxShown bounds each piece of text Replay prints from a line (the
// message, a field's value, a line that is not JSON): the rest of it is
// cut, with a note of how much. A child may log lines of 64 KB; a person
// reading a console does not need all of one, and the raw lines are there
// for whoever does.
const MaxShown = 8 << 10

// Replay prints log lines another process wrote (`supervisor logs` prints
// the updater's) the way this package's console logger writes its own:
// time, level, module, message and fields, through hclog's own text
// format, so both read alike; coloured only when w is a terminal. A line
// that is a JSON object (hclog's JSON, which the supervised updater
// writes, or the common level/msg shape) is shown as an entry; any other
// line as it is.
//
// The lines are untrusted: whatever a line holds, no control character
// (ANSI escapes, carriage returns, a newline that would forge another
// entry, C1 controls, U+2028) reaches w raw: in the message, the module
// and the field names they are written as Go escapes (\x1b, \u2028);
// field values are quoted and escaped by hclog, which escapes every
// non-printable character; nested values are written as JSON. Replay is
// for one goroutine at a time.
type Replay struct {
	w              io.Writer
	timed, untimed hclog.Logger
	at             time.Time // the time the timed logger stamps
}

// NewReplay returns a Replay writing to w.
func NewReplay(w io.Writer) *Replay {
	color := hclog.ColorOff
	if IsTerminal(w) {
		color = hclog.AutoColor
	}
	r := &Replay{w: w}
	opts := func(untimed bool) *hclog.LoggerOptions {
		return &hclog.LoggerOptions{
			Level:       hclog.Trace,
			Output:      w,
			Color:       color,
			DisableTime: untimed,
			TimeFn:      func() time.Time { return r.at },
		}
	}
	r.timed = hclog.New(opts(false))
	r.untimed = hclog.New(opts(true))
	return r
}

// Line prints one line.
func (r *Replay) Line(line string) error {
	e, ok := ParseLine(line)
	if !ok {
		_, err := io.WriteString(r.w, Escape(line, MaxShown)+"\n")
		return err
	}
	l := r.untimed
	if !e.Time.IsZero() {
		r.at = e.Time.Local()
		l = r.timed
	}
	args := make([]any, 0, 2*len(e.Fields))
	for _, f := range e.Fields {
		args = append(args, Escape(f.Key, 200), f.Value)
	}
	l.ResetNamed(Escape(e.Module, 200)).Log(e.Level, Escape(e.Message, MaxShown), args...)
	return nil
}

// Entry is a structured log line, read by ParseLine.
type Entry struct {
	Level   hclog.Level
	Time    time.Time // zero when the line has none
	Module  string
	Message string
	// Fields are the line's other keys, in its order; each value is a
	// string (cut to MaxShown), a number or bool as text, or, for null,
	// an array or an object, its JSON.
	Fields []Field
}

// Field is one key and value of an Entry.
type Field struct {
	Key   string
	Value any
}

// ParseLine reads a JSON log line: the level from "@level", "level" or
// "severity" (info when none; "warning" is warn), the message from
// "@message", "msg" or "message", the time from "@timestamp",
// "timestamp", "time" or "ts" (RFC 3339, or seconds since 1970), the
// module from "@module"; "@caller" is dropped; everything else is a
// field, in the line's order. These are the keys hclog's JSON format writes (and so the
// updater under the supervisor), and those of most other structured
// loggers. ok is false when the line is not a JSON object.
func ParseLine(line string) (e Entry, ok bool) {
	line = strings.TrimSpace(line)
	if !strings.HasPrefix(line, "{") {
		return Entry{}, false
	}
	members, ok := objectMembers(line)
	if !ok {
		return Entry{}, false
	}
	e.Level = hclog.Info
	taken := map[string]bool{}
	first := func(keys ...string) (string, any, bool) {
		for _, k := range keys {
			for _, m := range members {
				if m.Key == k {
					return k, m.Value, true
				}
			}
		}
		return "", nil, false
	}
	if k, v, ok := first("@level", "level", "severity"); ok {
		if s, ok := v.(string); ok {
			if l := hclog.LevelFromString(s); l != hclog.NoLevel && l != hclog.Off {
				e.Level = l
			} else if strings.EqualFold(s, "warning") {
				e.Level = hclog.Warn
			}
			taken[k] = true
		}
	}
	if k, v, ok := first("@message", "msg", "message"); ok {
		if s, ok := v.(string); ok {
			e.Message = s
			taken[k] = true
		}
	}
	for _, k := range []string{"@timestamp", "timestamp", "time", "ts"} {
		if _, v, ok := first(k); ok {
			if t, ok := parseTime(v); ok && e.Time.IsZero() {
				e.Time = t
			}
			taken[k] = true
		}
	}
	if _, v, ok := first("@module"); ok {
		if s, ok := v.(string); ok {
			e.Module = s
		}
	}
	taken["@module"], taken["@caller"] = true, true
	for _, m := range members {
		if !taken[m.Key] {
			e.Fields = append(e.Fields, Field{Key: m.Key, Value: fieldValue(m.Value)})
		}
	}
	return e, true
}

// objectMembers decodes a JSON object keeping its members' order (hclog
// writes the fields in the order they were logged, and so the console
// shows them); ok is false unless line is exactly one object.
func objectMembers(line string) (members []Field, ok bool) {
	d := json.NewDecoder(strings.NewReader(line))
	d.UseNumber()
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return nil, false
		}
		key, isKey := tok.(string)
		var v any
		if !isKey || d.Decode(&v) != nil {
			return nil, false
		}
		members = append(members, Field{Key: key, Value: v})
	}
	if tok, err := d.Token(); err != nil || tok != json.Delim('}') {
		return nil, false
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, false // something after the object
	}
	return members, true
}

// parseTime reads an RFC 3339 string or a number of seconds since 1970.
func parseTime(v any) (time.Time, bool) {
	switch v := v.(type) {
	case string:
		t, err := time.Parse(time.RFC3339Nano, v)
		return t, err == nil
	case json.Number:
		f, err := v.Float64()
		if err != nil || f <= 0 || f > math.MaxInt32*4 {
			return time.Time{}, false
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)), true
	}
	return time.Time{}, false
}

// fieldValue is what hclog is given for a JSON value: strings as they are
// (hclog quotes and escapes them), cut to MaxShown; numbers and booleans
// as their text; the rest as compact JSON, which escapes every control
// character.
func fieldValue(v any) any {
	switch v := v.(type) {
	case string:
		return cut(v, MaxShown)
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "?"
	}
	return Escape(strings.TrimSuffix(b.String(), "\n"), MaxShown)
}

// Escape makes s safe to print on a terminal, cut to limit bytes (0: no
// cut): every character that is not printable (control bytes, ANSI
// escapes, C1 controls, line and paragraph separators, invalid UTF-8) is
// written as its Go escape, \n, \t, \x1b, \u2028, so that a person sees
// what was there and nothing reaches the terminal raw.
func Escape(s string, limit int) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			clean = false
			break
		}
	}
	if clean {
		return cut(s, limit)
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteString(`\x` + strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case unicode.IsPrint(r):
			b.WriteString(s[i : i+size])
		default:
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
		if limit > 0 && b.Len() >= limit && i < len(s) {
			b.WriteString(cutNote(len(s) - i))
			break
		}
	}
	return b.String()
}

// cut is s cut to limit bytes on a character boundary, with a note of how
// much was left out.
func cut(s string, limit int) string {
	if limit <= 0 || len(s) <= limit {
		return s
	}
	i := limit
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + cutNote(len(s)-i)
}

func cutNote(n int) string {
	return "... [" + strconv.Itoa(n) + " more bytes]"
}
