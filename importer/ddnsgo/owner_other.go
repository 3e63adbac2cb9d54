//go:build !unix

package ddnsgo

import "io/fs"

// folderOnlyOurs checks nothing where access is by ACL (Windows): a new
// folder under the user's profile is the user's.
func folderOnlyOurs(fs.FileInfo, string) error { return nil }
