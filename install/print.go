package install

import (
	"fmt"
	"io"
	"strings"
)

// PrintInstall writes what Install would do, for --print: every file with its
// path and content (UTF-16 files shown as UTF-8, and said so), then the
// commands that register and start the entry on a first install. It touches
// nothing and does not require the binary to exist.
func PrintInstall(w io.Writer, o Options) error {
	r, p, err := planOf(o)
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, f := range p.files {
		fmt.Fprintf(&b, "# %s (mode %#o", f.Path, f.Mode.Perm())
		if _, ok := decodeUTF16(f.Content); ok {
			b.WriteString(", written as UTF-16 LE with a byte-order mark; shown here as UTF-8")
		}
		b.WriteString(")\n")
		text := strings.ReplaceAll(f.Text(), "\r\n", "\n")
		b.WriteString(text)
		if !strings.HasSuffix(text, "\n") {
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	if steps := p.activate(created); len(steps) > 0 {
		b.WriteString("# Then, to register and start it:\n")
		for _, s := range steps {
			b.WriteString(FormatCommand(r.Target, s.args) + "\n")
		}
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// PrintUninstall writes what Uninstall would do, for --print: the commands
// that stop the entry, the files it removes (only if they carry Install's
// marker), and the commands run afterwards. It touches nothing.
func PrintUninstall(w io.Writer, o Options) error {
	r, p, err := planOf(o)
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, s := range p.deactivate {
		b.WriteString(FormatCommand(r.Target, s.args) + "\n")
	}
	for _, f := range p.files {
		fmt.Fprintf(&b, "# remove %s (only if it carries the line %q)\n", f.Path, marker)
	}
	for _, s := range p.cleanup {
		b.WriteString(FormatCommand(r.Target, s.args) + "\n")
	}
	_, err = io.WriteString(w, b.String())
	return err
}
