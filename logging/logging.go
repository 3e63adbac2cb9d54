package logging

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ddnsd/ddns/configs"
	"github.com/hashicorp/go-hclog"
	"github.com/mattn/go-isatty"
	"gopkg.in/natefinch/lumberjack.v2"
)

// New builds the root logger called name from c, writing to stderr and/or
// c.File as the package documentation describes. The returned Closer closes
// the log file (a no-op when there is none); call it last, after the final
// log line. stderr may be nil when the process has no console.
func New(name string, c configs.Log, stderr io.Writer) (Logger, io.Closer, error) {
	root, err := parseLevel("log.level", c.Level, hclog.Info)
	if err != nil {
		return nil, nil, err
	}
	levels := make(map[string]hclog.Level, len(c.Levels))
	keys := make([]string, 0, len(c.Levels))
	for k := range c.Levels {
		keys = append(keys, k)
	}
	sort.Strings(keys) // so the first bad key reported is always the same one
	for _, k := range keys {
		lv, err := parseLevel("log.levels."+k, c.Levels[k], hclog.NoLevel)
		if err != nil {
			return nil, nil, err
		}
		levels[k] = lv
	}
	if lv, ok := levels[name]; ok {
		root = lv
	}
	json := strings.EqualFold(c.Format, "json")
	term := IsTerminal(stderr)

	var (
		out    io.Writer = io.Discard
		closer io.Closer = nopCloser{}
		color            = hclog.ColorOff
	)
	if c.File != "" {
		lj, err := openFile(c)
		if err != nil {
			return nil, nil, err
		}
		closer = lj
		out = lj
		if term {
			// Both: colour for the person at the terminal, plain text in
			// the file (escape codes would clutter it).
			out = &tee{term: stderr, file: lj, strip: !json}
			color = hclog.AutoColor
		}
	} else if stderr != nil {
		out = stderr
		if term {
			color = hclog.AutoColor
		}
	}
	if json {
		color = hclog.ColorOff
	}
	l := hclog.New(&hclog.LoggerOptions{
		Name:       name,
		Level:      root,
		Output:     out,
		JSONFormat: json,
		Color:      color,
		// Each sub-logger owns its level, so setting one component's level
		// leaves the root and the other components alone.
		IndependentLevels: true,
		SubloggerHook:     componentLevels(levels),
	})
	return l, closer, nil
}

// componentLevels returns the hook hclog calls on every Named, ResetNamed
// and With: it sets the sub-logger's level from the table when its full
// dotted name or its last part is listed; otherwise the sub-logger keeps the
// level it copied from its parent.
func componentLevels(levels map[string]hclog.Level) func(hclog.Logger) hclog.Logger {
	return func(sub hclog.Logger) hclog.Logger {
		if len(levels) == 0 {
			return sub
		}
		name := sub.Name()
		if lv, ok := levels[name]; ok {
			sub.SetLevel(lv)
			return sub
		}
		if i := strings.LastIndexByte(name, '.'); i >= 0 {
			if lv, ok := levels[name[i+1:]]; ok {
				sub.SetLevel(lv)
			}
		}
		return sub
	}
}

// parseLevel reads a level name; empty gives def. key names the config key
// in the error.
func parseLevel(key, s string, def hclog.Level) (hclog.Level, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" && def != hclog.NoLevel {
		return def, nil
	}
	lv := hclog.LevelFromString(s)
	if lv == hclog.NoLevel {
		return hclog.NoLevel, fmt.Errorf("%s: %q is not a log level (use trace, debug, info, warn, error or off)", key, s)
	}
	return lv, nil
}

// openFile prepares the rotating log file. The file is opened once here, so
// that a folder that cannot be created or a file that cannot be written is
// reported at start-up rather than lost on the first log line.
func openFile(c configs.Log) (*lumberjack.Logger, error) {
	dir := filepath.Dir(c.File)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("log.file: cannot create the folder for %s: %w", c.File, err)
	}
	f, err := os.OpenFile(c.File, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("log.file: cannot write %s: %w", c.File, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("log.file: cannot write %s: %w", c.File, err)
	}
	size := c.MaxSizeMB
	if size < 1 {
		size = 1
	}
	// lumberjack reads 0 as "keep every rotated file", which fills a disk on
	// a machine nobody looks at; keep at least one instead.
	backups := c.MaxFiles
	if backups < 1 {
		backups = 1
	}
	return &lumberjack.Logger{Filename: c.File, MaxSize: size, MaxBackups: backups}, nil
}

// IsTerminal reports whether w is a terminal (a console on Windows), which
// decides colour and whether a log file replaces or joins stderr.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	if !ok || f == nil {
		return false
	}
	if of, ok := w.(*os.File); ok && of == nil {
		return false
	}
	fd := f.Fd()
	return isatty.IsTerminal(fd) || isatty.IsCygwinTerminal(fd)
}

// tee writes each log entry to the terminal as it is and to the file without
// colour escapes. hclog hands over one whole entry per Write, under its lock.
type tee struct {
	term  io.Writer
	file  io.Writer
	strip bool
}

func (t *tee) Write(p []byte) (int, error) {
	_, terr := t.term.Write(p)
	q := p
	if t.strip {
		q = stripANSI(p)
	}
	_, ferr := t.file.Write(q)
	if err := errors.Join(ferr, terr); err != nil {
		return 0, err
	}
	return len(p), nil
}

// SupportsColor lets hclog's AutoColor colour the output although the tee
// itself is not a terminal: it is only used when stderr is one.
func (t *tee) SupportsColor() bool { return true }

// stripANSI removes CSI escape sequences (ESC [ ... final byte), which is all
// hclog's colouring emits.
func stripANSI(p []byte) []byte {
	if !containsESC(p) {
		return p
	}
	out := make([]byte, 0, len(p))
	for i := 0; i < len(p); i++ {
		if p[i] == 0x1b && i+1 < len(p) && p[i+1] == '[' {
			j := i + 2
			for j < len(p) && (p[j] < 0x40 || p[j] > 0x7e) {
				j++
			}
			i = j
			continue
		}
		out = append(out, p[i])
	}
	return out
}

func containsESC(p []byte) bool {
	for _, b := range p {
		if b == 0x1b {
			return true
		}
	}
	return false
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }
