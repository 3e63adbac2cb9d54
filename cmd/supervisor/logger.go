package main

import (
	"fmt"
	"io"

	"github.com/hashicorp/go-hclog"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/logging"
)

// newLogger builds the supervisor's logger from the [log] section. A log
// file that cannot be opened is reported and stderr is used instead: the
// supervisor must come up even when its log folder is missing.
func newLogger(cfg *configs.Config, stderr io.Writer) (hclog.Logger, func()) {
	l, closer, err := logging.New("supervisor", cfg.Log, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "supervisor: %v; logging to stderr only\n", err)
		c := cfg.Log
		c.File = ""
		if l, closer, err = logging.New("supervisor", c, stderr); err != nil {
			return hclog.New(&hclog.LoggerOptions{Name: "supervisor", Output: stderr}), func() {}
		}
	}
	return l, func() { closer.Close() }
}
