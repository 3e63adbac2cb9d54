//go:build !unix

package journal

import (
	"io/fs"
	"os"
)

// openFile opens the journal; the Lstat before it refuses links and
// devices, which is as far as the system's open flags let us go.
func openFile(path string, flag int) (*os.File, error) {
	return os.OpenFile(path, flag, 0o600)
}

func blocking(*os.File) error { return nil }

// ownedByUs: the journal's folder (the user's profile) is private already.
func ownedByUs(fs.FileInfo, string) error { return nil }

// syncDir: folders cannot be flushed here; a rename is durable enough.
func syncDir(string) {}
