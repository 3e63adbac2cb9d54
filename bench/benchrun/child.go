//go:build linux

package main

import (
	"bytes"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// monoNow reads CLOCK_MONOTONIC, which on Linux is one clock for every
// process on the machine: a child's exit stamp and the next child's start
// stamp, taken in different processes, can be subtracted without the wall
// clock's steps.
func monoNow() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		panic(err) // cannot happen on Linux; a bench without a clock is no bench
	}
	return ts.Nano()
}

// childMain is the supervised program, the same for both supervisors, so
// that whatever the child costs is the same on both sides:
//
//	benchrun child crash --report SOCK --after DUR [--log-rate BYTES] [--idle-when FILE]
//	benchrun child idle
//
// crash sends "start NANOS" to the report socket as its first act, runs for
// --after (writing --log-rate bytes of log lines a second to stdout, if
// set), sends "exit NANOS" as its last act and exits 1. With --idle-when, a
// child started while that file exists idles instead of crashing, which
// ends a crash-restart series without touching the supervisor's config.
func childMain(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "benchrun child: want a mode: crash or idle")
		return 2
	}
	mode := args[0]
	fs := flag.NewFlagSet("child "+mode, flag.ContinueOnError)
	report := fs.String("report", "", "unixgram socket to send start/exit stamps to")
	after := fs.Duration("after", 20*time.Millisecond, "how long to run before exiting 1")
	logRate := fs.Int("log-rate", 0, "bytes of log lines per second on stdout")
	idleWhen := fs.String("idle-when", "", "idle instead of crashing while this file exists")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	switch mode {
	case "idle":
		return idle()
	case "crash":
	default:
		fmt.Fprintf(os.Stderr, "benchrun child: unknown mode %q\n", mode)
		return 2
	}
	start := monoNow()
	conn, err := net.Dial("unixgram", *report)
	if err != nil {
		fmt.Fprintf(os.Stderr, "benchrun child: cannot reach the bench's report socket %s: %v\n", *report, err)
		return 3
	}
	fmt.Fprintf(conn, "start %d %d", start, os.Getpid())
	if *idleWhen != "" {
		if _, err := os.Stat(*idleWhen); err == nil {
			conn.Close()
			return idle()
		}
	}
	deadline := time.Now().Add(*after)
	if *logRate > 0 {
		writeLogs(deadline, *logRate)
	} else {
		time.Sleep(time.Until(deadline)) // the child's behaviour: run a while, then fail
	}
	fmt.Fprintf(conn, "exit %d %d", monoNow(), os.Getpid())
	return 1
}

// writeLogs writes rate bytes a second of 100-byte log lines to stdout, in
// slices of 10 ms, until deadline.
func writeLogs(deadline time.Time, rate int) {
	const slice = 10 * time.Millisecond
	line := "level=info msg=\"bench child log line, padding to one hundred bytes of output\" seq=0000000\n"
	line = strings.Repeat("x", 100-len(line)) + line
	perSlice := rate / int(time.Second/slice)
	chunk := bytes.Repeat([]byte(line), max(1, perSlice/len(line)))
	tick := time.NewTicker(slice)
	defer tick.Stop()
	for time.Now().Before(deadline) {
		if _, err := os.Stdout.Write(chunk); err != nil {
			return
		}
		<-tick.C
	}
}

// idle waits for SIGTERM or SIGINT like a well-behaved service.
func idle() int {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT)
	<-ch
	return 0
}
