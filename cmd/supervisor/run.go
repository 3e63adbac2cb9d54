package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/daemon"
	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/supervise"
)

// cmdRun is `supervisor run`: it loads the config, picks the socket, takes
// the socket's lock, and runs the application (package daemon) until
// SIGINT or SIGTERM. Exit 0 after a clean stop, 1 when it cannot run, 2 on
// a usage error.
func cmdRun(args []string, stdout, stderr io.Writer) int {
	// A reader of our output that goes away (`supervisor run | head`) must
	// not kill the supervisor: Go dies of SIGPIPE on a write to a broken
	// stdout or stderr unless it is ignored; the write then fails with EPIPE
	// and the log goes on wherever else it goes (a log file, the ring).
	signal.Ignore(syscall.SIGPIPE)
	fs := newFlags("run", stderr)
	config := fs.String("config", "", "config file (default: $DDNS_CONFIG, the user config folder, /etc/ddns/config.toml, then the embedded default)")
	socketFlag := fs.String("socket", "", "control socket (default: [supervisor] socket, else the per-user runtime folder)")
	if !fs.parse(args) {
		return 2
	}
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
	if cfg == nil {
		// The file exists but is invalid: run anyway on the defaults, show the
		// error in status, and start the updater, which exits 2 on the same
		// file and so waits for the fix the watcher will see.
		d := configs.Defaults()
		cfg = &d
	}
	logger, closeLog := newLogger(cfg, stderr)
	defer closeLog()
	detachConsole(logger)

	socket := *socketFlag
	if socket == "" && loadErr != nil {
		// The file's socket, not the default: `supervisor status` looks
		// there too, and the fixed file will not move it.
		socket = configSocket(path)
	}
	if socket == "" {
		socket = cfg.Supervisor.Socket
	}
	if socket == "" {
		socket = ipc.DefaultSocketPath()
	}
	if loadErr != nil {
		logger.Error("the config file is invalid; the supervisor waits for a valid save", "error", loadErr)
	} else {
		for _, w := range cfg.Warnings {
			logger.Warn(w)
		}
	}
	if err := os.MkdirAll(filepath.Dir(socket), 0o700); err != nil {
		logger.Error("cannot create the socket folder", "path", filepath.Dir(socket), "error", err)
		return 1
	}
	release, err := ipc.AcquireLock(socket + ".lock")
	if err != nil {
		logger.Error("another supervisor already runs with this socket; use `supervisor status` to talk to it", "error", err)
		return 1
	}
	defer release()

	ring := supervise.NewLogRing(cfg.Supervisor.LogLines)
	app, err := daemon.New(daemon.Options{
		ConfigPath: path, Config: cfg, ConfigErr: loadErr, Load: loadConfig,
		Socket: socket, SocketFromFlag: *socketFlag != "",
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
	})
	if err != nil {
		logger.Error("cannot set up the supervisor", "error", err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
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
		return 1 // Run logged why
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
