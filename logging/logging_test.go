package logging

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ddnsd/ddns/configs"
)

func TestJSONHasLevelAndMessage(t *testing.T) {
	var buf bytes.Buffer
	l, c, err := New("supervisor", configs.Log{Level: "info", Format: "json"}, &buf)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	l.Info("child started", "pid", 42)
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatalf("output is not one JSON object: %v\n%s", err, buf.String())
	}
	if m["@level"] != "info" || m["@message"] != "child started" || m["@module"] != "supervisor" || m["pid"] != float64(42) {
		t.Errorf("unexpected JSON line: %v", m)
	}
	if _, ok := m["@timestamp"]; !ok {
		t.Errorf("no @timestamp in %v", m)
	}
}

func TestTextFormatHasNoColourOffTerminal(t *testing.T) {
	var buf bytes.Buffer
	l, _, err := New("updater", configs.Log{Level: "info", Format: "text"}, &buf)
	if err != nil {
		t.Fatal(err)
	}
	l.Warn("echo service answered HTML", "url", "https://example.invalid")
	s := buf.String()
	if !strings.Contains(s, "[WARN]") || !strings.Contains(s, "updater: echo service answered HTML") {
		t.Errorf("text line = %q", s)
	}
	if strings.Contains(s, "\x1b[") {
		t.Errorf("colour escapes written to a non-terminal: %q", s)
	}
}

// TestComponentLevels checks which lines pass with a root level of info and
// per-component overrides.
func TestComponentLevels(t *testing.T) {
	levels := map[string]string{"child": "debug", "ipc": "error", "supervisor.probe": "trace", "probe": "warn", "quiet": "off"}
	tests := []struct {
		name   string
		path   []string // Named calls from the root
		level  string
		wanted bool
	}{
		{"root info passes", nil, "info", true},
		{"root debug filtered", nil, "debug", false},
		{"child debug passes", []string{"child"}, "debug", true},
		{"child trace filtered", []string{"child"}, "trace", false},
		{"sub-logger of child inherits", []string{"child", "stderr"}, "debug", true},
		{"ipc warn filtered", []string{"ipc"}, "warn", false},
		{"ipc error passes", []string{"ipc"}, "error", true},
		{"full name wins over last part", []string{"probe"}, "trace", true},
		{"unlisted component keeps root level", []string{"watcher"}, "debug", false},
		{"unlisted component info passes", []string{"watcher"}, "info", true},
		{"off silences errors", []string{"quiet"}, "error", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			root, _, err := New("supervisor", configs.Log{Level: "info", Format: "json", Levels: levels}, &buf)
			if err != nil {
				t.Fatal(err)
			}
			l := root
			for _, n := range tc.path {
				l = l.Named(n)
			}
			// Creating and configuring siblings must not change this logger.
			root.Named("ipc").Info("sibling")
			buf.Reset()
			switch tc.level {
			case "trace":
				l.Trace("m")
			case "debug":
				l.Debug("m")
			case "info":
				l.Info("m")
			case "warn":
				l.Warn("m")
			case "error":
				l.Error("m")
			}
			if got := buf.Len() > 0; got != tc.wanted {
				t.Errorf("logged = %v, want %v (output %q)", got, tc.wanted, buf.String())
			}
		})
	}
}

func TestRootLevelFromComponentTable(t *testing.T) {
	var buf bytes.Buffer
	l, _, err := New("updater", configs.Log{Level: "warn", Format: "json", Levels: map[string]string{"updater": "debug"}}, &buf)
	if err != nil {
		t.Fatal(err)
	}
	l.Debug("pass started")
	if buf.Len() == 0 {
		t.Error("Levels[name] did not apply to the root logger")
	}
}

func TestBadLevelNamesTheKey(t *testing.T) {
	_, _, err := New("supervisor", configs.Log{Level: "info", Levels: map[string]string{"child": "loud"}}, nil)
	if err == nil || !strings.Contains(err.Error(), "log.levels.child") || !strings.Contains(err.Error(), `"loud"`) {
		t.Errorf("err = %v", err)
	}
	_, _, err = New("supervisor", configs.Log{Level: "verbose"}, nil)
	if err == nil || !strings.Contains(err.Error(), "log.level") {
		t.Errorf("err = %v", err)
	}
}

func TestFileRotatesPastMaxSize(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "logs", "ddns.log")
	var stderr bytes.Buffer
	l, c, err := New("supervisor", configs.Log{Level: "info", Format: "json", File: file, MaxSizeMB: 1, MaxFiles: 2}, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.Repeat("x", 1000)
	for i := 0; i < 1100; i++ { // about 1.1 MB of JSON lines
		l.Info("filler", "i", i, "pad", line)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if stderr.Len() != 0 {
		t.Errorf("with a file and no terminal, stderr should stay empty; got %d bytes", stderr.Len())
	}
	entries, err := os.ReadDir(filepath.Dir(file))
	if err != nil {
		t.Fatal(err)
	}
	var rotated []string
	for _, e := range entries {
		if e.Name() != "ddns.log" && strings.HasPrefix(e.Name(), "ddns-") && strings.HasSuffix(e.Name(), ".log") {
			rotated = append(rotated, e.Name())
		}
	}
	if len(rotated) != 1 {
		t.Fatalf("want one rotated file, have %v", entries)
	}
	st, err := os.Stat(filepath.Join(filepath.Dir(file), rotated[0]))
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() > 1<<20 {
		t.Errorf("rotated file is %d bytes, more than max_size_mb", st.Size())
	}
	// The live file holds the rest, and every line is JSON.
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %d of the live file is not JSON: %v", n+1, err)
		}
		n++
	}
	if n == 0 {
		t.Error("live file is empty after rotation")
	}
}

func TestUnwritableFileIsReported(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "not-a-folder")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := New("supervisor", configs.Log{Level: "info", File: filepath.Join(blocker, "ddns.log"), MaxSizeMB: 1}, nil)
	if err == nil || !strings.Contains(err.Error(), "log.file") || !strings.Contains(err.Error(), blocker) {
		t.Errorf("err = %v", err)
	}
}

func TestStripANSI(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"\x1b[93m2026 [WARN]  x\x1b[0m\n", "2026 [WARN]  x\n"},
		{"\x1b[1;31mred\x1b[0m and \x1b[0m", "red and "},
		{"trailing \x1b[", "trailing "},
	}
	for _, tc := range tests {
		if got := string(stripANSI([]byte(tc.in))); got != tc.want {
			t.Errorf("stripANSI(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestIsTerminal(t *testing.T) {
	var nilFile *os.File
	if IsTerminal(&bytes.Buffer{}) || IsTerminal(nil) || IsTerminal(nilFile) {
		t.Error("a buffer or nil is not a terminal")
	}
	f, err := os.CreateTemp(t.TempDir(), "x")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(f) {
		t.Error("a regular file is not a terminal")
	}
}
