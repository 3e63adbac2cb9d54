//go:build linux

// Command benchrun is `make bench`: it measures the supervisor and the
// updater from the outside, as they run on a user's machine, beside
// supervisord (Debian's `supervisor` package) wherever the comparison
// means something, runs the Go benchmarks of the hot paths, prints one
// table and writes every figure to a JSON file.
//
//	benchrun [--bin DIR] [--out FILE] [--quick] [--only SECTIONS] [--idle 60s]
//
// The same binary is also the supervised child of both supervisors
// (`benchrun child ...`) and the program that runs inside the network
// namespace for the address-change figure (`benchrun netns-addr ...`).
// Nothing leaves the machine: probes are off or point at loopback, address
// sources are commands or interfaces, and the DNS provider is the local fake
// Cloudflare API from ddns/providertest.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

func main() { os.Exit(realMain()) }

func realMain() int {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "child":
			return childMain(os.Args[2:])
		case "netns-addr":
			return netnsAddrMain(os.Args[2:])
		}
	}
	fs := flag.NewFlagSet("benchrun", flag.ContinueOnError)
	bin := fs.String("bin", "bin", "folder holding the supervisor and updater binaries (`make build` puts them in bin)")
	out := fs.String("out", "bench/results.json", "where to write the results as JSON (\"\" for nowhere; with --quick, nowhere unless given)")
	quick := fs.Bool("quick", false, "few samples per figure, to try the bench out in a minute; keeps bench/results.json as it is")
	only := fs.String("only", "", "comma-separated sections to run: go,restart,reload,status,idle,address,pass,size (default all)")
	idle := fs.Duration("idle", 60*time.Second, "the idle window for memory and CPU")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return 2
	}
	outGiven := false
	fs.Visit(func(f *flag.Flag) { outGiven = outGiven || f.Name == "out" })
	if *quick && !outGiven {
		*out = "" // a quick run must not replace the committed figures
	}
	root, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchrun:", err)
		return 1
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchrun: cannot find its own binary (it is also the supervised child):", err)
		return 1
	}
	absBin, _ := filepath.Abs(*bin)
	for _, name := range []string{"supervisor", "updater"} {
		if _, err := os.Stat(filepath.Join(absBin, name)); err != nil {
			fmt.Fprintf(os.Stderr, "benchrun: %s is missing from %s: run `make build` first (or give --bin)\n", name, absBin)
			return 1
		}
	}
	tmp, err := os.MkdirTemp("", "ddns-bench-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchrun:", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	b := &bench{bin: absBin, self: self, tmp: tmp, quick: *quick}
	if _, err := exec.LookPath("supervisord"); err != nil {
		b.peerErr = "supervisord is not installed (Debian package `supervisor`); bench/run installs it when run as root"
	}
	want := map[string]bool{}
	for _, s := range strings.Split(*only, ",") {
		if s = strings.TrimSpace(s); s != "" {
			want[s] = true
		}
	}
	sections := []struct {
		name string
		run  func() []Result
	}{
		{"go", func() []Result { return b.goBenchSection(root) }},
		{"restart", b.restartSection},
		{"reload", b.reloadSection},
		{"status", b.statusSection},
		{"idle", func() []Result { return b.idleSection(*idle) }},
		{"address", b.addrSection},
		{"pass", b.passSection},
		{"size", func() []Result { return b.sizeSection(root) }},
	}
	began := time.Now()
	loadBefore := loadavg()
	var results []Result
	for _, s := range sections {
		if len(want) > 0 && !want[s.name] {
			continue
		}
		t := time.Now()
		fmt.Fprintf(os.Stderr, "bench: %s ...", s.name)
		rs := s.run()
		fmt.Fprintf(os.Stderr, " %.1fs\n", time.Since(t).Seconds())
		results = append(results, rs...)
	}
	took := time.Since(began)
	addBaseline(results, filepath.Join(root, "bench", "baseline.json"))
	fmt.Print("\n" + table(results))
	fmt.Printf("\nmedian and p95 over n samples; peer÷ours above 1 means ours is lower. Whole run: %.0f s; load average %s before, %s after.\n",
		took.Seconds(), loadBefore, loadavg())
	if *out != "" {
		doc := map[string]any{
			"measured_at": time.Now().UTC().Format(time.RFC3339),
			"took_s":      took.Round(time.Second).Seconds(),
			"machine":     machine(),
			// Other work on the machine widens the tails: the load averages
			// at the start and the end say how quiet it was.
			"loadavg_before": loadBefore,
			"loadavg_after":  loadavg(),
			"quick":          *quick,
			"results":        results,
		}
		data, err := json.MarshalIndent(doc, "", "  ")
		if err == nil {
			err = os.WriteFile(*out, append(data, '\n'), 0o644)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "benchrun: cannot write %s: %v\n", *out, err)
			return 1
		}
		fmt.Printf("Results written to %s.\n", *out)
	}
	// A missed target is a finding shown in the table, not a failure of the
	// bench: exit 0 whenever the figures were taken.
	return 0
}

// loadavg is the first three fields of /proc/loadavg.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

// machine describes where the figures were taken.
func machine() map[string]any {
	m := map[string]any{"go": runtime.Version(), "goos": runtime.GOOS, "goarch": runtime.GOARCH, "cpus": runtime.NumCPU()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				m["cpu"] = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m["kernel"] = strings.TrimSpace(string(b))
	}
	if out, err := exec.Command("git", "describe", "--always", "--dirty").Output(); err == nil {
		m["commit"] = strings.TrimSpace(string(out))
	}
	if out, err := exec.Command("supervisord", "--version").Output(); err == nil {
		m["supervisord"] = strings.TrimSpace(string(out))
	}
	return m
}
