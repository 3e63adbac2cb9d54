//go:build !windows

package ddns

import "os"

// syncDir flushes a folder's entries, so a rename inside it survives a power cut.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
