package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"

	"github.com/ddnsd/ddns/daemon"
)

// importDdnsGoHelp is the help text of `supervisor import-ddns-go`.
const importDdnsGoHelp = `usage: supervisor import-ddns-go FILE [--out PATH] [--secrets-dir DIR] [--force]

Reads a ddns-go config (its YAML file, usually .ddns_go_config.yaml in the home
folder of the user running ddns-go) and writes the equivalent TOML config for
this program: a provider table per ddns-go entry, a record per domain and
address family, the address sources under [ip], and ddns-go's webhook as a
[[notify]] entry. Whatever cannot be converted is listed on stderr and as
comments at the top of the output, each with the YAML line it came from.

  --out PATH          write the config to PATH (refused if it exists, unless
                      --force) instead of stdout
  --secrets-dir DIR   write each secret (API tokens, keys, the webhook URL) to
                      its own owner-only file in DIR, named in the config with
                      an X_file key, instead of inline
  --force             overwrite --out PATH, and secret files in DIR

The conversion runs in the updater beside this binary (it holds the YAML
parser and the public suffix list, which the supervisor does not link).
Exit codes: 0 converted, 2 the input or a flag is wrong, 1 the output could
not be written. Then: supervisor check --config PATH.
`

// cmdImportDdnsGo runs `updater import-ddns-go ARGS`, the updater being the
// one the supervisor would run (beside this binary), passing its output
// and exit code through.
func cmdImportDdnsGo(args []string, stdout, stderr io.Writer) int {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fmt.Fprint(stdout, importDdnsGoHelp)
			return 0
		}
	}
	updater := daemon.UpdaterBeside()
	c := exec.Command(updater, append([]string{"import-ddns-go"}, args...)...)
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, stdout, stderr
	err := c.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		return ee.ExitCode()
	case errors.As(err, &ee):
		fmt.Fprintf(stderr, "supervisor: import-ddns-go: the updater (%s) was stopped: %v\n", updater, err)
		return 1
	}
	fmt.Fprintf(stderr, "supervisor: import-ddns-go runs the updater, which should be beside this binary, and it cannot be run: %v\n", err)
	return 1
}
