// Package clidoc is the command-line documentation of both programs: the
// help a person reads (`supervisor help`, `supervisor COMMAND --help`,
// `updater --help`), the short usage printed on a usage error, the man
// pages and the shell completion scripts, all rendered from one table per
// program (a Program and its Commands), so that what --help says, what the
// man page says and what the shell completes cannot drift apart.
//
// The rules of the table, which Check enforces in each program's tests:
//
//   - Every command has a one-line Summary and a Help of whole sentences.
//   - Flags are not described in the table but where they are defined: the
//     usage string of each flag.Flag is its description, in sentences, with
//     the value's placeholder in capitals in backquotes (flag.UnquoteUsage), e.g.
//     "Read the socket's path from the config file at `PATH`." A command's
//     Flags function is the one its implementation parses with, so the
//     documented flags are the parsed ones.
//   - Text is written for the program's own name (Program.Name); a program
//     installed under another name (packages install `ddnsd-supervisor`)
//     renders with that name: every "`NAME " in the text and every example
//     follows the installed name.
//   - Text is plain ASCII: paragraphs separated by blank lines, reflowed
//     when printed; a paragraph whose lines all start with two spaces is
//     printed as it is (commands, config snippets). `code` in backquotes is
//     kept on a terminal and set in bold in the man page.
//
// This package imports nothing but the standard library (no text/template:
// the supervisor must stay small), and nothing of this project.
package clidoc

import (
	"flag"
	"io"
	"path/filepath"
	"sort"
	"strings"
)

// Program is one binary's documentation.
type Program struct {
	// Name is the program's name as the text is written (supervisor).
	Name string
	// Summary is the NAME line of the man page: what the program is, in a
	// phrase without a final period.
	Summary string
	// Synopsis lines without the program name, e.g. "COMMAND [flags]". When
	// empty, one is made from the commands and the flags.
	Synopsis []string
	// Help is the DESCRIPTION: what the program does, in paragraphs.
	Help string
	// Flags defines the flags the program takes before any command (the
	// updater's), or nil.
	Flags func(fs *flag.FlagSet)
	// FlagValues lists the values a top-level flag takes, for completion.
	FlagValues map[string][]string
	// Commands in the order the overview lists them.
	Commands []*Command
	// Examples of the program as a whole.
	Examples []Example
	// Exits are the exit statuses, for the man page and the overview.
	Exits []Exit
	// Environment variables the program reads.
	Environment []Item
	// Files the program reads or writes.
	Files []Item
	// SeeAlso names other man pages, e.g. "updater(1)".
	SeeAlso []string
	// Siblings are the names of programs installed beside this one (the
	// updater's sibling is the supervisor): installed under a name that
	// wraps Name (ddnsd-updater), the text's "`supervisor ..." and the
	// SEE ALSO entries follow the same pattern (ddnsd-supervisor).
	Siblings []string
	// Docs is the closing sentence of every help: where the full
	// documentation is (the README).
	Docs string
	// Version goes into the man page's footer.
	Version string
}

// Command is one subcommand.
type Command struct {
	// Name is what is typed: status.
	Name string
	// Args is the synopsis of the positional arguments after the flags, e.g.
	// "[RECORD]" or "FILE"; empty when the command takes none.
	Args string
	// Summary is one line, starting in lower case, without a final period:
	// "show the child, the network, the records and the last events".
	Summary string
	// Help is what the command does, in sentences and paragraphs.
	Help string
	// Flags defines the command's flags on fs: the same function the
	// command's implementation parses with. Nil when it takes none.
	Flags func(fs *flag.FlagSet)
	// FlagValues lists, per flag name, the values the flag takes, for
	// completion (e.g. target: the install targets). Flags whose
	// placeholder is PATH, FILE or DIR complete file names.
	FlagValues map[string][]string
	// ArgValues are the words the first positional argument takes, for
	// completion; ArgCommands completes the program's command names (help
	// takes one), ArgFiles file names.
	ArgValues   []string
	ArgCommands bool
	ArgFiles    bool
	// Examples show typical calls.
	Examples []Example
	// Exits are the command's exit statuses; nil means Program.Exits.
	Exits []Exit
}

// Example is one example call.
type Example struct {
	// Args follow the program's name: "status --json | jq .child.state".
	Args string
	// Says what it does, in a sentence.
	Says string
}

// Exit is one exit status.
type Exit struct {
	Code  int
	Means string
}

// Item is a name and what it means: an environment variable, a file.
type Item struct {
	Name  string
	Means string
}

// Lookup returns the command called name, or nil.
func (p *Program) Lookup(name string) *Command {
	for _, c := range p.Commands {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// CommandNames returns every command's name in table order.
func (p *Program) CommandNames() []string {
	out := make([]string, 0, len(p.Commands))
	for _, c := range p.Commands {
		out = append(out, c.Name)
	}
	return out
}

// Flag is one flag as the documentation shows it.
type Flag struct {
	// Name without dashes.
	Name string
	// Value is the placeholder of the value (PATH), empty for a boolean.
	Value string
	// Usage is the description, placeholder backquotes removed.
	Usage string
	// Default is the flag's default value when it says something (not
	// empty, false or 0).
	Default string
}

// Dashed is the flag as typed: -n for one letter, --name otherwise (Go's
// flag package accepts either form for any flag).
func (f Flag) Dashed() string {
	if len(f.Name) == 1 {
		return "-" + f.Name
	}
	return "--" + f.Name
}

// IsFile reports whether the flag's value is a file name, by its
// placeholder.
func (f Flag) IsFile() bool {
	switch f.Value {
	case "PATH", "FILE", "DIR":
		return true
	}
	return false
}

// Flags returns the flags define creates, sorted by name; nil for a nil
// define.
func Flags(define func(fs *flag.FlagSet)) []Flag {
	if define == nil {
		return nil
	}
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	define(fs)
	var out []Flag
	fs.VisitAll(func(f *flag.Flag) {
		value, usage := flag.UnquoteUsage(f)
		if isBool(f) {
			value = ""
		} else if strings.ToLower(value) == value {
			// flag.UnquoteUsage's guess from the type ("string", "int",
			// "value") when the usage has no `PLACEHOLDER`.
			value = "VALUE"
		}
		d := f.DefValue
		if d == "false" || d == "0" || d == `""` {
			d = ""
		}
		out = append(out, Flag{Name: f.Name, Value: value, Usage: usage, Default: d})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func isBool(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// rename replaces the program's written name by prog in text: "`supervisor "
// and "`supervisor`" become "`prog " and "`prog`".
func (p *Program) rename(text, prog string) string {
	if prog == "" || prog == p.Name {
		return text
	}
	pairs := []string{"`" + p.Name + " ", "`" + prog + " ", "`" + p.Name + "`", "`" + prog + "`"}
	for _, s := range p.Siblings {
		if as := p.sibling(s, prog); as != s {
			pairs = append(pairs, "`"+s+" ", "`"+as+" ", "`"+s+"`", "`"+as+"`")
		}
	}
	return strings.NewReplacer(pairs...).Replace(text)
}

// sibling is the name the sibling program s is installed under when this
// one is installed as prog: prog with Name replaced by s, or s itself
// when prog does not contain Name.
func (p *Program) sibling(s, prog string) string {
	if prog == "" || !strings.Contains(prog, p.Name) {
		return s
	}
	return strings.Replace(prog, p.Name, s, 1)
}

// synopsis is a command's usage line without the program name: "status
// [--json] [--config PATH]".
func (c *Command) synopsis() string {
	parts := []string{c.Name}
	for _, f := range Flags(c.Flags) {
		parts = append(parts, "["+flagForm(f)+"]")
	}
	if c.Args != "" {
		parts = append(parts, c.Args)
	}
	return strings.Join(parts, " ")
}

// flagForm is "--json" or "--config PATH".
func flagForm(f Flag) string {
	if f.Value == "" {
		return f.Dashed()
	}
	return f.Dashed() + " " + f.Value
}

// synopses are the program's usage lines without its name.
func (p *Program) synopses() []string {
	if len(p.Synopsis) > 0 {
		return p.Synopsis
	}
	var out []string
	if p.Flags != nil {
		var parts []string
		for _, f := range Flags(p.Flags) {
			parts = append(parts, "["+flagForm(f)+"]")
		}
		out = append(out, strings.Join(parts, " "))
	}
	if len(p.Commands) > 0 {
		out = append(out, "COMMAND [FLAGS] [ARGUMENTS]")
	}
	return out
}

// NameFromArgv0 is a program's name from os.Args[0] (its base, without
// .exe), or def when that is no usable name: a test binary (NAME.test),
// or a name that is not plain letters, digits, '.', '_' and '-'.
func NameFromArgv0(arg0, def string) string {
	base := filepath.Base(strings.ReplaceAll(arg0, `\`, "/"))
	base = strings.TrimSuffix(base, ".exe")
	if !validProg.MatchString(base) || strings.HasSuffix(base, ".test") {
		return def
	}
	return base
}
