package daemon

import (
	"testing"

	"github.com/ddnsd/ddns/ipc"
)

// TestEventsToSend: how many of the ring's newest events a status request
// asks supervise for (supervise's TestNewestEvents checks which it gets).
func TestEventsToSend(t *testing.T) {
	for _, tc := range []struct {
		name    string
		n, want int
	}{
		{"default", 0, ipc.DefaultStatusEvents},
		{"a number", 3, 3},
		{"more than a ring holds", 100000, 100000},
		{"all", ipc.AllEvents, ipc.AllEvents},
		{"any negative is all", -7, ipc.AllEvents},
	} {
		if got := eventsToSend(tc.n); got != tc.want {
			t.Errorf("%s: eventsToSend(%d) = %d, want %d", tc.name, tc.n, got, tc.want)
		}
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
		if last, want := st.Events[len(st.Events)-1], all.Events[total-1]; !last.At.Time().Equal(want.At.Time()) || last.Kind != want.Kind || last.Detail != want.Detail || last.PID != want.PID {
			t.Errorf("events %d: the newest is %+v, want %+v", tc.ask, last, want)
		}
	}
}
