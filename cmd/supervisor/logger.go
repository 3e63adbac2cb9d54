package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"github.com/hashicorp/go-hclog"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/logging"
)

// newLogger builds the supervisor's logger from the [log] section. A log
// file that cannot be opened is reported and stderr is used instead: the
// supervisor must come up even when its log folder is missing.
func newLogger(cfg *configs.Config, stderr io.Writer) (hclog.Logger, func()) {
	lc := cfg.Log
	if lc.File == "" {
		lc.File = defaultLogFile()
	}
	l, closer, err := logging.New("supervisor", lc, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "supervisor: %v; logging to stderr only\n", err)
		c := lc
		c.File = ""
		if l, closer, err = logging.New("supervisor", c, stderr); err != nil {
			return hclog.New(&hclog.LoggerOptions{Name: "supervisor", Output: stderr}), func() {}
		}
	}
	return l, func() { closer.Close() }
}

// defaultLogFile is where the supervisor logs when the config names no file.
// Only on Windows is there one: a supervisor started by Task Scheduler or
// from the Startup folder has no console anyone can read, so its log goes to
// %LOCALAPPDATA%\ddns\supervisor.log (%ProgramData% when elevated), rotated
// by size. Elsewhere stderr reaches the journal, launchd's log file or a
// terminal.
func defaultLogFile() string {
	if runtime.GOOS != "windows" {
		return ""
	}
	base := os.Getenv("LOCALAPPDATA")
	if elevated() || base == "" {
		base = os.Getenv("ProgramData")
	}
	if base == "" {
		return ""
	}
	dir := filepath.Join(base, "ddns")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return ""
	}
	return filepath.Join(dir, "supervisor.log")
}
