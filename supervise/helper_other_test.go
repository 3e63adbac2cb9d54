//go:build !linux && !windows

package supervise

import "fmt"

// helperMain: the real-process tests run on Linux only.
func helperMain(mode string) int {
	fmt.Println("helper modes are Linux-only")
	return 99
}
