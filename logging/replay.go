package logging

import (
	"io"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ddnsd/ddns/untrusted"
)

// MaxShown bounds each piece of text Replay prints from a line (the
// message, a field's value, a line that is not JSON): the rest of it is
// cut, with a note of how much. A child may log lines of 64 KB; a person
// reading a console does not need all of one, and the raw lines are there
// for whoever does.
const MaxShown = 8 << 10

// Replay prints log lines another process wrote (`supervisor logs` prints
// the updater's) the way this package's console logger writes its own:
// time, level, module, message and fields, through hclog's own text
// format, so both read alike; coloured only when w is a terminal. A line
// that is a JSON object (hclog's JSON, which the supervised updater
// writes, or the common level/msg shape) is shown as an entry; any other
// line as it is.
//
// The lines are untrusted: whatever a line holds, no control character
// (ANSI escapes, carriage returns, a newline that would forge another
// entry, C1 controls, U+2028, bidi overrides) reaches w raw: the line is
// read by untrusted.ParseLogLine and its message, module and field names
// are written through untrusted.Escape, as Go escapes (\x1b, \u2028), the
// same way the supervisor's own log shows a child's lines; string values
// are quoted and escaped by hclog's text format, which escapes every
// non-printable character; nested values are written as escaped JSON.
// Replay is for one goroutine at a time.
type Replay struct {
	w              io.Writer
	timed, untimed hclog.Logger
	at             time.Time // the time the timed logger stamps
}

// NewReplay returns a Replay writing to w.
func NewReplay(w io.Writer) *Replay {
	color := hclog.ColorOff
	if IsTerminal(w) {
		color = hclog.AutoColor
	}
	r := &Replay{w: w}
	opts := func(untimed bool) *hclog.LoggerOptions {
		return &hclog.LoggerOptions{
			Level:       hclog.Trace,
			Output:      w,
			Color:       color,
			DisableTime: untimed,
			TimeFn:      func() time.Time { return r.at },
		}
	}
	r.timed = hclog.New(opts(false))
	r.untimed = hclog.New(opts(true))
	return r
}

// Line prints one line.
func (r *Replay) Line(line string) error {
	e, ok := untrusted.ParseLogLine(line)
	if !ok {
		_, err := io.WriteString(r.w, untrusted.Escape(line, MaxShown)+"\n")
		return err
	}
	raw := e
	e = e.Escaped(MaxShown)
	for i, f := range raw.Fields {
		// hclog's text format quotes and escapes a string value itself
		// (a value of several lines on indented lines of its own, each
		// escaped), as the console shows the supervisor's own fields;
		// escaped first, it would not be quoted.
		if s, ok := f.Value.(string); ok {
			e.Fields[i].Value = untrusted.Cut(s, MaxShown)
		}
	}
	l := r.untimed
	if !e.Time.IsZero() {
		r.at = e.Time.Local()
		l = r.timed
	}
	l.ResetNamed(e.Module).Log(hclog.LevelFromString(e.Level), e.Message, e.Args()...)
	return nil
}
