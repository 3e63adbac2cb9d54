// Package journal keeps the address history: one JSON object per line in a
// small file that survives restarts and crashes, so a person can answer
// "why did my domain point elsewhere last night at 3 am" after the fact.
//
// Two writers keep one journal each: the updater journals what it did to
// each record (a change with old and new address, how long the write took,
// whether it was verified; a failed attempt with its error) beside its
// state file, under the state lock it holds; the supervisor journals its
// own events (restarts with exit codes, network outages and recoveries,
// configs applied or rejected, crash-loop pauses) in its state folder.
// Readers merge both in time order (Read).
//
// # Rules
//
//   - One line is one write(2) on a file opened with O_APPEND, followed by
//     an fsync (Append), or by one fsync for many lines (Add, then Flush):
//     a kill -9 loses at most the line being written, a power loss at most
//     the lines not flushed yet. A writer that finds the file not ending in a newline
//     (a torn line) starts its line with one, so a torn line never swallows
//     the next entry. An fsync per line is affordable because lines are
//     rare (a change; a failure at most hourly per record; a restart,
//     which the crash-loop guard bounds), and the line most worth keeping
//     is the one written just before a power cut.
//   - The journal is bounded: the file is rotated to path+".1" (replacing
//     the previous one) once it would pass half of Limits.MaxBytes, so both
//     together never pass MaxBytes, and the newest MaxBytes/2 are always
//     kept. A line is at most MaxLine bytes: Append cuts long texts.
//   - A reader drops a torn last line silently (it is what a crash leaves),
//     skips and counts a corrupt line elsewhere, and never rejects a file
//     for its content. It refuses a symlink, a named pipe, a device or a
//     folder at the journal's path without opening it for reading, and
//     reads at most MaxReadBytes of each file, so a planted or damaged file
//     can neither block it nor grow its memory without end.
//   - Texts reach the journal already redacted: the writers pass errors
//     that have been through redact (URLs) and untrusted (API bodies); the
//     journal itself only cleans control characters out of them.
//
// The package uses the standard library and two of this module's leaf
// packages (untrusted, regular) that use only the standard library too: the
// supervisor links it and stays small.
package journal

import (
	"time"
)

// Kinds of entries. Writers use these; readers show unknown kinds as they
// are, so a newer writer's kind still reads.
const (
	// KindChanged: the updater set a record to a new address.
	KindChanged = "changed"
	// KindFailed: an attempt to read or write a record failed (Error says
	// why); the record keeps whatever it had.
	KindFailed = "failed"
	// KindStarted: the supervisor started the updater (PID).
	KindStarted = "started"
	// KindExited: the updater exited (PID, Code, Detail: the signal or the
	// reason); the supervisor decides what follows.
	KindExited = "exited"
	// KindRestarted: the supervisor started the updater again after an
	// exit (PID, Detail: why).
	KindRestarted = "restarted"
	// KindStartFailed: the supervisor could not start the updater (Error
	// says why: a missing binary, a refused exec).
	KindStartFailed = "start_failed"
	// KindStopped: the updater was stopped and is not restarted (Detail:
	// by whom or why: `supervisor stop`, the supervisor shutting down).
	KindStopped = "stopped"
	// KindPaused: the supervisor holds the updater back for a while: it
	// failed too often (crash-loop pause), or it refused its config and
	// waits for a change (Detail: why and until when).
	KindPaused = "paused"
	// KindNetworkDown: the network readiness check failed (Error: the
	// failing check); the updater is held or not started.
	KindNetworkDown = "network_down"
	// KindNetworkUp: the network is ready again after a KindNetworkDown.
	KindNetworkUp = "network_up"
	// KindConfigApplied: the supervisor accepted a config (Detail: the
	// generation and what it did with it).
	KindConfigApplied = "config_applied"
	// KindConfigRejected: a saved config did not load (Error); the running
	// one stays.
	KindConfigRejected = "config_rejected"
)

// Entry is one line of the journal. Only At and Kind are always set; the
// other fields are those the kind uses, and are left out of the line when
// zero.
type Entry struct {
	// At is when it happened (stored in UTC, nanoseconds kept).
	At time.Time `json:"at"`
	// Kind is one of the Kind constants.
	Kind string `json:"kind"`
	// Record is the record concerned, as ipc.RecordKey writes it:
	// "home.example.com/AAAA".
	Record string `json:"record,omitempty"`
	// Provider is the record's provider ("cloudflare").
	Provider string `json:"provider,omitempty"`
	// Old and New are the record's addresses before and after a change;
	// for a failure, New is the address that could not be set.
	Old string `json:"old,omitempty"`
	New string `json:"new,omitempty"`
	// Took is how long the attempt took: for the updater, the record's
	// turn in the pass (the provider's read when one was needed, the
	// write, the read-back).
	Took time.Duration `json:"took_ns,omitempty"`
	// Verified says the change was read back from the authoritative
	// servers after the write.
	Verified bool `json:"verified,omitempty"`
	// Error is what went wrong, as a sentence, already redacted.
	Error string `json:"error,omitempty"`
	// PID is the process concerned (the updater's, for supervisor events).
	PID int `json:"pid,omitempty"`
	// Code is a process's exit code; nil when it did not exit by itself
	// (killed by a signal) or the kind has none.
	Code *int `json:"code,omitempty"`
	// Detail is anything else worth a word: a signal, a generation, the
	// length of a pause.
	Detail string `json:"detail,omitempty"`
}

// Sizes and bounds.
const (
	// DefaultMaxBytes bounds a journal and its previous generation
	// together. An entry of a change is about 250 bytes (one of a failure
	// with its error up to about 600), so the newest half, 4 MiB, always
	// holds more than a year of one change an hour (8,760 entries of up to
	// 478 bytes).
	DefaultMaxBytes = 8 << 20
	// MinMaxBytes is the smallest bound Open accepts: a few lines.
	MinMaxBytes = 4 * MaxLine
	// MaxLine is the longest line Append writes and Read accepts; longer
	// texts in an entry are cut to fit (MaxText).
	MaxLine = 4096
	// MaxText is the longest Error or Detail Append keeps, in bytes.
	MaxText = 1024
	// MaxReadBytes is how much of each file Read reads at most: the tail
	// of a file grown past it (by another program, or a writer with a
	// larger bound) is read, the start ignored.
	MaxReadBytes = 64 << 20
	// DefaultMaxEntries is how many entries Read returns at most when the
	// filter does not say: the newest are kept. It is more than a journal
	// within DefaultMaxBytes holds (about 35,000 entries), and it bounds
	// what a damaged or planted file costs: Read keeps at most twice the
	// limit in memory at any time.
	DefaultMaxEntries = 50_000
)

// Limits bound a journal a writer keeps.
type Limits struct {
	// MaxBytes bounds the journal file and its previous generation
	// together; 0 means DefaultMaxBytes, and a value under MinMaxBytes is
	// raised to it.
	MaxBytes int64
	// NoSync skips the fsync after each line: for tests and
	// benchmarks that write thousands of lines; a real writer keeps it
	// false.
	NoSync bool
}

// PreviousPath is where the previous generation of the journal at path is
// kept after a rotation.
func PreviousPath(path string) string { return path + ".1" }

// BesideState is the journal the updater keeps beside its state file
// stateFile: one per state file, so two updaters on two configs keep two
// journals, written under the state file's lock.
func BesideState(stateFile string) string { return stateFile + ".journal.jsonl" }
