package install

import (
	"fmt"
	"path"
	"strings"
)

// systemdStateDir is where StateDirectory=ddns puts the state of a system unit.
const systemdStateDir = "/var/lib/ddns"

func systemdPlan(r resolved) (plan, error) {
	unitPath := path.Join("/etc/systemd/system", r.Name+".service")
	ctl := []string{"systemctl"}
	if r.user {
		base := r.Getenv("XDG_CONFIG_HOME")
		if base == "" || !strings.HasPrefix(base, "/") {
			home, err := r.env("HOME", "user's systemd unit folder (~/.config/systemd/user)")
			if err != nil {
				return plan{}, err
			}
			base = path.Join(home, ".config")
		}
		unitPath = path.Join(base, "systemd", "user", r.Name+".service")
		ctl = []string{"systemctl", "--user"}
	}
	content, err := systemdUnit(r)
	if err != nil {
		return plan{}, err
	}
	unit := r.Name + ".service"
	c := func(args ...string) []string { return append(append([]string{}, ctl...), args...) }
	p := plan{
		files: []File{{Path: unitPath, Mode: 0o644, Content: content}},
		activate: func(ch change) []step {
			switch ch {
			case unchanged:
				// Enabling and starting what already runs is a no-op, and
				// it repairs an install that was never enabled.
				return []step{cmd(c("enable", "--now", unit)...)}
			case replaced:
				// try-restart only restarts a running unit, so the new
				// definition takes effect without starting it twice.
				return []step{cmd(c("daemon-reload")...), cmd(c("try-restart", unit)...), cmd(c("enable", "--now", unit)...)}
			}
			return []step{cmd(c("daemon-reload")...), cmd(c("enable", "--now", unit)...)}
		},
		deactivate: []step{tolerated("the unit was never loaded", c("disable", "--now", unit)...)},
		cleanup:    []step{tolerated("systemd is not running on this host", c("daemon-reload")...)},
	}
	if r.user {
		p.installNotes = append(p.installNotes, "A user unit runs while you are logged in; to start it at boot without a login, run: loginctl enable-linger")
	}
	return p, nil
}

// systemdUnit writes the unit. The choices, line by line, are explained in
// the unit's own comments, so whoever opens the file sees why.
func systemdUnit(r resolved) ([]byte, error) {
	exec := []string{r.Binary, "run"}
	if r.Config != "" {
		exec = append(exec, "--config", r.Config)
	}
	quoted := make([]string, len(exec))
	for i, a := range exec {
		quoted[i] = systemdQuote(a, true)
	}
	wantedBy := "multi-user.target"
	if r.user {
		wantedBy = "default.target"
	}

	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("# %s; \"supervisor uninstall\" removes it.", marker)
	w("[Unit]")
	w("Description=DDNS supervisor: keeps the dynamic-DNS updater running")
	w("After=network-online.target")
	w("Wants=network-online.target")
	w("# Never give up: the supervisor has its own crash-loop pause, and a start")
	w("# limit here would leave the machine without DNS updates for good.")
	w("StartLimitIntervalSec=0")
	w("")
	w("[Service]")
	w("# The supervisor sends READY=1 once its child has started.")
	w("Type=notify")
	w("NotifyAccess=main")
	w("ExecStart=%s", strings.Join(quoted, " "))
	w("Restart=always")
	w("RestartSec=2s")
	w("# SIGTERM goes to the supervisor alone, which stops its child within its")
	w("# stop_timeout (%s); systemd kills whatever is left only after that.", r.StopTimeout)
	w("KillMode=mixed")
	w("TimeoutStopSec=%ds", r.stopTimeoutSeconds())
	w("NoNewPrivileges=yes")
	if r.user {
		// A user manager can set up mount namespaces only with unprivileged
		// user namespaces, which many systems turn off: ProtectSystem and
		// PrivateTmp would stop the unit from starting there.
		w("RuntimeDirectory=ddns")
		w("RuntimeDirectoryMode=0700")
		w("StateDirectory=ddns")
		w("StateDirectoryMode=0700")
	} else {
		w("# Read-only system except the state folder, /var/log/ddns and the socket")
		w("# folder /run/ddns.")
		w("ProtectSystem=strict")
		w("ProtectHome=read-only")
		w("PrivateTmp=yes")
		w("RuntimeDirectory=ddns")
		w("RuntimeDirectoryMode=0700")
		w("StateDirectory=ddns")
		w("StateDirectoryMode=0700")
		w("# /var/log/ddns, for a log file the config may name.")
		w("LogsDirectory=ddns")
		if sd := r.StateDir; sd != "" && sd != systemdStateDir && !strings.HasPrefix(sd, systemdStateDir+"/") {
			// "-": a folder deleted later must not keep the supervisor
			// from starting; it then reports the updater's error instead.
			w("ReadWritePaths=-%s", systemdQuote(sd, false))
		}
	}
	w("")
	w("[Install]")
	w("WantedBy=%s", wantedBy)
	return []byte(b.String()), nil
}

// systemdQuote quotes one word for a unit file: double quotes with C escapes
// when it has a blank, quote or backslash; "%" doubled always (specifiers are
// expanded even inside quotes) and, in ExecStart, "$" doubled (variables are
// expanded there too).
func systemdQuote(s string, exec bool) string {
	s = strings.ReplaceAll(s, "%", "%%")
	if exec {
		s = strings.ReplaceAll(s, "$", "$$")
	}
	if s != "" && !strings.ContainsAny(s, " \t\"'\\;") {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range s {
		switch c {
		case '"', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	b.WriteByte('"')
	return b.String()
}
