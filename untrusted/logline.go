package untrusted

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"strings"
	"time"
)

// LogEntry is a structured log line another process wrote, read by
// ParseLogLine. Its text is as the line had it, hostile or not; Escaped
// makes it safe to print.
type LogEntry struct {
	// Level is one of "trace", "debug", "info", "warn" or "error" (the
	// names hclog.LevelFromString reads); "info" when the line has none
	// that is known.
	Level   string
	Time    time.Time // zero when the line has none
	Module  string
	Message string
	// Fields are the line's other keys, in its order. Each value is a
	// string, a json.Number, a bool, or, for null, an array or an
	// object, its compact JSON as a string.
	Fields []LogField
}

// LogField is one key and value of a LogEntry.
type LogField struct {
	Key   string
	Value any
}

// NameLimit bounds a module name and a field name in Escaped: a name is a
// word, not a payload.
const NameLimit = 200

// ParseLogLine reads a JSON log line: the level from the first of
// "@level", "level" and "severity" that is a string ("warning" is warn),
// the message from the first string of "@message", "msg" and "message",
// the time from "@timestamp", "timestamp", "time" or "ts" (RFC 3339, or
// seconds since 1970), the module from "@module"; "@caller" is dropped;
// everything else is a field, in the line's order. These are the keys
// hclog's JSON format writes (and so the supervised updater) and those of
// most other structured loggers. ok is false unless the line is exactly
// one JSON object.
func ParseLogLine(line string) (e LogEntry, ok bool) {
	line = strings.TrimSpace(line)
	if !strings.HasPrefix(line, "{") {
		return LogEntry{}, false
	}
	members, ok := objectMembers(line)
	if !ok {
		return LogEntry{}, false
	}
	e.Level = "info"
	taken := map[string]bool{"@module": true, "@caller": true}
	firstString := func(keys ...string) (string, string, bool) {
		for _, k := range keys {
			for _, m := range members {
				if s, ok := m.Value.(string); ok && m.Key == k {
					return k, s, true
				}
			}
		}
		return "", "", false
	}
	if k, s, ok := firstString("@level", "level", "severity"); ok {
		e.Level = levelName(s)
		taken[k] = true
	}
	if k, s, ok := firstString("@message", "msg", "message"); ok {
		e.Message = s
		taken[k] = true
	}
	if _, s, ok := firstString("@module"); ok {
		e.Module = s
	}
	for _, k := range []string{"@timestamp", "timestamp", "time", "ts"} {
		taken[k] = true
		for _, m := range members {
			if m.Key == k && e.Time.IsZero() {
				e.Time, _ = parseTime(m.Value)
			}
		}
	}
	for _, m := range members {
		if !taken[m.Key] {
			e.Fields = append(e.Fields, LogField{Key: m.Key, Value: fieldValue(m.Value)})
		}
	}
	return e, true
}

// levelName maps a line's level to one of hclog's names; an unknown one
// (or "off", which would hide the line) is info.
func levelName(s string) string {
	switch s = strings.ToLower(strings.TrimSpace(s)); s {
	case "trace", "debug", "info", "warn", "error":
		return s
	case "warning":
		return "warn"
	}
	return "info"
}

// Escaped returns e with its module, message, field names and string field
// values passed through Escape: names cut at NameLimit, the message and
// each value at limit.
func (e LogEntry) Escaped(limit int) LogEntry {
	e.Module = Escape(e.Module, NameLimit)
	e.Message = Escape(e.Message, limit)
	fields := make([]LogField, len(e.Fields))
	for i, f := range e.Fields {
		fields[i].Key = Escape(f.Key, NameLimit)
		fields[i].Value = f.Value
		if s, ok := f.Value.(string); ok {
			fields[i].Value = Escape(s, limit)
		}
	}
	e.Fields = fields
	return e
}

// Args returns the fields as the key, value, key, value... list a
// structured logger (hclog) takes.
func (e LogEntry) Args() []any {
	args := make([]any, 0, 2*len(e.Fields))
	for _, f := range e.Fields {
		args = append(args, f.Key, f.Value)
	}
	return args
}

// objectMembers decodes a JSON object keeping its members' order (hclog
// writes the fields in the order they were logged); ok is false unless
// line is exactly one object.
func objectMembers(line string) (members []LogField, ok bool) {
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
		members = append(members, LogField{Key: key, Value: v})
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

// fieldValue keeps strings, numbers and booleans; the rest becomes its
// compact JSON.
func fieldValue(v any) any {
	switch v := v.(type) {
	case string, json.Number, bool:
		return v
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "?"
	}
	return strings.TrimSuffix(b.String(), "\n")
}
