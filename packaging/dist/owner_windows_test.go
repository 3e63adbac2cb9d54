package main

import "os"

// fileOwner has no Unix owner to report on Windows; the test's expected
// owner is the current uid there (-1).
func fileOwner(os.FileInfo) int { return os.Getuid() }
