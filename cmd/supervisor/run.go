package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/ddnsd/ddns/clidoc"
	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/daemon"
	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/supervise"
)

// cmdRun is `supervisor run`: it loads the config, picks the socket, takes
// the socket's lock, and runs the application (package daemon) until
// SIGINT or SIGTERM. Exit 0 after a clean stop, 1 when it cannot run, 2 on
// a usage error.
var runCommand = &clidoc.Command{
	Name:    "run",
	Summary: "run in the foreground, keeping the updater alive",
	Flags:   flagsOf(cmdRun),
	Help: "Run the supervisor in the foreground: load the config, wait until the network checks pass, start the " +
		"updater as a child and keep it running until SIGINT or SIGTERM, which stop the updater gracefully and " +
		"then exit 0. This is what the unit, agent, task or service that `supervisor install` writes runs.\n\n" +
		"The supervisor logs to standard error (and to [log] file when the config names one). It serves status " +
		"and the control commands on its socket, restarts the updater by its exit code (see the exit codes in the " +
		"README), and reloads the config when the file is saved. An invalid config does not stop it: it runs on " +
		"the last good copy of the file, or waits for a valid save. Only one supervisor runs per socket.",
	Examples: []clidoc.Example{
		{Args: "run", Says: "Run on the config the lookup order finds, or on the embedded default (a dry run on this machine's interface address)."},
		{Args: "run --config /etc/ddns/config.toml", Says: "Run on this config file."},
	},
	Exits: []clidoc.Exit{
		{Code: 0, Means: "Stopped by SIGINT or SIGTERM after the updater ended."},
		{Code: 1, Means: "The supervisor could not run: another one holds the socket, or its folder is unsafe."},
		{Code: 2, Means: "A usage error."},
	},
}

func cmdRun(args []string, stdout, stderr io.Writer) int {
	return runSupervisor(context.Background(), "run", args, stdout, stderr, nil)
}

// runSupervisor is `supervisor run` until parent ends (the Windows service
// entry cancels it on a Stop from the service manager); serving, when set,
// is called once the control socket listens.
func runSupervisor(parent context.Context, name string, args []string, stdout, stderr io.Writer, serving func()) int {
	// A reader of our output that goes away (`supervisor run | head`) must
	// not kill the supervisor: Go dies of SIGPIPE on a write to a broken
	// stdout or stderr unless it is ignored; the write then fails with EPIPE
	// and the log goes on wherever else it goes (a log file, the ring).
	fs := newFlags(name, stderr)
	config := fs.String("config", "", "Run on the config file at `PATH`. Without it: $DDNS_CONFIG, else ddns/config.toml in the user config folder, else /etc/ddns/config.toml, else the embedded default.")
	socketFlag := fs.String("socket", "", "Listen on the socket at `PATH` (a named pipe's name on Windows) in place of the config's [supervisor] socket or the per-user default.")
	if !fs.parse(args) {
		return 2
	}
	signal.Ignore(syscall.SIGPIPE)
	path := resolveConfigPath(*config)
	cfg, loadErr := loadConfig(path)
	if loadErr != nil && path == "" {
		fmt.Fprintf(stderr, "supervisor: the embedded default config is invalid: %v\n", loadErr)
		return 1
	}
	if loadErr != nil && !exists(path) {
		// A service started before its config is in place waits for the file
		// (the watcher sees it appear) rather than failing at every boot.
		loadErr = fmt.Errorf("%s: the config file does not exist; the supervisor waits for it to be created", path)
	}
	lastGood := lastGoodPath(path)
	var lastGoodSince time.Time
	if cfg == nil && lastGood != "" {
		// The file does not load: run on its last good copy, which the
		// supervisor saved the last time it accepted the file.
		if good, fi, err := daemon.LoadLastGood(lastGood, loadConfig); err == nil {
			cfg, lastGoodSince = good, fi.ModTime()
		}
	}
	if cfg == nil {
		// The file exists but is invalid: run anyway on the defaults, show the
		// error in status, and start the updater, which exits 2 on the same
		// file and so waits for the fix the watcher will see.
		d := configs.Defaults()
		cfg = &d
	}
	logger, closeLog := newLogger(cfg, stderr)
	defer closeLog()
	// With a log file (always on Windows) a failed start would otherwise
	// be silent to whoever ran the command: say it on stderr as well.
	toFile := cfg.Log.File != "" || defaultLogFile() != ""
	failed := func(err error) int {
		if toFile {
			fmt.Fprintf(stderr, "supervisor: %v\n", err)
		}
		return 1
	}
	detachConsole(logger)

	socket := *socketFlag
	if socket == "" && loadErr != nil {
		// The file's socket, not the default: `supervisor status` looks
		// there too, and the fixed file will not move it.
		socket, _ = configSocket(path) // unreadable: the default, below
	}
	if socket == "" {
		socket = cfg.Supervisor.Socket
	}
	if socket == "" {
		socket = ipc.DefaultSocketPath()
	}
	switch {
	case loadErr != nil && !lastGoodSince.IsZero():
		// Logged at WARN by the application, with the copy's age.
	case loadErr != nil:
		logger.Error("the config file is invalid; the supervisor waits for a valid save", "error", loadErr)
	default:
		for _, w := range cfg.Warnings {
			logger.Warn(w)
		}
	}
	// The lock sits beside the socket on Unix, and in the user's (or the
	// service's) data folder beside a Windows pipe: its folder is checked
	// (owner, mode, no symlink) before anything is created in it.
	lockPath := ipc.LockPath(socket)
	note, err := ipc.PrepareSocketDir(lockPath, cfg.Supervisor.StatusForAnyUser)
	if err != nil {
		logger.Error("cannot use the socket folder", "path", filepath.Dir(lockPath), "error", err)
		return failed(fmt.Errorf("cannot use the socket folder: %w", err))
	}
	if note != "" {
		logger.Debug(note)
	}
	release, err := ipc.AcquireLock(lockPath)
	if err != nil {
		logger.Error("another supervisor already runs with this socket; use `supervisor status` to talk to it", "error", err)
		return failed(fmt.Errorf("another supervisor already runs with the socket %s (use `supervisor status` to talk to it): %w", socket, err))
	}
	defer release()

	ring := supervise.NewLogRing(cfg.Supervisor.LogLines)
	app, err := daemon.New(daemon.Options{
		ConfigPath: path, Config: cfg, ConfigErr: loadErr, Load: loadConfig,
		LastGoodPath: lastGood, LastGoodSince: lastGoodSince,
		JournalPath: supervisorJournalPath(path),
		Socket:      socket, SocketFromFlag: *socketFlag != "",
		Starter: supervise.NewExecStarter(supervise.ExecOptions{
			Logger: logger, Output: ring,
			// Linux: descendants that leave the child's group come back to
			// us and die with it; in a cgroup of its own where we may make
			// one, even if we are killed.
			Subreaper: true, Cgroup: childCgroupName(socket),
		}),
		Inspector: supervise.NewProcInspector(),
		Ring:      ring,
		Logger:    logger,
		Version:   version,
		ListenControl: func(so ipc.ServerOptions) (daemon.ControlServer, error) {
			s, err := ipc.Listen(so)
			if err == nil && serving != nil {
				serving()
			}
			return s, err
		},
	})
	if err != nil {
		logger.Error("cannot set up the supervisor", "error", err)
		return failed(fmt.Errorf("cannot set up the supervisor: %w", err))
	}
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	reload := func() {
		go func() {
			if msg, err := app.Reload(); err == nil {
				logger.Info(msg)
			}
		}()
	}
	stopSignals := handleSignals(ctx, cancel, reload, logger)
	defer stopSignals()
	stopReaper := startReaper(ctx, app.ChildPID, logger)
	defer stopReaper()
	if err := app.Run(ctx); err != nil {
		return failed(err) // Run logged why
	}
	return 0
}

// childCgroupName names the child's cgroup after the socket, so that two
// supervisors in one cgroup do not share it and a restarted one finds what
// its killed predecessor left.
func childCgroupName(socket string) string {
	sum := sha256.Sum256([]byte(socket))
	return "ddns-child-" + hex.EncodeToString(sum[:6])
}
