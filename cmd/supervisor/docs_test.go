package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// docOutput runs the supervisor's command args and returns its stdout,
// failing the test on any exit but 0 or any stderr.
func docOutput(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != 0 || stderr.Len() != 0 {
		t.Fatalf("supervisor %s: exit %d\n%s", strings.Join(args, " "), code, stderr.String())
	}
	return stdout.String()
}

func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed (Debian package %s; .ci/run installs it)", name, pkg)
	}
	return p
}

// TestManPageRendersWithoutWarnings: `supervisor man` (and for the
// packages' name) is a page groff renders with every warning on and
// mandoc lints without a warning, with the sections a man page has, every
// command and every flag.
func TestManPageRendersWithoutWarnings(t *testing.T) {
	groff := needTool(t, "groff", "groff-base")
	mandoc := needTool(t, "mandoc", "mandoc")
	for _, name := range []string{"", "ddnsd-supervisor"} {
		args := []string{"man"}
		prog := "supervisor"
		if name != "" {
			args, prog = append(args, "--name", name), name
		}
		page := docOutput(t, args...)
		file := filepath.Join(t.TempDir(), prog+".1")
		if err := os.WriteFile(file, []byte(page), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(groff, "-man", "-Tutf8", "-ww", file)
		cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		text, err := cmd.Output()
		if err != nil || stderr.Len() != 0 {
			t.Errorf("groff -man -ww on %s: %v\n%s", prog, err, stderr.String())
		}
		if out, err := exec.Command(mandoc, "-Tlint", "-W", "warning", file).CombinedOutput(); err != nil || len(out) != 0 {
			t.Errorf("mandoc -Tlint on %s: %v\n%s", prog, err, out)
		}
		// Plain text: drop groff's overstrike bold and the hyphen escapes.
		plain := strings.NewReplacer("\u2010", "-", "\u2212", "-").Replace(stripOverstrike(string(text)))
		flat := strings.Join(strings.Fields(plain), " ")
		for _, section := range []string{"NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS", "EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES", "SEE ALSO"} {
			if !strings.Contains(plain, "\n"+section+"\n") {
				t.Errorf("the %s page has no %s section", prog, section)
			}
		}
		if !strings.Contains(flat, prog+" - keep the DDNS updater running") || !strings.HasPrefix(page, `.\"`) || !strings.Contains(page, ".TH \""+strings.ToUpper(strings.ReplaceAll(prog, "-", `\-`))+"\" 1 ") {
			t.Errorf("the %s page's header or NAME line is wrong:\n%.600s", prog, page)
		}
		for _, c := range program.Commands {
			if !strings.Contains(flat, prog+" "+c.Name) {
				t.Errorf("the %s page does not list the command %s", prog, c.Name)
			}
		}
		if name != "" && (strings.Contains(flat, " supervisor status") || !strings.Contains(flat, "ddnsd-updater(1)")) {
			t.Errorf("the page for %s still names `supervisor status`, or not ddnsd-updater(1)", prog)
		}
		for _, f := range []string{"--socket", "--events", "--target", "--enable", "--json", "--since"} {
			if !strings.Contains(flat, f) {
				t.Errorf("the %s page does not describe %s", prog, f)
			}
		}
	}
}

// stripOverstrike removes groff's "c\bc" bold and "_\bc" underline.
func stripOverstrike(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		if i+1 < len(rs) && rs[i+1] == '\b' {
			i++ // skip the struck character and the backspace
			continue
		}
		b.WriteRune(rs[i])
	}
	return b.String()
}

// TestManDateFromSourceDateEpoch: a package build sets SOURCE_DATE_EPOCH,
// and the page carries that date, so two builds make the same page.
func TestManDateFromSourceDateEpoch(t *testing.T) {
	old := getenv
	getenv = func(k string) string {
		if k == "SOURCE_DATE_EPOCH" {
			return "1764633600" // 2025-12-02
		}
		return ""
	}
	defer func() { getenv = old }()
	if page := docOutput(t, "man"); !strings.Contains(page, `.TH "SUPERVISOR" 1 "2025-12-02"`) {
		t.Errorf("the page's date is not SOURCE_DATE_EPOCH's:\n%.300s", page)
	}
}

// completeBash sources the script in a bash without rc files and runs its
// completion function on words (the last is the word being completed),
// returning COMPREPLY one per line.
func completeBash(t *testing.T, bash, script, fn string, words ...string) []string {
	t.Helper()
	var quoted []string
	for _, w := range words {
		quoted = append(quoted, "'"+strings.ReplaceAll(w, "'", `'\''`)+"'")
	}
	prog := "source " + script + "\nCOMP_WORDS=(" + strings.Join(quoted, " ") + ")\nCOMP_CWORD=$((${#COMP_WORDS[@]} - 1))\nCOMPREPLY=()\n" +
		fn + "\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"
	cmd := exec.Command(bash, "--norc", "--noprofile", "-c", prog)
	cmd.Dir = filepath.Dir(script)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash completing %q: %v\n%s", words, err, out)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l != "" {
			got = append(got, l)
		}
	}
	return got
}

// TestBashCompletion: the script parses (bash -n) and completes commands,
// a command's flags, the install targets, --flag=value, file names for
// --config and for import-ddns-go's FILE, command names after help, and
// nothing after a flag that takes a number.
func TestBashCompletion(t *testing.T) {
	bash := needTool(t, "bash", "bash")
	dir := t.TempDir()
	script := filepath.Join(dir, "supervisor.bash")
	if err := os.WriteFile(script, []byte(docOutput(t, "completion", "bash")), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bash, "-n", script).CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v\n%s", err, out)
	}
	for _, f := range []string{"config.toml", "config.yaml", "other.txt"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	const fn = "_supervisor_complete"
	for _, tc := range []struct {
		words []string
		want  string
	}{
		{[]string{"supervisor", "sta"}, "status start"},
		{[]string{"supervisor", "up"}, "update-now"},
		{[]string{"supervisor", "status", "--"}, "--config --events --json --socket --watch --help"},
		{[]string{"supervisor", "logs", "-"}, "--config -f --json -n --socket --help"},
		{[]string{"supervisor", "install", "--target", "windows-"}, "windows-service windows-task windows-startup"},
		{[]string{"supervisor", "install", "--target", "=", "sys"}, "systemd systemd-user"},
		{[]string{"supervisor", "status", "--events", ""}, "all"},
		{[]string{"supervisor", "logs", "-n", ""}, ""},
		{[]string{"supervisor", "check", "--config", "config."}, "config.toml config.yaml"},
		{[]string{"supervisor", "import-ddns-go", "config.y"}, "config.yaml"},
		{[]string{"supervisor", "help", "un"}, "uninstall"},
		{[]string{"supervisor", "completion", ""}, "bash zsh fish powershell"},
		{[]string{"supervisor", "status", ""}, ""},
	} {
		got := strings.Join(completeBash(t, bash, script, fn, tc.words...), " ")
		if got != tc.want {
			t.Errorf("completing %q: %q, want %q", tc.words, got, tc.want)
		}
	}

	// For the packages' name: the function and the command follow it.
	named := filepath.Join(dir, "ddnsd-supervisor.bash")
	if err := os.WriteFile(named, []byte(docOutput(t, "completion", "bash", "--name", "ddnsd-supervisor")), 0o600); err != nil {
		t.Fatal(err)
	}
	got := completeBash(t, bash, named, "_ddnsd_supervisor_complete; complete -p ddnsd-supervisor >&2", "ddnsd-supervisor", "rel")
	if strings.Join(got, " ") != "complete -F _ddnsd_supervisor_complete ddnsd-supervisor reload" {
		t.Errorf("the script for ddnsd-supervisor: %q", got)
	}
}

// TestZshCompletionParses: zsh -n accepts the script, which registers
// itself for the program and lists every command (running zsh's
// completion system needs a terminal: not tested here).
func TestZshCompletionParses(t *testing.T) {
	zsh := needTool(t, "zsh", "zsh")
	for _, name := range []string{"supervisor", "ddnsd-supervisor"} {
		script := docOutput(t, "completion", "zsh", "--name", name)
		file := filepath.Join(t.TempDir(), "_"+name)
		if err := os.WriteFile(file, []byte(script), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(zsh, "-n", file).CombinedOutput(); err != nil {
			t.Errorf("zsh -n on the script for %s: %v\n%s", name, err, out)
		}
		if !strings.HasPrefix(script, "#compdef "+name+"\n") || !strings.Contains(script, "compdef _"+strings.ReplaceAll(name, "-", "_")+" "+name) {
			t.Errorf("the zsh script for %s does not register itself for it:\n%.300s", name, script)
		}
		for _, c := range program.Commands {
			if !strings.Contains(script, "'"+c.Name+":") || !strings.Contains(script, "\t\t"+c.Name+")\n") {
				t.Errorf("the zsh script for %s does not complete %s", name, c.Name)
			}
		}
		if !strings.Contains(script, "'--config=[") || !strings.Contains(script, ":PATH:_files'") || !strings.Contains(script, ":TARGET:(systemd systemd-user launchd") {
			t.Errorf("the zsh script does not complete --config with files or --target with the targets")
		}
	}
}

// TestFishCompletion: fish -n accepts the script, and fish itself, asked
// with `complete -C`, completes commands, flags, targets and files.
func TestFishCompletion(t *testing.T) {
	fish := needTool(t, "fish", "fish")
	dir := t.TempDir()
	script := filepath.Join(dir, "supervisor.fish")
	if err := os.WriteFile(script, []byte(docOutput(t, "completion", "fish")), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.toml"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(fish, "-n", script).CombinedOutput(); err != nil {
		t.Fatalf("fish -n: %v\n%s", err, out)
	}
	for _, tc := range []struct{ line, want string }{
		{"supervisor sta", "start status"},
		{"supervisor install --target launch", "launchd"},
		{"supervisor status --j", "--json"},
		{"supervisor help che", "check"},
		{"supervisor check --config conf", "config.toml"},
	} {
		cmd := exec.Command(fish, "--no-config", "-c", "source "+script+"; complete -C '"+tc.line+"'")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+dir, "XDG_DATA_HOME="+dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("fish complete -C %q: %v\n%s", tc.line, err, out)
		}
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			got = append(got, strings.SplitN(l, "\t", 2)[0])
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("fish completing %q: %q, want %q", tc.line, got, tc.want)
		}
	}
}

// TestPowerShellCompletionStructure: PowerShell cannot run here, so only
// the script's shape is checked: it registers a native completer for the
// program (and its .exe), every quoted string is closed, braces and
// parentheses balance, and every command and flag is in it.
func TestPowerShellCompletionStructure(t *testing.T) {
	script := docOutput(t, "completion", "powershell", "--name", "ddnsd-supervisor")
	if !strings.Contains(script, "Register-ArgumentCompleter -Native -CommandName @('ddnsd-supervisor', 'ddnsd-supervisor.exe') -ScriptBlock {") {
		t.Errorf("the script does not register a native completer for ddnsd-supervisor:\n%.500s", script)
	}
	depth := map[rune]int{}
	for n, line := range strings.Split(script, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		inQuote := false
		rs := []rune(line)
		for i := 0; i < len(rs); i++ {
			r := rs[i]
			switch {
			case r == '\'' && inQuote && i+1 < len(rs) && rs[i+1] == '\'':
				i++ // '' is a quote inside a quoted string
			case r == '\'':
				inQuote = !inQuote
			case inQuote:
			case r == '{', r == '(':
				depth[r]++
			case r == '}':
				depth['{']--
			case r == ')':
				depth['(']--
			}
		}
		if inQuote {
			t.Errorf("line %d leaves a quoted string open: %s", n+1, line)
		}
	}
	if depth['{'] != 0 || depth['('] != 0 {
		t.Errorf("braces or parentheses do not balance: %v", depth)
	}
	for _, c := range program.Commands {
		if !strings.Contains(script, "'"+c.Name+"' = ") {
			t.Errorf("the script does not complete the command %s", c.Name)
		}
	}
	if !strings.Contains(script, "'install|--target' = @('systemd', 'systemd-user', 'launchd'") {
		t.Errorf("the script does not complete install --target's values")
	}
}

// TestCompletionUsageErrors: no shell, an unknown shell, or a name no
// script can carry exit 2 with a pointer to the help.
func TestCompletionUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"completion"}, {"completion", "tcsh"}, {"completion", "bash", "--name", "a b;rm"}, {"completion", "bash", "zsh"}} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 2 || stdout.Len() != 0 || !strings.Contains(stderr.String(), "help completion") {
			t.Errorf("supervisor %q: exit %d, stdout %q, stderr %q; want 2 and a pointer to the help", args, code, stdout.String(), stderr.String())
		}
	}
}
