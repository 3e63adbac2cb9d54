package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/ddnsd/ddns/daemon"
)

// stateDir is the supervisor's state folder, where it keeps the last good
// copy of its config: the folder of the updater's default state file (see
// ddns.DefaultStatePath, whose rules these are), so one StateDirectory= or
// $XDG_STATE_HOME holds both. "" when none can be chosen.
func stateDir() string {
	if d, _, _ := strings.Cut(os.Getenv("STATE_DIRECTORY"), string(os.PathListSeparator)); d != "" && filepath.IsAbs(d) {
		return d
	}
	home, _ := os.UserHomeDir()
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LOCALAPPDATA"); d != "" {
			return filepath.Join(d, "ddns")
		}
		if home != "" {
			return filepath.Join(home, "AppData", "Local", "ddns")
		}
		return ""
	case "darwin", "ios":
		if os.Geteuid() == 0 {
			return "/Library/Application Support/ddns"
		}
		if home == "" {
			return ""
		}
		return filepath.Join(home, "Library", "Application Support", "ddns")
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "ddns")
	}
	if os.Geteuid() == 0 {
		return "/var/lib/ddns"
	}
	if home == "" {
		return ""
	}
	return filepath.Join(home, ".local", "state", "ddns")
}

// lastGoodPath is where the supervisor on the config at path keeps its
// last good copy; "" for the embedded default or without a state folder.
func lastGoodPath(path string) string {
	dir := stateDir()
	if path == "" || dir == "" {
		return ""
	}
	return daemon.LastGoodPath(dir, path)
}
