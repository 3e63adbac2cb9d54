package install

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// printed is PrintInstall's stdout as a file would get it (not a terminal).
func printed(t *testing.T, o Options) []byte {
	t.Helper()
	var out, info bytes.Buffer
	if err := PrintInstall(&out, &info, o, false); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out.Bytes(), []byte("# stdout is")) {
		t.Errorf("stdout carries the notes meant for stderr:\n%s", out.Bytes())
	}
	if !strings.Contains(info.String(), "# stdout is") {
		t.Errorf("stderr does not say what stdout is:\n%s", info.String())
	}
	return out.Bytes()
}

// TestPrintedUnitVerifies: `install --print > FILE` gives a unit that
// systemd-analyze verify accepts as it is, for the system and the user unit.
func TestPrintedUnitVerifies(t *testing.T) {
	requireSystemdAnalyze(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "ddns tools", "supervisor")
	writeExecutable(t, bin)
	for _, tc := range []struct {
		target Target
		user   bool
	}{{Systemd, false}, {SystemdUser, true}} {
		t.Run(string(tc.target), func(t *testing.T) {
			unit := filepath.Join(t.TempDir(), DefaultName+".service")
			o := Options{Target: tc.target, Binary: bin, Config: filepath.Join(dir, "config.toml"), Getenv: unixEnv}
			if err := os.WriteFile(unit, printed(t, o), 0o644); err != nil {
				t.Fatal(err)
			}
			if p := verifyUnit(t, unit, tc.user); len(p) > 0 {
				t.Errorf("systemd-analyze verify objects to the printed unit:\n%s", strings.Join(p, "\n"))
			}
		})
	}
}

// TestPrintedPlistParses: the printed plist is an XML property list whose
// dict carries the keys launchd needs, with the right types (parsePlist
// reads it as launchd would).
func TestPrintedPlistParses(t *testing.T) {
	for _, user := range []bool{false, true} {
		o := Options{Target: Launchd, User: user, Binary: "/usr/local/bin/supervisor", Config: "/etc/ddns/config.toml", Getenv: unixEnv}
		v := parsePlist(t, printed(t, o))
		if v.kind != "dict" {
			t.Fatalf("user %v: the plist holds a %s, want a dict", user, v.kind)
		}
		for key, kind := range map[string]string{"Label": "string", "ProgramArguments": "array", "RunAtLoad": "true",
			"KeepAlive": "true", "ExitTimeOut": "integer", "StandardOutPath": "string", "StandardErrorPath": "string"} {
			if got := v.dict[key].kind; got != kind {
				t.Errorf("user %v: key %s is <%s>, want <%s>", user, key, got, kind)
			}
		}
		var args []string
		for _, a := range v.dict["ProgramArguments"].items {
			args = append(args, a.text)
		}
		if want := "/usr/local/bin/supervisor run --config /etc/ddns/config.toml"; strings.Join(args, " ") != want {
			t.Errorf("user %v: ProgramArguments %q, want %q", user, args, want)
		}
		if v.dict["Label"].text != DefaultName {
			t.Errorf("user %v: Label %q", user, v.dict["Label"].text)
		}
	}
}

// TestPrintedTaskXMLParses: the printed task definition is the UTF-16 file
// schtasks /XML reads, and as XML its root is the Task Scheduler schema's
// <Task> in the schema's namespace.
func TestPrintedTaskXMLParses(t *testing.T) {
	for _, user := range []bool{false, true} {
		o := Options{Target: WindowsTask, User: user, Binary: `C:\Program Files\ddns\supervisor.exe`, Getenv: winEnv}
		raw := printed(t, o)
		text, ok := decodeUTF16(raw)
		if !ok {
			t.Fatalf("user %v: the printed task XML is not UTF-16 LE with a byte-order mark, as its declaration says", user)
		}
		d := xml.NewDecoder(strings.NewReader(text))
		d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
			if !strings.EqualFold(label, "UTF-16") {
				t.Errorf("declared encoding %q", label)
			}
			return r, nil // decoded already
		}
		var task struct {
			XMLName  xml.Name
			Version  string `xml:"version,attr"`
			Settings struct {
				ExecutionTimeLimit string
			}
			Actions struct {
				Exec struct{ Command string }
			}
		}
		if err := d.Decode(&task); err != nil {
			t.Fatalf("user %v: the printed task XML does not parse: %v", user, err)
		}
		if want := (xml.Name{Space: "http://schemas.microsoft.com/windows/2004/02/mit/task", Local: "Task"}); task.XMLName != want {
			t.Errorf("user %v: root element %v, want %v", user, task.XMLName, want)
		}
		if task.Version != "1.2" || task.Settings.ExecutionTimeLimit != "PT0S" || task.Actions.Exec.Command != `"C:\Program Files\ddns\supervisor.exe"` {
			t.Errorf("user %v: version %q, ExecutionTimeLimit %q, Command %q", user, task.Version, task.Settings.ExecutionTimeLimit, task.Actions.Exec.Command)
		}
	}
}

// TestPrintShowsTheCopies: with a copy to make, stdout still holds the unit
// alone (running the copy), and stderr names each copy.
func TestPrintShowsTheCopies(t *testing.T) {
	var out, info bytes.Buffer
	o := Options{Target: Systemd, CopyFrom: "/home/ann/ddns/bin/supervisor", UpdaterFrom: "/home/ann/ddns/bin/updater"}
	if err := PrintInstall(&out, &info, o, false); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "# "+marker) || !strings.Contains(out.String(), "\nExecStart=/usr/local/bin/supervisor run\n") {
		t.Errorf("stdout is not the unit running the copy:\n%s", out.String())
	}
	for _, want := range []string{
		"# copy /home/ann/ddns/bin/supervisor to /usr/local/bin/supervisor (mode 0755)\n",
		"# copy /home/ann/ddns/bin/updater to /usr/local/bin/updater (mode 0755)\n",
		"# stdout is the file /etc/systemd/system/ddns-supervisor.service (mode 0644)\n",
		"#   systemctl enable --now ddns-supervisor.service\n",
	} {
		if !strings.Contains(info.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, info.String())
		}
	}
}
