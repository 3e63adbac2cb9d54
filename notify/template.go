package notify

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"text/template/parse"
)

// A notification template is written in Go's text/template syntax and parsed
// by its own parser (text/template/parse), so every template the old
// text/template code accepted for these flat string fields still parses the
// same and renders the same. It is executed here rather than by
// text/template because text/template calls methods by name through
// reflection, which keeps every exported method of every type in the binary
// alive: about 1.9 MB of the supervisor.
//
// What it runs: text, comments, {{.Field}}, {{.}}, if/else if/else, with,
// string, number and boolean literals, parenthesised pipelines, and the
// functions json (a value as a JSON literal), print, printf, println, len,
// not, and, or, eq and ne. Variables, range, define/template/block and the
// other text/template functions are refused when the template is parsed,
// with the position, so `supervisor check` names them.

// notifyTemplate is one parsed body or header template.
type notifyTemplate struct {
	name string
	tree *parse.Tree
}

// funcNames are the functions a template may call; parse refuses others
// with text/template's own "function not defined" error.
var funcNames = map[string]any{
	"json": true, "print": true, "printf": true, "println": true, "len": true,
	"not": true, "and": true, "or": true, "eq": true, "ne": true,
}

// newTemplate parses text, refusing what Execute does not run.
func newTemplate(name, text string) (*notifyTemplate, error) {
	trees, err := parse.Parse(name, text, "", "", funcNames)
	if err != nil {
		return nil, err // worded by the parser, as text/template returns it
	}
	for n := range trees {
		if n != name {
			return nil, fmt.Errorf("template: %s: {{define}} and {{block}} are not supported in notification templates", name)
		}
	}
	t := &notifyTemplate{name: name, tree: trees[name]}
	if t.tree == nil {
		t.tree = &parse.Tree{Name: name, Root: &parse.ListNode{}}
	}
	if err := t.check(t.tree.Root); err != nil {
		return nil, err
	}
	return t, nil
}

// check walks the tree for nodes Execute does not run.
func (t *notifyTemplate) check(n parse.Node) error {
	switch n := n.(type) {
	case nil:
		return nil
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := t.check(c); err != nil {
				return err
			}
		}
		return nil
	case *parse.TextNode, *parse.CommentNode:
		return nil
	case *parse.ActionNode:
		return t.checkPipe(n.Pipe)
	case *parse.IfNode:
		return t.checkBranch(&n.BranchNode)
	case *parse.WithNode:
		return t.checkBranch(&n.BranchNode)
	}
	return t.unsupported(n)
}

func (t *notifyTemplate) checkBranch(b *parse.BranchNode) error {
	if err := t.checkPipe(b.Pipe); err != nil {
		return err
	}
	if err := t.check(b.List); err != nil {
		return err
	}
	return t.check(b.ElseList)
}

func (t *notifyTemplate) checkPipe(p *parse.PipeNode) error {
	if p == nil {
		return nil
	}
	if len(p.Decl) > 0 {
		return t.unsupported(p)
	}
	for _, c := range p.Cmds {
		for _, a := range c.Args {
			switch a := a.(type) {
			case *parse.FieldNode, *parse.DotNode, *parse.IdentifierNode, *parse.StringNode, *parse.NumberNode, *parse.BoolNode:
			case *parse.PipeNode:
				if err := t.checkPipe(a); err != nil {
					return err
				}
			default:
				return t.unsupported(a)
			}
		}
	}
	return nil
}

func (t *notifyTemplate) unsupported(n parse.Node) error {
	loc, context := t.tree.ErrorContext(n)
	return fmt.Errorf("template: %s: %s is not supported in notification templates (they run fields, if, with and the functions json, print, printf, println, len, not, and, or, eq, ne)", loc, context)
}

// Execute renders the template for d into w.
func (t *notifyTemplate) Execute(w io.Writer, d templateData) error {
	s := &state{t: t, w: w}
	return s.walk(d, t.tree.Root)
}

// state is one execution.
type state struct {
	t *notifyTemplate
	w io.Writer
}

// errorf words an execution error as text/template does.
func (s *state) errorf(n parse.Node, format string, args ...any) error {
	loc, context := s.t.tree.ErrorContext(n)
	return fmt.Errorf("template: %s: executing %q at <%s>: %s", loc, s.t.name, context, fmt.Sprintf(format, args...))
}

func (s *state) walk(dot any, n parse.Node) error {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := s.walk(dot, c); err != nil {
				return err
			}
		}
	case *parse.TextNode:
		_, err := s.w.Write(n.Text)
		return err
	case *parse.CommentNode:
	case *parse.ActionNode:
		v, err := s.pipe(dot, n.Pipe)
		if err != nil {
			return err
		}
		_, err = fmt.Fprint(s.w, v)
		return err
	case *parse.IfNode:
		return s.branch(dot, &n.BranchNode, false)
	case *parse.WithNode:
		return s.branch(dot, &n.BranchNode, true)
	default:
		return s.errorf(n, "unsupported node")
	}
	return nil
}

// branch runs if (or with, which also moves dot to the value).
func (s *state) branch(dot any, b *parse.BranchNode, with bool) error {
	v, err := s.pipe(dot, b.Pipe)
	if err != nil {
		return err
	}
	if truth(v) {
		if with {
			dot = v
		}
		return s.walk(dot, b.List)
	}
	if b.ElseList != nil {
		return s.walk(dot, b.ElseList)
	}
	return nil
}

func (s *state) pipe(dot any, p *parse.PipeNode) (any, error) {
	var v any
	for i, c := range p.Cmds {
		var err error
		if v, err = s.command(dot, c, v, i > 0); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// command runs one command of a pipeline; final is the previous command's
// value, passed as the last argument.
func (s *state) command(dot any, c *parse.CommandNode, final any, hasFinal bool) (any, error) {
	first := c.Args[0]
	if id, ok := first.(*parse.IdentifierNode); ok {
		args := make([]any, 0, len(c.Args))
		for _, a := range c.Args[1:] {
			v, err := s.arg(dot, a)
			if err != nil {
				return nil, err
			}
			args = append(args, v)
		}
		if hasFinal {
			args = append(args, final)
		}
		v, err := call(id.Ident, args)
		if err != nil {
			return nil, s.errorf(id, "error calling %s: %v", id.Ident, err)
		}
		return v, nil
	}
	if len(c.Args) > 1 || hasFinal {
		return nil, s.errorf(first, "can't give argument to non-function %s", first)
	}
	return s.arg(dot, first)
}

// arg evaluates one operand.
func (s *state) arg(dot any, n parse.Node) (any, error) {
	switch n := n.(type) {
	case *parse.DotNode:
		return dot, nil
	case *parse.FieldNode:
		v := dot
		for _, name := range n.Ident {
			d, ok := v.(templateData)
			if !ok {
				return nil, s.errorf(n, "can't evaluate field %s in type %T", name, v)
			}
			f := reflect.ValueOf(d).FieldByName(name)
			if !f.IsValid() || !f.CanInterface() {
				return nil, s.errorf(n, "can't evaluate field %s in type %T", name, d)
			}
			v = f.Interface()
		}
		return v, nil
	case *parse.StringNode:
		return n.Text, nil
	case *parse.BoolNode:
		return n.True, nil
	case *parse.NumberNode:
		switch {
		case n.IsInt:
			return int(n.Int64), nil
		case n.IsFloat:
			return n.Float64, nil
		}
		return nil, s.errorf(n, "number %s is not supported", n.Text)
	case *parse.PipeNode:
		return s.pipe(dot, n)
	}
	return nil, s.errorf(n, "unsupported operand %s", n)
}

// truth is text/template's truth for the values a template here can make.
func truth(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	case string:
		return v != ""
	case int:
		return v != 0
	case float64:
		return v != 0
	}
	return true
}

// call runs one of funcNames.
func call(name string, args []any) (any, error) {
	need := func(n int) error {
		if len(args) != n {
			return fmt.Errorf("wrong number of args for %s: want %d got %d", name, n, len(args))
		}
		return nil
	}
	switch name {
	case "json":
		if err := need(1); err != nil {
			return nil, err
		}
		b, err := json.Marshal(args[0])
		return string(b), err
	case "print":
		return fmt.Sprint(args...), nil
	case "println":
		return fmt.Sprintln(args...), nil
	case "printf":
		if len(args) == 0 {
			return nil, fmt.Errorf("wrong number of args for printf: want at least 1 got 0")
		}
		f, ok := args[0].(string)
		if !ok {
			return nil, fmt.Errorf("printf's format is a %T, not a string", args[0])
		}
		return fmt.Sprintf(f, args[1:]...), nil
	case "len":
		if err := need(1); err != nil {
			return nil, err
		}
		if s, ok := args[0].(string); ok {
			return len(s), nil
		}
		return nil, fmt.Errorf("len of type %T", args[0])
	case "not":
		if err := need(1); err != nil {
			return nil, err
		}
		return !truth(args[0]), nil
	case "and", "or":
		if len(args) == 0 {
			return nil, fmt.Errorf("wrong number of args for %s: want at least 1 got 0", name)
		}
		for _, a := range args {
			if truth(a) != (name == "and") {
				return a, nil
			}
		}
		return args[len(args)-1], nil
	case "eq":
		if len(args) < 2 {
			return nil, fmt.Errorf("missing argument for comparison")
		}
		for _, a := range args[1:] {
			eq, err := equal(args[0], a)
			if err != nil || eq {
				return eq, err
			}
		}
		return false, nil
	case "ne":
		if err := need(2); err != nil {
			return nil, err
		}
		eq, err := equal(args[0], args[1])
		return !eq, err
	}
	return nil, fmt.Errorf("function %q not defined", name)
}

// equal compares two basic values of one type, as eq does.
func equal(a, b any) (bool, error) {
	if reflect.TypeOf(a) != reflect.TypeOf(b) {
		return false, fmt.Errorf("incompatible types for comparison")
	}
	return a == b, nil
}
