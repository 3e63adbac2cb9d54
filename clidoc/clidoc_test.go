package clidoc

import (
	"bytes"
	"flag"
	"strings"
	"testing"
)

func TestNameFromArgv0(t *testing.T) {
	for in, want := range map[string]string{
		"/usr/bin/ddnsd-supervisor": "ddnsd-supervisor", `C:\ddns\supervisor.exe`: "supervisor", "supervisor": "supervisor",
		"/tmp/go-build1/b001/supervisor.test": "def", "/bin/we ird": "def", "": "def",
	} {
		if got := NameFromArgv0(in, "def"); got != want {
			t.Errorf("NameFromArgv0(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRoffText(t *testing.T) {
	for in, want := range map[string]string{
		"--config PATH":        `\-\-config PATH`,
		".starts with a dot":   `\&.starts with a dot`,
		"'starts with a quote": `\&'starts with a quote`,
		`C:\ddns`:              `C:\eddns`,
		"run `x status` now":   `run \fBx status\fR now`,
		"caf\u00e9":            `caf\[u00E9]`,
		"bell\x07":             "bell ",
	} {
		if got := roffText(in); got != want {
			t.Errorf("roffText(%q) = %q, want %q", in, got, want)
		}
	}
	// No source line of a long text starts a request, and none is long.
	long := strings.Repeat("word ", 30) + ".dot " + strings.Repeat("x ", 50)
	for _, l := range strings.Split(roffLines(long), "\n") {
		if strings.HasPrefix(l, ".") || len(l) > 78 {
			t.Errorf("roffLines made the line %q", l)
		}
	}
}

// TestCheckNamesWhatIsWrong: a flag described by a phrase, a command
// without help, a summary with a period, FlagValues for a flag that does
// not exist are each reported, naming the command and flag.
func TestCheckNamesWhatIsWrong(t *testing.T) {
	p := &Program{
		Name: "prog", Summary: "a program",
		Help: "The program does one thing well, and says so here.",
		Docs: "See the README for the rest of the story.",
		Commands: []*Command{
			{Name: "good", Summary: "do the good thing", Help: "Do the good thing, and only that, every time it is asked.",
				Flags: func(fs *flag.FlagSet) { fs.String("config", "", "Read the config at `PATH`.") }},
			{Name: "terse", Summary: "Terse.", Help: "short",
				Flags:      func(fs *flag.FlagSet) { fs.String("config", "", "config file") },
				FlagValues: map[string][]string{"nosuch": {"a"}}},
		},
	}
	var got []string
	for _, err := range p.Check() {
		got = append(got, err.Error())
	}
	joined := strings.Join(got, "\n")
	for _, want := range []string{
		"prog terse: the summary must be one phrase",
		"prog terse: the help is not sentences",
		"prog terse: flag --config is not described in a sentence",
		"prog terse: flag --config has no placeholder",
		`prog terse: FlagValues names "nosuch"`,
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("Check did not report %q; it reported:\n%s", want, joined)
		}
	}
	if strings.Contains(joined, "prog good") {
		t.Errorf("Check reported the good command:\n%s", joined)
	}
}

// TestHelpWrapsAndKeepsVerbatimBlocks: prose is reflowed to 79 columns,
// an indented block is kept as it is, and the flags show their defaults.
func TestHelpWrapsAndKeepsVerbatimBlocks(t *testing.T) {
	p := &Program{Name: "prog", Docs: "See the README."}
	c := &Command{Name: "cmd", Summary: "do it",
		Help:  strings.Repeat("Lorem ipsum dolor sit amet. ", 10) + "\n\n  [section]\n  key = \"value\"\n\nThe end.",
		Flags: func(fs *flag.FlagSet) { fs.Int("n", 50, "Print the last `N` lines.") }}
	var b bytes.Buffer
	if err := p.WriteCommandHelp(&b, "", c); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, l := range strings.Split(out, "\n") {
		if len(l) > 79 {
			t.Errorf("a line of %d columns: %q", len(l), l)
		}
	}
	for _, want := range []string{"usage: prog cmd [-n N]\n", "\n  [section]\n  key = \"value\"\n", "  -n N\n        Print the last N lines. Default: 50.\n", "  -h, --help\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("the help lacks %q:\n%s", want, out)
		}
	}
}
