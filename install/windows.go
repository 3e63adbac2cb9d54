package install

import (
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf16"
)

// Windows files are written as UTF-16 LE with a byte-order mark:
//   - schtasks /XML expects the encoding exported tasks use, and the XML
//     declaration says UTF-16, so the bytes must match it;
//   - Windows Script Host reads a .vbs either in the ANSI code page or as
//     UTF-16 with a BOM; only the latter keeps a path like C:\Users\José intact.
//
// File.Text decodes them for --print and golden files, which stay readable.
// Lines end in CRLF, as Windows tools write and expect.

func taskPlan(r resolved) (plan, error) {
	var folder string
	var err error
	if r.user {
		folder, err = r.env("LOCALAPPDATA", "user's local application data folder (for the task definition)")
	} else if folder = r.Getenv("ProgramData"); folder == "" {
		// Its fixed place on every Windows since Vista; only --print on
		// another system gets here.
		folder = `C:\ProgramData`
	}
	if err != nil {
		return plan{}, err
	}
	var userID string
	if r.user {
		name, err := r.env("USERNAME", "user the logon trigger is for")
		if err != nil {
			return plan{}, err
		}
		userID = name
		if d := r.Getenv("USERDOMAIN"); d != "" {
			userID = d + `\` + name
		}
	}
	// The definition is kept (not a temporary file) so the printed
	// `schtasks /Create` command can be run later, and so a second Install can
	// tell that nothing changed.
	xmlPath := winJoin(folder, "ddns", r.Name+".task.xml")
	content := encodeUTF16(taskXML(r, userID))
	create := []string{"schtasks", "/Create", "/TN", r.Name, "/XML", xmlPath, "/F"}
	run := []string{"schtasks", "/Run", "/TN", r.Name}
	end := []string{"schtasks", "/End", "/TN", r.Name}
	return plan{
		files: []File{{Path: xmlPath, Mode: 0o644, Content: content}},
		activate: func(ch change) []step {
			var s []step
			if ch == replaced {
				// A running instance keeps the old definition; /End stops
				// it (the supervisor's job object takes the child along).
				s = append(s, tolerated("the task was not running", end...))
			}
			// /Create /F is safe to repeat: it replaces the registration with
			// the same definition and leaves a running instance alone, and
			// with IgnoreNew /Run never starts a second supervisor.
			return append(s, cmd(create...), cmd(run...))
		},
		deactivate: []step{
			tolerated("the task was not running", end...),
			tolerated("the task was not registered", "schtasks", "/Delete", "/TN", r.Name, "/F"),
		},
	}, nil
}

// taskXML writes a Task Scheduler 1.2 definition. The settings that matter:
// no time limit (the default kills a task after 3 days), never stopped on
// battery, one instance only, started late if the machine was off at the
// trigger time. RestartOnFailure only covers a failure to launch: Task
// Scheduler ignores a non-zero exit, which is why the supervisor exists.
func taskXML(r resolved, userID string) string {
	esc := xmlText
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\r\n", args...) }
	w(`<?xml version="1.0" encoding="UTF-16"?>`)
	w(`<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">`)
	w(`  <RegistrationInfo>`)
	// The marker sits in the description rather than in an XML comment: it
	// is then also visible in the Task Scheduler window, and schtasks never
	// sees anything but the schema's own elements.
	w(`    <Description>DDNS supervisor: keeps the dynamic-DNS updater running. %s; "supervisor uninstall" removes it.</Description>`, marker)
	w(`    <URI>\%s</URI>`, esc(r.Name))
	w(`  </RegistrationInfo>`)
	w(`  <Triggers>`)
	if r.user {
		w(`    <LogonTrigger>`)
		w(`      <Enabled>true</Enabled>`)
		w(`      <Delay>PT30S</Delay>`)
		w(`      <UserId>%s</UserId>`, esc(userID))
		w(`    </LogonTrigger>`)
	} else {
		w(`    <BootTrigger>`)
		w(`      <Enabled>true</Enabled>`)
		w(`      <Delay>PT30S</Delay>`)
		w(`    </BootTrigger>`)
	}
	w(`  </Triggers>`)
	// InteractiveToken runs the supervisor in the user's session, which is what
	// a standard user may register; Windows then gives a console program a
	// console window, so the supervisor must hide or free its console itself
	// when started by the task. The system task runs in session 0: no window.
	w(`  <Principals>`)
	w(`    <Principal id="Author">`)
	if r.user {
		w(`      <UserId>%s</UserId>`, esc(userID))
		w(`      <LogonType>InteractiveToken</LogonType>`)
		w(`      <RunLevel>LeastPrivilege</RunLevel>`)
	} else {
		w(`      <UserId>S-1-5-18</UserId>`)
		w(`      <RunLevel>HighestAvailable</RunLevel>`)
	}
	w(`    </Principal>`)
	w(`  </Principals>`)
	w(`  <Settings>`)
	w(`    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>`)
	w(`    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>`)
	w(`    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>`)
	w(`    <AllowHardTerminate>true</AllowHardTerminate>`)
	w(`    <StartWhenAvailable>true</StartWhenAvailable>`)
	w(`    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>`)
	w(`    <IdleSettings>`)
	w(`      <StopOnIdleEnd>false</StopOnIdleEnd>`)
	w(`      <RestartOnIdle>false</RestartOnIdle>`)
	w(`    </IdleSettings>`)
	w(`    <AllowStartOnDemand>true</AllowStartOnDemand>`)
	w(`    <Enabled>true</Enabled>`)
	w(`    <Hidden>true</Hidden>`)
	w(`    <RunOnlyIfIdle>false</RunOnlyIfIdle>`)
	w(`    <WakeToRun>false</WakeToRun>`)
	w(`    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>`)
	w(`    <RestartOnFailure>`)
	w(`      <Interval>PT1M</Interval>`)
	w(`      <Count>999</Count>`)
	w(`    </RestartOnFailure>`)
	w(`  </Settings>`)
	w(`  <Actions Context="Author">`)
	w(`    <Exec>`)
	w(`      <Command>%s</Command>`, esc(winQuoteIfNeeded(r.Binary)))
	w(`      <Arguments>%s</Arguments>`, esc(windowsArgs(r)))
	w(`      <WorkingDirectory>%s</WorkingDirectory>`, esc(winDir(r.Binary)))
	w(`    </Exec>`)
	w(`  </Actions>`)
	w(`</Task>`)
	return b.String()
}

// windowsArgs is the supervisor's command line after the program name.
func windowsArgs(r resolved) string {
	if r.Config == "" {
		return "run"
	}
	return "run --config " + winQuote(r.Config)
}

func startupPlan(r resolved) (plan, error) {
	appData, err := r.env("APPDATA", "user's Startup folder")
	if err != nil {
		return plan{}, err
	}
	vbsPath := winJoin(appData, `Microsoft\Windows\Start Menu\Programs\Startup`, r.Name+".vbs")
	content := encodeUTF16(startupVBS(r))
	// //B: batch mode, so a script error never pops up a dialog at logon.
	start := []string{"wscript.exe", "//B", "//Nologo", vbsPath}
	return plan{
		files: []File{{Path: vbsPath, Mode: 0o644, Content: content}},
		activate: func(ch change) []step {
			if ch == created {
				return []step{cmd(start...)}
			}
			// The Startup folder cannot tell whether a supervisor already
			// runs, and starting a second one is not wanted.
			return nil
		},
		installNotes: []string{
			"The Startup folder starts the supervisor at your next logon; Windows does not restart it if it is stopped, the supervisor itself restarts the updater.",
		},
		uninstallNotes: []string{
			"A supervisor started from the Startup folder keeps running until you log off or end it in Task Manager.",
		},
	}, nil
}

// startupVBS writes the Startup-folder launcher. A .vbs rather than a .lnk:
// a shortcut to a console program opens a console window at every logon
// (minimised at best), and a .lnk is a binary format that needs the Windows
// shell's COM interfaces to write. WScript.Shell's Run with window style 0
// starts the program with no window, and a script is plain text anyone can read.
func startupVBS(r resolved) string {
	line := winQuote(r.Binary) + " " + windowsArgs(r)
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\r\n", args...) }
	w(`' %s; "supervisor uninstall" removes it.`, marker)
	w(`' Started from the Startup folder at logon. Window style 0 runs the supervisor`)
	w(`' without a console window; False returns at once instead of waiting for it.`)
	w(`Option Explicit`)
	w(`CreateObject("WScript.Shell").Run "%s", 0, False`, strings.ReplaceAll(line, `"`, `""`))
	return b.String()
}

// winQuote quotes one argument for the command line Windows programs split
// with CommandLineToArgvW: backslashes are literal except before a quote.
func winQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	slashes := 0
	for _, c := range s {
		switch c {
		case '\\':
			slashes++
			continue
		case '"':
			b.WriteString(strings.Repeat(`\`, 2*slashes+1))
		default:
			b.WriteString(strings.Repeat(`\`, slashes))
		}
		slashes = 0
		b.WriteRune(c)
	}
	b.WriteString(strings.Repeat(`\`, 2*slashes))
	b.WriteByte('"')
	return b.String()
}

// winQuoteIfNeeded quotes a program path only when it has a blank, as the Task
// Scheduler's own editor does.
func winQuoteIfNeeded(s string) string {
	if strings.ContainsAny(s, " \t\"") {
		return winQuote(s)
	}
	return s
}

// encodeUTF16 is s as UTF-16 LE with a byte-order mark.
func encodeUTF16(s string) []byte {
	u := utf16.Encode([]rune(s))
	out := make([]byte, 2, 2+2*len(u))
	out[0], out[1] = 0xFF, 0xFE
	for _, c := range u {
		out = binary.LittleEndian.AppendUint16(out, c)
	}
	return out
}

// decodeUTF16 decodes UTF-16 LE with a byte-order mark; ok is false for
// anything else.
func decodeUTF16(b []byte) (string, bool) {
	if len(b) < 2 || b[0] != 0xFF || b[1] != 0xFE || len(b)%2 != 0 {
		return "", false
	}
	u := make([]uint16, 0, len(b)/2-1)
	for i := 2; i < len(b); i += 2 {
		u = append(u, binary.LittleEndian.Uint16(b[i:]))
	}
	return string(utf16.Decode(u)), true
}
