package regular

import (
	"io/fs"
	"testing"
)

// TestKindOf checks the name given to each kind of file that is not
// regular.
func TestKindOf(t *testing.T) {
	tests := []struct {
		mode fs.FileMode
		want string
	}{
		{fs.ModeSymlink | 0o777, "a symlink"},
		{fs.ModeDir | 0o755, "a folder"},
		{fs.ModeNamedPipe | 0o600, "a named pipe (FIFO)"},
		{fs.ModeSocket | 0o600, "a socket"},
		{fs.ModeDevice | fs.ModeCharDevice | 0o600, "a character device"},
		{fs.ModeDevice | 0o600, "a device"},
		{fs.ModeIrregular, "of type ?---------"},
	}
	for _, tt := range tests {
		if got := KindOf(tt.mode); got != tt.want {
			t.Errorf("KindOf(%v) = %q, want %q", tt.mode, got, tt.want)
		}
	}
}
