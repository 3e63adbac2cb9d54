package ddnsgo

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/ddnsd/ddns/configs"
)

// Usage is the help text of `updater import-ddns-go`.
const Usage = `usage: updater import-ddns-go FILE [--out PATH] [--secrets-dir DIR] [--force]

Reads a ddns-go config (its YAML file, usually .ddns_go_config.yaml in the
home folder of the user running ddns-go) and writes the equivalent TOML
config: one provider table per ddns-go entry, one record per domain and
address family, the address sources under [ip], ddns-go's webhook as a
[[notify]] entry. What cannot be converted is listed on stderr and as
comments at the top of the output, each with the YAML line it came from.

  --out PATH          write the config to PATH (refused if it exists, unless
                      --force) instead of stdout
  --secrets-dir DIR   write each secret (API tokens, keys, the webhook URL) to
                      its own owner-only file in DIR and name it in the config
                      with an X_file key, instead of writing it inline
  --force             overwrite --out PATH, and secret files in DIR

Exit codes: 0 converted (notes may list what was left out), 2 the input or a
flag is wrong (the message names the file and line), 1 the output could not
be written. Then check the result with supervisor check --config PATH.
`

// Main runs `import-ddns-go` with args (after the command's name) and
// returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("import-ddns-go", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, Usage) }
	out := fs.String("out", "", "write the config here instead of stdout")
	secretsDir := fs.String("secrets-dir", "", "write each secret to an owner-only file in this folder")
	force := fs.Bool("force", false, "overwrite existing files")
	var file string
	// FILE may come before or after the flags.
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		file, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	rest := fs.Args()
	if file == "" && len(rest) > 0 {
		file, rest = rest[0], rest[1:]
	}
	if file == "" || len(rest) > 0 {
		fmt.Fprint(stderr, "import-ddns-go: give exactly one ddns-go YAML file\n\n"+Usage)
		return 2
	}
	data, err := configs.ReadRegularFile(file, MaxInputSize)
	if err != nil {
		fmt.Fprintf(stderr, "import-ddns-go: cannot read the ddns-go config: %v\n", err)
		return 2
	}
	o := Options{Name: file, Shell: defaultShell()}
	if *secretsDir != "" {
		abs, err := filepath.Abs(*secretsDir)
		if err != nil {
			fmt.Fprintf(stderr, "import-ddns-go: --secrets-dir %s: %v\n", *secretsDir, err)
			return 2
		}
		o.SecretsDir = abs
	}
	res, err := Convert(data, o)
	if err != nil {
		fmt.Fprintf(stderr, "import-ddns-go: %v\n", err)
		return 2
	}
	for _, l := range NoteLines(file, res.Notes) {
		fmt.Fprintln(stderr, l)
	}
	for _, s := range res.Secrets {
		if err := writeSecret(s, *force); err != nil {
			fmt.Fprintf(stderr, "import-ddns-go: %v\n", err)
			return 1
		}
	}
	if res.InlineSecrets > 0 {
		fmt.Fprintf(stderr, "import-ddns-go: warning: %d secret(s) are written inline; keep the file owner-only, or run again with --secrets-dir DIR to move them to files\n", res.InlineSecrets)
	}
	if *out == "" {
		if _, err := stdout.Write(res.TOML); err != nil {
			fmt.Fprintf(stderr, "import-ddns-go: cannot write the config: %v\n", err)
			return 1
		}
	} else {
		if err := writeFile(*out, res.TOML, *force); err != nil {
			fmt.Fprintf(stderr, "import-ddns-go: %v\n", err)
			return 1
		}
		fmt.Fprintf(stderr, "import-ddns-go: wrote %s (%d provider(s), %d record(s)); next: supervisor check --config %s\n", *out, res.Providers, res.Records, *out)
	}
	return 0
}

// defaultShell is how ddns-go runs a cmd on this system: bash -c, or sh -c
// where there is no bash, and powershell -Command on Windows.
func defaultShell() []string {
	if runtime.GOOS == "windows" {
		return []string{"powershell", "-Command"}
	}
	if _, err := exec.LookPath("bash"); err == nil {
		return []string{"bash", "-c"}
	}
	return []string{"sh", "-c"}
}

// writeFile writes the config owner-only (it may hold secrets), refusing
// to replace a file unless force. Whatever is at path is never written
// through: without force the file must be new (O_EXCL, which also refuses
// a symbolic link); with force the new content goes to a temporary file
// beside it, mode 0600, renamed over it, so a link planted there is
// replaced, not followed, and a file that was readable by others does not
// keep its mode with secrets in it.
func writeFile(path string, data []byte, force bool) error {
	if fi, err := os.Lstat(path); err == nil {
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			return fmt.Errorf("%s is a symbolic link; import-ddns-go never writes through one (whoever planted it chose where the file would land): remove it, or write elsewhere", path)
		case !fi.Mode().IsRegular():
			return fmt.Errorf("%s exists and is not a regular file; move it away, or write elsewhere", path)
		case !force:
			return fmt.Errorf("%s already exists; give --force to replace it", path)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if !force {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s already exists; give --force to replace it", path)
		}
		if err != nil {
			return fmt.Errorf("cannot write %s: %w", path, err)
		}
		return finish(f, path, data)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after the rename this finds nothing
	if err := f.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		f.Close()
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := finish(f, path, data); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("cannot replace %s: %w", path, err)
	}
	return nil
}

// finish writes data to f, the file for path, and closes it.
func finish(f *os.File, path string, data []byte) error {
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}

// writeSecret writes one secret file, owner-only, in an owner-only folder
// (checkSecretsDir).
func writeSecret(s Secret, force bool) error {
	if err := checkSecretsDir(filepath.Dir(s.Path)); err != nil {
		return err
	}
	if err := writeFile(s.Path, []byte(s.Value+"\n"), force); err != nil {
		return fmt.Errorf("secret file: %w", err)
	}
	return nil
}

// checkSecretsDir creates the secrets folder (mode 0700) or checks the one
// there: not a symbolic link (the secrets would land where its owner
// chose), and not a folder another user owns or may write (they could
// swap a secret file for their own: a webhook URL of theirs, a token of
// their account).
func checkSecretsDir(dir string) error {
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("cannot create the secrets folder: %w", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot use the secrets folder %s: %w", dir, err)
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("the secrets folder %s is a symbolic link; give the folder it points to, if it is yours, or a new folder", dir)
	case !fi.IsDir():
		return fmt.Errorf("the secrets folder %s is not a folder", dir)
	}
	return folderOnlyOurs(fi, dir)
}
