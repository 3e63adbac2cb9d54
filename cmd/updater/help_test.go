package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ddnsd/ddns/clidoc"
)

// TestHelpTableFollowsItsRules: the updater's help, commands and every
// flag run parses are described in sentences.
func TestHelpTableFollowsItsRules(t *testing.T) {
	for _, err := range program.Check() {
		t.Error(err)
	}
}

// TestHelp: --help, -h, -help and `updater help` print the same help on
// stdout, naming and describing every flag, ending with the README, exit
// 0 and nothing on stderr; `updater help man` and `updater man --help`
// print the man command's help.
func TestHelp(t *testing.T) {
	var want string
	for _, args := range [][]string{{"--help"}, {"-h"}, {"-help"}, {"help"}, {"--once", "--help"}} {
		var stdout, stderr bytes.Buffer
		code := run(args, &stdout, &stderr)
		if code != 0 || stderr.Len() != 0 {
			t.Fatalf("updater %v: exit %d, stderr %q; want 0 and nothing on stderr", args, code, stderr.String())
		}
		if want == "" {
			want = stdout.String()
		} else if stdout.String() != want {
			t.Errorf("updater %v prints another help than updater --help", args)
		}
	}
	flat := strings.Join(strings.Fields(want), " ")
	flags := clidoc.Flags(program.Flags)
	for _, name := range []string{"config", "once", "dry-run", "version"} {
		found := false
		for _, f := range flags {
			if f.Name == name {
				found = true
				if !strings.Contains(flat, strings.Join(strings.Fields(f.Usage), " ")) {
					t.Errorf("updater --help does not describe --%s with %q", name, f.Usage)
				}
			}
		}
		if !found {
			t.Errorf("the updater's flag set has no --%s", name)
		}
	}
	if !strings.HasPrefix(want, "usage: updater [--config PATH] [--once] [--dry-run]") || !strings.Contains(want, "https://github.com/ddnsd/ddns#readme") {
		t.Errorf("updater --help lacks its usage line or the README:\n%s", want)
	}
	for _, args := range [][]string{{"help", "man"}, {"man", "--help"}, {"completion", "bash", "-h"}} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 0 || !strings.HasPrefix(stdout.String(), "usage: updater "+strings.TrimPrefix(strings.Join(args[:1], ""), "help")) {
			t.Errorf("updater %v: exit %d\n%s%s", args, code, stdout.String(), stderr.String())
		}
	}
}

// TestUsageErrorIsShort: an unknown flag or a stray argument exits 2 with
// a short message on stderr that points to `updater help`.
func TestUsageErrorIsShort(t *testing.T) {
	for _, args := range [][]string{{"--no-such-flag"}, {"stray"}, {"help", "no-such-command"}, {"completion"}, {"completion", "tcsh"}, {"man", "--bogus"}} {
		var stdout, stderr bytes.Buffer
		code := run(args, &stdout, &stderr)
		if code != 2 || stdout.Len() != 0 || !strings.Contains(stderr.String(), "`updater help") || strings.Count(stderr.String(), "\n") > 4 {
			t.Errorf("updater %v: exit %d, stdout %q, stderr %q; want 2 and a short pointer to `updater help`", args, code, stdout.String(), stderr.String())
		}
	}
}

// TestManPageAndCompletion: `updater man` renders under groff with every
// warning on and lints clean under mandoc, with the flags and exit codes;
// `updater completion bash` parses and completes --config with files.
func TestManPageAndCompletion(t *testing.T) {
	out := func(args ...string) string {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 0 || stderr.Len() != 0 {
			t.Fatalf("updater %v: exit %d\n%s", args, code, stderr.String())
		}
		return stdout.String()
	}
	groff, err := exec.LookPath("groff")
	if err != nil {
		t.Skip("groff is not installed (Debian package groff-base; .ci/run installs it)")
	}
	mandoc, err := exec.LookPath("mandoc")
	if err != nil {
		t.Skip("mandoc is not installed (Debian package mandoc; .ci/run installs it)")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "ddnsd-updater.1")
	page := out("man", "--name", "ddnsd-updater")
	if err := os.WriteFile(file, []byte(page), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(groff, "-man", "-Tutf8", "-ww", "-z", file)
	if b, err := cmd.CombinedOutput(); err != nil || len(b) != 0 {
		t.Errorf("groff -man -ww: %v\n%s", err, b)
	}
	if b, err := exec.Command(mandoc, "-Tlint", "-W", "warning", file).CombinedOutput(); err != nil || len(b) != 0 {
		t.Errorf("mandoc -Tlint: %v\n%s", err, b)
	}
	for _, want := range []string{`.B \-\-dry\-run`, `.BI "\-\-config " PATH`, ".SH \"EXIT STATUS\"", ".B 5\n", "ddnsd\\-supervisor (1)", "\\fBddnsd\\-supervisor update\\-now\\fR"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	script := filepath.Join(dir, "updater.bash")
	if err := os.WriteFile(script, []byte(out("completion", "bash")), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.toml"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for words, want := range map[string]string{"updater --con": "--config", "updater --config conf": "config.toml", "updater --once --dr": "--dry-run", "updater ma": "man"} {
		c := exec.Command("bash", "--norc", "--noprofile", "-c", "source "+script+"; COMP_WORDS=("+words+"); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); _updater_complete; echo \"${COMPREPLY[*]}\"")
		c.Dir = dir
		b, err := c.CombinedOutput()
		if err != nil || strings.TrimSpace(string(b)) != want {
			t.Errorf("bash completing %q: %q (%v), want %q", words, b, err, want)
		}
	}
}
