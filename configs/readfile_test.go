package configs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadRegularFile(t *testing.T) {
	dir := t.TempDir()
	regular := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(regular, []byte("a = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.toml")
	if err := os.WriteFile(big, make([]byte, 101), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		want       string // "" = reads "a = 1\n"
		is         error
	}{
		{"a regular file", regular, "", nil},
		{"a folder", dir, dir + " is a folder, not a regular file", ErrNotRegular},
		{"over the limit", big, big + " is 101 bytes, more than the limit of 100 bytes", ErrTooLarge},
		{"missing", filepath.Join(dir, "none.toml"), "none.toml", fs.ErrNotExist},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data, err := ReadRegularFile(tc.path, 100)
			if tc.want == "" {
				if err != nil || string(data) != "a = 1\n" {
					t.Fatalf("read %q, %v", data, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, tc.is) {
				t.Fatalf("error %v, want one containing %q and matching %v", err, tc.want, tc.is)
			}
		})
	}
	if data, err := ReadRegularFile(regular, 6); err != nil || len(data) != 6 {
		t.Errorf("a file exactly at the limit: %q, %v", data, err)
	}
}
