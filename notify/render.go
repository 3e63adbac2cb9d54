package notify

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// templateData is what body and header templates see. Event and Kind are
// the same; Time is RFC 3339.
type templateData struct {
	ID, Event, Kind, Record, Type, Provider, OldAddress, NewAddress, Error, Time, Detail string
}

func dataOf(e Event) templateData {
	return templateData{
		ID: e.ID, Event: e.Kind, Kind: e.Kind, Record: e.Record, Type: e.Type, Provider: e.Provider,
		OldAddress: e.OldAddress, NewAddress: e.NewAddress, Error: e.Error,
		Time: stamp(e.At), Detail: e.Detail,
	}
}

// stamp is how a notification writes a time: RFC 3339 in UTC, to the
// second (templates' .Time, the default body's "time", "failing since").
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// sampleEvent exercises every field when templates are checked.
func sampleEvent() Event {
	return Event{
		ID: "0123456789abcdef", Kind: KindAddressChanged, Record: "home.example.com", Type: "A", Provider: "home",
		OldAddress: "203.0.113.1", NewAddress: "203.0.113.2", Error: `provider said "no"`,
		At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Detail: "sample",
	}
}

// parseTemplate parses and test-renders one template, so that a reference
// to a field that does not exist is found at start-up, not at the first
// notification.
func parseTemplate(name, text string) (*notifyTemplate, error) {
	t, err := newTemplate(name, text)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	if err := t.Execute(&b, dataOf(sampleEvent())); err != nil {
		return nil, err
	}
	return t, nil
}

// CheckTemplate checks one body or header template of a [[notify]] entry
// by parsing it and rendering a sample event, for config validation and
// `supervisor check` (configs.Options.NotifyTemplate). New accepts invalid
// entries too (falling back as its documentation says), so a bad template
// never stops the supervisor once running.
func CheckTemplate(name, text string) error {
	if _, err := parseTemplate(name, text); err != nil {
		if name == "body" {
			return fmt.Errorf("%w (fields: .Event .Record .Type .Provider .OldAddress .NewAddress .Error .Time .Detail .ID)", err)
		}
		return err
	}
	return nil
}

// defaultBody is the JSON sent by a webhook without a body template.
func defaultBody(e Event) []byte {
	b, _ := json.Marshal(struct {
		ID         string `json:"id"`
		Event      string `json:"event"`
		Record     string `json:"record,omitempty"`
		Type       string `json:"type,omitempty"`
		Provider   string `json:"provider,omitempty"`
		OldAddress string `json:"old_address,omitempty"`
		NewAddress string `json:"new_address,omitempty"`
		Error      string `json:"error,omitempty"`
		Time       string `json:"time"`
		Detail     string `json:"detail,omitempty"`
	}{e.ID, e.Kind, e.Record, e.Type, e.Provider, e.OldAddress, e.NewAddress, e.Error, stamp(e.At), e.Detail})
	return b
}

// summary is a one-line description, the body of a ping POST (healthchecks
// shows it in the check's log) and of log lines.
func summary(e Event) string {
	var b strings.Builder
	b.WriteString(e.Kind)
	if e.Record != "" {
		b.WriteString(" " + e.Record)
		if e.Type != "" {
			b.WriteString(" " + e.Type)
		}
	}
	if e.OldAddress != "" || e.NewAddress != "" {
		fmt.Fprintf(&b, ": %s -> %s", orDash(e.OldAddress), orDash(e.NewAddress))
	}
	if e.Error != "" {
		b.WriteString(": " + e.Error)
	}
	if e.Detail != "" {
		b.WriteString(" (" + e.Detail + ")")
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
