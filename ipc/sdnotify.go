package ipc

// EnvNotifySocket is where systemd (Type=notify units) says to send readiness
// and watchdog notifications.
const EnvNotifySocket = "NOTIFY_SOCKET"

// SdNotify sends state (such as "READY=1", "STOPPING=1", "WATCHDOG=1",
// "STATUS=...") to systemd through $NOTIFY_SOCKET, including abstract socket
// names that start with "@". Without $NOTIFY_SOCKET it returns (false, nil):
// not running under systemd is normal. On Windows it does nothing.
func SdNotify(state string) (sent bool, err error) {
	return sdNotify(state)
}
