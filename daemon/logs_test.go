package daemon

import (
	"strings"
	"testing"

	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/supervise"
)

// TestLogsReplyIsBounded: `logs` of many long lines of control bytes (which
// JSON escaping makes six times longer) is one reply under the byte budget,
// holding the newest lines after a note saying how many were left out; a
// reply that fits is sent whole, without a note.
func TestLogsReplyIsBounded(t *testing.T) {
	const lineBytes = 64 << 10
	tests := []struct {
		name      string
		lines     int
		line      string
		wantNote  bool
		wantLines int
	}{
		{"300 lines of 64 KB control bytes", 300, strings.Repeat("\x01", lineBytes), true, 0},
		{"50 short lines", 50, "plain text", false, 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ring := supervise.NewLogRing(1000)
			for i := 0; i < tt.lines-1; i++ {
				ring.Append(tt.line)
			}
			ring.Append("the newest " + tt.line)
			h := newHarness(t, parse(t, ""), nil, func(o *Options) { o.Ring = ring })
			rep := h.request(ipc.Request{Cmd: ipc.CmdLogs, Lines: 1000}, ipc.Peer{})
			b, err := ipc.Encode(rep)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) > logsReplyBudget {
				t.Fatalf("the logs reply is %d bytes, over the %d budget", len(b), logsReplyBudget)
			}
			if !rep.OK || len(rep.Lines) == 0 || !strings.HasPrefix(rep.Lines[len(rep.Lines)-1], "the newest") {
				t.Fatalf("the reply does not end with the newest line (ok %v, %d lines)", rep.OK, len(rep.Lines))
			}
			hasNote := strings.Contains(rep.Lines[0], "older lines left out")
			if hasNote != tt.wantNote {
				t.Errorf("note about left-out lines: %v, want %v (first line %.80q)", hasNote, tt.wantNote, rep.Lines[0])
			}
			if tt.wantLines > 0 && len(rep.Lines) != tt.wantLines {
				t.Errorf("%d lines, want all %d", len(rep.Lines), tt.wantLines)
			}
		})
	}
}

// TestJSONStringLenIsAnUpperBound: the size estimate never undercounts what
// the encoder writes, for every kind of byte that escaping inflates.
func TestJSONStringLenIsAnUpperBound(t *testing.T) {
	for _, s := range []string{"", "plain", "\x00\x01\x1f", "\"\\\n\r\t", "<>&", "\u2028\u2029", "\xff\xfe", "\x80", "é漢字", "\b\f"} {
		b, err := ipc.Encode(s)
		if err != nil {
			t.Fatal(err)
		}
		if got, actual := jsonStringLen(s), len(b)-1; got < actual {
			t.Errorf("jsonStringLen(%q) = %d, the encoder writes %d", s, got, actual)
		}
	}
}
