package journal

import (
	"testing"

	"github.com/ddnsd/ddns/testsupport/tempdir"
)

// tempDir is t.TempDir that also works under wine (see testsupport/tempdir).
func tempDir(t testing.TB) string { return tempdir.New(t, "journal-test") }
