package ipc

// EnvWatchdogUsec names the environment variable through which the
// supervisor tells its child the watchdog period it enforces, in
// microseconds (decimal), as systemd's WATCHDOG_USEC does. The child reports
// at a third of it, so two reports may be lost or late before the
// supervisor gives up on a healthy child. Unset means no watchdog.
const EnvWatchdogUsec = "DDNS_WATCHDOG_USEC"
