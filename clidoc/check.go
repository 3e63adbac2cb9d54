package clidoc

import (
	"fmt"
	"strings"
	"unicode"
)

// Check reports every way p breaks the table's rules (see the package
// documentation), one error per problem, naming the command and flag; the
// programs' tests fail on any.
func (p *Program) Check() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if p.Name == "" || p.Summary == "" {
		bad("the program has no name or summary")
	}
	if !isProse(p.Help) {
		bad("%s: the program's help is not sentences: %q", p.Name, p.Help)
	}
	if !isProse(p.Docs) {
		bad("%s: the closing pointer to the documentation is not a sentence: %q", p.Name, p.Docs)
	}
	flagsOK := func(where string, flags []Flag, values map[string][]string) {
		names := map[string]bool{}
		for _, f := range flags {
			names[f.Name] = true
			if !isSentence(f.Usage) {
				bad("%s: flag %s is not described in a sentence (capital letter first, period last, at least three words): %q", where, f.Dashed(), f.Usage)
			}
			if f.Value == "VALUE" {
				bad("%s: flag %s has no placeholder for its value: put one in backquotes in its usage, e.g. `PATH`", where, f.Dashed())
			}
			if !isASCII(f.Usage) {
				bad("%s: flag %s: its description is not plain ASCII (the man page would need escapes)", where, f.Dashed())
			}
		}
		for name := range values {
			if !names[name] {
				bad("%s: FlagValues names %q, which is not a flag", where, name)
			}
		}
	}
	flagsOK(p.Name, Flags(p.Flags), p.FlagValues)
	seen := map[string]bool{}
	for _, c := range p.Commands {
		where := p.Name + " " + c.Name
		if seen[c.Name] {
			bad("%s: listed twice", where)
		}
		seen[c.Name] = true
		s := c.Summary
		if s == "" || strings.HasSuffix(s, ".") || !unicode.IsLower([]rune(s)[0]) && !strings.HasPrefix(s, "(") {
			bad("%s: the summary must be one phrase in lower case without a final period: %q", where, s)
		}
		if !isProse(c.Help) {
			bad("%s: the help is not sentences (at least 40 characters, ending in a period): %q", where, c.Help)
		}
		for _, text := range []string{c.Summary, c.Help} {
			if !isASCII(text) {
				bad("%s: the help is not plain ASCII", where)
			}
		}
		flagsOK(where, Flags(c.Flags), c.FlagValues)
		for _, e := range c.Examples {
			if e.Args == "" || !isSentence(e.Says) {
				bad("%s: the example %q does not say what it does in a sentence: %q", where, e.Args, e.Says)
			}
		}
	}
	return errs
}

// isSentence: a capital letter (or a backquoted name) first, a period (or
// a closing parenthesis after one) last, three words or more.
func isSentence(s string) bool {
	s = strings.TrimSpace(s)
	if len(strings.Fields(s)) < 3 {
		return false
	}
	first := []rune(s)[0]
	if !unicode.IsUpper(first) && first != '`' && first != '$' && first != '"' {
		return false
	}
	return strings.HasSuffix(s, ".") || strings.HasSuffix(s, ".)")
}

// isProse is one or more paragraphs of sentences: the last prose
// paragraph ends a sentence and the whole is not a mere phrase.
func isProse(s string) bool {
	if len(strings.TrimSpace(s)) < 40 {
		return false
	}
	ps := paragraphs(s)
	for i := len(ps) - 1; i >= 0; i-- {
		if !ps[i].verbatim {
			return isSentence(ps[i].lines[0])
		}
	}
	return false
}

func isASCII(s string) bool {
	for _, r := range s {
		if r > 0x7e || (r < 0x20 && r != '\n' && r != '\t') {
			return false
		}
	}
	return true
}
