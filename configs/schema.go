package configs

import (
	"fmt"
	"time"
)

// Duration is a time.Duration written in TOML as a Go duration string ("1.5s", "5m").
type Duration struct{ time.Duration }

// UnmarshalText parses a Go duration string; negative values are refused.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration (write it like \"30s\", \"5m\" or \"1h30m\")", b)
	}
	if v < 0 {
		return fmt.Errorf("%q is negative; durations must be zero or more", b)
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration back in Go syntax.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.Duration.String()), nil }

// Supervisor is the [supervisor] section: how the child is started and kept alive.
type Supervisor struct {
	// Command is the child's argv. Empty: the updater beside the supervisor
	// binary, given the same config file.
	Command []string `toml:"command"`
	// Socket is the status/control socket path. Empty: the per-user default.
	Socket            string   `toml:"socket"`
	RestartDelay      Duration `toml:"restart_delay"`
	RestartDelayMax   Duration `toml:"restart_delay_max"`
	LongRestartDelay  Duration `toml:"long_restart_delay"`
	StableAfter       Duration `toml:"stable_after"`
	CrashLoopRestarts int      `toml:"crash_loop_restarts"`
	CrashLoopWindow   Duration `toml:"crash_loop_window"`
	CrashLoopCooldown Duration `toml:"crash_loop_cooldown"`
	StopTimeout       Duration `toml:"stop_timeout"`
	Watchdog          Duration `toml:"watchdog"`
	MemoryLimitMB     int      `toml:"memory_limit_mb"`
	// RestartAlways restarts the child even after a clean exit (code 0).
	RestartAlways bool `toml:"restart_always"`
	// StatusForAnyUser lets other local users read (never control) the status.
	StatusForAnyUser bool `toml:"status_for_any_user"`
	// LogLines is how many of the child's output lines are kept for `supervisor logs`.
	LogLines int `toml:"log_lines"`
	// EventHistory is how many supervision events status keeps (a ring).
	EventHistory int `toml:"event_history"`
}

// Probe is the [probe] section: network readiness checked before every (re)start.
type Probe struct {
	Enabled     bool     `toml:"enabled"`
	Interval    Duration `toml:"interval"`
	IntervalMax Duration `toml:"interval_max"`
	Timeout     Duration `toml:"timeout"`
	// DNS lists host names that must resolve; nil derives them from the
	// providers and address sources the config uses.
	DNS []string `toml:"dns"`
	// TCP lists host:port addresses that must accept a connection; nil derives them.
	TCP []string `toml:"tcp"`
	// DNSServers, when set, are asked instead of the system resolver (host:port).
	DNSServers []string `toml:"dns_servers"`
}

// Updater is the [updater] section: the engine's cadence and state.
type Updater struct {
	Interval Duration `toml:"interval"`
	// Resync is how often the provider's real records are compared with the
	// state file, to repair records edited by hand.
	Resync Duration `toml:"resync"`
	// StateFile is where the last published addresses are kept. Empty: a
	// file of this config's own in the per-user state folder
	// (ddns.DefaultStatePathFor). It is locked while an updater runs.
	StateFile string `toml:"state_file"`
	// Timeout bounds one provider API call, retries included.
	Timeout Duration `toml:"timeout"`
	// Concurrency bounds the records updated at once per provider.
	Concurrency int `toml:"concurrency"`
	// NetworkGrace is how long the network may stay unreachable before the
	// updater gives up with exit code 3 (so the supervisor waits for probes).
	NetworkGrace Duration `toml:"network_grace"`
	// WatchInterfaces runs a pass at once when the kernel reports an address
	// change (with an interface source) or the router announces a new
	// external address (NAT-PMP, with a upnp or natpmp source).
	WatchInterfaces bool `toml:"watch_interfaces"`
}

// IP is the [ip] section: where the public addresses come from.
type IP struct {
	V4           []Source `toml:"v4"`
	V6           []Source `toml:"v6"`
	Quorum       int      `toml:"quorum"`
	AllowPrivate bool     `toml:"allow_private"`
	// Defaults uses the built-in public echo services for a family whose list
	// is empty but which some record needs.
	Defaults bool `toml:"defaults"`
}

// Source is one address source: type "http", "dns", "interface", "command",
// "upnp" (the router through UPnP IGD; url = its description, or SSDP
// discovery) or "natpmp" (the router through NAT-PMP; gateway = its address,
// or the default gateway).
type Source struct {
	Type    string   `toml:"type"`
	URL     string   `toml:"url"`
	Server  string   `toml:"server"`
	Name    string   `toml:"name"`
	QType   string   `toml:"qtype"`
	Class   string   `toml:"class"`
	Command []string `toml:"command"`
	Gateway string   `toml:"gateway"`
	// The selectors of an interface source with several addresses (see
	// netprobe.InterfaceSelector): Prefix and Match narrow the usable
	// addresses, Index (from 0, in order of preference) picks one, Suffix
	// (IPv6 only) keeps its first PrefixLength bits (default 64) and puts
	// that interface identifier after them.
	Index        *int   `toml:"index,omitempty"`
	Match        string `toml:"match,omitempty"`
	Prefix       string `toml:"prefix,omitempty"`
	Suffix       string `toml:"suffix,omitempty"`
	PrefixLength int    `toml:"prefix_length,omitzero"`
}

// String names the source for messages.
func (s Source) String() string {
	switch s.Type {
	case "http":
		return "http " + s.URL
	case "dns":
		return fmt.Sprintf("dns %s %s %s at %s", s.Name, s.Class, s.QType, s.Server)
	case "interface":
		return "interface " + s.Name
	case "command":
		return fmt.Sprintf("command %q", s.Command)
	case "upnp":
		if s.URL == "" {
			return "upnp (SSDP discovery)"
		}
		return "upnp " + s.URL
	case "natpmp":
		if s.Gateway == "" {
			return "natpmp (default gateway)"
		}
		return "natpmp " + s.Gateway
	}
	return s.Type
}

// Provider is one [providers.NAME] table: a type plus that type's keys.
type Provider struct {
	Name     string
	Type     string
	Endpoint string
	// Params holds every other key, secrets resolved from X, X_file or X_env
	// into X. Values are as TOML decodes them.
	Params map[string]any
	// Secrets names the keys of Params that hold secrets (masked when printed).
	Secrets []string
}

// Record is one [[records]] entry: a DNS name kept pointed at this machine.
type Record struct {
	Provider string `toml:"provider"`
	Zone     string `toml:"zone"`
	Name     string `toml:"name"`
	Type     string `toml:"type"`
	TTL      int    `toml:"ttl"`
	// Verify says how a write is checked: VerifyProvider (the default)
	// reads the record back through the provider, VerifyAuthoritative also
	// asks each of the zone's authoritative servers, VerifyNone trusts the
	// provider's answer.
	Verify string `toml:"verify"`
	// Proxied, for a Cloudflare record, overrides its account's proxied
	// setting; nil keeps the account's. A stated value (the record's or the
	// account's) is enforced; when neither says, the record is left proxied
	// or not as Cloudflare has it. Other providers refuse it.
	Proxied *bool `toml:"proxied"`
}

// The values of a record's verify key.
const (
	VerifyProvider      = "provider"
	VerifyAuthoritative = "authoritative"
	VerifyNone          = "none"
)

// FQDN is the record's full name without a trailing dot.
func (r Record) FQDN() string {
	if r.Name == "@" || r.Name == "" {
		return r.Zone
	}
	return r.Name + "." + r.Zone
}

// HTTP is the optional [http] section: health, status and metrics endpoint.
type HTTP struct {
	Listen    string `toml:"listen"`
	Token     string `toml:"token"`
	TokenFile string `toml:"token_file"`
	TokenEnv  string `toml:"token_env"`
}

// Notify is one [[notify]] entry: a webhook or a ping URL told about events.
type Notify struct {
	Type      string            `toml:"type"` // "webhook" or "ping"
	URL       string            `toml:"url"`
	URLFile   string            `toml:"url_file"`
	URLEnv    string            `toml:"url_env"`
	Method    string            `toml:"method"`
	Headers   map[string]string `toml:"headers"`
	Body      string            `toml:"body"`
	Events    []string          `toml:"events"`
	Timeout   Duration          `toml:"timeout"`
	Retries   int               `toml:"retries"`
	QueueSize int               `toml:"queue_size"`
}

// Log is the [log] section, shared by both binaries.
type Log struct {
	Level  string `toml:"level"`  // trace, debug, info, warn, error
	Format string `toml:"format"` // "text" or "json"
	// File, when set, receives the log with size-based rotation.
	File      string `toml:"file"`
	MaxSizeMB int    `toml:"max_size_mb"`
	MaxFiles  int    `toml:"max_files"`
	// Levels overrides the level per component ("supervisor", "child", "updater", "ipc", ...).
	Levels map[string]string `toml:"levels"`
}
