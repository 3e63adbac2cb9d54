package supervise

import (
	"context"
	"slices"
	"testing"
	"time"
)

// BenchmarkRestartLatency measures, with real processes and RestartDelay 0,
// the time from the supervisor seeing a child's exit to the next child's
// start (Starter.Start returned). It reports the median and the 90th
// percentile.
func BenchmarkRestartLatency(b *testing.B) {
	p := testPolicy()
	p.RestartDelay = 0
	p.CrashLoopRestarts = 0
	p.ExitActions = map[int]Action{}
	var lat []time.Duration
	var exitedAt time.Time
	starts := make(chan struct{}, 1)
	s := New(Options{
		Policy:  p,
		Command: helperCommand("exit:1"),
		Starter: NewExecStarter(ExecOptions{}),
		OnEvent: func(e Event) { // runs on the loop: no locking needed with itself
			switch e.Kind {
			case EventExited:
				exitedAt = e.At
			case EventStarted:
				if !exitedAt.IsZero() {
					lat = append(lat, e.At.Sub(exitedAt))
				}
				select {
				case starts <- struct{}{}:
				default:
				}
			}
		},
		StartStopped: true,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	b.ResetTimer()
	if err := s.Start(); err != nil {
		b.Fatal(err)
	}
	for {
		<-starts
		if s.Snapshot().Restarts >= b.N {
			break
		}
	}
	b.StopTimer()
	cancel()
	<-done
	samples := slices.Clone(lat) // Run has returned: the loop no longer writes lat
	slices.Sort(samples)
	if len(samples) == 0 {
		b.Fatal("no restart measured")
	}
	b.ReportMetric(float64(samples[len(samples)/2].Microseconds())/1000, "ms-median")
	b.ReportMetric(float64(samples[len(samples)*9/10].Microseconds())/1000, "ms-p90")
}
