package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/journal"
)

// hostileText holds what a terminal acts on: an ANSI sequence that clears
// the screen, a carriage return that rewrites the line, a C1 CSI, a line
// separator, a bidi override that shows "1.2.0.291" as something else, and
// an OSC that retitles the window.
const hostileText = "bad\x1b[2J\rok\u009b31m\u2028\u202e192.0.2.1\x1b]0;pwned\x07"

// terminalActive reports the first character of out that a terminal would
// act on rather than print (a tab and the newlines between lines aside).
func terminalActive(out string) (rune, bool) {
	for _, r := range out {
		switch {
		case r == '\n' || r == '\t':
		case r < 0x20 || r >= 0x7f && r <= 0x9f || r == 0x2028 || r == 0x2029 || bidiControl(r):
			return r, true
		}
	}
	return 0, false
}

func hostileStatus() ipc.Status {
	code := 1
	return ipc.Status{
		Supervisor: ipc.SupervisorStatus{PID: 1, Version: hostileText, ConfigPath: "/etc/ddns/" + hostileText,
			ConfigError: "line 1: " + hostileText + "\nline 2: " + hostileText, ConfigGeneration: 1, ConfigHash: hostileText},
		Child: ipc.ChildStatus{State: hostileText, PID: 7, LastExit: &ipc.ExitInfo{Code: code, Reason: hostileText, Signal: hostileText}},
		Network: ipc.NetworkStatus{Ready: false, Reason: hostileText,
			Checks: []ipc.CheckStatus{{Kind: hostileText, Target: hostileText, Error: hostileText}}},
		Records: []ipc.RecordStatus{{Name: hostileText, Type: hostileText, Address: hostileText, Error: hostileText}},
		Events:  []ipc.EventStatus{{Kind: hostileText, Detail: hostileText}},
	}
}

// TestStatusTableEscapesHostileText: every text of a status reply (the
// child's reports carry providers' errors, interface names and addresses;
// the config error quotes a file) reaches the table escaped, so none of it
// clears the screen, rewrites a line or reorders what is shown; the config
// error keeps its lines.
func TestStatusTableEscapesHostileText(t *testing.T) {
	var out bytes.Buffer
	printStatus(&out, ptr(hostileStatus()), true)
	if r, bad := terminalActive(out.String()); bad {
		t.Fatalf("the table holds %U raw:\n%q", r, out.String())
	}
	for _, want := range []string{`bad\x1b[2J\rok\u009b31m\u2028\u202e192.0.2.1\x1b]0;pwned\a`, "\n  line 2: bad"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the table does not show %q:\n%s", want, out.String())
		}
	}
}

// TestWatchEscapesHostileText: the same through --watch, on a terminal
// (whose redraw is the only escape sequence allowed), in blocks and as
// JSON lines.
func TestWatchEscapesHostileText(t *testing.T) {
	for _, tc := range []struct {
		name         string
		term, asJSON bool
	}{{"terminal", true, false}, {"blocks", false, false}, {"json", false, true}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var out strings.Builder
			w := &watcher{out: &out, every: time.Nanosecond, socket: "/run/s.sock", term: tc.term, asJSON: tc.asJSON,
				fetch: scripted(cancel, hostileStatus())}
			w.run(ctx)
			text := out.String()
			if tc.term {
				// The redraw's own sequences, then what is left must be inert.
				text = strings.NewReplacer("\x1b[H", "", "\x1b[K\r\n", "\n", "\x1b[J", "").Replace(text)
			}
			if r, bad := terminalActive(text); bad {
				t.Fatalf("the watch wrote %U raw:\n%q", r, out.String())
			}
			if tc.asJSON {
				var st ipc.Status
				if err := json.Unmarshal([]byte(strings.TrimSpace(text)), &st); err != nil || st.Records[0].Error != hostileText {
					t.Fatalf("the JSON line does not read back as the same status (%v): %q", err, text)
				}
			}
		})
	}
}

// TestHistoryEscapesAPlantedJournal: a journal line written by anything
// but our writers (which clean what they write) reaches the terminal
// escaped, in the table and in --json, whose lines still decode to the
// same entry.
func TestHistoryEscapesAPlantedJournal(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("STATE_DIRECTORY", filepath.Join(dir, "state"))
	config := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(config, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	state, err := configs.StateFileIn(filepath.Join(dir, "state"), config)
	if err != nil {
		t.Fatal(err)
	}
	planted := journal.Entry{At: time.Now().Add(-time.Hour), Kind: journal.KindFailed, Record: hostileText + "/A",
		Provider: hostileText, Old: hostileText, New: hostileText, Error: hostileText, Detail: hostileText}
	line, _ := json.Marshal(planted)
	// encoding/json leaves C1 and bidi characters raw; a hand-written line
	// may hold every control as a raw byte or an escape.
	if err := os.MkdirAll(filepath.Dir(state), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(journal.BesideState(state), append(line, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{nil, {"--json"}} {
		var out, errOut bytes.Buffer
		if code := run(append([]string{"history", "--config", config}, args...), &out, &errOut); code != 0 {
			t.Fatalf("history %q: exit %d\n%s", args, code, errOut.String())
		}
		if r, bad := terminalActive(out.String()); bad {
			t.Fatalf("history %q wrote %U raw:\n%q", args, r, out.String())
		}
		if len(args) > 0 {
			var e journal.Entry
			if err := json.Unmarshal(out.Bytes(), &e); err != nil || e.Error != hostileText || e.Record != planted.Record {
				t.Fatalf("history --json does not read back as the planted entry (%v): %q", err, out.String())
			}
		} else if !strings.Contains(out.String(), `error: bad\x1b[2J\rok`) {
			t.Errorf("the table does not show the error escaped:\n%s", out.String())
		}
	}
}

func ptr[T any](v T) *T { return &v }
