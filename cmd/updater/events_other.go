//go:build !windows

package main

import (
	"context"
	"os"
)

// supervisorEvents is a Windows matter: elsewhere the supervisor signals
// (SIGTERM, SIGHUP), which main already handles.
func supervisorEvents(ctx context.Context, _ chan<- os.Signal) (context.Context, func()) {
	return ctx, func() {}
}
