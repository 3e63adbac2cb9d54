//go:build !linux

package main

import (
	"context"

	"github.com/hashicorp/go-hclog"
)

// startReaper is only needed where the supervisor can be PID 1 (Linux containers).
func startReaper(ctx context.Context, child func() int, logger hclog.Logger) func() { return func() {} }
