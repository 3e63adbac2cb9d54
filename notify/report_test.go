package notify

import (
	"testing"
	"time"

	"github.com/ddnsd/ddns/clock/clocktest"
	"github.com/ddnsd/ddns/ipc"
	"github.com/hashicorp/go-hclog"
)

// TestObserveReportTransitions checks the transition logic alone: each
// step is a report repeated several times, and lists the events it must
// produce (once, not once per repetition).
func TestObserveReportTransitions(t *testing.T) {
	start := time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)
	before, after := ipc.TimeOf(start.Add(-time.Hour)), ipc.TimeOf(start.Add(time.Minute))
	type rec = ipc.RecordStatus
	a := func(addr string, changed ipc.Time, err string) rec {
		return rec{Name: "home.example.com", Type: "A", Provider: "cf", Address: addr, ChangedAt: changed, Error: err}
	}
	tests := []struct {
		name  string
		steps [][]rec
		want  []string // kind[:old>new]
	}{
		{"steady", [][]rec{{a("1.1.1.1", before, "")}, {a("1.1.1.1", before, "")}}, nil},
		{"change", [][]rec{{a("1.1.1.1", before, "")}, {a("2.2.2.2", after, "")}}, []string{"address-changed:1.1.1.1>2.2.2.2"}},
		{"first sight, changed after start", [][]rec{{a("2.2.2.2", after, "")}}, []string{"address-changed:>2.2.2.2"}},
		{"first sight, old change", [][]rec{{a("2.2.2.2", before, "")}}, nil},
		{"fail then recover", [][]rec{{a("1.1.1.1", before, "")}, {a("1.1.1.1", before, "boom")}, {a("1.1.1.1", before, "boom again")}, {a("1.1.1.1", before, "")}},
			[]string{"update-failed", "update-recovered"}},
		{"failing from the start", [][]rec{{a("", ipc.Time{}, "no address yet")}, {a("3.3.3.3", after, "")}},
			[]string{"update-failed", "address-changed:>3.3.3.3", "update-recovered"}},
		{"empty address keeps the last", [][]rec{{a("1.1.1.1", before, "")}, {a("", before, "")}, {a("1.1.1.1", before, "")}}, nil},
		{"two records independent", [][]rec{
			{a("1.1.1.1", before, ""), {Name: "home.example.com", Type: "AAAA", Address: "2001:db8::1", ChangedAt: before}},
			{a("1.1.1.1", before, "x"), {Name: "home.example.com", Type: "AAAA", Address: "2001:db8::2", ChangedAt: after}},
		}, []string{"update-failed", "address-changed:2001:db8::1>2001:db8::2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := New(nil, hclog.NewNullLogger(), WithClock(clocktest.New(start)))
			var got []Event
			n.emit = func(e Event) { got = append(got, e) }
			for _, step := range tc.steps {
				for i := 0; i < 5; i++ {
					n.ObserveReport(ipc.Report{PID: 1, At: start.Add(2 * time.Minute), Records: step})
				}
			}
			var kinds []string
			for _, e := range got {
				k := e.Kind
				if e.Kind == KindAddressChanged {
					k += ":" + e.OldAddress + ">" + e.NewAddress
				}
				kinds = append(kinds, k)
				if e.Record != "home.example.com" || e.At.IsZero() {
					t.Errorf("event lacks record or time: %+v", e)
				}
			}
			if len(kinds) != len(tc.want) {
				t.Fatalf("events %q, want %q", kinds, tc.want)
			}
			for i := range kinds {
				if kinds[i] != tc.want[i] {
					t.Errorf("event %d = %q, want %q", i, kinds[i], tc.want[i])
				}
			}
		})
	}
}

func TestRecoveredSaysHowLong(t *testing.T) {
	now := time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)
	n := New(nil, hclog.NewNullLogger(), WithClock(clocktest.New(now)))
	var got []Event
	n.emit = func(e Event) { got = append(got, e) }
	r := ipc.RecordStatus{Name: "x.example.com", Type: "A", Address: "1.1.1.1", Error: "down"}
	n.ObserveReport(ipc.Report{At: now, Records: []ipc.RecordStatus{r}})
	r.Error = ""
	n.ObserveReport(ipc.Report{At: now.Add(90 * time.Second), Records: []ipc.RecordStatus{r}})
	if len(got) != 2 || got[1].Detail != "failing since 2026-11-03T12:00:00Z (1m30s)" || got[0].Error != "down" {
		t.Errorf("events %+v", got)
	}
}

func TestDefaultBackoffAndPingURL(t *testing.T) {
	for a, want := range map[int]time.Duration{1: 2 * time.Second, 2: 4 * time.Second, 3: 8 * time.Second, 9: 5 * time.Minute, 50: 5 * time.Minute} {
		if got := DefaultBackoff(a); got != want {
			t.Errorf("DefaultBackoff(%d) = %v, want %v", a, got, want)
		}
	}
	for _, tc := range []struct{ in, kind, want string }{
		{"https://hc.example/abc", KindUpdateFailed, "https://hc.example/abc/fail"},
		{"https://hc.example/abc/", KindChildRestarted, "https://hc.example/abc/start"},
		{"https://hc.example/abc?x=1", KindAddressChanged, "https://hc.example/abc?x=1"},
		{"https://hc.example/a%2Fb?x=1", KindCrashLoop, "https://hc.example/a%2Fb/fail?x=1"},
	} {
		if got := pingURL(tc.in, tc.kind); got != tc.want {
			t.Errorf("pingURL(%q, %s) = %q, want %q", tc.in, tc.kind, got, tc.want)
		}
	}
}
