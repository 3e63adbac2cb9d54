package daemon

import "errors"

// processGroup cannot be told on Windows, where the socket reports no peer
// pid (Peer.Known is false), so report authentication never asks.
func processGroup(pid int) (int, error) {
	return 0, errors.New("process groups are not available on Windows")
}

// askUpdate cannot signal a Windows process; the updater's own interval and
// address-change events cover it.
func askUpdate(pid int) error {
	return errors.New("update-now is not available on Windows yet: restart the updater with `supervisor restart`")
}
