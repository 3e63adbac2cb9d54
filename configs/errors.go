package configs

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/ddnsd/ddns/untrusted"
)

// FieldError is one problem in a config file, located at file:line:col.
type FieldError struct {
	File string
	Pos  Pos
	Key  string // dotted key path, e.g. "records.0.provider"
	Msg  string
}

// Error is the problem as one `file:line:col: key: message` line. The key
// is the file's own text, and a quoted TOML key may hold any character
// ("\u001b[2J" = 1): key and message are escaped (untrusted.Escape), so
// `check`, the supervisor's log and status show such a key as its escapes
// rather than let it act on the terminal.
func (e *FieldError) Error() string {
	loc := untrusted.Escape(e.File, 0)
	if e.Pos.Line > 0 {
		loc = fmt.Sprintf("%s:%d:%d", loc, e.Pos.Line, e.Pos.Col)
	}
	msg := escapeLines(e.Msg)
	if e.Key != "" {
		return fmt.Sprintf("%s: %s: %s", loc, untrusted.Escape(e.Key, 0), msg)
	}
	return fmt.Sprintf("%s: %s", loc, msg)
}

// escapeLines escapes each line of s, keeping its line breaks.
func escapeLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = untrusted.Escape(l, 0)
	}
	return strings.Join(lines, "\n")
}

// Errors is every problem found in one file, in file order. Its message has
// one `file:line:col: key: message` line per problem.
type Errors []*FieldError

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// AsErrors returns the located problems inside err, if it holds any.
func AsErrors(err error) (Errors, bool) {
	var es Errors
	if errors.As(err, &es) {
		return es, true
	}
	var fe *FieldError
	if errors.As(err, &fe) {
		return Errors{fe}, true
	}
	return nil, false
}

// problems collects errors and warnings while a file is checked.
type problems struct {
	file     string
	pos      positions
	errs     Errors
	warnings []string
	files    []FileRef
}

func (p *problems) at(key string) Pos {
	pos, _ := p.pos.find(key)
	return pos
}

func (p *problems) errorf(key, format string, args ...any) {
	p.errs = append(p.errs, &FieldError{File: p.file, Pos: p.at(key), Key: key, Msg: fmt.Sprintf(format, args...)})
}

func (p *problems) warnf(key, format string, args ...any) {
	w := &FieldError{File: p.file, Pos: p.at(key), Key: key, Msg: fmt.Sprintf(format, args...)}
	p.warnings = append(p.warnings, w.Error())
}

func (p *problems) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	sort.SliceStable(p.errs, func(i, j int) bool {
		a, b := p.errs[i].Pos, p.errs[j].Pos
		return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
	})
	return p.errs
}
