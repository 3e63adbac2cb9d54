package install

import (
	"fmt"
	"io"
	"strings"
)

// The --print forms. Their stdout is something a person can pipe or save as
// it is, and nothing else; everything about it (where it goes, what is
// copied, which commands follow) goes to stderr as "#" lines:
//   - install: the target's one file, byte for byte what Install writes
//     (for the Windows service, which has no file, the sc.exe commands
//     Install runs, one per line). Every target has at most one file, so
//     no separator or file selector is needed.
//   - uninstall: the commands that stop and unregister the entry.

// PrintInstall writes what Install would do without touching anything and
// without needing the binary to exist: the file on stdout, the rest on
// stderr. text asks for UTF-16 files (the task XML, the .vbs launcher) as
// UTF-8 with LF line ends, for a terminal; otherwise stdout gets the exact
// bytes, which schtasks /XML and wscript take as they are.
func PrintInstall(stdout, stderr io.Writer, o Options, text bool) error {
	r, p, err := planOf(o)
	if err != nil {
		return err
	}
	var info strings.Builder
	for _, j := range r.copies() {
		mode := " (mode 0755)"
		if r.Target.windowsTarget() {
			mode = "" // Windows has no mode bits
		}
		fmt.Fprintf(&info, "# copy %s to %s%s\n", j.from, j.to, mode)
	}
	if len(r.copies()) > 0 {
		fmt.Fprintf(&info, "# and list the copies in %s, for uninstall\n", r.manifestPath())
	}
	var body []byte
	for _, f := range p.files {
		fmt.Fprintf(&info, "# stdout is the file %s (mode %#o", f.Path, f.Mode.Perm())
		body = f.Content
		if _, ok := decodeUTF16(f.Content); ok {
			if text {
				body = []byte(strings.ReplaceAll(f.Text(), "\r\n", "\n"))
				info.WriteString("; shown as UTF-8 for the terminal, install writes it as UTF-16 LE with a byte-order mark and CRLF: redirect stdout to get those bytes")
			} else {
				info.WriteString("; UTF-16 LE with a byte-order mark and CRLF, as Windows reads it")
			}
		}
		info.WriteString(")\n")
	}
	steps := p.activate(created)
	if len(p.files) == 0 {
		// The service: its registration is the commands themselves.
		info.WriteString("# stdout is the commands that register and start the service; run them in an administrator's prompt\n")
		var b strings.Builder
		for _, s := range steps {
			b.WriteString(FormatCommand(r.Target, s.args) + "\n")
		}
		body = []byte(b.String())
	} else if len(steps) > 0 {
		info.WriteString("# Save it there, then register and start it with:\n")
		for _, s := range steps {
			info.WriteString("#   " + FormatCommand(r.Target, s.args) + "\n")
		}
	}
	if _, err := io.WriteString(stderr, info.String()); err != nil {
		return err
	}
	_, err = stdout.Write(body)
	return err
}

// PrintUninstall writes what Uninstall would do, touching nothing: the
// commands that stop and unregister the entry on stdout, the files it
// removes (only if they carry Install's marker) and the commands run after
// on stderr.
func PrintUninstall(stdout, stderr io.Writer, o Options) error {
	r, p, err := planOf(o)
	if err != nil {
		return err
	}
	var out, info strings.Builder
	for _, s := range p.deactivate {
		out.WriteString(FormatCommand(r.Target, s.args) + "\n")
	}
	for _, f := range p.files {
		fmt.Fprintf(&info, "# then remove %s (only if it carries the line %q)\n", f.Path, marker)
	}
	if r.BinDir != "" {
		fmt.Fprintf(&info, "# then remove the copies listed in %s that are unchanged since, and that list\n", r.manifestPath())
	}
	for _, s := range p.cleanup {
		fmt.Fprintf(&info, "# then run: %s\n", FormatCommand(r.Target, s.args))
	}
	if _, err := io.WriteString(stderr, info.String()); err != nil {
		return err
	}
	_, err = io.WriteString(stdout, out.String())
	return err
}
