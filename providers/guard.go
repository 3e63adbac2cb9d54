package providers

import (
	"context"
	"fmt"
	"time"
)

// Guard wraps p so that a call never panics out to the caller and never runs
// past timeout: a library panic becomes an error naming the provider, and a
// call that ignores its context is abandoned when the deadline passes.
func Guard(name string, p Provider, timeout time.Duration) Provider {
	if g, ok := p.(*guarded); ok {
		return g
	}
	return &guarded{name: name, p: p, timeout: timeout}
}

type guarded struct {
	name    string
	p       Provider
	timeout time.Duration
}

// Unwrap returns the provider inside the guard.
func (g *guarded) Unwrap() Provider { return g.p }

func (g *guarded) Get(ctx context.Context, zone, name, typ string) ([]Record, error) {
	var out []Record
	err := g.call(ctx, "get", func(ctx context.Context) error {
		var err error
		out, err = g.p.Get(ctx, zone, name, typ)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (g *guarded) Set(ctx context.Context, rec Record) error {
	return g.call(ctx, "set", func(ctx context.Context) error { return g.p.Set(ctx, rec) })
}

// call runs f in its own goroutine so that a library that ignores ctx cannot
// hold the caller past the deadline; the goroutine's result is then dropped.
func (g *guarded) call(ctx context.Context, op string, f func(context.Context) error) error {
	if g.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, g.timeout)
		defer cancel()
	}
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("provider %q: %s failed inside the provider library (recovered panic: %v)", g.name, op, r)
			}
		}()
		done <- f(ctx)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("provider %q: %s did not finish in time: %w (%v)", g.name, op, ErrNetwork, ctx.Err())
	}
}
