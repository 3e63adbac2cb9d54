package configs

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// StateDir is the per-user state folder: the updater's default state file
// and the supervisor's last good copy of its config live there. Under a
// systemd unit with StateDirectory= it is $STATE_DIRECTORY. Otherwise, on
// Linux and other Unix systems: $XDG_STATE_HOME/ddns when that is set, else
// /var/lib/ddns for root and ~/.local/state/ddns for others; on macOS
// ~/Library/Application Support/ddns (/Library/Application Support/ddns for
// root); on Windows %LOCALAPPDATA%\ddns.
func StateDir() (string, error) {
	home, _ := os.UserHomeDir()
	return StateDirFor(runtime.GOOS, os.Getenv, os.Geteuid(), home)
}

// StateDirFor is StateDir for the given system, environment, effective uid
// and home folder.
func StateDirFor(goos string, getenv func(string) string, euid int, home string) (string, error) {
	if d, _, _ := strings.Cut(getenv("STATE_DIRECTORY"), string(os.PathListSeparator)); d != "" && filepath.IsAbs(d) {
		return d, nil
	}
	switch goos {
	case "windows":
		if d := getenv("LOCALAPPDATA"); d != "" {
			return filepath.Join(d, "ddns"), nil
		}
		if home != "" {
			return filepath.Join(home, "AppData", "Local", "ddns"), nil
		}
		return "", errors.New("cannot choose a state folder: %LOCALAPPDATA% is not set; set state_file in [updater]")
	case "darwin", "ios":
		if euid == 0 {
			return "/Library/Application Support/ddns", nil
		}
		if home == "" {
			return "", errors.New("cannot choose a state folder: the home folder is unknown; set state_file in [updater]")
		}
		return filepath.Join(home, "Library", "Application Support", "ddns"), nil
	}
	if d := getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "ddns"), nil
	}
	if euid == 0 {
		return "/var/lib/ddns", nil
	}
	if home == "" {
		return "", errors.New("cannot choose a state folder: neither $XDG_STATE_HOME nor $HOME is set; set state_file in [updater]")
	}
	return filepath.Join(home, ".local", "state", "ddns"), nil
}
