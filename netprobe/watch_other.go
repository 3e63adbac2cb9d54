//go:build !linux && !darwin && !windows

package netprobe

import (
	"context"
	"errors"
	"fmt"
	"runtime"

	"github.com/hashicorp/go-hclog"
)

// WatchAddresses is not implemented on this system; the caller falls back
// to its update interval.
func WatchAddresses(ctx context.Context, logger hclog.Logger) (<-chan struct{}, error) {
	return nil, fmt.Errorf("watching address changes on %s: %w", runtime.GOOS, errors.ErrUnsupported)
}
