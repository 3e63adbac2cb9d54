package configs

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// FieldError is one problem in a config file, located at file:line:col.
type FieldError struct {
	File string
	Pos  Pos
	Key  string // dotted key path, e.g. "records.0.provider"
	Msg  string
}

func (e *FieldError) Error() string {
	loc := e.File
	if e.Pos.Line > 0 {
		loc = fmt.Sprintf("%s:%d:%d", e.File, e.Pos.Line, e.Pos.Col)
	}
	if e.Key != "" {
		return fmt.Sprintf("%s: %s: %s", loc, e.Key, e.Msg)
	}
	return fmt.Sprintf("%s: %s", loc, e.Msg)
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
