package main

import (
	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/daemon"
)

// stateDir is the supervisor's state folder, where it keeps the last good
// copy of its config: the folder of the updater's default state file
// (configs.StateDir), so one StateDirectory= or $XDG_STATE_HOME holds both.
// "" when none can be chosen.
func stateDir() string {
	d, err := configs.StateDir()
	if err != nil {
		return ""
	}
	return d
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

// supervisorJournalPath is the supervisor's journal for the config at path
// ("" = the embedded default); "" without a state folder.
func supervisorJournalPath(path string) string {
	dir := stateDir()
	if dir == "" {
		return ""
	}
	return daemon.JournalPath(dir, path)
}
