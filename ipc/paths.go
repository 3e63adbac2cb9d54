package ipc

import (
	"path/filepath"
	"strconv"
)

// SocketFileName is the socket's file name inside its per-user folder.
const SocketFileName = "supervisor.sock"

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
//   - Windows: %LOCALAPPDATA%\ddns\supervisor.sock, or
//     %ProgramData%\ddns\supervisor.sock when running as SYSTEM or elevated
//     (a service), so that the service's socket is found by every admin shell.
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
	uid     int  // effective uid; -1 on Windows
	admin   bool // Windows: SYSTEM or an elevated token
	getenv  func(string) string
	tempDir string
	homeDir string
}

// defaultSocketPath applies the rules documented on DefaultSocketPath.
func defaultSocketPath(e pathEnv) string {
	switch e.goos {
	case "windows":
		if e.admin {
			if pd := e.getenv("ProgramData"); pd != "" {
				return filepath.Join(pd, "ddns", SocketFileName)
			}
		}
		if la := e.getenv("LOCALAPPDATA"); la != "" {
			return filepath.Join(la, "ddns", SocketFileName)
		}
		return filepath.Join(e.tempDir, "ddns", SocketFileName)
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
