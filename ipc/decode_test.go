package ipc

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestDecodeRequest(t *testing.T) {
	tests := []struct {
		in      string
		want    Request
		wantErr string
	}{
		{in: `{"cmd":"status"}`, want: Request{Cmd: CmdStatus}},
		{in: ` {"cmd":"logs","lines":50,"follow":true} ` + "\r", want: Request{Cmd: CmdLogs, Lines: 50, Follow: true}},
		{in: `{"cmd":"report","report":{"pid":7,"at":"2026-11-30T07:00:00Z"}}`, want: Request{Cmd: CmdReport, Report: &Report{PID: 7, At: time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC)}}},
		{in: ``, wantErr: "empty request"},
		{in: `{}`, wantErr: `no "cmd"`},
		{in: `null`, wantErr: `no "cmd"`},
		{in: `{"cmd":"reboot"}`, wantErr: `unknown command "reboot"`},
		{in: `{"cmd":"status","x":1}`, wantErr: `unknown field "x"`},
		{in: `{"cmd":"status","lines":3}`, wantErr: `belong to "logs"`},
		{in: `{"cmd":"logs","lines":-1}`, wantErr: `must be 0`},
		{in: `{"cmd":"report"}`, wantErr: `no "report" object`},
		{in: `{"cmd":"stop","report":{"pid":1}}`, wantErr: `belongs to the "report" command`},
		{in: `{"cmd":"status"} x`, wantErr: "one object per line"},
		{in: `{"cmd":5}`, wantErr: `field "cmd"`},
		{in: `{"cmd":"status"`, wantErr: "cut off"},
		{in: `{"cmd":"` + strings.Repeat("a", 5000) + `"}`, wantErr: `unknown command "aaaa`},
		// Quoting shortens only what is longer than maxQuoted.
		{in: `{"cmd":"` + strings.Repeat("b", maxQuoted) + `"}`, wantErr: `unknown command "` + strings.Repeat("b", maxQuoted) + `": use one of`},
		{in: `{"cmd":"` + strings.Repeat("c", maxQuoted+1) + `"}`, wantErr: `unknown command "` + strings.Repeat("c", maxQuoted) + `…": use one of`},
		// The list of commands reads as a list.
		{in: `{"cmd":"x"}`, wantErr: `use one of ` + string(Commands()[0]) + `, ` + string(Commands()[1]) + `,`},
		// A request of exactly the limit is read; one byte more is not.
		{in: `{"cmd":"status"` + strings.Repeat(" ", MaxRequestBytes-len(`{"cmd":"status"}`)) + `}`, want: Request{Cmd: CmdStatus}},
		{in: `{"cmd":"status"` + strings.Repeat(" ", MaxRequestBytes+1-len(`{"cmd":"status"}`)) + `}`, wantErr: fmt.Sprintf("request of %d bytes is longer than the limit of %d bytes", MaxRequestBytes+1, MaxRequestBytes)},
	}
	for _, tt := range tests {
		name := tt.in
		if len(name) > 40 {
			name = name[:40]
		}
		t.Run(name, func(t *testing.T) {
			got, err := DecodeRequest([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				if len(err.Error()) > 400 {
					t.Fatalf("error is %d bytes long: it quotes too much input", len(err.Error()))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !sameRequest(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// sameRequest compares requests as the wire sees them: times by instant,
// nil and empty lists alike.
func sameRequest(a, b Request) bool {
	if a.Cmd != b.Cmd || a.Lines != b.Lines || a.Follow != b.Follow || (a.Report == nil) != (b.Report == nil) {
		return false
	}
	if a.Report == nil {
		return true
	}
	ra, rb := a.Report, b.Report
	if ra.PID != rb.PID || !ra.At.Equal(rb.At) || len(ra.Records) != len(rb.Records) {
		return false
	}
	for i := range ra.Records {
		if ra.Records[i] != rb.Records[i] {
			return false
		}
	}
	return true
}

func FuzzDecodeRequest(f *testing.F) {
	for _, seed := range []string{
		`{"cmd":"status"}`,
		`{"cmd":"logs","lines":10,"follow":true}`,
		`{"cmd":"report","report":{"pid":1,"at":"2026-11-30T07:00:00+08:00","records":[{"name":"a.example.com","type":"A","address":"192.0.2.1","synced_at":"","error":""}]}}`,
		`{"cmd":"restart","extra":1}`,
		`{"cmd":"report","report":{"records":[]}}`,
		`[]`, `"status"`, `{"cmd":"\u0073tatus"}`, `{"CMD":"stop"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		req, err := DecodeRequest(line)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if !req.Cmd.Known() {
			t.Fatalf("accepted unknown command %q", req.Cmd)
		}
		enc, err := Encode(req)
		if err != nil {
			t.Fatalf("accepted %q but cannot encode it: %v", line, err)
		}
		if bytes.Count(enc, []byte("\n")) != 1 {
			t.Fatalf("encoding %q is not one line", enc)
		}
		again, err := DecodeRequest(enc)
		if err != nil {
			t.Fatalf("re-encoded request %q is refused: %v", enc, err)
		}
		if !sameRequest(req, again) {
			t.Fatalf("round trip changed the request:\n%+v\n%+v", req, again)
		}
		enc2, _ := Encode(again)
		if !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding is not stable:\n%s%s", enc, enc2)
		}
	})
}
