package main

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"

	"github.com/ddnsd/ddns/clidoc"
)

// pendingCommands have a table entry but are implemented on other
// branches; until they are merged, run's switch does not know them. The
// integrator deletes each name here when it wires the command.
var pendingCommands = map[string]bool{}

// TestCommandTableFollowsItsRules: every command has a summary and help in
// sentences, every flag of every command (as its own flag set defines it)
// is described in a sentence, examples say what they do.
func TestCommandTableFollowsItsRules(t *testing.T) {
	for _, err := range program.Check() {
		t.Error(err)
	}
}

// TestEveryDispatchedCommandIsInTheTable reads run's switch and checks
// each command word it dispatches has a table entry, so a command cannot
// be added without its help; and each table entry is dispatched (but the
// pending ones).
func TestEveryDispatchedCommandIsInTheTable(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	aliases := map[string]bool{"--version": true, "-version": true, "-h": true, "-help": true, "--help": true}
	dispatched := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if cc, ok := n.(*ast.CaseClause); ok {
			for _, e := range cc.List {
				if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					s, _ := strconv.Unquote(lit.Value)
					dispatched[s] = true
				}
			}
		}
		return true
	})
	if len(dispatched) < 10 {
		t.Fatalf("found only %d command words in main.go's switch: %v", len(dispatched), dispatched)
	}
	for name := range dispatched {
		if !aliases[name] && program.Lookup(name) == nil {
			t.Errorf("run dispatches %q, which has no entry in the command table (commands.go)", name)
		}
	}
	for _, c := range program.Commands {
		if !dispatched[c.Name] && !pendingCommands[c.Name] {
			t.Errorf("the table lists %q, which run does not dispatch", c.Name)
		}
	}
}

// TestHelpOfEveryCommand: `supervisor COMMAND --help` (and -h, -help,
// `supervisor help COMMAND`) prints the command's help on stdout, naming
// every flag the command parses, ending with the README, and exits 0.
func TestHelpOfEveryCommand(t *testing.T) {
	for _, c := range program.Commands {
		var want string
		for _, form := range [][]string{{c.Name, "--help"}, {c.Name, "-h"}, {c.Name, "-help"}, {"help", c.Name}} {
			var stdout, stderr bytes.Buffer
			code := run(form, &stdout, &stderr)
			out := stdout.String()
			if code != 0 || stderr.Len() != 0 {
				t.Errorf("supervisor %s: exit %d, stderr %q; want 0 and nothing on stderr", strings.Join(form, " "), code, stderr.String())
				continue
			}
			if want == "" {
				want = out
			} else if out != want {
				t.Errorf("supervisor %s prints another help than supervisor %s --help", strings.Join(form, " "), c.Name)
			}
			if !strings.HasPrefix(out, "usage: supervisor "+c.Name) {
				t.Errorf("supervisor %s: the help does not start with its usage line:\n%s", strings.Join(form, " "), out)
			}
			if !strings.Contains(out, "https://github.com/ddnsd/ddns#readme") {
				t.Errorf("supervisor %s: the help does not point to the README:\n%s", strings.Join(form, " "), out)
			}
		}
		for _, f := range clidoc.Flags(c.Flags) {
			line := "\n  " + f.Dashed()
			if f.Value != "" {
				line += " " + f.Value
			}
			if !strings.Contains(want, line+"\n") {
				t.Errorf("supervisor %s --help does not list its flag %s", c.Name, f.Dashed())
			}
			if words := strings.Fields(f.Usage); !strings.Contains(strings.Join(strings.Fields(want), " "), strings.Join(words[:min(len(words), 6)], " ")) {
				t.Errorf("supervisor %s --help does not describe %s with its usage text %q", c.Name, f.Dashed(), f.Usage)
			}
		}
	}
}

// TestUsageErrors: an unknown flag exits 2 with the flag package's reason
// and a pointer to the command's help on stderr, nothing on stdout; so do
// an unknown command and no command at all, pointing to `supervisor help`.
func TestUsageErrors(t *testing.T) {
	for _, c := range program.Commands {
		if pendingCommands[c.Name] || c == helpCommand || c == versionCommand {
			continue
		}
		var stdout, stderr bytes.Buffer
		code := run([]string{c.Name, "--no-such-flag"}, &stdout, &stderr)
		if code != 2 || stdout.Len() != 0 || !strings.Contains(stderr.String(), "-no-such-flag") || !strings.Contains(stderr.String(), "`supervisor help "+c.Name+"`") {
			t.Errorf("supervisor %s --no-such-flag: exit %d, stdout %q, stderr %q; want 2, the flag named and `supervisor help %s` on stderr", c.Name, code, stdout.String(), stderr.String(), c.Name)
		}
		if lines := strings.Count(stderr.String(), "\n"); lines > 3 {
			t.Errorf("supervisor %s --no-such-flag: %d lines on stderr, want a short message:\n%s", c.Name, lines, stderr.String())
		}
	}
	for _, args := range [][]string{nil, {"no-such-command"}, {"help", "no-such-command"}} {
		var stdout, stderr bytes.Buffer
		code := run(args, &stdout, &stderr)
		if code != 2 || stdout.Len() != 0 || !strings.Contains(stderr.String(), "`supervisor help`") {
			t.Errorf("supervisor %q: exit %d, stdout %q, stderr %q; want 2 and a pointer to `supervisor help` on stderr", args, code, stdout.String(), stderr.String())
		}
	}
}

// TestOverviewListsEveryCommand: `supervisor help` (and --help, -h) lists
// each command with its summary, on stdout, exit 0.
func TestOverviewListsEveryCommand(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 0 || stderr.Len() != 0 {
			t.Fatalf("supervisor %s: exit %d, stderr %q", args[0], code, stderr.String())
		}
		flat := strings.Join(strings.Fields(stdout.String()), " ")
		for _, c := range program.Commands {
			if !strings.Contains(flat, c.Name+" "+c.Summary) {
				t.Errorf("supervisor %s does not list %q with its summary %q", args[0], c.Name, c.Summary)
			}
		}
	}
}

// TestHelpFollowsTheInstalledName: installed as ddnsd-supervisor, the help
// and its examples name ddnsd-supervisor, never a bare `supervisor ...`
// command.
func TestHelpFollowsTheInstalledName(t *testing.T) {
	old := progName
	progName = clidoc.NameFromArgv0("/usr/bin/ddnsd-supervisor", "supervisor")
	defer func() { progName = old }()
	for _, args := range [][]string{{"help"}, {"status", "--help"}, {"help", "install"}} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 0 {
			t.Fatalf("ddnsd-supervisor %v: exit %d\n%s", args, code, stderr.String())
		}
		out := stdout.String()
		if !strings.Contains(out, "ddnsd-supervisor ") {
			t.Errorf("ddnsd-supervisor %v: the help does not use the installed name:\n%s", args, out)
		}
		for _, stale := range []string{"`supervisor ", "\n  supervisor ", "usage: supervisor"} {
			if strings.Contains(out, stale) {
				t.Errorf("ddnsd-supervisor %v: the help still says %q:\n%s", args, stale, out)
			}
		}
	}
}
