package supervise

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// procCache keeps gopsutil's handle for the memory reading.
type procCache struct{ mem memReader }

// The p_stat values of <sys/proc.h>.
const (
	darwinSSTOP = 4
	darwinSZOMB = 5
)

func (c *procCache) inspect(pid int, need Need) (ProcInfo, error) {
	// gopsutil reads a macOS process's state by running ps(1); one sysctl
	// is enough and costs a fraction of that.
	kp, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	if err != nil {
		return ProcInfo{}, fmt.Errorf("cannot inspect process %d: %w", pid, err)
	}
	var info ProcInfo
	switch kp.Proc.P_stat {
	case darwinSSTOP:
		info.Status = ProcStopped
	case darwinSZOMB:
		info.Status = ProcZombie
	case 2:
		info.Status = "running"
	case 3:
		info.Status = "sleep"
	case 1:
		info.Status = "idle" // SIDL: being created
	}
	if need.Memory {
		rss, err := c.mem.rss(pid)
		if err != nil {
			return ProcInfo{}, err
		}
		info.RSSBytes = rss
	}
	return info, nil
}
