package chromium

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Browser is a Chromium binary a test may run.
type Browser struct {
	// Path is the binary.
	Path string
	// Wrap is put before the binary's argv (ip netns exec NAME, to open a
	// page inside a test's network namespace).
	Wrap []string
}

// names are the binaries tried, in order.
var names = []string{"chromium", "chromium-browser", "google-chrome"}

// Find returns the first Chromium on PATH, or an error that says how to
// install one.
func Find() (Browser, error) {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return Browser{Path: p}, nil
		}
	}
	return Browser{}, fmt.Errorf("no headless browser found (looked for %s on PATH); install Debian's chromium package (apt-get install -y chromium)", strings.Join(names, ", "))
}

// Require returns a Browser or ends the test: a failure under CI=true, a
// skip elsewhere.
func Require(t testing.TB) Browser {
	t.Helper()
	b, err := Find()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("cannot run: %v; under CI=true every test must run", err)
		}
		t.Skipf("%v", err)
	}
	return b
}

// args are the flags of every run: headless, no sandbox (tests run as
// root), nothing in the background that would reach the network, and a
// fresh profile.
func args(profile string) []string {
	return []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--no-proxy-server", "--hide-scrollbars", "--user-data-dir=" + profile}
}

// run runs the browser with extra flags and the url, within a minute, and
// returns its standard output.
func (b Browser) run(t testing.TB, extra []string, url string, budget time.Duration) []byte {
	t.Helper()
	profile := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // failure guard
	defer cancel()
	argv := append(append(append(append([]string{}, b.Wrap...), b.Path), args(profile)...), extra...)
	argv = append(argv, "--virtual-time-budget="+strconv.FormatInt(budget.Milliseconds(), 10))
	cmd := exec.CommandContext(ctx, argv[0], append(argv[1:], url)...)
	cmd.Env = append(os.Environ(), "HOME="+profile)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s on %s: %v\n%s", b.Path, url, err, stderr.String())
	}
	return out
}

// DumpDOM loads url, lets its scripts run for budget of virtual time
// (timers fire at once; the budget waits for pending fetches) and returns
// the DOM serialized as HTML.
func (b Browser) DumpDOM(t testing.TB, url string, budget time.Duration) string {
	t.Helper()
	return string(b.run(t, []string{"--dump-dom"}, url, budget))
}

// Screenshot loads url like DumpDOM and saves a PNG of a width×height
// window at path.
func (b Browser) Screenshot(t testing.TB, url, path string, width, height int, budget time.Duration) {
	t.Helper()
	b.run(t, []string{"--screenshot=" + path, fmt.Sprintf("--window-size=%d,%d", width, height)}, url, budget)
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Fatalf("%s wrote no screenshot at %s: %v", b.Path, path, err)
	}
}
