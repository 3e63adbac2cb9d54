package supervise

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ddnsd/ddns/untrusted"
)

// ExecOptions configure the real process starter.
type ExecOptions struct {
	// Logger receives the child's output, named after the command's base
	// name. nil discards it.
	Logger hclog.Logger
	// Output, when set, also keeps the child's lines for `supervisor logs`.
	Output *LogRing
	// DrainGrace bounds the wait for the child's output pipes after it
	// exited and its process group was killed: a process that escaped the
	// group may still hold them (default 2s).
	DrainGrace time.Duration
	// Subreaper (Linux) makes the supervisor a child subreaper: a
	// descendant that double-forks or calls setsid comes back to us as an
	// orphan instead of to init, and every such descendant is killed when
	// the child exits or is stopped. It changes the whole process, so only
	// the supervisor's main sets it; the caller must then reap orphans
	// (ReapOrphans).
	Subreaper bool
	// Cgroup (Linux, cgroup v2) names a folder created under the
	// supervisor's own cgroup that every child starts in; the child's exit
	// or stop kills the whole cgroup, which reaches descendants that left
	// the process group and session, and a helper kills it if the
	// supervisor itself is killed. A leftover from a killed predecessor is
	// emptied first. Where the cgroup cannot be used (no cgroup v2, no
	// write access) the children start without it. "" disables it.
	Cgroup string
}

// maxLineBytes bounds one logged line; the rest of a longer line is dropped
// and counted, so a child printing megabytes without a newline cannot make
// the supervisor hold them.
const maxLineBytes = 64 << 10

// NewExecStarter returns a Starter running real processes: each child in its
// own process group (Windows: its own console group and a kill-on-close job
// object), tied to the supervisor's life (Linux: parent-death signal and a
// controlling terminal whose loss hangs up the whole group), with stdout and
// stderr read line by line into the logger.
func NewExecStarter(o ExecOptions) Starter {
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	if o.DrainGrace <= 0 {
		o.DrainGrace = 2 * time.Second
	}
	e := &execStarter{o: o}
	e.initSys()
	return e
}

// execStarter starts the children; sys holds what a platform keeps for all
// of them (Linux: the subreaper flag, the cgroup and its keeper).
type execStarter struct {
	o   ExecOptions
	mu  sync.Mutex // guards sys's switches
	sys starterSys
}

// execProc is one real child. The portable code here drives it; each
// platform file (exec_linux.go, exec_unixother.go, exec_unix.go,
// exec_windows.go, exec_other.go) supplies these hooks:
//
//	sysProc                      the platform's handles: Linux the controlling
//	                             pseudo-terminal, Windows the job object, else none
//	prepare(cmd) error           before start: process group or session, parent-death
//	                             signal, terminal, job object; an error only loses
//	                             isolation, the child still starts
//	launch(cmd) error            start the child and a goroutine that Waits for it
//	                             and then calls onExit (Linux: on a locked OS thread,
//	                             for the parent-death signal; Windows: suspended,
//	                             put in the job, resumed)
//	releaseStartFiles()          close our copies of what only the child needs
//	closeSys()                   release sysProc's handles
//	terminate() error            ask politely: SIGTERM (and SIGCONT) to the group,
//	                             CTRL_BREAK on Windows
//	kill() error                 force: SIGKILL to the group, terminate the job
//	cleanupGroup()               after the reap: kill what is left of the group or
//	                             job, so no orphan holds the output pipes
//	signalName(ps) string        the signal that ended the child, "" if none
//
// and, for all children of a starter (exec_contain_linux.go, elsewhere
// exec_contain_other.go's no-ops):
//
//	starterSys, initSys()        the subreaper flag, the cgroup and its keeper
//	containing(), stopContaining whether children start in the cgroup
//	signalContained(sig)         sig to the processes that left the group
//	killContained()              after the reap: kill the cgroup and the
//	                             subreaper's orphans
//
// terminate, kill and cleanupGroup are called with mu held; terminate and
// kill never after the child was reaped, so a reused pid is never signalled.
type execProc struct {
	cmd    *exec.Cmd
	pid    int
	done   chan struct{}
	exit   ExitStatus
	mu     sync.Mutex // orders signals against the cleanup after exit
	reaped bool       // signals must no longer go to its pid or job
	sys    sysProc    // platform parts: process group, job object, terminal
	log    hclog.Logger
	grace  time.Duration

	readers sync.WaitGroup
	pipes   []*os.File    // our read ends
	setup   chan struct{} // closed when Start has finished with p
	st      *execStarter  // the starter, for what all children share
	contain bool          // start in the starter's cgroup (Linux)
}

func (e *execStarter) Start(c Command) (Process, error) {
	if c.Path == "" {
		return nil, errors.New("no command to start: the command path is empty")
	}
	contain := e.containing()
	p, err := e.start(c, contain)
	if err != nil && contain {
		// Starting into the cgroup can fail where starting at all does
		// not (an old kernel, a cgroup we may not write to): try once
		// without, and keep going without it if that works.
		if p2, err2 := e.start(c, false); err2 == nil {
			e.stopContaining(err)
			return p2, nil
		}
	}
	return p, err
}

func (e *execStarter) start(c Command, contain bool) (*execProc, error) {
	cmd := exec.Command(c.Path, c.Args...)
	cmd.Env = c.Env
	cmd.Dir = c.Dir
	name := strings.TrimSuffix(filepath.Base(c.Path), ".exe")
	p := &execProc{cmd: cmd, done: make(chan struct{}), setup: make(chan struct{}), log: e.o.Logger.Named(name), grace: e.o.DrainGrace, st: e, contain: contain}

	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("cannot create the pipe for %s's output: %w", c.Path, err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return nil, fmt.Errorf("cannot create the pipe for %s's output: %w", c.Path, err)
	}
	// *os.File outputs go to the child as they are: no copying goroutine in
	// os/exec, so Wait returns when the process exits and we drain ourselves.
	cmd.Stdout, cmd.Stderr = outW, errW
	p.pipes = []*os.File{outR, errR}

	if err := p.prepare(cmd); err != nil {
		p.log.Debug("process isolation unavailable; starting without it", "error", err)
	}
	err = p.launch(cmd)
	outW.Close()
	errW.Close()
	p.releaseStartFiles()
	if err != nil {
		outR.Close()
		errR.Close()
		p.closeSys()
		return nil, fmt.Errorf("cannot start %s: %w", c.Path, err)
	}
	p.pid = cmd.Process.Pid
	for _, r := range p.pipes {
		p.readers.Add(1)
		go func() {
			defer p.readers.Done()
			l := &lineLogger{log: p.log, ring: e.o.Output}
			readLines(r, maxLineBytes, l.handle)
		}()
	}
	close(p.setup)
	return p, nil
}

// onExit runs once the process was reaped: it kills what is left of the
// process group, drains the output and only then closes Done.
func (p *execProc) onExit(waitErr error) {
	<-p.setup // a child that exits at once may be reaped before Start returns
	p.mu.Lock()
	p.reaped = true
	p.cleanupGroup()
	p.mu.Unlock()
	drained := make(chan struct{})
	go func() {
		p.readers.Wait()
		close(drained)
	}()
	select {
	case <-drained:
	case <-time.After(p.grace):
		// Someone outside the group still holds the pipes; closing our ends
		// unblocks the readers.
		p.log.Warn("the child's output pipes stayed open after it exited; a process outside its group holds them", "pid", p.pid)
		for _, f := range p.pipes {
			f.Close()
		}
		select {
		case <-drained:
		case <-time.After(p.grace):
			// A read that Close cannot interrupt (a descriptor in blocking
			// mode): the exit must still be reported, or the supervisor
			// would wait on this child forever. The reader ends when the
			// last holder of the pipe does.
			p.log.Error("a reader of the child's output is still blocked after its pipes were closed; reporting the exit without it", "pid", p.pid)
		}
	}
	for _, f := range p.pipes {
		f.Close()
	}
	p.exit = exitStatusOf(p.cmd.ProcessState, waitErr)
	close(p.done)
}

func exitStatusOf(ps *os.ProcessState, waitErr error) ExitStatus {
	var ee *exec.ExitError
	if waitErr != nil && !errors.As(waitErr, &ee) {
		st := ExitStatus{Code: -1, Err: waitErr}
		if ps != nil {
			st.Code = ps.ExitCode()
		}
		return st
	}
	if ps == nil {
		return ExitStatus{Code: -1, Err: errors.New("the child's exit status is unknown")}
	}
	if sig := signalName(ps); sig != "" {
		return ExitStatus{Code: -1, Signal: sig}
	}
	return ExitStatus{Code: ps.ExitCode()}
}

func (p *execProc) PID() int              { return p.pid }
func (p *execProc) Done() <-chan struct{} { return p.done }
func (p *execProc) Exit() ExitStatus      { return p.exit }

// Terminate asks the whole process group to stop.
func (p *execProc) Terminate() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.reaped {
		return nil
	}
	return p.terminate()
}

// Kill forces the whole process group down; harmless after exit.
func (p *execProc) Kill() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.reaped {
		return nil
	}
	return p.kill()
}

// readLines calls fn for every line of r, without the newline. A line longer
// than max bytes is cut there, with a note of how much was dropped.
func readLines(r io.Reader, max int, fn func(string)) {
	br := bufio.NewReaderSize(r, 64<<10)
	buf := make([]byte, 0, 4096)
	dropped := 0
	for {
		chunk, err := br.ReadSlice('\n')
		complete := err == nil
		if complete {
			chunk = chunk[:len(chunk)-1]
		}
		take := min(len(chunk), max-len(buf))
		buf = append(buf, chunk[:take]...)
		dropped += len(chunk) - take
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if complete || len(buf) > 0 || dropped > 0 {
			line := string(buf)
			if dropped > 0 {
				line += fmt.Sprintf(" [... %d more bytes of this line dropped]", dropped)
			}
			fn(line)
		}
		buf, dropped = buf[:0], 0
		if err != nil {
			return
		}
	}
}

// lineLogger turns one output stream's lines into log entries. The lines
// are untrusted (the child may echo an API's error body or a hostname, or
// be hostile itself): what reaches the supervisor's log, its message and,
// for a JSON line, its field names and values, goes through
// untrusted.Escape, so no ANSI escape, carriage return, C1 control, line
// separator or bidi override reaches the operator's terminal, the log file
// or the journal raw. The ring keeps the line as it came (but for invalid
// UTF-8); `supervisor logs` escapes it when it prints it.
type lineLogger struct {
	log       hclog.Logger
	ring      *LogRing
	panicking bool
}

// escapeLimit bounds the escaped text of a line: a line readLines cut at
// maxLineBytes keeps its note of the bytes dropped, while one that escaping
// makes longer than that is cut again, with a note of its own.
const escapeLimit = maxLineBytes + 128

func (l *lineLogger) handle(line string) {
	line = strings.ToValidUTF8(strings.TrimSuffix(line, "\r"), "\uFFFD")
	if l.ring != nil {
		l.ring.Append(line)
	}
	// A Go panic or fatal error prints a header and then the goroutine
	// dump; all of it is the crash report, so all of it is an error.
	if !l.panicking && (strings.HasPrefix(line, "panic:") || strings.HasPrefix(line, "fatal error:")) {
		l.panicking = true
	}
	if l.panicking {
		l.log.Error(untrusted.Escape(line, escapeLimit))
		return
	}
	if level, msg, args, ok := parseJSONLine(line); ok {
		l.log.Log(level, msg, args...)
		return
	}
	l.log.Info(untrusted.Escape(line, escapeLimit))
}

// parseJSONLine reads a structured log line (hclog's "@level"/"@message",
// or the common "level"/"msg") with untrusted.ParseLogLine, keeping its
// level, message and fields, escaped; the line's time, module and caller
// are dropped (the supervisor stamps its own time and names the child).
func parseJSONLine(line string) (hclog.Level, string, []any, bool) {
	e, ok := untrusted.ParseLogLine(line)
	if !ok {
		return 0, "", nil, false
	}
	e = e.Escaped(escapeLimit)
	return hclog.LevelFromString(e.Level), e.Message, e.Args(), true
}
