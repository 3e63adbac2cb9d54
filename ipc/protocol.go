package ipc

import (
	"encoding/json"
	"fmt"
	"time"
)

// Command names a request. Every request is one JSON object on one line.
type Command string

// The commands the server understands.
const (
	CmdStatus    Command = "status"
	CmdStart     Command = "start"
	CmdStop      Command = "stop"
	CmdRestart   Command = "restart"
	CmdReload    Command = "reload"
	CmdUpdateNow Command = "update-now"
	CmdLogs      Command = "logs"
	CmdReport    Command = "report" // sent by the child: heartbeat plus record states
)

// ReadOnly reports whether a command only reads state, so that it may be
// allowed to users other than the supervisor's owner when configured.
func (c Command) ReadOnly() bool { return c == CmdStatus }

// Request is one line sent to the server.
type Request struct {
	Cmd Command `json:"cmd"`
	// Lines is how many captured child lines `logs` returns (0: a default).
	Lines int `json:"lines,omitempty"`
	// Follow keeps a `logs` connection open and streams new lines.
	Follow bool `json:"follow,omitempty"`
	// Events is how many of the newest supervision events `status` sends:
	// 0 means DefaultStatusEvents, AllEvents (or any negative number) every
	// event the ring holds. The rest are counted in Status.EventsOmitted.
	Events int `json:"events,omitempty"`
	// Report is the child's heartbeat and record states, for `report`.
	Report *Report `json:"report,omitempty"`
}

// DefaultStatusEvents is how many events a `status` request that names no
// number gets: enough for a person to see what just happened, while the
// reply stays the same size however full the event ring is.
const DefaultStatusEvents = 20

// AllEvents in Request.Events asks `status` for every event the ring holds.
const AllEvents = -1

// Reply is one line sent back. OK false means Error says why.
type Reply struct {
	OK      bool     `json:"ok"`
	Error   string   `json:"error,omitempty"`
	Message string   `json:"message,omitempty"` // one-line confirmation for a person
	Status  *Status  `json:"status,omitempty"`
	Lines   []string `json:"lines,omitempty"`
}

// Report is what the updater sends after each pass and as a heartbeat.
// Records may be some of the updater's records only: the receiver merges
// them, by name and type, into what it knows. A Reporter sends a report
// too long for one request (MaxRequestBytes) as several, and on a kept
// connection only the records changed since the last acknowledged report;
// a new connection always starts with every record.
type Report struct {
	PID     int            `json:"pid"`
	At      time.Time      `json:"at"`
	Records []RecordStatus `json:"records,omitempty"`
}

// Status is the document printed by `supervisor status --json`. Fields may be
// added, never removed or renamed.
type Status struct {
	Supervisor SupervisorStatus `json:"supervisor"`
	Child      ChildStatus      `json:"child"`
	Network    NetworkStatus    `json:"network"`
	Records    []RecordStatus   `json:"records"`
	Events     []EventStatus    `json:"events"`
	// EventsOmitted counts the older events the ring holds that this reply
	// left out (see Request.Events).
	EventsOmitted int `json:"events_omitted,omitempty"`
}

// SupervisorStatus describes the supervisor process itself.
type SupervisorStatus struct {
	PID            int     `json:"pid"`
	Version        string  `json:"version"`
	UptimeSeconds  float64 `json:"uptime_seconds"`
	ConfigPath     string  `json:"config_path"`
	ConfigError    string  `json:"config_error"`
	ConfigLoadedAt Time    `json:"config_loaded_at"`
	// ConfigHash identifies the loaded config's content (hex SHA-256 prefix).
	ConfigHash string `json:"config_hash,omitempty"`
	// ConfigGeneration counts successful loads since the supervisor started.
	ConfigGeneration int `json:"config_generation"`
	// RunningOnLastGood: the file has an error (ConfigError) and the
	// supervisor and its updater run on the last valid version of it, kept
	// at LastGoodPath, valid as of LastGoodSince.
	RunningOnLastGood bool   `json:"running_on_last_good,omitempty"`
	LastGoodPath      string `json:"last_good_path,omitempty"`
	LastGoodSince     *Time  `json:"last_good_since,omitempty"`
}

// ChildStatus describes the supervised updater.
type ChildStatus struct {
	State                string    `json:"state"`
	PID                  int       `json:"pid"`
	UptimeSeconds        float64   `json:"uptime_seconds"`
	Restarts             int       `json:"restarts"`
	ConsecutiveFailures  int       `json:"consecutive_failures"`
	LastExit             *ExitInfo `json:"last_exit"`
	NextStartInSeconds   float64   `json:"next_start_in_seconds"`
	LastReportAgeSeconds float64   `json:"last_report_age_seconds"`
	Command              []string  `json:"command,omitempty"`
}

// ExitInfo describes how the child last ended.
type ExitInfo struct {
	Code   int    `json:"code"`
	Signal string `json:"signal"`
	Reason string `json:"reason"`
	At     Time   `json:"at"`
}

// NetworkStatus is the readiness verdict and each probe's last result.
type NetworkStatus struct {
	Ready  bool          `json:"ready"`
	Reason string        `json:"reason,omitempty"`
	Checks []CheckStatus `json:"checks"`
}

// CheckStatus is one readiness probe's last result.
type CheckStatus struct {
	Kind      string  `json:"kind"` // "dns" or "tcp"
	Target    string  `json:"target"`
	OK        bool    `json:"ok"`
	LatencyMS float64 `json:"latency_ms"`
	Error     string  `json:"error"`
	// Loss is the share of failed probes over the recent window, 0 to 1.
	Loss float64 `json:"loss,omitempty"`
}

// RecordStatus is one DNS record's state as the updater last reported it.
type RecordStatus struct {
	Name      string `json:"name"` // fully qualified, without the trailing dot
	Type      string `json:"type"` // "A" or "AAAA"
	Provider  string `json:"provider,omitempty"`
	Address   string `json:"address"`
	SyncedAt  Time   `json:"synced_at"`           // last successful pass for this record
	ChangedAt Time   `json:"changed_at,omitzero"` // last time the address changed
	Error     string `json:"error"`
}

// EventStatus is one supervisor event, oldest first.
type EventStatus struct {
	At     Time   `json:"at"`
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
	PID    int    `json:"pid,omitempty"`
	Code   *int   `json:"code,omitempty"`
}

// Time is a moment in the status and report documents. On the wire it is an
// RFC 3339 string in UTC with as many fractional digits as it needs
// ("2026-12-01T23:00:00.5Z"), and the empty string for the zero time, so a
// field that was never set reads "" rather than year 1. Receivers get it
// back as a time.Time instead of parsing strings themselves; a field tagged
// omitzero is left out when zero. It wraps the time instead of embedding it
// so that none of time.Time's own encodings (MarshalJSON and the rest) can
// stand in for the wire form.
type Time struct{ t time.Time }

// TimeOf wraps t for the wire.
func TimeOf(t time.Time) Time { return Time{t} }

// Time is the moment itself.
func (t Time) Time() time.Time { return t.t }

// IsZero reports whether the time was never set (it marshals as "").
func (t Time) IsZero() bool { return t.t.IsZero() }

// MarshalText is the RFC 3339 text, empty for the zero time. encoding/json
// writes it as a JSON string.
func (t Time) MarshalText() ([]byte, error) {
	return t.appendText(make([]byte, 0, len(time.RFC3339Nano))), nil
}

// UnmarshalText reads RFC 3339 text; empty text is the zero time.
// encoding/json calls it for a JSON string, leaves the time alone for null
// and refuses any other JSON value naming the field.
func (t *Time) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*t = Time{}
		return nil
	}
	v, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return fmt.Errorf("time %s is not an RFC 3339 time such as 2026-12-01T23:00:00Z: %w", quote(string(b)), err)
	}
	*t = Time{v}
	return nil
}

// String is the wire form, for messages and tables.
func (t Time) String() string { return string(t.appendText(nil)) }

// appendText appends the wire text: nothing for the zero time, else RFC 3339
// in UTC with the fraction it needs.
func (t Time) appendText(b []byte) []byte {
	if t.t.IsZero() {
		return b
	}
	return t.t.UTC().AppendFormat(b, time.RFC3339Nano)
}

// MaxRequestBytes bounds one request line; a longer one gets an error reply.
const MaxRequestBytes = 1 << 20

// Encode marshals v as one line (JSON plus '\n').
func Encode(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
