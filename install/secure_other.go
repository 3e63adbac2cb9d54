//go:build !unix

package install

// safeFolder checks nothing where folder permissions are ACLs (Windows):
// %ProgramFiles% is writable only by administrators, and a folder given
// with --bin-dir is the installer's choice.
func safeFolder(string) error { return nil }
