package supervise

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// sysProc holds the child's job object. The job is created with
// KILL_ON_JOB_CLOSE and its only handle lives in the supervisor, so when the
// supervisor dies for any reason Windows closes the handle and kills the
// child and everything it started.
type sysProc struct {
	job windows.Handle
}

func (p *execProc) prepare(cmd *exec.Cmd) error {
	// A new process group lets CTRL_BREAK reach the child and not us; the
	// child starts suspended so it cannot spawn anything before it is in the
	// job.
	cmd.SysProcAttr = &syscall.SysProcAttr{
		CreationFlags: windows.CREATE_NEW_PROCESS_GROUP | windows.CREATE_SUSPENDED,
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
	if p.sys.job != 0 {
		windows.CloseHandle(p.sys.job)
		p.sys.job = 0
	}
}

// terminate sends CTRL_BREAK to the child's console process group, the
// Windows counterpart of SIGTERM that Go programs see as os.Interrupt.
func (p *execProc) terminate() error {
	if err := windows.GenerateConsoleCtrlEvent(windows.CTRL_BREAK_EVENT, uint32(p.pid)); err != nil {
		return fmt.Errorf("cannot send CTRL_BREAK to process group %d: %w", p.pid, err)
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
