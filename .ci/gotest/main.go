// Command gotest runs `go test -json` with the arguments it is given and
// prints, per package, how many tests ran, passed, failed and were skipped,
// then the output of every failed test and the list of skipped ones.
//
// A skipped test is a test that proved nothing. With CI=true in the
// environment, every skip that is not on the allow-list fails the run, so a
// green CI run means every test ran: a privileged test that skips because
// the run is not root is named, with its skip message, instead of passing
// silently.
//
// The allow-list (-allow FILE) has one line per test that may skip:
//
//	./netprobe TestHelperProcess  helper process: TestCommandSource runs it as a child
//
// the package folder, the test's name (a subtest as Test/sub) and the reason,
// which is required. Blank lines and lines starting with # are ignored.
//
// Usage (from the module's root):
//
//	go run ./.ci/gotest [-allow FILE] -- [go test flags] [packages]
//
// It is a tool of the build, not part of the product: nothing imports it.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// event is one line of `go test -json` (see `go doc test2json`).
type event struct {
	Action     string
	Package    string
	Test       string
	Output     string
	ImportPath string // build-output and build-fail events
	Elapsed    float64
}

// result is what became of one test (or subtest).
type result struct {
	pkg, name string
	action    string   // pass, fail, skip, or "" while still running
	output    []string // the test's own output lines, in order
}

// pkgResult is what became of one package.
type pkgResult struct {
	name    string
	action  string // pass, fail, skip (no test files)
	elapsed float64
	output  []string // lines not attributed to a test (panics, timeouts, build errors)
	tests   []*result
}

// allowed maps "folder test" to the reason the test may skip.
type allowed map[string]string

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("gotest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	allowPath := fs.String("allow", "", "file of tests that may skip, one per line: FOLDER TEST REASON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	allow := allowed{}
	if *allowPath != "" {
		var err error
		if allow, err = readAllow(*allowPath); err != nil {
			fmt.Fprintln(stderr, "gotest:", err)
			return 2
		}
	}
	module, err := modulePath()
	if err != nil {
		fmt.Fprintln(stderr, "gotest:", err)
		return 2
	}

	cmd := exec.Command("go", append([]string{"test", "-json"}, fs.Args()...)...)
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(stderr, "gotest:", err)
		return 2
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(stderr, "gotest: cannot run go test:", err)
		return 2
	}
	pkgs := collect(out, stdout)
	waitErr := cmd.Wait()
	code := 0
	var exitErr *exec.ExitError
	switch {
	case waitErr == nil:
	case errors.As(waitErr, &exitErr):
		code = 1
	default:
		fmt.Fprintln(stderr, "gotest: go test:", waitErr)
		code = 1
	}
	ci := os.Getenv("CI") == "true"
	if report(pkgs, module, allow, ci, stdout) {
		code = 1
	}
	return code
}

// readAllow parses the allow-list; a line without a reason is an error, so
// the list cannot grow without saying why.
func readAllow(path string) (allowed, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the skip allow-list: %w", err)
	}
	a := allowed{}
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 3 {
			return nil, fmt.Errorf("%s:%d: want FOLDER TEST REASON, got %q", path, i+1, line)
		}
		a[f[0]+" "+f[1]] = strings.Join(f[2:], " ")
	}
	return a, nil
}

// modulePath is the main module's path, to print packages as folders.
func modulePath() (string, error) {
	out, err := exec.Command("go", "list", "-m").Output()
	if err != nil {
		return "", fmt.Errorf("cannot find the module's path with go list -m: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// collect reads the event stream to its end. Lines that are not JSON (go
// test prints some, for example when a package's build fails in old
// toolchains) are copied to w as they come.
func collect(r io.Reader, w io.Writer) map[string]*pkgResult {
	pkgs := map[string]*pkgResult{}
	tests := map[string]*result{}
	pkg := func(name string) *pkgResult {
		p := pkgs[name]
		if p == nil {
			p = &pkgResult{name: name}
			pkgs[name] = p
		}
		return p
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Action == "" {
			fmt.Fprintln(w, sc.Text())
			continue
		}
		switch e.Action {
		case "build-output":
			p := pkg(buildTarget(e.ImportPath))
			p.output = append(p.output, e.Output)
			continue
		case "build-fail":
			pkg(buildTarget(e.ImportPath)).action = "fail"
			continue
		}
		if e.Package == "" {
			continue
		}
		p := pkg(e.Package)
		if e.Test == "" {
			switch e.Action {
			case "output":
				p.output = append(p.output, e.Output)
			case "pass", "fail", "skip":
				p.action, p.elapsed = e.Action, e.Elapsed
			}
			continue
		}
		key := e.Package + " " + e.Test
		t := tests[key]
		if t == nil {
			t = &result{pkg: e.Package, name: e.Test}
			tests[key] = t
			p.tests = append(p.tests, t)
		}
		switch e.Action {
		case "output":
			t.output = append(t.output, e.Output)
		case "pass", "fail", "skip":
			t.action = e.Action
		}
	}
	return pkgs
}

// buildTarget is the package a build event is about: go test names the
// test variant "pkg [pkg.test]", reported here under pkg.
func buildTarget(importPath string) string {
	name, _, _ := strings.Cut(importPath, " [")
	return name
}

// report prints the summary and returns true when the run must fail for a
// reason go test's exit code does not carry: a skip not on the allow-list
// while ci is set.
func report(pkgs map[string]*pkgResult, module string, allow allowed, ci bool, w io.Writer) bool {
	names := make([]string, 0, len(pkgs))
	for n := range pkgs {
		names = append(names, n)
	}
	sort.Strings(names)
	folder := func(pkg string) string {
		if pkg == module {
			return "."
		}
		if rest, ok := strings.CutPrefix(pkg, module+"/"); ok {
			return "./" + rest
		}
		return pkg
	}

	var failed, unexpected, allowedSkips []*result
	var brokenPkgs []*pkgResult
	total := map[string]int{}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%-4s %-28s %5s %6s %6s %7s %8s\n", "", "package", "run", "passed", "failed", "skipped", "time")
	for _, n := range names {
		p := pkgs[n]
		c := map[string]int{}
		for _, t := range p.tests {
			c["run"]++
			switch t.action {
			case "pass":
				c["pass"]++
			case "skip":
				c["skip"]++
				if _, ok := allow[folder(t.pkg)+" "+t.name]; ok {
					allowedSkips = append(allowedSkips, t)
				} else {
					unexpected = append(unexpected, t)
				}
			default: // fail, or never finished (a panic or timeout in the package)
				c["fail"]++
				failed = append(failed, t)
			}
		}
		for k, v := range c {
			total[k] += v
		}
		status := "ok"
		switch {
		case p.action == "fail" || p.action == "" || c["fail"] > 0:
			status = "FAIL"
			brokenPkgs = append(brokenPkgs, p)
		case len(p.tests) == 0:
			status = "-"
		}
		fmt.Fprintf(w, "%-4s %-28s %5d %6d %6d %7d %8s\n", status, folder(n), c["run"], c["pass"], c["fail"], c["skip"],
			(time.Duration(p.elapsed * float64(time.Second))).Round(100*time.Millisecond))
	}
	fmt.Fprintf(w, "%-4s %-28s %5d %6d %6d %7d\n", "", "total (tests and subtests)", total["run"], total["pass"], total["fail"], total["skip"])

	for _, t := range failed {
		fmt.Fprintf(w, "\n--- FAIL: %s %s\n", folder(t.pkg), t.name)
		for _, l := range t.output {
			fmt.Fprint(w, l)
		}
	}
	for _, p := range brokenPkgs {
		var lines []string
		for _, l := range p.output {
			if s := strings.TrimSpace(l); s == "PASS" || s == "FAIL" || strings.HasPrefix(s, "FAIL\t") || strings.HasPrefix(s, "ok ") {
				continue
			}
			lines = append(lines, l)
		}
		if len(lines) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n--- FAIL: package %s (output outside any test: build error, panic or timeout)\n", folder(p.name))
		for _, l := range lines {
			fmt.Fprint(w, l)
		}
	}
	if len(allowedSkips) > 0 {
		fmt.Fprintf(w, "\nskipped, on the allow-list:\n")
		for _, t := range allowedSkips {
			fmt.Fprintf(w, "  %s %s: %s\n", folder(t.pkg), t.name, allow[folder(t.pkg)+" "+t.name])
		}
	}
	if len(unexpected) == 0 {
		return false
	}
	if ci {
		fmt.Fprintf(w, "\nFAIL: %d test(s) skipped under CI=true and not on the allow-list (they proved nothing):\n", len(unexpected))
	} else {
		fmt.Fprintf(w, "\nskipped (this fails the run under CI=true):\n")
	}
	for _, t := range unexpected {
		fmt.Fprintf(w, "  %s %s: %s\n", folder(t.pkg), t.name, skipMessage(t.output))
	}
	return ci
}

// skipMessage is what the test said when it skipped, without go test's own
// "=== RUN" and "--- SKIP" lines.
func skipMessage(lines []string) string {
	var msg []string
	for _, l := range lines {
		s := strings.TrimSpace(l)
		if s == "" || strings.HasPrefix(s, "=== ") || strings.HasPrefix(s, "--- ") {
			continue
		}
		msg = append(msg, s)
	}
	if len(msg) == 0 {
		return "(no message)"
	}
	return strings.Join(msg, " / ")
}
