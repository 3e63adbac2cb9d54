//go:build linux

package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/testsupport/e2e"
)

// TestLogsReadsLikeTheConsole: with the real updater under a real
// supervisor, `supervisor logs` prints the updater's JSON lines in the
// console's format (time, level, module, message, fields), and --json
// prints them as the updater wrote them.
func TestLogsReadsLikeTheConsole(t *testing.T) {
	e := newEnv(t, dryrunConfig)
	e.Start()
	e.WaitStatus("the updater to report its record", 20*time.Second, func(st ipc.Status) bool {
		return e2e.Running(st) && len(st.Records) == 1 && st.Records[0].Address == "192.0.2.10"
	})
	out, code := e.CLI("logs", "-n", "100", "--socket", e.Socket)
	if code != 0 {
		t.Fatalf("logs: exit %d\n%s", code, out)
	}
	var loaded string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "config loaded") {
			loaded = l
		}
	}
	// 2026-12-02T02:07:02.884Z [INFO]  updater: config loaded: file=... hash=...
	f := strings.Fields(loaded)
	if len(f) < 6 || f[1] != "[INFO]" || f[2] != "updater:" || !strings.Contains(loaded, "updater: config loaded: ") || !strings.Contains(loaded, " file=") {
		t.Errorf("logs does not print the updater's lines in the console's format; the config line is %q in:\n%s", loaded, out)
	} else if _, err := time.Parse("2006-01-02T15:04:05.000Z0700", f[0]); err != nil {
		t.Errorf("the line does not start with its time: %q", loaded)
	}
	if strings.Contains(out, `"@message"`) {
		t.Errorf("logs printed raw JSON lines:\n%s", out)
	}
	raw, code := e.CLI("logs", "--json", "-n", "100", "--socket", e.Socket)
	if code != 0 {
		t.Fatalf("logs --json: exit %d\n%s", code, raw)
	}
	found := false
	for _, l := range strings.Split(strings.TrimSpace(raw), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Errorf("logs --json printed a line that is not JSON: %q", l)
			continue
		}
		if m["@message"] == "config loaded" && m["@module"] == "updater" {
			found = true
		}
	}
	if !found {
		t.Errorf("logs --json lacks the updater's own config line:\n%s", raw)
	}
}

// TestLogsOfAHostileChild: a child that prints escape sequences, carriage
// returns, raw C1 controls and a 64 KB line, in JSON and as plain text:
// nothing of it reaches the output raw, in either format; --json keeps
// each JSON line the same JSON.
func TestLogsOfAHostileChild(t *testing.T) {
	script := `printf '%s\n' '{"@level":"error","@message":"evil\u001b[2J\u001b[31mred","k\u001b[1m":"v\u001b]0;title\u0007"}'
printf '{"@level":"warn","@message":"c1 \302\23331m here"}\n'
printf 'plain \033[31mred\033[0m and a \r carriage return\n'
head -c 65000 /dev/zero | tr '\0' 'A'; printf '\033[5m\n'
echo printed-all
exec sleep 3600`
	e := newEnv(t, e2e.DryrunConfig(`command = ["/bin/sh", "-c", `+strconvQuote(script)+`]`))
	e.Start()
	if !e2e.Eventually(30*time.Second, func() bool {
		out, code := e.CLI("logs", "-n", "1", "--socket", e.Socket)
		return code == 0 && strings.Contains(out, "printed-all")
	}) {
		t.Fatalf("the child's last line never showed in `supervisor logs -n 1`\n%s", e.Out)
	}
	out, code := e.CLI("logs", "-n", "5", "--socket", e.Socket)
	if code != 0 {
		t.Fatalf("logs: exit %d\n%.2000s", code, out)
	}
	assertNoControls(t, "logs", out)
	for _, want := range []string{
		`[ERROR] evil\x1b[2J\x1b[31mred: k\x1b[1m="v\x1b]0;title\a"`,
		`[WARN]  c1 \u009b31m here`,
		`plain \x1b[31mred\x1b[0m and a \r carriage return`,
		"more bytes]",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lacks %q:\n%.3000s", want, out)
		}
	}
	if len(out) > 20<<10 {
		t.Errorf("logs printed %d bytes for 5 lines: the 64 KB line was not cut", len(out))
	}
	raw, code := e.CLI("logs", "--json", "-n", "5", "--socket", e.Socket)
	if code != 0 {
		t.Fatalf("logs --json: exit %d", code)
	}
	assertNoControls(t, "logs --json", raw)
	lines := strings.Split(strings.TrimSpace(raw), "\n")
	var m map[string]any
	if len(lines) < 2 || json.Unmarshal([]byte(lines[1]), &m) != nil || m["@message"] != "c1 \u009b31m here" {
		t.Errorf("logs --json did not keep the C1 line the same JSON: %q", lines)
	}
	if !strings.Contains(raw, `plain \u001b[31mred\u001b[0m and a \u000d carriage return`) {
		t.Errorf("logs --json did not escape the plain line's controls:\n%.2000s", raw)
	}
}

func assertNoControls(t *testing.T, what, out string) {
	t.Helper()
	for _, r := range out {
		if r != '\n' && (r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f || r == 0x2028 || r == 0x2029 || r == unicode.ReplacementChar) {
			t.Fatalf("%s let %U through raw", what, r)
		}
	}
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s) // a TOML basic string reads JSON's escapes
	return string(b)
}
