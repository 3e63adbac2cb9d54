package supervise

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/ddnsd/ddns/ipc"
)

// sysProc holds the child's job object and its two events. The job is
// created with KILL_ON_JOB_CLOSE and its only handle lives in the
// supervisor, so when the supervisor dies for any reason Windows closes the
// handle and kills the child and everything it started. The events are
// inherited by the child (see ipc.EnvStopEvent): setting stop asks it to
// end, as SIGTERM does on Unix, and works without a console (a service);
// setting update asks for a pass now.
type sysProc struct {
	job    windows.Handle
	stop   windows.Handle
	update windows.Handle
}

// children maps each running child's pid to its process, so that the
// daemon can ask which child's job holds a pid (report authentication) and
// set a child's update event (update-now).
var children struct {
	sync.Mutex
	m map[int]*execProc
}

// JobLeader returns the pid of the supervised child whose job object holds
// process pid (the child itself, or anything it started), or an error when
// no child's job holds it. It is the Windows counterpart of a process group.
func JobLeader(pid int) (int, error) {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_INFORMATION, false, uint32(pid))
	if err != nil {
		return 0, fmt.Errorf("cannot open process %d to look at its job: %w", pid, err)
	}
	defer windows.CloseHandle(h)
	children.Lock()
	defer children.Unlock()
	for child, p := range children.m {
		if p.sys.job == 0 {
			continue
		}
		var in int32
		if r, _, err := procIsProcessInJob.Call(uintptr(h), uintptr(p.sys.job), uintptr(unsafe.Pointer(&in))); r == 0 {
			return 0, fmt.Errorf("cannot tell whether process %d is in the job of %d: %w", pid, child, err)
		}
		if in != 0 {
			return child, nil
		}
	}
	return 0, fmt.Errorf("process %d is in no supervised child's job object", pid)
}

// AskUpdate sets the update event of the supervised child with that pid.
func AskUpdate(pid int) error {
	children.Lock()
	p := children.m[pid]
	children.Unlock()
	if p == nil {
		return fmt.Errorf("process %d is not a child of this supervisor", pid)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.reaped || p.sys.update == 0 {
		return fmt.Errorf("process %d has exited", pid)
	}
	if err := windows.SetEvent(p.sys.update); err != nil {
		return fmt.Errorf("cannot set the update event of process %d: %w", pid, err)
	}
	return nil
}

var procIsProcessInJob = windows.NewLazySystemDLL("kernel32.dll").NewProc("IsProcessInJob")

// newInheritableEvent makes an unnamed event the child inherits.
func newInheritableEvent(manualReset bool) (windows.Handle, error) {
	sa := &windows.SecurityAttributes{InheritHandle: 1}
	sa.Length = uint32(unsafe.Sizeof(*sa))
	var manual uint32
	if manualReset {
		manual = 1
	}
	return windows.CreateEvent(sa, manual, 0, nil)
}

func (p *execProc) prepare(cmd *exec.Cmd) error {
	// A new process group lets CTRL_BREAK reach the child and not us; the
	// child starts suspended so it cannot spawn anything before it is in the
	// job.
	cmd.SysProcAttr = &syscall.SysProcAttr{
		CreationFlags: windows.CREATE_NEW_PROCESS_GROUP | windows.CREATE_SUSPENDED,
	}
	// The events first: without them the child can still be stopped by
	// CTRL_BREAK (with a console) or by terminating its job.
	if err := p.prepareEvents(cmd); err != nil {
		p.log.Warn("the child gets no stop event; it can only be stopped by CTRL_BREAK or killed", "error", err)
	}
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return fmt.Errorf("cannot create a job object: %w", err)
	}
	info := windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION{}
	info.BasicLimitInformation.LimitFlags = windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
	if _, err := windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		windows.CloseHandle(job)
		return fmt.Errorf("cannot make the job object kill on close: %w", err)
	}
	p.sys.job = job
	return nil
}

// prepareEvents creates the stop (manual reset: it stays set) and update
// (auto reset: one pass per request) events and passes them to the child:
// only the handles listed in AdditionalInheritedHandles are inherited.
func (p *execProc) prepareEvents(cmd *exec.Cmd) error {
	stop, err := newInheritableEvent(true)
	if err != nil {
		return fmt.Errorf("cannot create the stop event: %w", err)
	}
	update, err := newInheritableEvent(false)
	if err != nil {
		windows.CloseHandle(stop)
		return fmt.Errorf("cannot create the update event: %w", err)
	}
	p.sys.stop, p.sys.update = stop, update
	env := cmd.Env
	if env == nil {
		env = os.Environ()
	}
	cmd.Env = append(env[:len(env):len(env)],
		ipc.EnvStopEvent+"="+strconv.FormatUint(uint64(stop), 10),
		ipc.EnvUpdateEvent+"="+strconv.FormatUint(uint64(update), 10))
	cmd.SysProcAttr.AdditionalInheritedHandles = []syscall.Handle{syscall.Handle(stop), syscall.Handle(update)}
	return nil
}

func (p *execProc) launch(cmd *exec.Cmd) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	pid := uint32(cmd.Process.Pid)
	if p.sys.job != 0 {
		if err := assignToJob(p.sys.job, pid); err != nil {
			p.log.Warn("the child is not in a job object; it may outlive the supervisor", "pid", pid, "error", err)
			windows.CloseHandle(p.sys.job)
			p.sys.job = 0
		}
	}
	if err := resumeProcess(pid); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		p.closeSys()
		return fmt.Errorf("cannot resume the suspended child: %w", err)
	}
	children.Lock()
	if children.m == nil {
		children.m = map[int]*execProc{}
	}
	children.m[cmd.Process.Pid] = p
	children.Unlock()
	go func() { p.onExit(cmd.Wait()) }()
	return nil
}

func assignToJob(job windows.Handle, pid uint32) error {
	h, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, pid)
	if err != nil {
		return fmt.Errorf("cannot open process %d: %w", pid, err)
	}
	defer windows.CloseHandle(h)
	if err := windows.AssignProcessToJobObject(job, h); err != nil {
		return fmt.Errorf("cannot assign process %d to the job object: %w", pid, err)
	}
	return nil
}

// resumeProcess resumes the threads of a process created suspended (there
// is exactly one: its main thread).
func resumeProcess(pid uint32) error {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPTHREAD, 0)
	if err != nil {
		return fmt.Errorf("cannot list threads: %w", err)
	}
	defer windows.CloseHandle(snap)
	var te windows.ThreadEntry32
	te.Size = uint32(unsafe.Sizeof(te))
	resumed := 0
	for err = windows.Thread32First(snap, &te); err == nil; err = windows.Thread32Next(snap, &te) {
		if te.OwnerProcessID != pid {
			continue
		}
		th, err := windows.OpenThread(windows.THREAD_SUSPEND_RESUME, false, te.ThreadID)
		if err != nil {
			return fmt.Errorf("cannot open thread %d: %w", te.ThreadID, err)
		}
		_, err = windows.ResumeThread(th)
		windows.CloseHandle(th)
		if err != nil {
			return fmt.Errorf("cannot resume thread %d: %w", te.ThreadID, err)
		}
		resumed++
	}
	if resumed == 0 {
		return fmt.Errorf("found no thread of process %d to resume", pid)
	}
	return nil
}

func (p *execProc) releaseStartFiles() {}

func (p *execProc) closeSys() {
	children.Lock()
	if children.m[p.pid] == p {
		delete(children.m, p.pid)
	}
	children.Unlock()
	for _, h := range []*windows.Handle{&p.sys.job, &p.sys.stop, &p.sys.update} {
		if *h != 0 {
			windows.CloseHandle(*h)
			*h = 0
		}
	}
}

// terminate sets the child's stop event, which the updater treats as
// SIGTERM and which needs no console, and also sends CTRL_BREAK to its
// console process group, for a foreign command that knows only that (Go
// programs see it as os.Interrupt; wine does not implement it). If neither
// works, the supervisor terminates the job after stop_timeout.
func (p *execProc) terminate() error {
	var evErr error
	if p.sys.stop == 0 {
		evErr = errors.New("the child has no stop event")
	} else if err := windows.SetEvent(p.sys.stop); err != nil {
		evErr = fmt.Errorf("cannot set the stop event: %w", err)
	}
	breakErr := windows.GenerateConsoleCtrlEvent(windows.CTRL_BREAK_EVENT, uint32(p.pid))
	if evErr != nil && breakErr != nil {
		return fmt.Errorf("cannot ask process %d to stop: %w; and cannot send CTRL_BREAK to its process group: %w", p.pid, evErr, breakErr)
	}
	return nil
}

func (p *execProc) kill() error {
	if p.sys.job != 0 {
		if err := windows.TerminateJobObject(p.sys.job, 1); err != nil {
			return fmt.Errorf("cannot terminate the job object of process %d: %w", p.pid, err)
		}
		return nil
	}
	err := p.cmd.Process.Kill()
	if errors.Is(err, os.ErrProcessDone) {
		return nil
	}
	return err
}

// cleanupGroup kills what the child left in its job, then drops the job.
func (p *execProc) cleanupGroup() {
	if p.sys.job != 0 {
		_ = windows.TerminateJobObject(p.sys.job, 1)
	}
	p.closeSys()
}

func signalName(ps *os.ProcessState) string { return "" }
