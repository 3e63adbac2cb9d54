package configs

import "testing"

func TestMaskHeaderValue(t *testing.T) {
	for _, c := range []struct{ name, value, want string }{
		{"Content-Type", "application/json", "application/json"},
		{"Authorization", "Bearer {{.Token}}", "Bearer {{.Token}}"},
		{"Authorization", "{{.Token}}", "{{.Token}}"},
		{"Authorization", "Bearer abcdefghijklmnopqrstuvwxyz", Mask},
		{"X-Api-Key", "notifyHeaderKeyV5cd31", Mask},
		{"X-Api-Key", "short", Mask},
		{"X-Broken", "{{.Token", Mask},
	} {
		if got := maskHeaderValue(c.name, c.value); got != c.want {
			t.Errorf("maskHeaderValue(%q, %q) = %q, want %q", c.name, c.value, got, c.want)
		}
	}
}
