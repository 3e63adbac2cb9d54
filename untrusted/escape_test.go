package untrusted

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestEscape(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		limit int
		want  string
	}{
		{"plain text stays", "config loaded from /etc/ddns", 0, "config loaded from /etc/ddns"},
		{"tabs and valid UTF-8 stay", "\tat main.go:12 – née", 0, "\tat main.go:12 – née"},
		{"an ANSI escape", "\x1b[2J\x1b[31mred", 0, `\x1b[2J\x1b[31mred`},
		{"a carriage return and a newline", "ok\rforged\nentry", 0, `ok\rforged\nentry`},
		{"C0 and DEL", "a\x00b\x07c\x7f", 0, `a\x00b\ac\x7f`},
		{"a C1 control", "a\u009b31m", 0, `a\u009b31m`},
		{"line and paragraph separators", "a\u2028b\u2029c", 0, `a\u2028b\u2029c`},
		{"bidi overrides and isolates", "x\u202ey\u2066z", 0, `x\u202ey\u2066z`},
		{"invalid UTF-8 shows its bytes", "bad \xff\xfe end", 0, `bad \xff\xfe end`},
		{"the replacement character itself stays", "a\uFFFDb", 0, "a\uFFFDb"},
		{"a clean text is cut with a note", strings.Repeat("a", 10), 4, "aaaa... [6 more bytes]"},
		{"a clean text is cut on a character boundary", "ééé", 5, "éé... [2 more bytes]"},
		{"exactly the limit is not cut", "abcd", 4, "abcd"},
		{"an escaped text that ends at the limit is not cut", "\x1b\x1b", 8, `\x1b\x1b`},
		{"an escaped text is cut with a note of the input left", strings.Repeat("\x1b", 10), 8, `\x1b\x1b... [8 more bytes]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Escape(tt.in, tt.limit); got != tt.want {
				t.Errorf("Escape(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
			}
		})
	}
}

// TestEscapeLeavesNothingRaw: whatever the input, the output holds only
// printable characters and tabs, and is bounded.
func TestEscapeLeavesNothingRaw(t *testing.T) {
	var in strings.Builder
	for r := rune(0); r < 0x3000; r++ {
		in.WriteRune(r)
	}
	in.WriteString("\xff\xc3\x28\xed\xa0\x80")
	out := Escape(in.String(), 0)
	for _, r := range out {
		if !printable(r) || r == '\uFFFD' {
			t.Fatalf("Escape left %U raw", r)
		}
	}
	if got := Escape(strings.Repeat("\u202e", 1<<16), 1000); len(got) > 1000+40 {
		t.Errorf("Escape with a limit of 1000 returned %d bytes", len(got))
	}
}

func TestParseLogLine(t *testing.T) {
	tests := []struct {
		line   string
		ok     bool
		level  string
		msg    string
		module string
		fields string // key=value, in order
	}{
		{`{"@level":"warn","@message":"m","@timestamp":"2026-11-03T12:00:00Z","@module":"updater.ddns","@caller":"x.go:1","k":1}`, true, "warn", "m", "updater.ddns", "k=1"},
		{`{"level":"error","msg":"m"}`, true, "error", "m", "", ""},
		{`{"level":"WARNING","message":"m"}`, true, "warn", "m", "", ""},
		{`{"severity":"debug","msg":"m"}`, true, "debug", "m", "", ""},
		{`{"level":"nonsense","msg":"m"}`, true, "info", "m", "", ""},
		{`{"level":"off","msg":"m"}`, true, "info", "m", "", ""},
		{`{"@level":7,"level":"error","msg":"m"}`, true, "error", "m", "", "@level=7"},
		{`{"msg":"m","z":"b","a":true,"n":null,"o":{"x":[1]}}`, true, "info", "m", "", `z=b a=true n=null o={"x":[1]}`},
		{`{"time":"not a time","ts":1764633600,"msg":"m"}`, true, "info", "m", "", ""},
		{`{not json`, false, "", "", "", ""},
		{`plain text`, false, "", "", "", ""},
		{`["array"]`, false, "", "", "", ""},
		{`{"msg":"a"} {"msg":"b"}`, false, "", "", "", ""},
	}
	for _, tt := range tests {
		e, ok := ParseLogLine(tt.line)
		if ok != tt.ok {
			t.Errorf("%s: ok %v, want %v", tt.line, ok, tt.ok)
			continue
		}
		if !ok {
			continue
		}
		var fields []string
		for _, f := range e.Fields {
			v := f.Value
			if n, isNum := v.(json.Number); isNum {
				v = n.String()
			}
			fields = append(fields, f.Key+"="+strings.TrimSpace(strings.ReplaceAll(fmtValue(v), "\n", "")))
		}
		if e.Level != tt.level || e.Message != tt.msg || e.Module != tt.module || strings.Join(fields, " ") != tt.fields {
			t.Errorf("%s: got %q %q %q [%s], want %q %q %q [%s]", tt.line, e.Level, e.Message, e.Module, strings.Join(fields, " "), tt.level, tt.msg, tt.module, tt.fields)
		}
	}
	e, _ := ParseLogLine(`{"@message":"m","@timestamp":"2026-11-03T12:00:00.5Z"}`)
	if want := time.Date(2026, 11, 3, 12, 0, 0, 5e8, time.UTC); !e.Time.Equal(want) {
		t.Errorf("time %v, want %v", e.Time, want)
	}
	e, _ = ParseLogLine(`{"msg":"m","ts":1764633600.5}`)
	if want := time.Unix(1764633600, 5e8); !e.Time.Equal(want) {
		t.Errorf("numeric time %v, want %v", e.Time, want)
	}
}

func fmtValue(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		if v {
			return "true"
		}
		return "false"
	}
	return "?"
}

// TestLogEntryEscaped: every piece of text of an entry comes out escaped,
// names cut at NameLimit, the rest at the limit given; numbers and
// booleans keep their type.
func TestLogEntryEscaped(t *testing.T) {
	line := `{"@level":"error","@message":"boom\u001b[2J\r","@module":"upd\u202eater","k\u001b[1m":"v\u2028w","` +
		strings.Repeat("n", 300) + `":1,"ok":true,"nested":{"x":"\u009b"},"long":"` + strings.Repeat(`\u0007`, 100) + `"}`
	e, ok := ParseLogLine(line)
	if !ok {
		t.Fatal("not parsed")
	}
	got := e.Escaped(50)
	if got.Message != `boom\x1b[2J\r` || got.Module != `upd\u202eater` {
		t.Errorf("message %q, module %q", got.Message, got.Module)
	}
	want := []LogField{
		{`k\x1b[1m`, `v\u2028w`},
		{strings.Repeat("n", NameLimit) + "... [100 more bytes]", json.Number("1")},
		{"ok", true},
		{"nested", `{"x":"\u009b"}`},
		{"long", strings.Repeat(`\a`, 25) + "... [75 more bytes]"},
	}
	if len(got.Fields) != len(want) {
		t.Fatalf("fields %v, want %v", got.Fields, want)
	}
	for i := range want {
		if got.Fields[i] != want[i] {
			t.Errorf("field %d: %#v, want %#v", i, got.Fields[i], want[i])
		}
	}
	if e.Fields[0].Key != "k\x1b[1m" {
		t.Errorf("Escaped changed the entry it was called on: %q", e.Fields[0].Key)
	}
	args := got.Args()
	if len(args) != 2*len(want) || args[0] != `k\x1b[1m` || args[1] != `v\u2028w` {
		t.Errorf("Args %v", args)
	}
}
