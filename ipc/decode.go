package ipc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/ddnsd/ddns/untrusted"
)

// Commands lists every command the server understands, in the order a help
// text shows them. It returns a fresh slice each call.
func Commands() []Command {
	return []Command{CmdStatus, CmdStart, CmdStop, CmdRestart, CmdReload, CmdUpdateNow, CmdLogs, CmdReport}
}

// Known reports whether c is one of Commands.
func (c Command) Known() bool {
	for _, k := range Commands() {
		if c == k {
			return true
		}
	}
	return false
}

// maxQuoted bounds how much of a client's own input is quoted back in an
// error, so a hostile 1 MB field name does not become a 1 MB log line.
const maxQuoted = 64

// quote returns untrusted s quoted for an error message, cleaned of
// control bytes and shortened when long.
func quote(s string) string { return untrusted.Quote(s, maxQuoted) }

// DecodeRequest parses one request line strictly: it must be exactly one JSON
// object with only the fields of Request (and Report), a known command, and
// fields that make sense for that command. Errors name the offending field or
// command, so a person typing requests by hand (socat, nc) sees what to fix.
func DecodeRequest(line []byte) (Request, error) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return Request{}, errors.New("empty request: send one JSON object per line, such as {\"cmd\":\"status\"}")
	}
	if len(line) > MaxRequestBytes {
		return Request{}, fmt.Errorf("request of %d bytes is longer than the limit of %d bytes", len(line), MaxRequestBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	var req Request
	if err := dec.Decode(&req); err != nil {
		return Request{}, fmt.Errorf("request is not a valid JSON request object: %s", describeJSONError(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Request{}, errors.New("request has data after its JSON object: send one object per line")
	}
	if req.Cmd == "" {
		return Request{}, errors.New("request has no \"cmd\": give one of " + commandList())
	}
	if !req.Cmd.Known() {
		return Request{}, fmt.Errorf("unknown command %s: use one of %s", quote(string(req.Cmd)), commandList())
	}
	if req.Lines < 0 {
		return Request{}, fmt.Errorf("\"lines\" is %d: it must be 0 (the default) or more", req.Lines)
	}
	if req.Cmd != CmdLogs && (req.Lines != 0 || req.Follow) {
		return Request{}, fmt.Errorf("\"lines\" and \"follow\" belong to \"logs\", not to %s", quote(string(req.Cmd)))
	}
	if req.Cmd == CmdReport && req.Report == nil {
		return Request{}, errors.New("\"report\" request has no \"report\" object")
	}
	if req.Cmd != CmdReport && req.Report != nil {
		return Request{}, fmt.Errorf("\"report\" object belongs to the \"report\" command, not to %s", quote(string(req.Cmd)))
	}
	return req, nil
}

// describeJSONError rewords encoding/json's errors so that they name the field
// and stay short.
func describeJSONError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		want := "a " + te.Type.String()
		if te.Type == reflect.TypeFor[Time]() {
			want = "an RFC 3339 time string"
		}
		return fmt.Sprintf("field %s must be %s, not a JSON %s", quote(te.Field), want, te.Value)
	}
	msg := err.Error()
	const unknown = "json: unknown field "
	if strings.HasPrefix(msg, unknown) {
		name := strings.Trim(strings.TrimPrefix(msg, unknown), `"`)
		return "unknown field " + quote(name)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "the JSON object is cut off"
	}
	if len(msg) > 2*maxQuoted {
		msg = msg[:2*maxQuoted] + "..."
	}
	return strings.TrimPrefix(msg, "json: ")
}

func commandList() string {
	var b strings.Builder
	for i, c := range Commands() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(c))
	}
	return b.String()
}

// decodeReply parses one reply line. It is lenient about unknown fields, so an
// older CLI can read a newer supervisor's replies.
func decodeReply(line []byte, rep *Reply) error {
	if err := json.Unmarshal(line, rep); err != nil {
		return fmt.Errorf("%s", describeJSONError(err))
	}
	return nil
}
