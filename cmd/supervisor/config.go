package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/BurntSushi/toml"

	"github.com/ddnsd/ddns/clidoc"
	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/daemon"
	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/notify"
	"github.com/ddnsd/ddns/providers/spec"
)

// loadOptions gives configs the provider specs (keys, secrets, TTL limits,
// and no provider SDK), so that an unknown or misspelt provider key or a TTL
// the provider refuses is a located error here too, and so that
// `supervisor check` knows which values to mask; and notify's template
// check, so a [[notify]] body that cannot render is refused at its line.
func loadOptions() configs.Options {
	return configs.Options{ProviderKeys: spec.Default(), NotifyTemplate: notify.CheckTemplate}
}

// resolveConfigPath applies the lookup order and makes a found path absolute,
// so the child and the watcher see the same file whatever the working folder.
func resolveConfigPath(flagPath string) string {
	p := configs.Locate(flagPath, nil)
	if p == "" {
		return ""
	}
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// loadConfig loads path ("" = the embedded default).
func loadConfig(path string) (*configs.Config, error) {
	if path == "" {
		return configs.Parse(configs.EmbeddedName, configs.EmbeddedDefault(), loadOptions())
	}
	return configs.LoadFile(path, loadOptions())
}

// socketPathFor picks the socket a command talks to: the flag, else the
// config's [supervisor] socket (the default when the config sets none),
// else the default socket when no config file is in play. A config file
// that cannot be read far enough to tell its socket is an error, never the
// default socket: the default may belong to another supervisor, and `stop`
// or `update-now` must not act on it.
func socketPathFor(flagSocket, flagConfig string) (string, error) {
	if flagSocket != "" {
		return flagSocket, nil
	}
	path := resolveConfigPath(flagConfig)
	s, err := configSocket(path)
	if err != nil {
		// The supervisor on an unreadable file runs on its last good copy,
		// with that copy's socket; the copy is found by the file's path.
		if lg := lastGoodPath(path); lg != "" {
			if good, _, gerr := daemon.LoadLastGood(lg, loadConfig); gerr == nil {
				s, err = good.Supervisor.Socket, nil
			}
		}
	}
	if err != nil {
		return "", fmt.Errorf("cannot tell which supervisor runs on %s, so nothing was sent (give --socket): %w", configs.DisplayName(path), err)
	}
	if s == "" {
		return ipc.DefaultSocketPath(), nil
	}
	return s, nil
}

// configSocket is [supervisor] socket of the config at path ("" = the
// embedded default), or "" when it sets none. A file that does not load
// (a typo in any other key) is read for that one key alone: the supervisor
// runs on it with the file's socket, and status, reload and the rest must
// still find it there while the file waits to be fixed. The error says why
// not even that key could be read (a missing file, a TOML syntax error).
func configSocket(path string) (string, error) {
	cfg, err := loadConfig(path)
	if err == nil {
		return cfg.Supervisor.Socket, nil
	}
	if path == "" {
		return "", nil
	}
	var only struct {
		Supervisor struct {
			Socket string `toml:"socket"`
		} `toml:"supervisor"`
	}
	data, rerr := configs.ReadRegularFile(path, configs.MaxConfigSize)
	if rerr != nil {
		return "", rerr
	}
	if _, derr := toml.Decode(string(data), &only); derr != nil {
		// The load's error says where, with the file's line and column.
		return "", fmt.Errorf("the file does not parse as TOML: %w", err)
	}
	return only.Supervisor.Socket, nil
}

var checkCommand = &clidoc.Command{
	Name:    "check",
	Summary: "validate the config and print it with secrets masked",
	Flags:   flagsOf(cmdCheck),
	Help: "Load the config as the supervisor and the updater would, with every default filled in, and print the " +
		"effective config to standard output with every secret masked, after a first line naming the file and its " +
		"hash. Warnings (a token file others may read, an inline secret) go to standard error.\n\n" +
		"An invalid config prints one file:line:col: message line per problem (an unknown or misspelt key, a bad " +
		"value, a provider key the provider does not have, a TTL it refuses) and exits 2, the code the updater " +
		"exits with on the same file. Nothing is contacted: check reads files only.",
	Examples: []clidoc.Example{
		{Args: "check --config /etc/ddns/config.toml", Says: "Check a file before the running supervisor sees it."},
		{Args: "check", Says: "Check the file the lookup order finds, or the embedded default."},
	},
	Exits: []clidoc.Exit{
		{Code: 0, Means: "The config is valid."},
		{Code: int(ipc.ExitConfig), Means: "The config is invalid (or a usage error)."},
	},
}

func cmdCheck(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("check", stderr)
	config := fs.String("config", "", "Check the config file at `PATH`. Without it: $DDNS_CONFIG, else ddns/config.toml in the user config folder, else /etc/ddns/config.toml, else the embedded default.")
	if !fs.parse(args) {
		return 2
	}
	path := resolveConfigPath(*config)
	cfg, err := loadConfig(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return int(ipc.ExitConfig)
	}
	name := configs.DisplayName(path)
	for _, w := range cfg.Warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	fmt.Fprintf(stdout, "# %s: valid (hash %s)\n", name, cfg.Hash)
	fmt.Fprint(stdout, cfg.Masked())
	return 0
}

// exists reports whether a file is there, for messages about missing files.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
