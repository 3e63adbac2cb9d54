// Package buildflags reads packaging/gcflags.txt, the compiler flags that
// every release build of both programs takes, so that `make build`, `make
// dist` and the size rows of `make bench` measure and ship the same bytes.
package buildflags

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// File is the flags file's path below the repository's root.
const File = "packaging/gcflags.txt"

// Read returns the go build arguments the flags file in the repository at
// root lists: one a line, blank lines and lines starting with # left out.
func Read(root string) ([]string, error) {
	path := filepath.Join(root, filepath.FromSlash(File))
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the build flags: %w", err)
	}
	return Parse(path, b)
}

// Parse is Read on the file's contents; name is the file's path, for
// errors.
func Parse(name string, b []byte) ([]string, error) {
	var args []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !strings.HasPrefix(line, "-") || strings.ContainsAny(line, " \t") {
			return nil, fmt.Errorf("%s:%d: %q is not one go build flag (one -flag=value a line, no spaces)", name, n, line)
		}
		args = append(args, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return args, nil
}
