package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"

	"github.com/ddnsd/ddns/clidoc"
	"github.com/ddnsd/ddns/daemon"
)

var importDDNSGoCommand = &clidoc.Command{
	Name:     "import-ddns-go",
	Args:     "FILE",
	Summary:  "convert a ddns-go config file into this program's TOML",
	ArgFiles: true,
	Flags:    flagsOf(cmdImportDdnsGo),
	Help: "Read a ddns-go config (its YAML file, usually .ddns_go_config.yaml in the home folder of the user " +
		"running ddns-go) and write the equivalent TOML config for this program: a provider table per ddns-go " +
		"entry, a record per domain and address family, the address sources under [ip], and ddns-go's webhook " +
		"as a [[notify]] entry. Whatever cannot be converted is listed on standard error and as comments at the " +
		"top of the output, each with the YAML line it came from. The result passes `supervisor check`; save " +
		"it, check it, then `supervisor install`.\n\n" +
		"The conversion runs in the updater beside this binary (it holds the YAML parser and the public suffix " +
		"list, which the supervisor does not link); `updater import-ddns-go` takes the same arguments.",
	Examples: []clidoc.Example{
		{Args: "import-ddns-go ~/.ddns_go_config.yaml --out /etc/ddns/config.toml --secrets-dir /etc/ddns/secrets", Says: "Convert ddns-go's config into the system config, each secret in its own owner-only file."},
		{Args: "import-ddns-go ~/.ddns_go_config.yaml", Says: "Print the converted config, secrets inline, to look at it first."},
	},
	Exits: []clidoc.Exit{
		{Code: 0, Means: "Converted."},
		{Code: 1, Means: "The output could not be written, or the updater could not be run."},
		{Code: 2, Means: "The input or a flag is wrong (the message names the file and line)."},
	},
}

// cmdImportDdnsGo runs `updater import-ddns-go ARGS`, the updater being the
// one the supervisor would run (beside this binary), passing its output
// and exit code through.
func cmdImportDdnsGo(args []string, stdout, stderr io.Writer) int {
	// The flags are the updater's; they are parsed here too so that a usage
	// error is answered like every other command's, and help documents them.
	fs := newFlags("import-ddns-go", stderr)
	fs.String("out", "", "Write the config to the file at `PATH` (refused if it exists, unless --force) instead of standard output.")
	fs.String("secrets-dir", "", "Write each secret (API tokens, keys, the webhook URL) to its own owner-only file in the folder `DIR`, named in the config with an X_file key, instead of inline.")
	fs.Bool("force", false, "Overwrite the --out file, and secret files in the --secrets-dir folder.")
	files, ok := fs.parseArgs(args)
	if !ok {
		return 2
	}
	if len(files) != 1 {
		fmt.Fprintf(stderr, "%s import-ddns-go: name one ddns-go config FILE (got %d)\n", progName, len(files))
		fs.Usage()
		return 2
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
