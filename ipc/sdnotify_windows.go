//go:build windows

package ipc

// sdNotify does nothing: Windows has no systemd; the service manager is told
// about state by other means.
func sdNotify(string) (bool, error) { return false, nil }
