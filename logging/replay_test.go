package logging

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/untrusted"
)

// stripTime drops a text log line's leading timestamp (its first word).
func stripTime(line string) string {
	_, rest, _ := strings.Cut(line, " ")
	return rest
}

// TestReplayReadsLikeTheConsole: what a logger of this package writes as
// JSON (what the supervised updater writes) and Replay prints is what the
// same logger writes on a console in text, but for the time, which is the
// JSON line's own.
func TestReplayReadsLikeTheConsole(t *testing.T) {
	var jsonOut, textOut, replayed bytes.Buffer
	jl, _, err := New("updater", configs.Log{Level: "trace", Format: "json"}, &jsonOut)
	if err != nil {
		t.Fatal(err)
	}
	tl, _, err := New("updater", configs.Log{Level: "trace", Format: "text"}, &textOut)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []Logger{jl, tl} {
		l.Info("config loaded", "file", "/etc/ddns/config.toml", "hash", "3f2a", "records", 2)
		l.Named("report").Warn("report not delivered", "error", "dial unix /run/ddns/supervisor.sock: connection refused")
		// hclog's JSON writes the fields sorted by name (it marshals a
		// map), so the fields are logged in that order here; the
		// supervisor's own console shows a child's fields in that order too.
		l.Error("record rejected", "code", 4, "record", "home.example.com", "retry", true)
		l.Debug("state file", "path", "/var/lib/ddns/state.json")
		l.Trace("no fields")
	}
	r := NewReplay(&replayed)
	for _, line := range strings.Split(strings.TrimSpace(jsonOut.String()), "\n") {
		if err := r.Line(line); err != nil {
			t.Fatal(err)
		}
	}
	want := strings.Split(strings.TrimSpace(textOut.String()), "\n")
	got := strings.Split(strings.TrimSpace(replayed.String()), "\n")
	if len(got) != len(want) {
		t.Fatalf("replayed %d lines, the console wrote %d:\n%s\n---\n%s", len(got), len(want), replayed.String(), textOut.String())
	}
	jsonLines := strings.Split(strings.TrimSpace(jsonOut.String()), "\n")
	for i := range want {
		if stripTime(got[i]) != stripTime(want[i]) {
			t.Errorf("line %d:\n replayed %q\n console  %q", i, got[i], want[i])
		}
		e, ok := untrusted.ParseLogLine(jsonLines[i])
		if !ok || e.Time.IsZero() {
			t.Fatalf("the JSON line %q has no time", jsonLines[i])
		}
		if stamp := strings.Fields(got[i])[0]; stamp != e.Time.Local().Format("2006-01-02T15:04:05.000Z0700") {
			t.Errorf("line %d is stamped %s, want the JSON line's time %s", i, stamp, e.Time.Local())
		}
	}
}

// assertTerminalSafe fails when out holds a character a terminal acts on:
// a control character but the newline ending each line and a tab (which
// untrusted.Escape keeps: it moves no cursor back), DEL, a C1 control, a
// line or paragraph separator, a bidi override.
func assertTerminalSafe(t *testing.T, what, out string) {
	t.Helper()
	for _, r := range out {
		if r == '\n' || r == '\t' {
			continue
		}
		if r == unicode.ReplacementChar || !unicode.IsPrint(r) && r != ' ' {
			t.Errorf("%s: %U reached the output raw: %q", what, r, out)
			return
		}
	}
}

// TestReplayEscapesHostileLines: recorded lines that try to recolour the
// terminal, move its cursor, forge a second entry, or are huge or broken
// are printed on one line each, escaped, and cut.
func TestReplayEscapesHostileLines(t *testing.T) {
	huge := strings.Repeat("A", 64<<10)
	tests := []struct {
		name, line string
		want       []string // substrings of the output
	}{
		{"escape sequence in the message",
			`{"@level":"error","@message":"boom\u001b[2J\u001b[31mRED","@module":"updater"}`,
			[]string{"[ERROR] updater: boom\\x1b[2J\\x1b[31mRED"}},
		{"a forged entry after a newline and a carriage return",
			`{"@level":"info","@message":"ok\n2026-01-01T00:00:00.000Z [ERROR] forged\rX","@module":"updater"}`,
			[]string{"updater: ok\\n2026-01-01T00:00:00.000Z [ERROR] forged\\rX"}},
		{"C1 controls and separators",
			`{"@message":"a\u009b31mb\u2028c\u2029d\u007fe"}`,
			[]string{`a\u009b31mb\u2028c\u2029d\x7fe`}},
		{"an escape in a field's name and value",
			`{"@message":"m","k\u001b[1m":"v\u001b]0;title\u0007"}`,
			[]string{`k\x1b[1m="v\x1b]0;title\a"`}},
		{"a bidi override in the module and a tab in the message",
			`{"@message":"col\tumn","@module":"upd\u202eater"}`,
			[]string{"upd\\u202eater: col\tumn"}},
		{"a nested value with control characters",
			`{"@message":"m","obj":{"x":"\u001b[5m"},"list":[1,"\u0007"]}`,
			[]string{`obj="{\"x\":\"\u001b[5m\"}"`, `list="[1,\"\u0007\"]"`}},
		{"a plain line with escapes",
			"plain \x1b[31mred\x1b[0m text\x00",
			[]string{`plain \x1b[31mred\x1b[0m text\x00`}},
		{"invalid UTF-8 in a plain line", "bad \xff\xfe bytes", []string{`bad \xff\xfe bytes`}},
		{"malformed JSON is a plain line", `{"@level":"info","@message":"cut`, []string{`{"@level":"info","@message":"cut` + "\n"}},
		{"JSON and trailing garbage is a plain line", `{"@message":"a"} {"@message":"b"}`, []string{`{"@message":"a"} {"@message":"b"}`}},
		{"a huge message is cut", `{"@message":"` + huge + `"}`, []string{strings.Repeat("A", 100), "more bytes]"}},
		{"a huge value is cut", `{"@message":"m","v":"` + huge + `"}`, []string{"more bytes]"}},
		{"a huge plain line is cut", huge + "\x1b", []string{"more bytes]"}},
		{"warning and a numeric time", `{"level":"warning","msg":"low disk","ts":1764633600.5}`, []string{"[WARN]  low disk"}},
		{"no time: no stamp", `{"@level":"debug","@message":"quiet"}`, []string{"[DEBUG] quiet"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := NewReplay(&b).Line(tt.line); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			assertTerminalSafe(t, tt.name, out)
			if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
				t.Errorf("printed %d lines, want one: %q", strings.Count(out, "\n"), out)
			}
			if len(out) > MaxShown*4+500 {
				t.Errorf("printed %d bytes of a %d-byte line", len(out), len(tt.line))
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%q", w, out)
				}
			}
		})
	}
}

// TestReplayStampsTheLinesTime: the stamp is the line's time, not now.
func TestReplayStampsTheLinesTime(t *testing.T) {
	var b bytes.Buffer
	NewReplay(&b).Line(`{"@level":"info","@message":"m","@timestamp":"2025-12-02T00:00:00.250000Z"}`)
	at := time.Date(2025, 12, 2, 0, 0, 0, 250e6, time.UTC).Local().Format("2006-01-02T15:04:05.000Z0700")
	if !strings.HasPrefix(b.String(), at+" [INFO]  m\n") {
		t.Errorf("replayed %q, want it stamped %s", b.String(), at)
	}
}
