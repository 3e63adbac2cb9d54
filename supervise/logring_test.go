package supervise

import (
	"fmt"
	"strings"
	"testing"
)

// TestLogRingBoundsItsBytes: however many lines a ring may keep, the bytes it
// keeps stay within its budget, the newest lines are the ones kept, in
// order, and a line longer than the whole budget is still kept alone.
func TestLogRingBoundsItsBytes(t *testing.T) {
	tests := []struct {
		name      string
		capacity  int
		budget    int
		lineBytes int
		lines     int
		wantKept  int
	}{
		{"lines fit", 10, 1000, 10, 20, 10},
		{"bytes bind before lines", 1000, 1000, 100, 50, 10},
		{"bytes bind after the ring wrapped", 30, 1000, 100, 75, 10},
		{"one line over the budget", 10, 50, 100, 3, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewLogRing(tt.capacity)
			r.budget = tt.budget
			for i := 0; i < tt.lines; i++ {
				p := fmt.Sprintf("%06d", i)
				r.Append(p + strings.Repeat("x", tt.lineBytes-len(p)))
				if r.Bytes() > tt.budget && len(r.Last(0)) > 1 {
					t.Fatalf("after line %d the ring keeps %d bytes, over its budget %d", i, r.Bytes(), tt.budget)
				}
			}
			got := r.Last(0)
			if len(got) != tt.wantKept {
				t.Fatalf("kept %d lines, want %d", len(got), tt.wantKept)
			}
			for i, l := range got {
				if want := fmt.Sprintf("%06d", tt.lines-tt.wantKept+i); !strings.HasPrefix(l, want) {
					t.Fatalf("line %d is %.6s..., want %s (the newest, oldest first)", i, l, want)
				}
			}
		})
	}
}

// TestLogRingDefaultBudget: a ring of the largest allowed line count, fed
// lines of the longest kept length, stays at MaxLogRingBytes.
func TestLogRingDefaultBudget(t *testing.T) {
	r := NewLogRing(100000)
	line := strings.Repeat("\x01", maxLineBytes)
	for i := 0; i < 2*MaxLogRingBytes/maxLineBytes; i++ {
		r.Append(line)
	}
	if r.Bytes() > MaxLogRingBytes {
		t.Fatalf("the ring keeps %d bytes, over MaxLogRingBytes %d", r.Bytes(), MaxLogRingBytes)
	}
}
