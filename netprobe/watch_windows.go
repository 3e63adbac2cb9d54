package netprobe

import (
	"context"
	"fmt"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/sys/windows"
)

// WatchAddresses registers NotifyUnicastIpAddressChange and
// NotifyIpInterfaceChange (IP Helper) for both families and sends on the
// returned channel when they fire. See watch.go for the channel's rules.
//
// Each call creates one Windows callback trampoline, which Go never frees
// (a process may make about 2000): call it once per process, not per loop.
func WatchAddresses(ctx context.Context, logger hclog.Logger) (<-chan struct{}, error) {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	ch := make(chan struct{}, 1)
	// The closure carries the channel, so no Go pointer is handed to Windows
	// as the caller context and no package-level registry is needed.
	cb := windows.NewCallback(func(_, _ uintptr, _ uint32) uintptr {
		notify(ch)
		return 0
	})
	var addrHandle, ifHandle windows.Handle
	if err := windows.NotifyUnicastIpAddressChange(windows.AF_UNSPEC, cb, nil, false, &addrHandle); err != nil {
		return nil, fmt.Errorf("registering for address changes (NotifyUnicastIpAddressChange): %w", err)
	}
	if err := windows.NotifyIpInterfaceChange(windows.AF_UNSPEC, cb, nil, false, &ifHandle); err != nil {
		windows.CancelMibChangeNotify2(addrHandle)
		return nil, fmt.Errorf("registering for interface changes (NotifyIpInterfaceChange): %w", err)
	}
	go func() {
		<-ctx.Done()
		// CancelMibChangeNotify2 waits for callbacks in progress, so once
		// both return no send can race the close.
		if err := windows.CancelMibChangeNotify2(addrHandle); err != nil {
			logger.Debug("cancelling the address-change notification", "error", err)
		}
		if err := windows.CancelMibChangeNotify2(ifHandle); err != nil {
			logger.Debug("cancelling the interface-change notification", "error", err)
		}
		close(ch)
	}()
	return ch, nil
}
