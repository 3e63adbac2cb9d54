package install

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

// plistValue is a minimal property-list reader: enough to check keys and the
// types of their values the way launchd would see them.
type plistValue struct {
	kind  string // "string", "true", "false", "integer", "array", "dict"
	text  string
	items []plistValue
	dict  map[string]plistValue
}

func parsePlist(t *testing.T, data []byte) plistValue {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(string(data)))
	for {
		tok, err := d.Token()
		if err != nil {
			t.Fatalf("plist does not parse as XML before its root: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != "plist" {
				t.Fatalf("root element is <%s>, want <plist>", se.Name.Local)
			}
			v := readPlistValue(t, d, nextStart(t, d))
			// Nothing but the closing </plist> and whitespace may follow.
			for {
				tok, err := d.Token()
				if err == io.EOF {
					return v
				}
				if err != nil {
					t.Fatalf("plist is not well-formed after its value: %v", err)
				}
				if se, ok := tok.(xml.StartElement); ok {
					t.Fatalf("unexpected second value <%s> in plist", se.Name.Local)
				}
			}
		}
	}
}

func nextStart(t *testing.T, d *xml.Decoder) xml.StartElement {
	t.Helper()
	for {
		tok, err := d.Token()
		if err != nil {
			t.Fatalf("plist: expected an element: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			return tok
		case xml.EndElement:
			return xml.StartElement{} // end of a container
		}
	}
}

func readPlistValue(t *testing.T, d *xml.Decoder, se xml.StartElement) plistValue {
	t.Helper()
	switch se.Name.Local {
	case "string", "integer", "key":
		var s string
		if err := d.DecodeElement(&s, &se); err != nil {
			t.Fatalf("plist <%s>: %v", se.Name.Local, err)
		}
		return plistValue{kind: se.Name.Local, text: s}
	case "true", "false":
		if err := d.Skip(); err != nil {
			t.Fatal(err)
		}
		return plistValue{kind: se.Name.Local}
	case "array":
		v := plistValue{kind: "array"}
		for {
			c := nextStart(t, d)
			if c.Name.Local == "" {
				return v
			}
			v.items = append(v.items, readPlistValue(t, d, c))
		}
	case "dict":
		v := plistValue{kind: "dict", dict: map[string]plistValue{}}
		for {
			k := nextStart(t, d)
			if k.Name.Local == "" {
				return v
			}
			if k.Name.Local != "key" {
				t.Fatalf("plist dict: got <%s> where a <key> belongs", k.Name.Local)
			}
			key := readPlistValue(t, d, k).text
			if _, dup := v.dict[key]; dup {
				t.Fatalf("plist dict: key %q twice", key)
			}
			v.dict[key] = readPlistValue(t, d, nextStart(t, d))
		}
	}
	t.Fatalf("plist: unexpected element <%s>", se.Name.Local)
	return plistValue{}
}

func TestPlistParses(t *testing.T) {
	for _, user := range []bool{true, false} {
		// "&" and "<" in a path prove the escaping, not just the layout.
		o := Options{Target: Launchd, User: user, Binary: "/Applications/R&D <ddns>/supervisor", Config: "/Users/ann lee/ddns & co/config.toml", Getenv: unixEnv}
		files, err := generate(o)
		if err != nil {
			t.Fatal(err)
		}
		root := parsePlist(t, files[0].Content)
		if root.kind != "dict" {
			t.Fatalf("top-level value is %s, want dict", root.kind)
		}
		want := map[string]string{"RunAtLoad": "true", "KeepAlive": "true"}
		for k, kind := range want {
			if got := root.dict[k].kind; got != kind {
				t.Errorf("user=%v: %s is <%s>, want <%s>", user, k, got, kind)
			}
		}
		if l := root.dict["Label"]; l.kind != "string" || l.text != DefaultName {
			t.Errorf("Label = %+v, want string %q", l, DefaultName)
		}
		if p := root.dict["ProcessType"]; p.text != "Background" {
			t.Errorf("ProcessType = %q, want Background", p.text)
		}
		args := root.dict["ProgramArguments"]
		var got []string
		for _, it := range args.items {
			if it.kind != "string" {
				t.Errorf("ProgramArguments item is <%s>, want <string>", it.kind)
			}
			got = append(got, it.text)
		}
		wantArgs := []string{o.Binary, "run", "--config", o.Config}
		if strings.Join(got, "|") != strings.Join(wantArgs, "|") {
			t.Errorf("ProgramArguments = %q, want %q", got, wantArgs)
		}
		for _, k := range []string{"StandardOutPath", "StandardErrorPath"} {
			if p := root.dict[k].text; !strings.HasPrefix(p, "/") || !strings.HasSuffix(p, ".log") {
				t.Errorf("%s = %q, want an absolute .log path", k, p)
			}
		}
		if user && !strings.HasPrefix(files[0].Path, "/home/ann lee/Library/LaunchAgents/") {
			t.Errorf("LaunchAgent written to %s", files[0].Path)
		}
		if !user && files[0].Path != "/Library/LaunchDaemons/ddns-supervisor.plist" {
			t.Errorf("LaunchDaemon written to %s", files[0].Path)
		}
	}
}

// taskDef mirrors the parts of the Task Scheduler schema the tests check.
type taskDef struct {
	XMLName  xml.Name `xml:"http://schemas.microsoft.com/windows/2004/02/mit/task Task"`
	Version  string   `xml:"version,attr"`
	Triggers struct {
		Logon *struct {
			Enabled bool   `xml:"Enabled"`
			Delay   string `xml:"Delay"`
			UserID  string `xml:"UserId"`
		} `xml:"LogonTrigger"`
		Boot *struct {
			Enabled bool   `xml:"Enabled"`
			Delay   string `xml:"Delay"`
		} `xml:"BootTrigger"`
	} `xml:"Triggers"`
	Principal struct {
		UserID    string `xml:"UserId"`
		LogonType string `xml:"LogonType"`
		RunLevel  string `xml:"RunLevel"`
	} `xml:"Principals>Principal"`
	Settings struct {
		MultipleInstancesPolicy    string `xml:"MultipleInstancesPolicy"`
		DisallowStartIfOnBatteries string `xml:"DisallowStartIfOnBatteries"`
		StopIfGoingOnBatteries     string `xml:"StopIfGoingOnBatteries"`
		ExecutionTimeLimit         string `xml:"ExecutionTimeLimit"`
		Hidden                     string `xml:"Hidden"`
		StartWhenAvailable         string `xml:"StartWhenAvailable"`
		Enabled                    string `xml:"Enabled"`
		RestartOnFailure           *struct {
			Interval string `xml:"Interval"`
			Count    int    `xml:"Count"`
		} `xml:"RestartOnFailure"`
	} `xml:"Settings"`
	Exec struct {
		Command   string `xml:"Command"`
		Arguments string `xml:"Arguments"`
	} `xml:"Actions>Exec"`
}

func parseTask(t *testing.T, content []byte) taskDef {
	t.Helper()
	text, ok := decodeUTF16(content)
	if !ok {
		t.Fatalf("task XML is not UTF-16 LE with a BOM")
	}
	d := xml.NewDecoder(strings.NewReader(text))
	// The bytes were UTF-16 as declared; they are UTF-8 now.
	d.CharsetReader = func(charset string, in io.Reader) (io.Reader, error) {
		if !strings.EqualFold(charset, "UTF-16") {
			t.Errorf("XML declares encoding %q, want UTF-16", charset)
		}
		return in, nil
	}
	var def taskDef
	if err := d.Decode(&def); err != nil {
		t.Fatalf("task XML does not parse: %v\n%s", err, text)
	}
	return def
}

func TestTaskXML(t *testing.T) {
	for _, user := range []bool{true, false} {
		o := Options{Target: WindowsTask, User: user, Binary: `C:\Program Files\R&D <x>\supervisor.exe`, Config: `D:\ddns & co\config.toml`, Getenv: winEnv}
		files, err := generate(o)
		if err != nil {
			t.Fatal(err)
		}
		def := parseTask(t, files[0].Content)
		s := def.Settings
		checks := []struct{ name, got, want string }{
			{"version", def.Version, "1.2"},
			{"MultipleInstancesPolicy", s.MultipleInstancesPolicy, "IgnoreNew"},
			{"DisallowStartIfOnBatteries", s.DisallowStartIfOnBatteries, "false"},
			{"StopIfGoingOnBatteries", s.StopIfGoingOnBatteries, "false"},
			{"ExecutionTimeLimit", s.ExecutionTimeLimit, "PT0S"},
			{"Hidden", s.Hidden, "true"},
			{"StartWhenAvailable", s.StartWhenAvailable, "true"},
			{"Enabled", s.Enabled, "true"},
			{"Command", def.Exec.Command, `"` + o.Binary + `"`},
			{"Arguments", def.Exec.Arguments, `run --config "` + o.Config + `"`},
		}
		if user {
			if def.Triggers.Logon == nil || def.Triggers.Boot != nil {
				t.Fatalf("user task: want exactly a LogonTrigger, got %+v", def.Triggers)
			}
			checks = append(checks,
				struct{ name, got, want string }{"logon delay", def.Triggers.Logon.Delay, "PT30S"},
				struct{ name, got, want string }{"logon user", def.Triggers.Logon.UserID, `DESKTOP-7Q2\Ann Lee`},
				struct{ name, got, want string }{"principal user", def.Principal.UserID, `DESKTOP-7Q2\Ann Lee`},
				struct{ name, got, want string }{"LogonType", def.Principal.LogonType, "InteractiveToken"},
				struct{ name, got, want string }{"RunLevel", def.Principal.RunLevel, "LeastPrivilege"})
			if !def.Triggers.Logon.Enabled {
				t.Error("logon trigger is disabled")
			}
		} else {
			if def.Triggers.Boot == nil || def.Triggers.Logon != nil {
				t.Fatalf("system task: want exactly a BootTrigger, got %+v", def.Triggers)
			}
			checks = append(checks,
				struct{ name, got, want string }{"boot delay", def.Triggers.Boot.Delay, "PT30S"},
				struct{ name, got, want string }{"principal user", def.Principal.UserID, "S-1-5-18"},
				struct{ name, got, want string }{"RunLevel", def.Principal.RunLevel, "HighestAvailable"})
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("user=%v: %s = %q, want %q", user, c.name, c.got, c.want)
			}
		}
		if r := s.RestartOnFailure; r == nil || r.Count < 1 || r.Interval == "" {
			t.Errorf("RestartOnFailure missing or empty: %+v", r)
		}
	}
}

func TestStartupVBS(t *testing.T) {
	o := Options{Target: WindowsStartup, Binary: `C:\Program Files\ddns\supervisor.exe`, Config: `C:\cfg dir\config.toml`, Getenv: winEnv}
	files, err := generate(o)
	if err != nil {
		t.Fatal(err)
	}
	f := files[0]
	if want := `C:\Users\Ann Lee\AppData\Roaming\Microsoft\Windows\Start Menu\Programs\Startup\ddns-supervisor.vbs`; f.Path != want {
		t.Errorf("path = %s, want %s", f.Path, want)
	}
	var run string
	for _, line := range strings.Split(f.Text(), "\r\n") {
		if strings.HasPrefix(line, `CreateObject("WScript.Shell").Run `) {
			run = line
		}
	}
	if run == "" {
		t.Fatalf("no WScript.Shell Run line in\n%s", f.Text())
	}
	// The VBScript string literal, with "" as an escaped quote, then the window
	// style 0 (hidden) and False (do not wait).
	lit, rest, ok := cutVBString(strings.TrimPrefix(run, `CreateObject("WScript.Shell").Run `))
	if !ok {
		t.Fatalf("Run argument is not a well-formed VBScript string: %s", run)
	}
	if want := `"C:\Program Files\ddns\supervisor.exe" run --config "C:\cfg dir\config.toml"`; lit != want {
		t.Errorf("command line = %s, want %s", lit, want)
	}
	if rest != ", 0, False" {
		t.Errorf("after the command: %q, want \", 0, False\" (hidden window, no wait)", rest)
	}
}

// cutVBString reads a VBScript string literal at the start of s.
func cutVBString(s string) (lit, rest string, ok bool) {
	if !strings.HasPrefix(s, `"`) {
		return "", "", false
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != '"' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '"' {
			b.WriteByte('"')
			i++
			continue
		}
		return b.String(), s[i+1:], true
	}
	return "", "", false
}
