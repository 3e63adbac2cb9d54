package ipc

import (
	"context"
	"slices"
	"testing"
	"time"
)

// statusLatencies times n status round trips on one kept connection, from
// writing the request to having decoded the reply.
func statusLatencies(tb testing.TB, path string, n int) []time.Duration {
	c := dial(tb, path)
	ctx := context.Background()
	out := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		start := time.Now()
		rep, err := c.Do(ctx, Request{Cmd: CmdStatus})
		d := time.Since(start)
		if err != nil || !rep.OK {
			tb.Fatalf("status %d: %+v, %v", i, rep, err)
		}
		out = append(out, d)
	}
	return out
}

func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p)
	return s[i]
}

// BenchmarkStatusRoundTrip measures one status request and reply through a
// real socket in one process, and reports the 50th and 99th percentiles.
func BenchmarkStatusRoundTrip(b *testing.B) {
	s := startServer(b, ServerOptions{})
	statusLatencies(b, s.Path(), 100) // warm up
	b.ResetTimer()
	lat := statusLatencies(b, s.Path(), b.N)
	b.StopTimer()
	b.ReportMetric(float64(percentile(lat, 0.50).Microseconds()), "p50-µs")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds()), "p99-µs")
}

// TestStatusLatencyP99 keeps the round trip honest in ordinary test runs.
// The target is 2 ms at p99; the bound here is looser because race builds
// and a loaded CI machine are several times slower, and the test must only
// catch a real regression (a dial per request, a sleep, a lost wake-up).
func TestStatusLatencyP99(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	s := startServer(t, ServerOptions{})
	lat := statusLatencies(t, s.Path(), 2000)
	p50, p99 := percentile(lat, 0.50), percentile(lat, 0.99)
	t.Logf("status round trip over %d requests: p50 %s, p99 %s", len(lat), p50, p99)
	if p99 > 50*time.Millisecond {
		t.Fatalf("p99 %s, want well under 50ms (target 2ms)", p99)
	}
}
