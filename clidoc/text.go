package clidoc

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// width is where help text is wrapped: what fits an 80-column terminal.
const width = 79

// WriteHelp writes the overview (`supervisor help`): the synopsis, what the
// program does, its commands with their summaries, its flags when it has
// any, the exit statuses, and where to read more. prog is the name the
// program was installed under ("" for Program.Name).
func (p *Program) WriteHelp(w io.Writer, prog string) error {
	prog = p.prog(prog)
	b := &strings.Builder{}
	for i, s := range p.synopses() {
		head := "usage: "
		if i > 0 {
			head = "       "
		}
		fmt.Fprintf(b, "%s%s %s\n", head, prog, s)
	}
	b.WriteString("\n")
	writeParagraphs(b, p.rename(p.Help, prog), "")
	if len(p.Commands) > 0 {
		b.WriteString("\nCommands:\n")
		n := 0
		for _, c := range p.Commands {
			n = max(n, len(c.Name))
		}
		for _, c := range p.Commands {
			fmt.Fprintf(b, "  %-*s  %s\n", n, c.Name, hang(p.rename(c.Summary, prog), 2+n+2))
		}
	}
	if p.Flags != nil {
		b.WriteString("\nFlags:\n")
		writeFlags(b, Flags(p.Flags), p.rename, prog)
	}
	writeExamples(b, p.Examples, p.rename, prog)
	writeExits(b, p.Exits)
	b.WriteString("\n")
	if len(p.Commands) > 0 {
		writeParagraphs(b, fmt.Sprintf("Run `%s help COMMAND` or `%s COMMAND --help` for what a command does, its flags and examples.", prog, prog), "")
		b.WriteString("\n")
	}
	writeParagraphs(b, p.rename(p.Docs, prog), "")
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteCommandHelp writes one command's help (`supervisor help status`,
// `supervisor status --help`).
func (p *Program) WriteCommandHelp(w io.Writer, prog string, c *Command) error {
	prog = p.prog(prog)
	b := &strings.Builder{}
	head := "usage: " + prog + " "
	fmt.Fprintf(b, "%s%s\n\n", head, hangSynopsis(c.synopsis(), len(head)))
	writeParagraphs(b, p.rename(c.Help, prog), "")
	b.WriteString("\nFlags:\n")
	flags := Flags(c.Flags)
	writeFlags(b, append(flags, helpFlag), p.rename, prog)
	writeExamples(b, c.Examples, p.rename, prog)
	exits := c.Exits
	if exits == nil {
		exits = p.Exits
	}
	writeExits(b, exits)
	b.WriteString("\n")
	writeParagraphs(b, p.rename(p.Docs, prog), "")
	_, err := io.WriteString(w, b.String())
	return err
}

// helpFlag is the -h/--help every command takes (the flag package's own).
var helpFlag = Flag{Name: "help", Usage: "Print this help to standard output and exit 0."}

// WriteUsageError writes the short note that follows a usage error's own
// message on stderr: the command's usage line and where its help is. c may
// be nil (an unknown command): then the program's usage lines.
func (p *Program) WriteUsageError(w io.Writer, prog string, c *Command) error {
	prog = p.prog(prog)
	b := &strings.Builder{}
	if c == nil {
		for i, s := range p.synopses() {
			head := "usage: "
			if i > 0 {
				head = "       "
			}
			fmt.Fprintf(b, "%s%s %s\n", head, prog, s)
		}
		fmt.Fprintf(b, "Run `%s help` for what each command and flag does.\n", prog)
	} else {
		head := "usage: " + prog + " "
		fmt.Fprintf(b, "%s%s\n", head, hangSynopsis(c.synopsis(), len(head)))
		fmt.Fprintf(b, "Run `%s help %s` for what each flag does.\n", prog, c.Name)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (p *Program) prog(prog string) string {
	if prog == "" {
		return p.Name
	}
	return prog
}

func writeFlags(b *strings.Builder, flags []Flag, rename func(string, string) string, prog string) {
	for _, f := range flags {
		form := "  " + flagForm(f)
		if f.Name == "help" {
			form = "  -h, --help"
		}
		b.WriteString(form + "\n")
		text := rename(f.Usage, prog)
		if f.Default != "" {
			text += " Default: " + f.Default + "."
		}
		writeParagraphs(b, text, "        ")
	}
}

func writeExamples(b *strings.Builder, ex []Example, rename func(string, string) string, prog string) {
	if len(ex) == 0 {
		return
	}
	b.WriteString("\nExamples:\n")
	for _, e := range ex {
		fmt.Fprintf(b, "  %s %s\n", prog, e.Args)
		writeParagraphs(b, rename(e.Says, prog), "        ")
	}
}

func writeExits(b *strings.Builder, exits []Exit) {
	if len(exits) == 0 {
		return
	}
	b.WriteString("\nExit status:\n")
	for _, e := range sortedExits(exits) {
		fmt.Fprintf(b, "  %d  %s\n", e.Code, hang(e.Means, 5))
	}
}

// paragraph is one block of text: reflowed prose, or verbatim lines.
type paragraph struct {
	verbatim bool
	lines    []string
}

// paragraphs splits text at blank lines; a block whose every line starts
// with two spaces is verbatim.
func paragraphs(text string) []paragraph {
	var out []paragraph
	var cur []string
	flush := func() {
		if len(cur) == 0 {
			return
		}
		verbatim := true
		for _, l := range cur {
			if !strings.HasPrefix(l, "  ") {
				verbatim = false
			}
		}
		if verbatim {
			out = append(out, paragraph{verbatim: true, lines: cur})
		} else {
			out = append(out, paragraph{lines: []string{strings.Join(strings.Fields(strings.Join(cur, " ")), " ")}})
		}
		cur = nil
	}
	for _, l := range strings.Split(strings.TrimSpace(strings.ReplaceAll(text, "\t", "    ")), "\n") {
		if strings.TrimSpace(l) == "" {
			flush()
			continue
		}
		cur = append(cur, strings.TrimRight(l, " "))
	}
	flush()
	return out
}

// writeParagraphs writes text's paragraphs, each line starting with indent,
// prose wrapped at width, a blank line between paragraphs.
func writeParagraphs(b *strings.Builder, text, indent string) {
	for i, p := range paragraphs(text) {
		if i > 0 {
			b.WriteString("\n")
		}
		if p.verbatim {
			for _, l := range p.lines {
				b.WriteString(indent + l + "\n")
			}
			continue
		}
		for _, l := range wrap(p.lines[0], width-utf8.RuneCountInString(indent)) {
			b.WriteString(indent + l + "\n")
		}
	}
}

// hang wraps a one-line text that starts at column col, continuing lines
// indented to col.
func hang(text string, col int) string {
	lines := wrap(strings.Join(strings.Fields(text), " "), max(width-col, 30))
	return strings.Join(lines, "\n"+strings.Repeat(" ", col))
}

// wrap breaks text into lines of at most n characters at spaces (a longer
// word gets a line of its own).
func wrap(text string, n int) []string {
	var lines []string
	line := ""
	for _, word := range strings.FieldsFunc(text, unicode.IsSpace) {
		switch {
		case line == "":
			line = word
		case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) <= n:
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// sortedExits is exits by code, so a table may list the likely ones first.
func sortedExits(exits []Exit) []Exit {
	out := append([]Exit(nil), exits...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// hangSynopsis is hang for a usage line: a bracketed group ("[--name
// NAME]") is never broken across lines.
func hangSynopsis(s string, col int) string {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '[':
			depth++
		case r == ']':
			depth--
		case r == ' ' && depth > 0:
			r = 0 // kept together through wrap, a space again below
		}
		b.WriteRune(r)
	}
	return strings.ReplaceAll(hang(b.String(), col), "\x00", " ")
}
