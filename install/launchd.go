package install

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"
)

func launchdPlan(r resolved) (plan, error) {
	dir, logDir := "/Library/LaunchDaemons", "/Library/Logs"
	domain := "system"
	if r.user {
		home, err := r.env("HOME", "user's LaunchAgents folder (~/Library/LaunchAgents)")
		if err != nil {
			return plan{}, err
		}
		dir, logDir = path.Join(home, "Library", "LaunchAgents"), path.Join(home, "Library", "Logs")
		// gui/UID is the domain of the logged-in user's agents.
		domain = "gui/" + strconv.Itoa(os.Getuid())
	}
	plistPath := path.Join(dir, r.Name+".plist")
	content := launchdPlist(r, path.Join(logDir, r.Name+".log"))
	service := domain + "/" + r.Name
	return plan{
		files: []File{{Path: plistPath, Mode: 0o644, Content: content}},
		activate: func(ch change) []step {
			var s []step
			if ch == replaced {
				// launchd keeps the old definition until the job is unloaded.
				s = append(s, tolerated("the job was not loaded", "launchctl", "bootout", service))
			}
			return append(s,
				// A job disabled earlier (launchctl disable) refuses to load.
				cmd("launchctl", "enable", service),
				// Fails when the job is already loaded, which is fine: the
				// kickstart below then proves the job is there and starts it
				// if it is not running, without restarting a running one.
				tolerated("the job is already loaded", "launchctl", "bootstrap", domain, plistPath),
				cmd("launchctl", "kickstart", service),
			)
		},
		deactivate:     []step{tolerated("the job was not loaded", "launchctl", "bootout", service)},
		uninstallNotes: []string{fmt.Sprintf("The log file %s is kept.", path.Join(logDir, r.Name+".log"))},
	}, nil
}

// launchdPlist writes the property list. launchd restarts the supervisor when
// it exits (KeepAlive) and starts it when loaded (RunAtLoad), which at boot or
// login is the startup entry itself.
func launchdPlist(r resolved, logFile string) []byte {
	var b bytes.Buffer
	str := func(s string) string { return "<string>" + xmlText(s) + "</string>" }
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w(`<?xml version="1.0" encoding="UTF-8"?>`)
	w(`<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">`)
	w(`<!-- %s; "supervisor uninstall" removes it. -->`, marker)
	w(`<plist version="1.0">`)
	w(`<dict>`)
	w("\t<key>Label</key>")
	w("\t%s", str(r.Name))
	w("\t<key>ProgramArguments</key>")
	w("\t<array>")
	args := []string{r.Binary, "run"}
	if r.Config != "" {
		args = append(args, "--config", r.Config)
	}
	for _, a := range args {
		w("\t\t%s", str(a))
	}
	w("\t</array>")
	w("\t<key>RunAtLoad</key>")
	w("\t<true/>")
	w("\t<key>KeepAlive</key>")
	w("\t<true/>")
	w("\t<key>ProcessType</key>")
	w("\t%s", str("Background"))
	// launchd sends SIGTERM, then SIGKILL after this many seconds: longer than
	// the supervisor's stop_timeout so it stops its child itself.
	w("\t<key>ExitTimeOut</key>")
	w("\t<integer>%d</integer>", r.stopTimeoutSeconds())
	w("\t<key>StandardOutPath</key>")
	w("\t%s", str(logFile))
	w("\t<key>StandardErrorPath</key>")
	w("\t%s", str(logFile))
	w(`</dict>`)
	w(`</plist>`)
	return b.Bytes()
}

// xmlText escapes character data for XML. Unlike xml.EscapeText it leaves
// quotes alone, so a quoted path reads as it does in the Task Scheduler's own
// exports; characters XML cannot carry at all become U+FFFD.
func xmlText(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c == '&':
			b.WriteString("&amp;")
		case c == '<':
			b.WriteString("&lt;")
		case c == '>':
			b.WriteString("&gt;")
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r', c == 0xFFFE, c == 0xFFFF:
			b.WriteRune(0xFFFD)
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}
