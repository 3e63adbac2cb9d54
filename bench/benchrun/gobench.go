//go:build linux

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// goBench is one Go testing.B benchmark the bench runs and reports.
type goBench struct {
	pkg, name string
	benchtime string // e.g. "2000x"
	count     int
	unit      string // the row's unit: "µs" or "ms"
	// mid and tail name the benchmark's own percentile metrics when it
	// reports them (a latency benchmark); empty mid means ns/op.
	mid, tail, tailLabel string
	scale                float64 // multiplies the metric into unit
	tgt                  *target
	note                 string
	root                 bool // needs root (a network namespace)
}

func (b *bench) goBenches() []goBench {
	return []goBench{
		{pkg: "supervise", name: "BenchmarkPolicyDecision", benchtime: "20000x", count: 5, unit: "µs", scale: 1e-3,
			note: "exit → action, crash-loop count, backoff delay, timer, events (fake clock, fake process)"},
		{pkg: "supervise", name: "BenchmarkRestartLatency", benchtime: "100x", count: 3, unit: "ms", mid: "ms-median", tail: "ms-p90", tailLabel: "p90", scale: 1,
			tgt: &target{"median", 5}, note: "in-process: exit seen → next Start returned, real processes; figures across runs of the benchmark's own median"},
		{pkg: "ipc", name: "BenchmarkStatusRoundTrip", benchtime: "2000x", count: 3, unit: "µs", mid: "p50-µs", tail: "p99-µs", tailLabel: "p99", scale: 1,
			tgt: &target{"p99", 2000}, note: "in-process client and server over a real socket; median across runs of the benchmark's own p50"},
		{pkg: "ipc", name: "BenchmarkStatusEncode", benchtime: "300x", count: 5, unit: "µs", scale: 1e-3,
			note: "one status reply to its wire line"},
		{pkg: "ddns", name: "BenchmarkStateSave", benchtime: "20x", count: 5, unit: "ms", scale: 1e-6,
			note: "atomic state file write: temp file, fsync, rename, fsync of the folder"},
		{pkg: "configs", name: "BenchmarkReloadLatency", benchtime: "40x", count: 1, unit: "ms", mid: "p50-ms", tail: "p95-ms", tailLabel: "p95", scale: 1,
			tgt: &target{"p95", 50}, note: "watcher only: rename over the config → Change delivered; p95 from the benchmark itself"},
		{pkg: "journal", name: "BenchmarkReadAYear", benchtime: "20x", count: 3, unit: "ms", scale: 1e-6,
			tgt: &target{"median", 200}, note: "a year of hourly changes and daily failures (9,125 entries, 2.2 MB) read and merged, as the dashboard loads it"},
		{pkg: "netprobe", name: "BenchmarkAddressChangeEvent", benchtime: "20x", count: 3, unit: "µs", mid: "median-µs", tail: "p99-µs", tailLabel: "p99", scale: 1,
			root: true, note: "netlink RTM_NEWADDR acknowledged → event on the watch channel"},
	}
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+(\d+)\s+(.*)$`)

// goBenchSection compiles each package's test binary once and runs its
// benchmarks with a small fixed iteration count.
func (b *bench) goBenchSection(root string) []Result {
	var rows []Result
	built := map[string]string{}
	for _, gb := range b.goBenches() {
		fail := func(why string) {
			rows = append(rows, Result{Section: "go benchmarks", Name: gb.pkg + "." + gb.name, Unit: gb.unit, Skipped: why})
		}
		if gb.root && os.Geteuid() != 0 {
			fail("needs root (network namespace)")
			continue
		}
		bin, ok := built[gb.pkg]
		if !ok {
			bin = filepath.Join(b.tmp, gb.pkg+".test")
			out, err := exec.Command("go", "test", "-c", "-o", bin, "./"+gb.pkg).CombinedOutput()
			if err != nil {
				fail(fmt.Sprintf("go test -c ./%s: %v\n%s", gb.pkg, err, out))
				continue
			}
			built[gb.pkg] = bin
		}
		count := gb.count
		if b.quick {
			count = 1
		}
		cmd := exec.Command(bin, "-test.run", "^$", "-test.bench", "^"+gb.name+"$", "-test.benchtime", gb.benchtime,
			"-test.count", strconv.Itoa(count))
		cmd.Dir = filepath.Join(root, gb.pkg) // where `go test` would run it (testdata)
		out, err := cmd.CombinedOutput()
		if err != nil {
			fail(fmt.Sprintf("%v\n%s", err, tailOf(out)))
			continue
		}
		rows = append(rows, parseBench(gb, out)...)
	}
	return rows
}

// parseBench turns benchmark output into rows, one per (sub-)benchmark, in
// the order they first appear.
func parseBench(gb goBench, out []byte) []Result {
	type acc struct {
		mid, tail []float64
		extra     map[string][]float64
	}
	var order []string
	byName := map[string]*acc{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		a := byName[m[1]]
		if a == nil {
			a = &acc{extra: map[string][]float64{}}
			byName[m[1]] = a
			order = append(order, m[1])
		}
		f := strings.Fields(m[3])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch unit := f[i+1]; {
			case gb.mid == "" && unit == "ns/op", unit == gb.mid:
				a.mid = append(a.mid, v*gb.scale)
			case unit == gb.tail:
				a.tail = append(a.tail, v*gb.scale)
			default:
				a.extra[unit] = append(a.extra[unit], v)
			}
		}
	}
	var rows []Result
	for _, name := range order {
		a := byName[name]
		r := Result{Section: "go benchmarks", Name: gb.pkg + "." + strings.TrimPrefix(name, "Benchmark"), Unit: gb.unit, Note: gb.note,
			Extra: map[string]float64{}}
		for k, v := range a.extra {
			r.Extra[k] = median(v)
		}
		if len(a.tail) > 0 {
			r.Extra[gb.tailLabel] = median(a.tail)
			r.Note = joinNote(fmt.Sprintf("own %s %s %s", gb.tailLabel, num(r.Extra[gb.tailLabel]), gb.unit), r.Note)
		}
		if len(a.mid) == 0 {
			r.Skipped = "no figure in the benchmark's output"
			rows = append(rows, r)
			continue
		}
		r.fill(a.mid, gb.tgt)
		rows = append(rows, r)
	}
	return rows
}
