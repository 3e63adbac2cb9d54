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
	if !r.user {
		if hidden := hiddenBySandbox(r.Binary); hidden != "" {
			p.installNotes = append(p.installNotes, fmt.Sprintf("Warning: %s is under %s, which the unit's sandbox hides from the service (%s): it will not start; install the binary elsewhere, such as /usr/local/bin", r.Binary, hidden, sandboxReason[hidden]))
		}
		if hidden := hiddenBySandbox(r.Config); r.Config != "" && hidden != "" {
			p.installNotes = append(p.installNotes, fmt.Sprintf("Warning: the config %s is under %s, which the unit's sandbox hides from the service (%s): the supervisor will wait for a config it cannot see; keep it in /etc/ddns", r.Config, hidden, sandboxReason[hidden]))
		}
	}
	if r.user {
		p.installNotes = append(p.installNotes, "A user unit runs while you are logged in; to start it at boot without a login, run: loginctl enable-linger")
	}
	return p, nil
}

// sandboxReason names the setting of the system unit that hides each folder.
var sandboxReason = map[string]string{
	"/tmp":      "PrivateTmp",
	"/var/tmp":  "PrivateTmp",
	"/home":     "ProtectHome",
	"/root":     "ProtectHome",
	"/run/user": "ProtectHome",
}

// hiddenBySandbox returns the folder of sandboxReason that p is under, or "".
func hiddenBySandbox(p string) string {
	p = path.Clean(p)
	for dir := range sandboxReason {
		if p == dir || strings.HasPrefix(p, dir+"/") {
			return dir
		}
	}
	return ""
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
		systemdHardening(w, r)
	}
	w("")
	w("[Install]")
	w("WantedBy=%s", wantedBy)
	return []byte(b.String()), nil
}

// systemdHardening writes the system unit's sandbox: the supervisor and
// the updater need the network (RFC 2136, HTTP, netlink for address
// changes), to read /etc/ddns, to write their state, log and socket
// folders, a pseudo-terminal for the child and their own processes in
// /proc; nothing else. `systemd-analyze security` rates it (see
// TestSystemUnitSecurityExposure).
func systemdHardening(w func(string, ...any), r resolved) {
	w("# The sandbox: what the supervisor and the updater need and nothing else.")
	w("# They run as root without any capability, so they read the root-owned")
	w("# config in /etc/ddns and write their own folders, and can do nothing a")
	w("# plain user could not.")
	w("CapabilityBoundingSet=")
	w("AmbientCapabilities=")
	w("# Read-only system except the state folder, /var/log/ddns and the socket")
	w("# folder /run/ddns; no home folders, a private /tmp and /dev (the child's")
	w("# pseudo-terminal is kept).")
	w("ProtectSystem=strict")
	w("ProtectHome=yes")
	w("PrivateTmp=yes")
	w("PrivateDevices=yes")
	w("PrivateMounts=yes")
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
	w("UMask=0077")
	w("# Only its own processes in /proc, and none of the kernel's settings.")
	w("ProtectProc=invisible")
	w("ProcSubset=pid")
	w("ProtectKernelTunables=yes")
	w("ProtectKernelModules=yes")
	w("ProtectKernelLogs=yes")
	w("ProtectControlGroups=yes")
	w("ProtectClock=yes")
	w("ProtectHostname=yes")
	w("# DNS updates and address detection: IPv4, IPv6, the control socket and")
	w("# netlink (address changes).")
	w("RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK")
	w("RestrictNamespaces=yes")
	w("RestrictRealtime=yes")
	w("RestrictSUIDSGID=yes")
	w("LockPersonality=yes")
	w("# A command address source run by a JIT (node, java) needs")
	w("# MemoryDenyWriteExecute=no in a drop-in (systemctl edit).")
	w("MemoryDenyWriteExecute=yes")
	w("SystemCallArchitectures=native")
	w("SystemCallFilter=@system-service")
	w("SystemCallFilter=~@privileged")
	w("SystemCallErrorNumber=EPERM")
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
