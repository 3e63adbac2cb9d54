package notify

import (
	"encoding/json"
	"strings"
	"testing"
	"text/template"
)

// reference renders text with text/template as notify did before its own
// executor, with the same json function and missingkey=error.
func reference(name, text string, d templateData) (string, error) {
	t, err := template.New(name).Funcs(template.FuncMap{"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	}}).Option("missingkey=error").Parse(text)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	err = t.Execute(&b, d)
	return b.String(), err
}

// TestTemplatesRenderAsTextTemplate: every construct notification templates
// run gives text/template's output, and its errors read the same.
func TestTemplatesRenderAsTextTemplate(t *testing.T) {
	full := dataOf(sampleEvent())
	empty := templateData{Event: "update-recovered"}
	templates := []string{
		``,
		`plain text, no actions`,
		`{"text": "{{.Event}} {{.Record}} {{.OldAddress}} -> {{.NewAddress}} {{.Error}}"}`,
		`{"text": {{json .Error}}, "at": {{json .Time}}, "id": "{{.ID}}", "k": "{{.Kind}}", "t": "{{.Type}}", "p": "{{.Provider}}", "d": "{{.Detail}}"}`,
		`{{/* a comment */}}a {{- " trimmed " -}} b`,
		`{{if .Error}}failed: {{.Error}}{{else if .NewAddress}}now {{.NewAddress}}{{else}}ok{{end}}`,
		`{{with .Error}}error {{.}}{{else}}no error{{end}}`,
		`{{.Error | json}} {{.Record | printf "%q"}} {{printf "%s/%s" .Record .Type}}`,
		`{{print .Event " " 3 true}}|{{println .Event}}|{{len .Record}}`,
		`{{if and .Error .Record}}both{{end}}{{if or .Error .Detail}}either{{end}}{{if not .Error}}none{{end}}`,
		`{{and .Error .Record}}/{{or .Error .Record}}`,
		`{{if eq .Event "address-changed" "update-failed"}}change{{else}}other{{end}} {{if ne .Type "A"}}v6{{end}}`,
		`{{json (printf "%s at %s" .Event .Time)}}`,
		`{{.}}`,
		`{{.Nope}}`,
		`{{.Error.Deeper}}`,
		`{{eq .Record 1}}`,
		`{{.Event "x"}}`,
		`{{json}}`,
	}
	for _, text := range templates {
		for _, d := range []templateData{full, empty} {
			want, wantErr := reference("body", text, d)
			tm, err := newTemplate("body", text)
			if err != nil {
				t.Errorf("%s: refused: %v", text, err)
				continue
			}
			var b strings.Builder
			gotErr := tm.Execute(&b, d)
			if (gotErr == nil) != (wantErr == nil) {
				t.Errorf("%s: error %v, text/template's %v", text, gotErr, wantErr)
				continue
			}
			if gotErr == nil && b.String() != want {
				t.Errorf("%s:\n got %q\nwant %q", text, b.String(), want)
			}
			if gotErr != nil && wantErr != nil && strings.Contains(text, "Nope") && gotErr.Error() != wantErr.Error() {
				t.Errorf("%s: error %q, text/template's %q", text, gotErr, wantErr)
			}
		}
	}
}

// TestTemplateParseErrorsAsTextTemplate: a template that does not parse
// gets the parser's error, which is text/template's.
func TestTemplateParseErrorsAsTextTemplate(t *testing.T) {
	for _, text := range []string{`{{`, `{{.Event`, `{{if .Error}}x`, `{{nosuchfunc .Error}}`, `{{end}}`} {
		_, want := reference("body", text, templateData{})
		_, got := newTemplate("body", text)
		if got == nil || want == nil || got.Error() != want.Error() {
			t.Errorf("%s: error %v, text/template's %v", text, got, want)
		}
	}
}

// TestTemplateRefusesWhatItDoesNotRun: constructs the executor does not run
// are refused when the template is parsed (so `supervisor check` reports
// them), naming the template and, but for define, the position, even in a
// branch a sample event would not take.
func TestTemplateRefusesWhatItDoesNotRun(t *testing.T) {
	for _, text := range []string{
		`{{$x := .Error}}{{$x}}`,
		`{{range .Record}}{{end}}`,
		`{{define "x"}}y{{end}}{{template "x"}}`,
		`{{if .Error}}{{template "body"}}{{end}}`,
		`{{index .Record 0}}`,
		`{{html .Error}}`,
		`{{nil}}`,
	} {
		_, err := newTemplate("body", text)
		if err == nil {
			t.Errorf("%s: accepted", text)
			continue
		}
		if !strings.HasPrefix(err.Error(), "template: body:") {
			t.Errorf("%s: error does not name the template: %v", text, err)
		}
	}
}
