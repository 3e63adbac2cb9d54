package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/install"
)

func cmdInstall(args []string, stdout, stderr io.Writer, remove bool) int {
	name := "install"
	if remove {
		name = "uninstall"
	}
	fs := newFlags(name, stderr)
	print := fs.Bool("print", false, "print what would be written and the commands, change nothing")
	target := fs.String("target", "", "systemd, systemd-user, launchd, windows-service, windows-task or windows-startup (default: from the OS and privileges)")
	config := fs.String("config", "", "config file the installed supervisor uses (default: the lookup order's file)")
	enable := fs.Bool("enable", false, "also enable and start it now")
	binary := fs.String("binary", "", "supervisor binary to install (default: this one)")
	unitName := fs.String("name", install.DefaultName, "unit, label or task name")
	if !fs.parse(args) {
		return 2
	}
	t := install.DefaultTarget(runtime.GOOS, elevated())
	if *target != "" {
		var err error
		if t, err = install.ParseTarget(*target); err != nil {
			fmt.Fprintf(stderr, "supervisor %s: %v\n", name, err)
			return 2
		}
	}
	if t == "" {
		fmt.Fprintf(stderr, "supervisor %s: no startup target for %s; pass --target\n", name, runtime.GOOS)
		return 2
	}
	bin := *binary
	if bin == "" {
		exe, err := os.Executable()
		if err != nil {
			fmt.Fprintf(stderr, "supervisor %s: cannot find this binary: %v\n", name, err)
			return 1
		}
		bin = exe
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			bin = real
		}
	}
	cfgPath := *config
	if cfgPath == "" {
		cfgPath = resolveConfigPath("")
	}
	// A Windows path cannot be made absolute on another system (--print for
	// a Windows machine); everywhere else the installed entry needs it absolute.
	if cfgPath != "" && (!strings.HasPrefix(string(t), "windows") || runtime.GOOS == "windows") {
		cfgPath, _ = filepath.Abs(cfgPath)
	}
	o := install.Options{Target: t, Binary: bin, Config: cfgPath, User: !elevated(), Name: *unitName, Enable: *enable}
	if cfgPath != "" {
		if cfg, err := loadConfig(cfgPath); err == nil {
			o.StopTimeout = cfg.Supervisor.StopTimeout.Duration
		} else if !remove {
			fmt.Fprintf(stderr, "warning: the config does not load yet, the supervisor will wait for a valid one:\n%v\n", err)
		}
	}
	if *print {
		var err error
		if remove {
			err = install.PrintUninstall(stdout, o)
		} else {
			err = install.PrintInstall(stdout, o)
		}
		if err != nil {
			fmt.Fprintf(stderr, "supervisor %s: %v\n", name, err)
			return 1
		}
		return 0
	}
	var res install.Result
	var err error
	if remove {
		res, err = install.Uninstall(o)
	} else {
		res, err = install.Install(o)
	}
	for _, p := range res.Written {
		fmt.Fprintf(stdout, "wrote     %s\n", p)
	}
	for _, p := range res.Unchanged {
		fmt.Fprintf(stdout, "unchanged %s\n", p)
	}
	for _, p := range res.Removed {
		fmt.Fprintf(stdout, "removed   %s\n", p)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(stdout, "note: %s\n", n)
	}
	if len(res.Commands) > 0 {
		verb := "ran"
		if !*enable && !remove {
			verb = "to enable and start it, run"
		}
		fmt.Fprintf(stdout, "%s:\n", verb)
		for _, c := range res.Commands {
			fmt.Fprintf(stdout, "  %s\n", install.FormatCommand(t, c))
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "supervisor %s: %v\n", name, err)
		return 1
	}
	if cfgPath == "" && !remove {
		fmt.Fprintf(stdout, "note: no config file found; the supervisor will run the embedded default until %s exists\n", configs.SystemConfigPath(nil))
	}
	return 0
}
