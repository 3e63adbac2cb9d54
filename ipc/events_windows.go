//go:build windows

package ipc

// Windows has no signals a service can send: a supervisor running as a
// service has no console, so CTRL_BREAK cannot reach its child. The
// supervisor hands its child two inheritable event handles instead, their
// values (decimal) in these environment variables; the updater waits on
// them.
const (
	// EnvStopEvent names the event that asks the child to stop, as SIGTERM
	// does on Unix.
	EnvStopEvent = "DDNS_STOP_EVENT"
	// EnvUpdateEvent names the event that asks for an update pass now, as
	// SIGHUP does on Unix (`supervisor update-now`).
	EnvUpdateEvent = "DDNS_UPDATE_EVENT"
)
