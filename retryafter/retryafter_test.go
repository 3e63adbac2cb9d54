package retryafter

import (
	"net/http"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	now := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		in       string
		ok       bool
		delay    time.Duration
		at       time.Time
		wait     time.Duration // Wait(now)
		whatTest string
	}{
		{"3", true, 3 * time.Second, time.Time{}, 3 * time.Second, "delay-seconds"},
		{" 0 ", true, 0, time.Time{}, 0, "zero with white space"},
		{"999999999999", true, MaxDelay, time.Time{}, MaxDelay, "huge seconds capped"},
		{now.Add(7 * time.Second).Format(http.TimeFormat), true, 0, now.Add(7 * time.Second), 7 * time.Second, "HTTP date ahead"},
		{now.Add(-time.Minute).Format(http.TimeFormat), true, 0, now.Add(-time.Minute), 0, "HTTP date in the past means now"},
		{"Mon, 30 Nov 2026 08:00:30 GMT", true, 0, now.Add(30 * time.Second), 30 * time.Second, "IMF-fixdate literal"},
		{"Monday, 30-Nov-26 08:00:30 GMT", true, 0, now.Add(30 * time.Second), 30 * time.Second, "RFC 850 date"},
		{"-5", false, 0, time.Time{}, 0, "negative"},
		{"soon", false, 0, time.Time{}, 0, "garbage"},
		{"", false, 0, time.Time{}, 0, "empty"},
		{"1.5", false, 0, time.Time{}, 0, "fraction"},
	}
	for _, tt := range tests {
		t.Run(tt.whatTest, func(t *testing.T) {
			v, ok := Parse(tt.in)
			if ok != tt.ok || v.Delay != tt.delay || !v.At.Equal(tt.at) {
				t.Fatalf("Parse(%q) = %+v, %v; want {Delay:%v At:%v}, %v", tt.in, v, ok, tt.delay, tt.at, tt.ok)
			}
			if got := v.Wait(now); got != tt.wait {
				t.Errorf("Parse(%q).Wait = %v, want %v", tt.in, got, tt.wait)
			}
		})
	}
}
