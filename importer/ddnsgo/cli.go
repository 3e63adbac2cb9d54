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
// to replace a file unless force.
func writeFile(path string, data []byte, force bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s already exists; give --force to replace it", path)
	}
	if err != nil {
		return fmt.Errorf("cannot write the config: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("cannot write the config %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("cannot write the config %s: %w", path, err)
	}
	return nil
}

// writeSecret writes one secret file, owner-only, in an owner-only folder.
func writeSecret(s Secret, force bool) error {
	if err := os.MkdirAll(filepath.Dir(s.Path), 0o700); err != nil {
		return fmt.Errorf("cannot create the secrets folder: %w", err)
	}
	if err := writeFile(s.Path, []byte(s.Value+"\n"), force); err != nil {
		return fmt.Errorf("secret file: %w", err)
	}
	return os.Chmod(s.Path, 0o600)
}
