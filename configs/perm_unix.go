//go:build !windows

package configs

import "os"

// groupOrWorldReadable reports whether users other than the owner may read fi.
func groupOrWorldReadable(fi os.FileInfo) bool { return fi.Mode().Perm()&0o044 != 0 }
