package daemon

import (
	"testing"

	"github.com/ddnsd/ddns/ipc"
)

// BenchmarkStatus times the status document (assembly and encoding, as
// the socket sends it) on a fresh supervisor and after more than 1,000
// events went through a ring of 1,000, asking for the default 20 events
// and for all of them. bench/benchrun takes the same figures over the real
// socket. The default asks supervise for the newest 20 events only
// (SnapshotLast), so a full ring costs it about what a fresh one does.
func BenchmarkStatus(b *testing.B) {
	for _, c := range []struct {
		name     string
		restarts int
		events   int
	}{
		{"fresh", 0, 0},
		{"ring-1000/default", 260, 0},
		{"ring-1000/all", 260, ipc.AllEvents},
	} {
		b.Run(c.name, func(b *testing.B) {
			cfg := config(b, "event_history = 1000", "")
			h := newHarness(b, cfg, nil)
			h.run()
			h.started()
			for range c.restarts { // each adds four events
				h.app.sup.Restart("bench")
				h.started()
			}
			if n := len(h.app.sup.Snapshot().Events); c.restarts > 0 && n != 1000 {
				b.Fatalf("the ring holds %d events, want 1000", n)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				st := h.app.status(c.events)
				if _, err := ipc.Encode(ipc.Reply{OK: true, Status: &st}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
