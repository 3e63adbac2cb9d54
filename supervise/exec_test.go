package supervise

import (
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ddnsd/ddns/clock/clocktest"
)

func TestReadLines(t *testing.T) {
	long := strings.Repeat("a", 100)
	cases := []struct {
		name string
		in   string
		max  int
		want []string
	}{
		{"plain", "one\ntwo\n", 50, []string{"one", "two"}},
		{"no final newline", "one\ntwo", 50, []string{"one", "two"}},
		{"empty lines kept", "\n\nx\n", 50, []string{"", "", "x"}},
		{"cut and noted", long + "\nnext\n", 10, []string{"aaaaaaaaaa [... 90 more bytes of this line dropped]", "next"}},
		{"nothing", "", 10, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			readLines(strings.NewReader(tc.in), tc.max, func(s string) { got = append(got, s) })
			if strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("line longer than the reader's buffer", func(t *testing.T) {
		var got []string
		readLines(strings.NewReader(strings.Repeat("b", 300<<10)+"\nend\n"), 1000, func(s string) { got = append(got, s) })
		if len(got) != 2 || !strings.HasPrefix(got[0], strings.Repeat("b", 1000)+" [... ") || got[1] != "end" {
			t.Fatalf("got %d lines, first %.40q..., want the cut line then end", len(got), got)
		}
	})
}

func TestParseJSONLine(t *testing.T) {
	cases := []struct {
		line  string
		ok    bool
		level hclog.Level
		msg   string
		args  int
	}{
		{`{"@level":"warn","@message":"m","@timestamp":"x","k":1}`, true, hclog.Warn, "m", 2},
		{`{"level":"error","msg":"m"}`, true, hclog.Error, "m", 0},
		{`{"level":"WARNING","message":"m"}`, true, hclog.Warn, "m", 0},
		{`{"level":"nonsense","msg":"m"}`, true, hclog.Info, "m", 0},
		{`{"msg":"m","a":"b","c":"d"}`, true, hclog.Info, "m", 4},
		{`{not json`, false, 0, "", 0},
		{`plain text`, false, 0, "", 0},
		{`["array"]`, false, 0, "", 0},
	}
	for _, tc := range cases {
		level, msg, args, ok := parseJSONLine(tc.line)
		if ok != tc.ok || (ok && (level != tc.level || msg != tc.msg || len(args) != tc.args)) {
			t.Errorf("%s: got %v %q %v %v, want %v %q %d args %v", tc.line, level, msg, args, ok, tc.level, tc.msg, tc.args, tc.ok)
		}
	}
}

func TestLogRing(t *testing.T) {
	r := NewLogRing(3)
	ch, cancel := r.Subscribe()
	for _, l := range []string{"a", "b", "c", "d"} {
		r.Append(l)
	}
	if got := strings.Join(r.Last(0), ","); got != "b,c,d" {
		t.Fatalf("Last(0) %q, want b,c,d", got)
	}
	if got := strings.Join(r.Last(2), ","); got != "c,d" {
		t.Fatalf("Last(2) %q, want c,d", got)
	}
	for _, want := range []string{"a", "b", "c", "d"} {
		if got := <-ch; got != want {
			t.Fatalf("subscriber got %q, want %q", got, want)
		}
	}
	cancel()
	cancel() // twice is fine
	if _, open := <-ch; open {
		t.Fatal("channel still open after cancel")
	}
	r.Append("e") // no subscriber left: must not panic or block
}

func TestFakeClock(t *testing.T) {
	c := clocktest.New(epoch)
	t3 := c.NewTimer(3 * time.Second)
	t1 := c.NewTimer(time.Second)
	t2 := c.NewTimer(2 * time.Second)
	if !t2.Stop() || t2.Stop() {
		t.Fatal("Stop should report true once, then false")
	}
	if c.Pending() != 2 {
		t.Fatalf("pending %d, want 2", c.Pending())
	}
	c.Set(epoch.Add(-time.Hour)) // wall clock back: no timer fires or slips
	c.Advance(time.Second)
	select {
	case at := <-t1.C():
		if !at.Equal(epoch.Add(-time.Hour + time.Second)) {
			t.Fatalf("fired at %s", at)
		}
	default:
		t.Fatal("1s timer did not fire after 1s")
	}
	select {
	case <-t3.C():
		t.Fatal("3s timer fired after 1s")
	default:
	}
	if d, ok := c.Until(); !ok || d != 2*time.Second {
		t.Fatalf("Until %s %v, want 2s", d, ok)
	}
	c.Advance(2 * time.Second)
	<-t3.C()
	if c.Pending() != 0 {
		t.Fatal("timers left")
	}
	select {
	case <-c.NewTimer(0).C():
	default:
		t.Fatal("a zero timer must fire at once")
	}
}
