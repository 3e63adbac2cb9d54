package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/daemon"
	"github.com/ddnsd/ddns/journal"
)

// historyFixture writes a config naming a state file in a fresh state
// folder, and both journals with entries hours ago.
func historyFixture(t *testing.T) (config string, now time.Time) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("STATE_DIRECTORY", filepath.Join(dir, "state"))
	config = filepath.Join(dir, "config.toml")
	state := filepath.Join(dir, "updater", "state.json")
	text := fmt.Sprintf("[updater]\nstate_file = %q\n", filepath.ToSlash(state))
	if err := os.WriteFile(config, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	now = time.Now()
	sup, err := journal.Open(daemon.JournalPath(filepath.Join(dir, "state"), config), journal.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	upd, err := journal.Open(journal.BesideState(state), journal.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	code := 3
	for _, a := range []struct {
		j *journal.Journal
		e journal.Entry
	}{
		{upd, journal.Entry{At: now.Add(-50 * time.Hour), Kind: journal.KindChanged, Record: "home.example.com/A", Provider: "cf", New: "192.0.2.1", Took: 850 * time.Millisecond, Verified: true}},
		{sup, journal.Entry{At: now.Add(-30 * time.Hour), Kind: journal.KindExited, PID: 100, Code: &code, Detail: "exit code 3 (restart)"}},
		{sup, journal.Entry{At: now.Add(-30*time.Hour + time.Second), Kind: journal.KindRestarted, PID: 101}},
		{upd, journal.Entry{At: now.Add(-3 * time.Hour), Kind: journal.KindFailed, Record: "home.example.com/AAAA", Provider: "cf", New: "2001:db8::1", Took: 2 * time.Second, Error: "the provider refused the write"}},
		{upd, journal.Entry{At: now.Add(-2 * time.Hour), Kind: journal.KindChanged, Record: "home.example.com/A", Provider: "cf", Old: "192.0.2.1", New: "192.0.2.2", Took: 1234567 * time.Microsecond}},
		{upd, journal.Entry{At: now.Add(-1 * time.Hour), Kind: journal.KindChanged, Record: "other.example.com/A", Provider: "cf", New: "192.0.2.2", Verified: true}},
	} {
		if err := a.j.Append(a.e); err != nil {
			t.Fatal(err)
		}
	}
	return config, now
}

func TestHistoryPrintsBothJournalsInTimeOrder(t *testing.T) {
	config, now := historyFixture(t)
	var out, errOut bytes.Buffer
	if code := run([]string{"history", "--config", config}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	local := func(d time.Duration) string { return now.Add(d).In(time.Local).Format("2006-01-02 15:04:05") }
	want := []string{
		local(-50*time.Hour) + "  changed          home.example.com/A  (none) → 192.0.2.1  via cf  took 850ms  verified",
		local(-30*time.Hour) + "  exited           pid 100  exit code 3  (exit code 3 (restart))",
		local(-30*time.Hour+time.Second) + "  restarted        pid 101",
		local(-3*time.Hour) + "  failed           home.example.com/AAAA  (none) → 2001:db8::1  via cf  took 2s  error: the provider refused the write",
		local(-2*time.Hour) + "  changed          home.example.com/A  192.0.2.1 → 192.0.2.2  via cf  took 1.235s  not verified",
		local(-1*time.Hour) + "  changed          other.example.com/A  (none) → 192.0.2.2  via cf  verified",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("history printed:\n%s\nwant:\n%s", out.String(), strings.Join(want, "\n"))
	}
}

func TestHistoryFilters(t *testing.T) {
	config, _ := historyFixture(t)
	for _, tc := range []struct {
		name string
		args []string
		want []string // kind and record of each entry, in order
	}{
		{"since days", []string{"--since", "2d"}, []string{"exited ", "restarted ", "failed home.example.com/AAAA", "changed home.example.com/A", "changed other.example.com/A"}},
		{"since hours", []string{"--since", "150m"}, []string{"changed home.example.com/A", "changed other.example.com/A"}},
		{"record by name, before the flags", []string{"home.example.com", "--since", "1d"}, []string{"failed home.example.com/AAAA", "changed home.example.com/A"}},
		{"record with type, after the flags", []string{"--since", "3d", "HOME.example.com/a"}, []string{"changed home.example.com/A", "exited ", "restarted ", "changed home.example.com/A"}},
		{"unknown record", []string{"nowhere.example.com", "--since", "1d"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := append([]string{"history", "--json", "--config", config}, tc.args...)
			if code := run(args, &out, &errOut); code != 0 {
				t.Fatalf("exit %d\n%s", code, errOut.String())
			}
			var got []string
			dec := json.NewDecoder(&out)
			for dec.More() {
				var e journal.Entry
				if err := dec.Decode(&e); err != nil {
					t.Fatalf("--json printed something that is not an entry: %v", err)
				}
				got = append(got, e.Kind+" "+e.Record)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("entries %q, want %q", got, tc.want)
			}
		})
	}
}

func TestHistoryUsageErrors(t *testing.T) {
	config, _ := historyFixture(t)
	for _, args := range [][]string{
		{"--since", "a week"},
		{"--since", "-3h"},
		{"a.example.com", "b.example.com"},
		{"--nope"},
	} {
		var out, errOut bytes.Buffer
		if code := run(append([]string{"history", "--config", config}, args...), &out, &errOut); code != 2 {
			t.Errorf("history %q: exit %d, want 2\n%s", args, code, errOut.String())
		}
	}
}

func TestHistoryWithoutJournalsSaysSo(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("STATE_DIRECTORY", dir)
	config := filepath.Join(dir, "config.toml")
	os.WriteFile(config, nil, 0o600)
	var out, errOut bytes.Buffer
	if code := run([]string{"history", "--config", config}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "no history yet") {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errOut.String())
	}
	// The updater's journal is looked for beside the default state file.
	state, _ := configs.StateFileIn(dir, config)
	if !strings.Contains(out.String(), journal.BesideState(state)) {
		t.Errorf("the message does not name the updater's journal %s:\n%s", journal.BesideState(state), out.String())
	}
}

func TestParseSince(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"7d", 7 * 24 * time.Hour, true},
		{"36h", 36 * time.Hour, true},
		{"90m", 90 * time.Minute, true},
		{"1d12h", 36 * time.Hour, true},
		{"0d", 0, true},
		{"d", 0, false},
		{"7days", 0, false},
		{"-1d", 0, false},
		{"1.5d", 0, false},
		{"", 0, false},
		// Hostile values.
		{"-5d", 0, false},
		{"99999999999d", 0, false},
		{"1e400h", 0, false},
		{"36500d2562047h", 0, false}, // past what a duration holds: it wrapped to the future
		{"36500d", 36500 * 24 * time.Hour, true},
	} {
		got, err := parseSince(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseSince(%q) = %v, %v; want %v (ok %v)", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
