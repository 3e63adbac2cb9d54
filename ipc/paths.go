package ipc

import (
	"path/filepath"
	"strconv"
)

// SocketFileName is the socket's file name inside its per-user folder.
const SocketFileName = "supervisor.sock"

// Windows named pipes (the control channel there, see DefaultSocketPath).
const (
	// WindowsServicePipe is the service's control pipe.
	WindowsServicePipe = `\\.\pipe\ddns-supervisor-service`
	// WindowsUserPipePrefix followed by the account's SID is a user's pipe.
	WindowsUserPipePrefix = `\\.\pipe\ddns-supervisor-`
)

// maxUnixPath is the longest socket path every Unix accepts (sun_path is 104
// bytes on macOS and the BSDs, 108 on Linux, both counting a trailing NUL).
const maxUnixPath = 103

// DefaultSocketPath returns where the supervisor listens and the CLI dials when
// no socket is configured. Each user gets their own socket, so two users'
// supervisors never collide and neither can reach the other's:
//
//   - Linux and other Unix, root: /run/ddns/supervisor.sock.
//   - Other users: $XDG_RUNTIME_DIR/ddns/supervisor.sock when XDG_RUNTIME_DIR is
//     set (systemd's per-user tmpfs, cleared at logout), else
//     os.TempDir()/ddns-<uid>/supervisor.sock; the uid in the name keeps users
//     apart in a shared /tmp.
//   - macOS, root: /var/run/ddns/supervisor.sock. Other users:
//     os.TempDir()/ddns-<uid>/supervisor.sock ($TMPDIR is already a per-user
//     folder there), or ~/Library/Application Support/ddns/supervisor.sock when
//     that temporary path is too long for a socket address.
//   - Windows: not a file but a named pipe with a fixed name:
//     \\.\pipe\ddns-supervisor-<SID> for a user (the account's SID, so two
//     users never meet), or \\.\pipe\ddns-supervisor-service when running as
//     SYSTEM or elevated (the service), so that every admin shell finds the
//     service. A configured `socket` that is not a pipe name is mapped to
//     one (see PipeName on Windows).
//
// Listen creates the folder with mode 0700, so the socket's folder itself keeps
// other users out even before the socket's own 0600 mode is applied.
func DefaultSocketPath() string {
	return defaultSocketPath(currentEnv())
}

// pathEnv is everything the path rules depend on, gathered once so that the
// rules are a pure function that tests can drive for every platform.
type pathEnv struct {
	goos    string
	uid     int    // effective uid; -1 on Windows
	admin   bool   // Windows: SYSTEM or an elevated token
	sid     string // Windows: the account's SID
	getenv  func(string) string
	tempDir string
	homeDir string
}

// defaultSocketPath applies the rules documented on DefaultSocketPath.
func defaultSocketPath(e pathEnv) string {
	switch e.goos {
	case "windows":
		if e.admin || e.sid == "" {
			return WindowsServicePipe
		}
		return WindowsUserPipePrefix + e.sid
	case "darwin", "ios":
		if e.uid == 0 {
			return "/var/run/ddns/" + SocketFileName
		}
		p := filepath.Join(e.tempDir, "ddns-"+strconv.Itoa(e.uid), SocketFileName)
		if len(p) > maxUnixPath && e.homeDir != "" {
			return filepath.Join(e.homeDir, "Library", "Application Support", "ddns", SocketFileName)
		}
		return p
	default:
		if e.uid == 0 {
			return "/run/ddns/" + SocketFileName
		}
		if xdg := e.getenv("XDG_RUNTIME_DIR"); xdg != "" && filepath.IsAbs(xdg) {
			return filepath.Join(xdg, "ddns", SocketFileName)
		}
		return filepath.Join(e.tempDir, "ddns-"+strconv.Itoa(e.uid), SocketFileName)
	}
}
