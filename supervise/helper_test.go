//go:build linux

package supervise

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
)

// helperMain is the child side of the integration tests: one mode per
// behaviour. It returns the exit code.
func helperMain(mode string) int {
	name, arg, _ := strings.Cut(mode, ":")
	switch name {
	case "exit":
		code, _ := strconv.Atoi(arg)
		fmt.Println("hello from child, exiting", code)
		return code
	case "crash":
		fmt.Println("about to crash")
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
	case "crash-after":
		fmt.Println("running")
		time.Sleep(100 * time.Millisecond) // the child's behaviour: run a while, then die
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
	case "ignore-term":
		signal.Ignore(syscall.SIGTERM)
		fmt.Println("ready")
		time.Sleep(time.Hour)
	case "sleep":
		time.Sleep(time.Hour)
	case "sleep-nohup":
		signal.Ignore(syscall.SIGHUP) // survives its session's hangup, like nohup
		fmt.Println("nohup")
		time.Sleep(time.Hour)
	case "grandchildren", "grandchildren-exit":
		for i := 0; i < 2; i++ {
			c := exec.Command(os.Args[0])
			gc := "sleep"
			if name == "grandchildren-exit" {
				// Only the group kill after the child's exit can stop these.
				gc = "sleep-nohup"
			}
			c.Env = append(os.Environ(), helperEnv+"="+gc)
			out, _ := c.StdoutPipe()
			if err := c.Start(); err != nil {
				fmt.Println("cannot start grandchild:", err)
				return 1
			}
			if gc == "sleep-nohup" {
				// Wait until it ignores SIGHUP before going on.
				line, _ := bufio.NewReader(out).ReadString('\n')
				fmt.Print(line)
			}
			fmt.Printf("gc:%d\n", c.Process.Pid)
		}
		fmt.Println("ready")
		if name == "grandchildren-exit" {
			return 1
		}
		time.Sleep(time.Hour)
	case "garbage":
		fmt.Println("stdout plain")
		e := os.Stderr
		e.WriteString("plain before\n")
		e.Write([]byte("bad bytes: \xff\xfe\xc3 end\n"))
		e.WriteString(strings.Repeat("x", 1<<20) + "\n")
		e.WriteString(`{"@level":"warn","@message":"json warn","@timestamp":"2026-11-03T12:00:00Z","zone":"example.com"}` + "\n")
		e.WriteString(`{"level":"error","msg":"json error","code":7}` + "\n")
		e.WriteString("panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n")
		return 2
	case "hostile":
		// Lines that try to rewrite the operator's terminal, forge log
		// entries or reverse text, in every part of a line the
		// supervisor logs; hostileLines in exec_linux_test.go says what
		// each must become.
		for _, l := range hostileLines {
			os.Stderr.WriteString(l + "\n")
		}
		return 0
	case "mini-supervisor":
		return miniSupervisor()
	default:
		fmt.Fprintln(os.Stderr, "unknown helper mode", mode)
		return 99
	}
	return 0
}

// miniSupervisor runs a real Supervisor whose child starts grandchildren; it
// prints the child's pid and relays the child's output, then runs until it is
// killed.
func miniSupervisor() int {
	ring := NewLogRing(100)
	lines, _ := ring.Subscribe()
	go func() {
		for l := range lines {
			fmt.Println(l)
		}
	}()
	s := New(Options{
		Policy:  testPolicy(),
		Command: helperCommand("grandchildren"),
		Starter: NewExecStarter(ExecOptions{Logger: hclog.NewNullLogger(), Output: ring}),
		OnEvent: func(e Event) {
			if e.Kind == EventStarted {
				fmt.Printf("child:%d\n", e.PID)
			}
		},
	})
	_ = s.Run(context.Background())
	return 0
}

// helperCommand runs this test binary as a child in the given mode.
func helperCommand(mode string) Command {
	return Command{Path: os.Args[0], Args: []string{"-test.run=^$"}, Env: append(os.Environ(), helperEnv+"="+mode)}
}
