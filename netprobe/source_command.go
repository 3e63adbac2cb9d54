package netprobe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os/exec"
	"time"
)

// commandSource runs a user's program and reads the address from its output.
type commandSource struct {
	argv []string
	name string
}

// NewCommandSource returns a Source that runs argv (no shell) under ctx's
// deadline and parses its standard output like an HTTP body. The program
// learns the family from the DDNS_FAMILY environment variable ("IPv4" or
// "IPv6"). Only argv[0] appears in the name, since arguments may hold
// secrets.
func NewCommandSource(argv []string) Source {
	s := &commandSource{argv: append([]string(nil), argv...), name: "command"}
	if len(argv) > 0 {
		s.name = "command " + argv[0]
	}
	return s
}

func (s *commandSource) Name() string { return s.name }

func (s *commandSource) Detect(ctx context.Context, fam Family) (netip.Addr, error) {
	if len(s.argv) == 0 || s.argv[0] == "" {
		return netip.Addr{}, fmt.Errorf("%s: no program given", s.name)
	}
	cmd := exec.CommandContext(ctx, s.argv[0], s.argv[1:]...)
	cmd.Env = append(cmd.Environ(), "DDNS_FAMILY="+fam.String())
	var stdout, stderr limitedBuffer
	stdout.max, stderr.max = maxBody, 4<<10
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// A grandchild holding the pipes open must not keep us waiting past the kill.
	cmd.WaitDelay = time.Second
	// The program leads its own process group, and the deadline kills the
	// whole group: a hung script's children would otherwise outlive it, one
	// more with every pass.
	run := contain(cmd)
	err := cmd.Run()
	// Whatever it left behind is done with too, even outside its group.
	run.killLeftovers()
	if ctx.Err() != nil {
		return netip.Addr{}, fmt.Errorf("%s: did not finish in time: %w", s.name, ctx.Err())
	}
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return netip.Addr{}, fmt.Errorf("%s: %v; its error output: %s", s.name, ee, quoteAnswer(stderr.String()))
		}
		return netip.Addr{}, fmt.Errorf("%s: %w", s.name, err)
	}
	if stdout.over {
		return netip.Addr{}, fmt.Errorf("%s: printed more than %d bytes, which no address is: %s", s.name, maxBody, quoteAnswer(stdout.String()))
	}
	a, err := ParseBody(stdout.Bytes(), fam)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%s: %w", s.name, err)
	}
	return a, nil
}

// limitedBuffer keeps the first max bytes written and notes that more came.
type limitedBuffer struct {
	bytes.Buffer
	max  int
	over bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	room := b.max - b.Len()
	if len(p) > room {
		b.over = true
		if room > 0 {
			b.Buffer.Write(p[:room])
		}
		return len(p), nil
	}
	return b.Buffer.Write(p)
}
