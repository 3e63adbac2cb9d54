package backoff

import (
	"math"
	"testing"
	"time"
)

func TestDelayDoublesToTheCap(t *testing.T) {
	tests := []struct {
		name string
		p    Policy
		want []time.Duration // Delay(1), Delay(2), ...
	}{
		{"transport schedule", Policy{First: 100 * time.Millisecond, Max: 10 * time.Second},
			[]time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond,
				1600 * time.Millisecond, 3200 * time.Millisecond, 6400 * time.Millisecond, 10 * time.Second, 10 * time.Second}},
		{"notify schedule", Policy{First: 2 * time.Second, Max: 5 * time.Minute},
			[]time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second,
				64 * time.Second, 128 * time.Second, 256 * time.Second, 5 * time.Minute, 5 * time.Minute}},
		{"max below first keeps first", Policy{First: time.Minute, Max: time.Second},
			[]time.Duration{time.Minute, time.Minute}},
		{"zero policy", Policy{}, []time.Duration{0, 0, 0}},
		{"no max caps at first", Policy{First: time.Second}, []time.Duration{time.Second, time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, w := range tt.want {
				if got := tt.p.Delay(i + 1); got != w {
					t.Errorf("Delay(%d) = %v, want %v", i+1, got, w)
				}
			}
		})
	}
}

func TestDelayBelowOneIsTheFirst(t *testing.T) {
	p := Policy{First: time.Second, Max: time.Minute}
	for _, n := range []int{0, -5} {
		if got := p.Delay(n); got != time.Second {
			t.Errorf("Delay(%d) = %v, want 1s", n, got)
		}
	}
}

func TestDelayNeverOverflows(t *testing.T) {
	p := Policy{First: time.Duration(math.MaxInt64/2 + 1), Max: time.Duration(math.MaxInt64)}
	for _, n := range []int{1, 2, 3, 64, 1000} {
		if got := p.Delay(n); got <= 0 || got > p.Limit() {
			t.Errorf("Delay(%d) = %v, want within (0, %v]", n, got, p.Limit())
		}
	}
}

func TestJitterSpreadsWithinBoundsAndNeverPassesTheCap(t *testing.T) {
	tests := []struct {
		name   string
		rand   float64
		n      int
		want   time.Duration
		policy Policy
	}{
		{"lowest draw", 0, 1, 900 * time.Millisecond, Policy{First: time.Second, Max: time.Minute, Jitter: 0.1}},
		{"middle draw is exact", 0.5, 2, 2 * time.Second, Policy{First: time.Second, Max: time.Minute, Jitter: 0.1}},
		{"high draw", 0.75, 3, 4200 * time.Millisecond, Policy{First: time.Second, Max: time.Minute, Jitter: 0.1}},
		{"high draw at the cap stays at the cap", 0.99, 10, time.Minute, Policy{First: time.Second, Max: time.Minute, Jitter: 0.1}},
		{"jitter above 1 is clamped", 0, 1, 0, Policy{First: time.Second, Max: time.Minute, Jitter: 5}},
		{"negative jitter is none", 0, 1, time.Second, Policy{First: time.Second, Max: time.Minute, Jitter: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.policy
			p.Rand = func() float64 { return tt.rand }
			if got := p.Delay(tt.n); got != tt.want {
				t.Errorf("Delay(%d) with rand %v = %v, want %v", tt.n, tt.rand, got, tt.want)
			}
		})
	}
}

func TestDefaultRandStaysInTheBand(t *testing.T) {
	p := Policy{First: time.Second, Max: time.Hour, Jitter: 0.1}
	for range 1000 {
		if got := p.Delay(1); got < 900*time.Millisecond || got >= 1100*time.Millisecond {
			t.Fatalf("Delay(1) = %v, want in [0.9s, 1.1s)", got)
		}
	}
}

func TestSequenceCountsAndResets(t *testing.T) {
	s := Sequence{Policy: Policy{First: time.Second, Max: 4 * time.Second}}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second}
	for i, w := range want {
		if got := s.Next(); got != w {
			t.Errorf("Next() #%d = %v, want %v", i+1, got, w)
		}
	}
	if s.Attempts() != len(want) {
		t.Errorf("Attempts() = %d, want %d", s.Attempts(), len(want))
	}
	s.Reset()
	if s.Attempts() != 0 {
		t.Errorf("Attempts() after Reset = %d, want 0", s.Attempts())
	}
	if got := s.Next(); got != time.Second {
		t.Errorf("Next() after Reset = %v, want 1s", got)
	}
}
