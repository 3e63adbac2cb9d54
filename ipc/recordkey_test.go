package ipc

import "testing"

func TestRecordKey(t *testing.T) {
	tests := []struct{ name, typ, want string }{
		{"home.example.com", "A", "home.example.com/A"},
		{"Home.Example.COM.", "aaaa", "home.example.com/AAAA"},
		{"example.com", "A", "example.com/A"},
	}
	for _, tt := range tests {
		if got := RecordKey(tt.name, tt.typ); got != tt.want {
			t.Errorf("RecordKey(%q, %q) = %q, want %q", tt.name, tt.typ, got, tt.want)
		}
	}
}
