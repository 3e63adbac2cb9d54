// Package ipc holds every contract between the supervisor, the updater and the
// command line: the exit codes, the socket protocol (newline-delimited JSON
// requests and replies), the socket path rules, the client and the server loop.
//
// Nothing else lives here. The package imports none of this project's packages,
// so both binaries and every test can speak the protocol.
package ipc

// ExitCode is a process exit status with a meaning both binaries agree on.
// The updater exits with one of these; the supervisor reads it and picks a
// restart action (see supervise.Policy).
type ExitCode int

// The exit-code contract. Values are fixed: scripts and outside tests rely on them.
const (
	// ExitOK: finished cleanly (one-shot mode, or asked to stop).
	ExitOK ExitCode = 0
	// ExitFailure: an unexpected failure; restart with backoff.
	ExitFailure ExitCode = 1
	// ExitConfig: a config or usage error; do not restart until the config changes.
	ExitConfig ExitCode = 2
	// ExitNetwork: the network was unreachable or timed out; restart once probes pass.
	ExitNetwork ExitCode = 3
	// ExitRejected: data rejected (bad address, provider refused the record); long backoff.
	ExitRejected ExitCode = 4
	// ExitAuth: credentials rejected (401/403); do not restart until the config changes.
	ExitAuth ExitCode = 5
)

// Meaning is a short phrase for a person reading `supervisor status`.
func (c ExitCode) Meaning() string {
	switch c {
	case ExitOK:
		return "finished cleanly"
	case ExitFailure:
		return "unexpected failure"
	case ExitConfig:
		return "config or usage error"
	case ExitNetwork:
		return "network unreachable"
	case ExitRejected:
		return "data rejected by provider"
	case ExitAuth:
		return "credentials rejected"
	}
	return "unknown exit code"
}

// Exit codes of `supervisor status`, so it can serve as a health check.
const (
	StatusChildRunning    = 0 // the child runs
	StatusChildNotRunning = 3 // the supervisor answers but the child does not run
	StatusNoSupervisor    = 4 // no supervisor answers on the socket
)

// EnvSocket names the environment variable through which the supervisor tells
// its child where to send reports. Without it the updater does not report.
const EnvSocket = "DDNS_SUPERVISOR_SOCKET"
