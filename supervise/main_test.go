package supervise

import (
	"os"
	"testing"
)

// helperEnv selects a child behaviour when the test binary is re-executed as
// a child (the os/exec TestHelperProcess pattern).
const helperEnv = "SUPERVISE_TEST_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(helperMain(mode))
	}
	os.Exit(m.Run())
}
