// Package logging builds the root hclog logger both binaries use, from the
// [log] section of the config.
//
// Where the log goes:
//
//   - No file configured: everything goes to stderr.
//   - A file configured and stderr is a terminal (someone is watching): both,
//     so a person running `supervisor run` by hand still sees what happens.
//   - A file configured and stderr is not a terminal (a service manager, a
//     pipe to the supervisor, or no console at all on Windows): the file only,
//     since a service manager's journal would otherwise store every line twice
//     and a detached Windows task has nowhere to write stderr to.
//
// The file is rotated by size (lumberjack): max_size_mb per file, max_files
// rotated files kept beside the live one.
//
// Format: "json" writes one JSON object per line (@level, @message,
// @timestamp, @module, then the fields) everywhere; "text" writes hclog's
// text lines, coloured on a terminal and plain in the file.
//
// Per-component levels: [log.levels] maps a component to a level, e.g.
// child = "debug" while the root is "info". A component is a name given to
// Named: logger.Named("child") picks Levels["child"] (or the full dotted name,
// e.g. Levels["supervisor.child"], which wins when both are set). A sub-logger
// of a component inherits its level, so logger.Named("child").Named("stderr")
// is also at debug. Levels[name], for the name given to New, sets the root
// logger's own level in place of c.Level. Levels are fixed when a sub-logger is created: to apply new
// levels after a reload, build a new root logger.
package logging

import "github.com/hashicorp/go-hclog"

// Logger is the hclog logger this package returns; every package of the
// project takes one as a parameter rather than using a global.
type Logger = hclog.Logger
