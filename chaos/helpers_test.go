//go:build chaos && linux

package chaos

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ddnsd/ddns/testsupport/e2e"
)

// bins holds the supervisor and updater built once for the whole suite.
var bins e2e.Binaries

// outcomes collects each scenario's result for the summary chaos/run prints.
var outcomes = &summary{}

// TestMain builds the binaries, unless CHAOS_BIN_DIR names a folder that
// holds them already (chaos/run passes bin/ from `make build`).
func TestMain(m *testing.M) {
	if path := os.Getenv(journalWriterEnv); path != "" {
		os.Exit(journalWriter(path)) // a child of testJournalKill9
	}
	b, done, err := e2e.Setup("CHAOS_BIN_DIR")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bins = b
	code := m.Run()
	outcomes.write(os.Stdout, os.Getenv("CHAOS_SUMMARY"))
	done()
	os.Exit(code)
}

// summary is the list of scenario outcomes, in the order they ran.
type summary struct {
	mu    sync.Mutex
	lines []string
	skip  map[string]string // scenario test name -> skip reason
}

func (s *summary) add(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines = append(s.lines, line)
}

func (s *summary) skipReason(name, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.skip == nil {
		s.skip = map[string]string{}
	}
	s.skip[name] = reason
}

func (s *summary) reason(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.skip[name]
}

// write prints one line per scenario ("scenario NAME PASS|FAIL|SKIP ...")
// to w and, when path is set, to that file for chaos/run.
func (s *summary) write(w *os.File, path string) {
	s.mu.Lock()
	text := strings.Join(s.lines, "\n")
	s.mu.Unlock()
	if text == "" {
		return
	}
	fmt.Fprintln(w, text)
	if path != "" {
		if err := os.WriteFile(path, []byte(text+"\n"), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "cannot write the chaos summary:", err)
		}
	}
}

// scenario runs one scenario as a subtest and records its outcome.
func scenario(t *testing.T, name string, fn func(t *testing.T)) {
	start := time.Now()
	var ran, failed, skipped bool
	var full string
	t.Run(name, func(t *testing.T) {
		ran, full = true, t.Name()
		t.Cleanup(func() { failed, skipped = t.Failed(), t.Skipped() })
		fn(t)
	})
	took := time.Since(start).Round(100 * time.Millisecond)
	switch {
	case !ran: // filtered out by -run
	case failed:
		outcomes.add(fmt.Sprintf("scenario %-34s FAIL (%s)", name, took))
	case skipped:
		outcomes.add(fmt.Sprintf("scenario %-34s SKIP (%s)", name, outcomes.reason(full)))
	default:
		outcomes.add(fmt.Sprintf("scenario %-34s PASS (%s)", name, took))
	}
}

// skipf skips the running scenario and keeps the reason for the summary.
func skipf(t *testing.T, format string, args ...any) {
	t.Helper()
	reason := fmt.Sprintf(format, args...)
	name := t.Name()
	if i := strings.Index(name, "/"); i >= 0 {
		if j := strings.Index(name[i+1:], "/"); j >= 0 {
			name = name[:i+1+j] // the scenario's own name, not a nested subtest's
		}
	}
	outcomes.skipReason(name, reason)
	t.Skip(reason)
}

// needRoot skips a scenario that changes mounts or network namespaces.
func needRoot(t *testing.T, what string) {
	t.Helper()
	if os.Geteuid() != 0 {
		skipf(t, "needs root to %s (running as uid %d)", what, os.Geteuid())
	}
}

// newSup gives a scenario a supervisor's folder (nothing runs yet).
func newSup(t *testing.T) *e2e.Supervisor { return e2e.NewSupervisor(t, bins) }

// cloudflareRecord is a config's provider and record sections: the record
// home.example.com at the fake Cloudflare API at endpoint.
func cloudflareRecord(token, endpoint string) string {
	return fmt.Sprintf(`[providers.cf]
type = "cloudflare"
api_token = %q
endpoint = %q
[[records]]
provider = "cf"
zone = "example.com"
name = "home"
`, token, endpoint)
}
