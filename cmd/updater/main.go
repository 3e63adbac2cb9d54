// Command updater keeps DNS records pointed at this machine's current public
// addresses. It is the supervisor's child, but runs fine alone, from cron
// (--once) or under systemd (Type=notify).
//
//	updater [--config PATH] [--once] [--dry-run] [--version]
//	updater version
//	updater import-ddns-go FILE [--out PATH] [--secrets-dir DIR] [--force]
//
// Without --once it runs until stopped: a pass at start and every [updater]
// interval, a pass at once on SIGHUP, and, when an interface address source
// is configured and [updater] watch_interfaces is on, a pass within a few
// hundred milliseconds of an address change. SIGTERM or SIGINT lets the
// provider calls in flight finish, saves the state and exits 0.
//
// Exit codes follow the contract in package ipc:
//
//	0  stopped cleanly, or --once finished with every record in place
//	1  unexpected failure, or another updater already runs on this state
//	   file (its lock, state file + ".lock", is held)
//	2  config or usage error (each problem printed as file:line:col: message)
//	3  network unreachable: --once, or every record failing for network
//	   reasons for longer than [updater] network_grace
//	4  data rejected: --once with a rejected record, or every record rejected
//	   (with only some rejected the updater keeps serving the others)
//	5  credentials rejected: at once, since retrying cannot help
//
// The default state file is per config (see ddns.DefaultStatePathFor), and
// the state file is locked while the updater runs: a second updater on one
// state exits 1 at once, naming the holder's pid. Beside the state file,
// the address journal (state file + ".journal.jsonl", package journal)
// keeps every change and failure of a record, which `supervisor history`
// prints.
//
// --dry-run computes the plan (each record's current value, from the state
// file or the provider, and the wanted one), prints it to stdout and changes
// nothing: no provider write, no state file, no journal. It implies --once.
//
// This file is wiring only; the engine and its policy live in package ddns.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/ddnsd/ddns/clidoc"
	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/ddns"
	"github.com/ddnsd/ddns/importer/ddnsgo"
	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/logging"
	"github.com/ddnsd/ddns/providers/spec"
	"github.com/hashicorp/go-hclog"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	progName = clidoc.NameFromArgv0(os.Args[0], "updater")
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run parses args, wires the engine and returns the exit code. --help, -h
// and `updater help` print the help (help.go) to stdout and exit 0; a
// usage error exits 2 with a short message on stderr.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "import-ddns-go" {
		return ddnsgo.Main(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "version" {
		fmt.Fprintf(stdout, "updater %s\n", version)
		return int(ipc.ExitOK)
	}
	if code, ok := docCommand(args, stdout, stderr); ok {
		return code
	}
	fs := flag.NewFlagSet(progName, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // the flag package's list of flags is not the help: see below
	o := defineFlags(fs)
	configPath, once, dryRun, showVersion := &o.config, &o.once, &o.dryRun, &o.version
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			program.WriteHelp(stdout, progName)
			return int(ipc.ExitOK)
		}
		program.WriteUsageError(stderr, progName, nil)
		return int(ipc.ExitConfig)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected argument %q\n", progName, fs.Arg(0))
		program.WriteUsageError(stderr, progName, nil)
		return int(ipc.ExitConfig)
	}
	if *showVersion {
		fmt.Fprintf(stdout, "updater %s\n", version)
		return int(ipc.ExitOK)
	}

	// Catch SIGHUP (`supervisor update-now`) before anything slow: its
	// default action would end the process while it is still starting.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	cfg, err := configs.Load(*configPath, loadOptions())
	if err != nil {
		printConfigError(stderr, err)
		return int(ipc.ExitConfig)
	}
	log, closeLog, err := newLogger(cfg.Log, os.Getenv(ipc.EnvSocket) != "", stderr)
	if err != nil {
		fmt.Fprintf(stderr, "updater: %s: %v\n", configs.DisplayName(cfg.Path), err)
		return int(ipc.ExitConfig)
	}
	defer closeLog()
	log.Info("config loaded", "file", configs.DisplayName(cfg.Path), "hash", cfg.Hash, "records", len(cfg.Records), "version", version)
	for _, w := range cfg.Warnings {
		log.Warn(w)
	}

	eng, err := ddns.New(cfg, ddns.Options{Logger: log, LockState: !*dryRun, ConfigOrigin: os.Getenv(ipc.EnvConfigOrigin)})
	if err != nil {
		printConfigError(stderr, err)
		if _, ok := configs.AsErrors(err); ok {
			return int(ipc.ExitConfig)
		}
		return int(ipc.ExitFailure)
	}
	defer eng.Close()
	log.Debug("state file", "path", eng.StatePath())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, stopEvents := supervisorEvents(ctx, hup)
	defer stopEvents()
	reporter := ipc.NewReporter(os.Getenv(ipc.EnvSocket), log.Named("report"))
	defer reporter.Close()

	switch {
	case *dryRun:
		items, err := eng.Plan(ctx)
		if werr := ddns.WritePlan(stdout, items); werr != nil {
			log.Error("cannot print the plan", "error", werr)
			return int(ipc.ExitFailure)
		}
		return int(ddns.ExitCodeFor(err))
	case *once:
		res := eng.Pass(ctx)
		if err := reporter.Send(context.WithoutCancel(ctx), eng.Report()); err != nil {
			log.Debug("report not delivered", "error", err)
		}
		if ctx.Err() != nil {
			// Asked to stop: the contract's 0, whatever the cut-short
			// pass's records say (the finished ones are saved).
			return int(ipc.ExitOK)
		}
		return int(res.Code())
	}

	trigger := make(chan struct{}, 1)
	go func() {
		for range hup {
			select {
			case trigger <- struct{}{}:
			default: // a pass is already pending
			}
		}
	}()
	return int(eng.Run(ctx, ddns.RunOptions{Trigger: trigger, Reporter: reporter, Watchdog: watchdog(log),
		SupervisorWatchdog: supervisorWatchdog(log)}))
}

// loadOptions gives configs the provider specs, so that a misspelt provider
// key or a TTL the provider refuses is reported at its line.
func loadOptions() configs.Options {
	return configs.Options{ProviderKeys: spec.Default()}
}

// printConfigError prints one `file:line:col: message` line per problem.
func printConfigError(w io.Writer, err error) {
	if es, ok := configs.AsErrors(err); ok {
		for _, e := range es {
			fmt.Fprintln(w, e.Error())
		}
		return
	}
	fmt.Fprintf(w, "updater: %v\n", err)
}

// newLogger builds the updater's logger from the [log] section through
// package logging, so log_format, log.file and [log.levels] mean the same
// for both binaries. Under the supervisor (supervised) the log file is
// dropped: the supervisor captures this process's stderr into its own log,
// and two processes rotating one file would rename it under each other.
// Supervised, the updater also writes JSON lines, which the supervisor reads
// back with their level, message and fields, and logs in its own format.
// A log file that cannot be opened is reported and stderr used instead, as
// the supervisor does; a bad level is a config error.
func newLogger(l configs.Log, supervised bool, stderr io.Writer) (hclog.Logger, func(), error) {
	if supervised {
		l.File = ""
		l.Format = "json"
	}
	log, closer, err := logging.New("updater", l, stderr)
	if err != nil && l.File != "" {
		fileErr := err
		l.File = ""
		if log, closer, err = logging.New("updater", l, stderr); err == nil {
			// Only the file was at fault (a bad level fails both ways).
			log.Warn("logging to stderr only", "error", fileErr)
		}
	}
	if err != nil {
		return nil, nil, err
	}
	return log, func() { closer.Close() }, nil
}

// watchdog reads systemd's WATCHDOG_USEC: the period within which this
// process must say "WATCHDOG=1", or 0 when systemd does not watch it.
func watchdog(log hclog.Logger) time.Duration {
	v := os.Getenv("WATCHDOG_USEC")
	if v == "" {
		return 0
	}
	if pid := os.Getenv("WATCHDOG_PID"); pid != "" && pid != strconv.Itoa(os.Getpid()) {
		return 0 // meant for another process
	}
	us, err := strconv.ParseInt(v, 10, 64)
	if err != nil || us <= 0 {
		log.Warn("ignoring a malformed WATCHDOG_USEC", "value", v)
		return 0
	}
	return time.Duration(us) * time.Microsecond
}

// supervisorWatchdog reads the supervisor's watchdog period from
// ipc.EnvWatchdogUSec, or 0 when it is unset or malformed (then the
// heartbeat keeps its default and the supervisor's check of the period
// is what catches the mistake).
func supervisorWatchdog(log hclog.Logger) time.Duration {
	d, err := ipc.ParseWatchdogUSec(os.Getenv(ipc.EnvWatchdogUSec))
	if err != nil {
		log.Warn("ignoring a malformed watchdog period", "error", err)
		return 0
	}
	return d
}
