package ipc

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestDefaultSocketPathRules(t *testing.T) {
	env := func(m map[string]string) func(string) string {
		return func(k string) string { return m[k] }
	}
	none := env(nil)
	longTmp := "/var/folders/" + strings.Repeat("x", 90) + "/T"
	// A TMPDIR whose socket path is exactly as long as a Unix socket path
	// may be, and one byte longer.
	fill := maxUnixPath - len("/var/folders/") - len("/T/ddns-501/") - len(SocketFileName)
	limitTmp := "/var/folders/" + strings.Repeat("y", fill) + "/T"
	overTmp := "/var/folders/" + strings.Repeat("y", fill+1) + "/T"
	tests := []struct {
		name string
		e    pathEnv
		want string
	}{
		{"linux root", pathEnv{goos: "linux", uid: 0, getenv: env(map[string]string{"XDG_RUNTIME_DIR": "/run/user/0"}), tempDir: "/tmp"}, "/run/ddns/supervisor.sock"},
		{"linux user with XDG", pathEnv{goos: "linux", uid: 1000, getenv: env(map[string]string{"XDG_RUNTIME_DIR": "/run/user/1000"}), tempDir: "/tmp"}, "/run/user/1000/ddns/supervisor.sock"},
		{"linux user with relative XDG", pathEnv{goos: "linux", uid: 1000, getenv: env(map[string]string{"XDG_RUNTIME_DIR": "run"}), tempDir: "/tmp"}, "/tmp/ddns-1000/supervisor.sock"},
		{"linux user without XDG", pathEnv{goos: "linux", uid: 1000, getenv: none, tempDir: "/tmp"}, "/tmp/ddns-1000/supervisor.sock"},
		{"freebsd user", pathEnv{goos: "freebsd", uid: 1001, getenv: none, tempDir: "/var/tmp"}, "/var/tmp/ddns-1001/supervisor.sock"},
		{"macos root", pathEnv{goos: "darwin", uid: 0, getenv: none, tempDir: "/var/folders/ab/T"}, "/var/run/ddns/supervisor.sock"},
		{"macos user", pathEnv{goos: "darwin", uid: 501, getenv: none, tempDir: "/var/folders/ab/cd/T", homeDir: "/Users/me"}, "/var/folders/ab/cd/T/ddns-501/supervisor.sock"},
		{"macos user, TMPDIR at the limit", pathEnv{goos: "darwin", uid: 501, getenv: none, tempDir: limitTmp, homeDir: "/Users/me"}, limitTmp + "/ddns-501/supervisor.sock"},
		{"macos user, TMPDIR one byte over", pathEnv{goos: "darwin", uid: 501, getenv: none, tempDir: overTmp, homeDir: "/Users/me"}, "/Users/me/Library/Application Support/ddns/supervisor.sock"},
		{"macos user, long TMPDIR", pathEnv{goos: "darwin", uid: 501, getenv: none, tempDir: longTmp, homeDir: "/Users/me"}, "/Users/me/Library/Application Support/ddns/supervisor.sock"},
		{"windows user", pathEnv{goos: "windows", uid: -1, sid: "S-1-5-21-1-2-3-1001", getenv: env(map[string]string{"LOCALAPPDATA": `C:\Users\me\AppData\Local`, "ProgramData": `C:\ProgramData`})}, `\\.\pipe\ddns-supervisor-S-1-5-21-1-2-3-1001`},
		{"windows service", pathEnv{goos: "windows", uid: -1, admin: true, sid: "S-1-5-18", getenv: env(map[string]string{"LOCALAPPDATA": `C:\Windows\system32\config\systemprofile\AppData\Local`, "ProgramData": `C:\ProgramData`})}, `\\.\pipe\ddns-supervisor-service`},
		{"windows, account unknown", pathEnv{goos: "windows", uid: -1, getenv: none}, `\\.\pipe\ddns-supervisor-service`},
	}
	for _, tt := range tests {
		if runtime.GOOS == "windows" && tt.e.goos != "windows" {
			// The Unix rules join paths with the host's separator and test
			// absoluteness the host's way, so they hold on Unix hosts only;
			// Windows' rows are plain pipe names, checked on every host.
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			if got := defaultSocketPath(tt.e); filepath.ToSlash(got) != filepath.ToSlash(tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDefaultSocketPathHere(t *testing.T) {
	p := DefaultSocketPath()
	if runtime.GOOS == "windows" {
		if !strings.HasPrefix(p, WindowsUserPipePrefix) {
			t.Fatalf("DefaultSocketPath() = %q, want a pipe name starting %s", p, WindowsUserPipePrefix)
		}
		return
	}
	if !filepath.IsAbs(p) || filepath.Base(p) != SocketFileName {
		t.Fatalf("DefaultSocketPath() = %q, want an absolute path ending in %s", p, SocketFileName)
	}
	if len(p) > maxUnixPath {
		t.Fatalf("DefaultSocketPath() = %q is too long for a socket address", p)
	}
}
