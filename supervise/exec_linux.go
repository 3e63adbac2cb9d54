package supervise

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// sysProc holds the child's terminal. The child is the leader of a new
// session whose controlling terminal is a pseudo-terminal we hold the master
// of: when the supervisor dies, even by SIGKILL, the master closes, the
// terminal hangs up and the kernel sends SIGHUP to the child's process group,
// which reaches grandchildren that the parent-death signal (direct child
// only) cannot.
type sysProc struct {
	master, slave *os.File
	cgroup        *os.File // the cgroup folder the child starts in, until it has
}

func (p *execProc) prepare(cmd *exec.Cmd) error {
	attr := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.SysProcAttr = attr
	if p.contain {
		// The child is forked straight into its cgroup (clone3's
		// CLONE_INTO_CGROUP), so not even its first instruction runs outside.
		// Without it the child still starts, contained by the subreaper
		// and its group only.
		if d, err := os.Open(p.st.sys.cgroup); err != nil {
			p.log.Debug("cannot open the child's cgroup; starting it outside", "error", err)
			p.contain = false
		} else {
			p.sys.cgroup = d
			attr.UseCgroupFD = true
			attr.CgroupFD = int(d.Fd())
		}
	}
	master, slave, err := openPTY()
	if err != nil {
		return err
	}
	attr.Setpgid = false // Setsid makes a new group too
	attr.Setsid = true
	attr.Setctty = true
	attr.Ctty = 3 + len(cmd.ExtraFiles) // a descriptor number in the child
	cmd.ExtraFiles = append(cmd.ExtraFiles, slave)
	p.sys = sysProc{master: master, slave: slave}
	return nil
}

func openPTY() (master, slave *os.File, err error) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot open a pseudo-terminal: %w", err)
	}
	fd := int(m.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		return nil, nil, fmt.Errorf("cannot unlock the pseudo-terminal: %w", err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		m.Close()
		return nil, nil, fmt.Errorf("cannot name the pseudo-terminal: %w", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		return nil, nil, fmt.Errorf("cannot open the pseudo-terminal's other end: %w", err)
	}
	return m, s, nil
}

// launch starts the child from a goroutine locked to its OS thread for the
// child's whole life: Linux sends the parent-death signal when the thread
// that forked the child exits (Go issue 27505), and the runtime may retire
// idle threads, which would kill a healthy child.
func (p *execProc) launch(cmd *exec.Cmd) error {
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := startOwned(cmd); err != nil {
			started <- err
			return // the locked thread exits with the goroutine; no child depends on it
		}
		if p.sys.master != nil {
			// Nobody else reads the terminal: a child writing to /dev/tty
			// would block once its buffer is full. Its text is the child's
			// output like any other (Start reads every pipe in p.pipes).
			p.pipes = append(p.pipes, p.sys.master)
			p.sys.master = nil
		}
		started <- nil
		err := waitOwned(cmd)
		runtime.UnlockOSThread() // the child is reaped: the thread may be reused
		p.onExit(err)
	}()
	return <-started
}

// releaseStartFiles closes our copy of the terminal's child end once the
// child has its own.
func (p *execProc) releaseStartFiles() {
	if p.sys.slave != nil {
		p.sys.slave.Close()
		p.sys.slave = nil
	}
	if p.sys.cgroup != nil {
		p.sys.cgroup.Close()
		p.sys.cgroup = nil
	}
}

func (p *execProc) closeSys() {
	p.releaseStartFiles()
	if p.sys.master != nil {
		p.sys.master.Close()
		p.sys.master = nil
	}
}
