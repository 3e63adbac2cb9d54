package daemon

import (
	"testing"

	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/supervise"
)

// TestNewestEvents: how many of the ring's events a status request gets.
func TestNewestEvents(t *testing.T) {
	ring := make([]supervise.Event, 30)
	for i := range ring {
		ring[i].PID = i
	}
	cases := []struct {
		name         string
		events, n    int
		kept, omit   int
		firstKeptPID int
	}{
		{"default", 30, 0, ipc.DefaultStatusEvents, 30 - ipc.DefaultStatusEvents, 30 - ipc.DefaultStatusEvents},
		{"fewer than the default", 5, 0, 5, 0, 0},
		{"a number", 30, 3, 3, 27, 27},
		{"more than the ring holds", 30, 100, 30, 0, 0},
		{"all", 30, ipc.AllEvents, 30, 0, 0},
		{"any negative is all", 30, -7, 30, 0, 0},
		{"empty ring", 0, 0, 0, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			kept, omitted := newestEvents(ring[:tc.events], tc.n)
			if len(kept) != tc.kept || omitted != tc.omit {
				t.Fatalf("kept %d, omitted %d; want %d, %d", len(kept), omitted, tc.kept, tc.omit)
			}
			if len(kept) > 0 && (kept[0].PID != tc.firstKeptPID || kept[len(kept)-1].PID != tc.events-1) {
				t.Errorf("kept pids %d..%d, want %d..%d (the newest)", kept[0].PID, kept[len(kept)-1].PID, tc.firstKeptPID, tc.events-1)
			}
		})
	}
}

// TestStatusEventsCount: over the socket's handler, status sends the last
// 20 events by default, N when asked, all with AllEvents, and counts the
// rest in events_omitted.
func TestStatusEventsCount(t *testing.T) {
	h := newHarness(t, config(t, "", ""), nil)
	h.run()
	h.started()
	for range 10 { // each restart adds restart-requested, stopping, exited, started
		if rep := h.request(ipc.Request{Cmd: ipc.CmdRestart}, ipc.Peer{}); !rep.OK {
			t.Fatalf("restart: %+v", rep)
		}
		h.started()
	}
	ask := func(n int) ipc.Status {
		rep := h.request(ipc.Request{Cmd: ipc.CmdStatus, Events: n}, ipc.Peer{})
		if !rep.OK || rep.Status == nil {
			t.Fatalf("status: %+v", rep)
		}
		return *rep.Status
	}
	all := ask(ipc.AllEvents)
	total := len(all.Events)
	if total <= ipc.DefaultStatusEvents || all.EventsOmitted != 0 {
		t.Fatalf("all events: %d (omitted %d); the test needs more than %d", total, all.EventsOmitted, ipc.DefaultStatusEvents)
	}
	for _, tc := range []struct{ ask, want int }{{0, ipc.DefaultStatusEvents}, {5, 5}, {total + 10, total}} {
		st := ask(tc.ask)
		if len(st.Events) != tc.want || st.EventsOmitted != total-tc.want {
			t.Errorf("events %d: got %d, omitted %d; want %d, omitted %d", tc.ask, len(st.Events), st.EventsOmitted, tc.want, total-tc.want)
			continue
		}
		if last, want := st.Events[len(st.Events)-1], all.Events[total-1]; last.At != want.At || last.Kind != want.Kind || last.Detail != want.Detail || last.PID != want.PID {
			t.Errorf("events %d: the newest is %+v, want %+v", tc.ask, last, want)
		}
	}
}
