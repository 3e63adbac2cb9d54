package supervise

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/windows"

	"github.com/ddnsd/ddns/ipc"
)

// helperMain is the child side of the Windows real-process tests.
func helperMain(mode string) int {
	ev := func(name string) windows.Handle {
		h, _ := strconv.ParseUint(os.Getenv(name), 10, 64)
		return windows.Handle(h)
	}
	stop, update := ev(ipc.EnvStopEvent), ev(ipc.EnvUpdateEvent)
	switch {
	case mode == "wait-stop":
		// Stops on the stop event, counting update events meanwhile.
		if stop == 0 || update == 0 {
			fmt.Println("no events in the environment")
			return 7
		}
		fmt.Println("ready")
		updates := 0
		for {
			w, err := windows.WaitForMultipleObjects([]windows.Handle{stop, update}, false, windows.INFINITE)
			if err != nil {
				fmt.Println("wait:", err)
				return 8
			}
			if w == windows.WAIT_OBJECT_0 {
				fmt.Println("stopped by the event")
				return 0
			}
			updates++
			fmt.Printf("update %d\n", updates)
		}
	case mode == "ignore-stop":
		fmt.Println("ready")
		select {}
	case mode == "grandchild":
		// Starts a sleeping grandchild and prints its pid.
		c := exec.Command(os.Args[0], "-test.run=^$")
		c.Env = append(os.Environ(), helperEnv+"=ignore-stop")
		if err := c.Start(); err != nil {
			fmt.Println("start:", err)
			return 9
		}
		fmt.Printf("grandchild %d\n", c.Process.Pid)
		select {}
	}
	fmt.Println("unknown helper mode", mode)
	return 99
}

func helperCommand(mode string) Command {
	return Command{Path: os.Args[0], Args: []string{"-test.run=^$"}, Env: append(os.Environ(), helperEnv+"="+mode)}
}

// startHelper starts the test binary in mode with the real starter and
// returns the process and its output ring.
func startHelper(t *testing.T, mode string) (Process, <-chan string) {
	t.Helper()
	ring := NewLogRing(100)
	lines, cancel := ring.Subscribe()
	t.Cleanup(cancel)
	p, err := NewExecStarter(ExecOptions{Output: ring}).Start(helperCommand(mode))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = p.Kill()
		<-p.Done()
	})
	return p, lines
}

// waitLine waits for a line starting with prefix, failing after 20 s.
func waitLine(t *testing.T, lines <-chan string, prefix string) string {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case l := <-lines:
			if strings.HasPrefix(l, prefix) {
				return l
			}
		case <-deadline:
			t.Fatalf("no line starting %q within 20 s", prefix)
		}
	}
}

func waitDone(t *testing.T, p Process) ExitStatus {
	t.Helper()
	select {
	case <-p.Done():
		return p.Exit()
	case <-time.After(20 * time.Second):
		t.Fatal("the child did not exit within 20 s")
	}
	return ExitStatus{}
}

// TestWindowsStopEventStopsChild: Terminate reaches a child without any
// console signal (a service has no console) through the stop event, and the
// child exits on its own with 0.
func TestWindowsStopEventStopsChild(t *testing.T) {
	p, lines := startHelper(t, "wait-stop")
	waitLine(t, lines, "ready")
	start := time.Now()
	if err := p.Terminate(); err != nil {
		t.Fatalf("Terminate: %v", err)
	}
	waitLine(t, lines, "stopped by the event")
	if st := waitDone(t, p); st.Code != 0 || st.Err != nil {
		t.Fatalf("exit after the stop event: %+v, want code 0", st)
	}
	t.Logf("stop event to exit: %s", time.Since(start))
}

// TestWindowsUpdateEvent: AskUpdate sets the child's update event once per
// call, and refuses a pid that is not a child.
func TestWindowsUpdateEvent(t *testing.T) {
	p, lines := startHelper(t, "wait-stop")
	waitLine(t, lines, "ready")
	for i := 1; i <= 2; i++ {
		if err := AskUpdate(p.PID()); err != nil {
			t.Fatalf("AskUpdate: %v", err)
		}
		if got, want := waitLine(t, lines, "update"), fmt.Sprintf("update %d", i); got != want {
			t.Fatalf("child said %q, want %q", got, want)
		}
	}
	if err := AskUpdate(os.Getpid()); err == nil {
		t.Fatal("AskUpdate of a pid that is not a child succeeded")
	}
}

// TestWindowsIgnoredStopIsKilled: a child ignoring the stop event is still
// running after Terminate, and Kill (what follows stop_timeout) ends it.
func TestWindowsIgnoredStopIsKilled(t *testing.T) {
	p, lines := startHelper(t, "ignore-stop")
	waitLine(t, lines, "ready")
	if err := p.Terminate(); err != nil {
		t.Fatalf("Terminate: %v", err)
	}
	select {
	case <-p.Done():
		t.Fatal("a child ignoring the stop event exited on Terminate")
	default:
	}
	if err := p.Kill(); err != nil {
		t.Fatalf("Kill: %v", err)
	}
	if st := waitDone(t, p); st.Code != 1 {
		t.Fatalf("exit after Kill: %+v, want code 1 (the job terminated)", st)
	}
}

// TestWindowsJobLeader: a grandchild is in its child's job (so its report
// counts as the child's), this test process is in none, and the grandchild
// dies with the child's job.
func TestWindowsJobLeader(t *testing.T) {
	p, lines := startHelper(t, "grandchild")
	gc, err := strconv.Atoi(strings.TrimPrefix(waitLine(t, lines, "grandchild "), "grandchild "))
	if err != nil {
		t.Fatal(err)
	}
	for _, pid := range []int{p.PID(), gc} {
		if got, err := JobLeader(pid); err != nil || got != p.PID() {
			t.Fatalf("JobLeader(%d) = %d, %v; want %d", pid, got, err, p.PID())
		}
	}
	if got, err := JobLeader(os.Getpid()); err == nil {
		t.Fatalf("JobLeader(this test) = %d, want an error: it is in no child's job", got)
	}
	h, err := windows.OpenProcess(windows.SYNCHRONIZE, false, uint32(gc))
	if err != nil {
		t.Fatal(err)
	}
	defer windows.CloseHandle(h)
	_ = p.Kill()
	waitDone(t, p)
	if ev, err := windows.WaitForSingleObject(h, 20_000); err != nil || ev != windows.WAIT_OBJECT_0 {
		t.Fatalf("the grandchild outlived its child's job: wait %d, %v", ev, err)
	}
	if _, err := JobLeader(p.PID()); err == nil {
		t.Fatal("JobLeader still names a child that exited")
	}
}
