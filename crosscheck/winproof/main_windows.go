// Command winproof drives the Windows build end to end under wine (or on
// Windows): .ci/cross-check starts `supervisor.exe run` and then runs this
// program, built for windows, in one of its modes. Every step prints one
// line starting "step" with its figure; any failure prints "FAIL" and the
// program exits 1.
//
//	winproof proof   -bin DIR -config FILE -socket PIPE
//	    status, kill → restart, restart, stop, start, logs, update-now and a
//	    live config edit against the running supervisor
//	winproof wait    -bin DIR -config FILE -socket PIPE
//	    waits until the supervisor answers with a running child; prints its pid
//	winproof gone    -pid N
//	    waits until process N has gone and no updater.exe runs
//	winproof service -bin DIR -config FILE
//	    install, start, status, stop, uninstall of the Windows service (all
//	    from this one program: a wine service dies with the last non-service
//	    wine process)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/ddnsd/ddns/ipc"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: winproof proof|wait|gone|service [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	d := &driver{}
	fs.StringVar(&d.bin, "bin", "", "folder holding supervisor.exe and updater.exe")
	fs.StringVar(&d.config, "config", "", "the supervisor's config file")
	fs.StringVar(&d.socket, "socket", "", "the supervisor's control pipe")
	pid := fs.Int("pid", 0, "gone: the process that must have gone")
	_ = fs.Parse(os.Args[2:])
	var err error
	switch os.Args[1] {
	case "proof":
		err = d.proof()
	case "wait":
		err = d.wait()
	case "gone":
		err = gone(*pid)
	case "service":
		err = d.service()
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Println("FAIL:", err)
		os.Exit(1)
	}
}

type driver struct {
	bin, config, socket string
}

func step(name, format string, args ...any) {
	fmt.Printf("step %-18s %s\n", name+":", fmt.Sprintf(format, args...))
}

func ms(d time.Duration) string { return fmt.Sprintf("%d ms", d.Milliseconds()) }

// cli runs supervisor.exe with args and the config; it returns the exit code
// and the combined output.
func (d *driver) cli(args ...string) (int, string) {
	args = append(args, "--config", d.config)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, filepath.Join(d.bin, "supervisor.exe"), args...).CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &ee):
		return ee.ExitCode(), string(out)
	}
	return -1, string(out) + err.Error()
}

// cliWant runs the CLI and fails unless it exits with want.
func (d *driver) cliWant(want int, args ...string) (string, error) {
	code, out := d.cli(args...)
	if code != want {
		return out, fmt.Errorf("supervisor %s exited %d, want %d:\n%s", strings.Join(args, " "), code, want, out)
	}
	return out, nil
}

// status asks the pipe directly (faster than the CLI, for timing).
func (d *driver) status() (*ipc.Status, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := ipc.Dial(ctx, d.socket)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.Status(ctx, 0)
}

// until polls the supervisor's status every 10 ms until ok says so or the
// deadline passes; it returns the time taken.
func (d *driver) until(what string, limit time.Duration, ok func(*ipc.Status) bool) (time.Duration, *ipc.Status, error) {
	start := time.Now()
	var last error
	for time.Since(start) < limit {
		st, err := d.status()
		if err == nil && ok(st) {
			return time.Since(start), st, nil
		}
		last = err
		time.Sleep(10 * time.Millisecond) // a measuring poll, not synchronisation
	}
	return 0, nil, fmt.Errorf("%s: not within %s (last error: %v)", what, limit, last)
}

func running(st *ipc.Status) bool { return st.Child.State == "running" && st.Child.PID != 0 }

func (d *driver) wait() error {
	took, st, err := d.until("supervisor answering with a running child", 60*time.Second, running)
	if err != nil {
		return err
	}
	step("wait", "supervisor pid %d, updater pid %d, answered after %s", st.Supervisor.PID, st.Child.PID, ms(took))
	fmt.Printf("updater-pid %d\n", st.Child.PID)
	return nil
}

func (d *driver) proof() error {
	// status: exit 0 and the record.
	start := time.Now()
	var out string
	for {
		code, o := d.cli("status")
		if code == 0 && strings.Contains(o, "203.0.113.5") {
			out = o
			break
		}
		if time.Since(start) > 60*time.Second {
			return fmt.Errorf("supervisor status never exited 0 with the record: exit %d\n%s", code, o)
		}
		time.Sleep(100 * time.Millisecond)
	}
	line := grepLine(out, "home.example.com")
	step("status", "exit 0 after %s, record: %s", ms(time.Since(start)), strings.Join(strings.Fields(line), " "))

	// kill the child with TerminateProcess(..., 1): a crash.
	st, err := d.status()
	if err != nil {
		return err
	}
	old := st.Child.PID
	restartsBefore := st.Child.Restarts
	h, err := windows.OpenProcess(windows.PROCESS_TERMINATE, false, uint32(old))
	if err != nil {
		return fmt.Errorf("cannot open the updater (pid %d): %w", old, err)
	}
	t0 := time.Now()
	err = windows.TerminateProcess(h, 1)
	windows.CloseHandle(h)
	if err != nil {
		return fmt.Errorf("TerminateProcess(%d, 1): %w", old, err)
	}
	took, st, err := d.until("a new child after the kill", 60*time.Second, func(s *ipc.Status) bool {
		return running(s) && s.Child.PID != old
	})
	if err != nil {
		return err
	}
	_ = t0
	exitEv := ""
	for _, e := range st.Events {
		if e.PID == old && e.Code != nil {
			exitEv = fmt.Sprintf("%s %q code %d", e.Kind, e.Detail, *e.Code)
		}
	}
	if exitEv == "" {
		return fmt.Errorf("status shows no exit event for the killed child %d", old)
	}
	step("kill → restart", "%s from TerminateProcess(pid %d, 1) to the new child (pid %d) running; restarts %d → %d; event: %s",
		ms(took), old, st.Child.PID, restartsBefore, st.Child.Restarts, exitEv)
	if _, err := d.cliWant(0, "status"); err != nil {
		return err
	}
	if _, o := d.cli("status"); !strings.Contains(o, "exited") {
		return fmt.Errorf("supervisor status shows no exit event:\n%s", o)
	}
	step("status shows exit", "the exit event is listed by `supervisor status`")

	// restart
	old = st.Child.PID
	t0 = time.Now()
	if _, err := d.cliWant(0, "restart"); err != nil {
		return err
	}
	took, st, err = d.until("a new child after restart", 60*time.Second, func(s *ipc.Status) bool { return running(s) && s.Child.PID != old })
	if err != nil {
		return err
	}
	step("restart", "exit 0; new child pid %d running %s after the command began", st.Child.PID, ms(time.Since(t0)))
	_ = took

	// stop: graceful through the stop event (exit code 0).
	old = st.Child.PID
	t0 = time.Now()
	if _, err := d.cliWant(0, "stop"); err != nil {
		return err
	}
	_, st, err = d.until("the child stopped", 30*time.Second, func(s *ipc.Status) bool { return s.Child.PID == 0 && s.Child.State == "stopped" })
	if err != nil {
		return err
	}
	if st.Child.LastExit == nil || st.Child.LastExit.Code != 0 {
		return fmt.Errorf("the stopped child's exit: %+v, want code 0 (a graceful stop)", st.Child.LastExit)
	}
	if _, err := d.cliWant(ipc.StatusChildNotRunning, "status"); err != nil {
		return err
	}
	step("stop", "exit 0; child %d exited with code 0 (stop event) %s after the command began; status exits %d", old, ms(time.Since(t0)), ipc.StatusChildNotRunning)

	// start
	t0 = time.Now()
	if _, err := d.cliWant(0, "start"); err != nil {
		return err
	}
	_, st, err = d.until("the child running after start", 60*time.Second, running)
	if err != nil {
		return err
	}
	step("start", "exit 0; child pid %d running %s after the command began", st.Child.PID, ms(time.Since(t0)))

	// logs
	o, err := d.cliWant(0, "logs")
	if err != nil {
		return err
	}
	if !strings.Contains(o, "pass finished") {
		return fmt.Errorf("supervisor logs shows no finished pass:\n%s", o)
	}
	step("logs", "exit 0, %d lines, includes %q", strings.Count(o, "\n"), strings.TrimSpace(grepLine(o, "pass finished")))

	// update-now: the update event asks for a pass.
	before := strings.Count(o, "pass requested")
	t0 = time.Now()
	if _, err := d.cliWant(0, "update-now"); err != nil {
		return err
	}
	for {
		o, _ := d.cliWant(0, "logs")
		if strings.Count(o, "pass requested") > before {
			break
		}
		if time.Since(t0) > 30*time.Second {
			return fmt.Errorf("no pass requested within 30 s of update-now:\n%s", o)
		}
	}
	step("update-now", "exit 0; the updater logged \"pass requested\" %s after the command began", ms(time.Since(t0)))

	// a live config edit: a second record.
	st, err = d.status()
	if err != nil {
		return err
	}
	gen := st.Supervisor.ConfigGeneration
	b, err := os.ReadFile(d.config)
	if err != nil {
		return err
	}
	edit := string(b) + "\n[[records]]\nprovider = \"local\"\nzone = \"example.com\"\nname = \"home2\"\ntype = \"A\"\nttl = 300\n"
	t0 = time.Now()
	if err := os.WriteFile(d.config, []byte(edit), 0o600); err != nil {
		return err
	}
	took, st, err = d.until("the edited config applied", 60*time.Second, func(s *ipc.Status) bool {
		if s.Supervisor.ConfigGeneration <= gen {
			return false
		}
		for _, r := range s.Records {
			if r.Name == "home2.example.com" && r.Address == "203.0.113.5" {
				return true
			}
		}
		return false
	})
	if err != nil {
		return err
	}
	step("config edit", "generation %d → %d and home2.example.com reported %s after the file was written", gen, st.Supervisor.ConfigGeneration, ms(took))
	fmt.Printf("updater-pid %d\n", st.Child.PID)
	return nil
}

// gone waits until process pid has exited and no updater.exe is left.
func gone(pid int) error {
	start := time.Now()
	for time.Since(start) < 20*time.Second {
		left := processes("updater.exe")
		alive := false
		if h, err := windows.OpenProcess(windows.SYNCHRONIZE, false, uint32(pid)); err == nil {
			ev, _ := windows.WaitForSingleObject(h, 0)
			alive = ev == uint32(windows.WAIT_TIMEOUT)
			windows.CloseHandle(h)
		}
		if !alive && len(left) == 0 {
			step("no orphan", "updater pid %d gone and no updater.exe running %s after the check began", pid, ms(time.Since(start)))
			return nil
		}
		time.Sleep(10 * time.Millisecond) // a measuring poll
	}
	return fmt.Errorf("updater.exe still runs 20 s after the supervisor was killed: %v", processes("updater.exe"))
}

// processes lists the pids of processes with that executable name.
func processes(exe string) []int {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return nil
	}
	defer windows.CloseHandle(snap)
	var pe windows.ProcessEntry32
	pe.Size = uint32(unsafe.Sizeof(pe))
	var pids []int
	for err = windows.Process32First(snap, &pe); err == nil; err = windows.Process32Next(snap, &pe) {
		if strings.EqualFold(windows.UTF16ToString(pe.ExeFile[:]), exe) {
			pids = append(pids, int(pe.ProcessID))
		}
	}
	return pids
}

func grepLine(s, substr string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) {
			return l
		}
	}
	return ""
}
