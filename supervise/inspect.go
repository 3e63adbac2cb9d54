package supervise

import (
	"fmt"
	"sync"

	"github.com/shirou/gopsutil/v3/process"
)

// NewProcInspector returns an Inspector reading the operating system through
// gopsutil. Where a platform cannot tell the state (Windows), Status is
// empty and only memory is checked. CPUPercent is the usage since the
// previous inspection of the same pid (gopsutil's own CPUPercent is a
// lifetime average, which hides a child that just started spinning).
func NewProcInspector() Inspector {
	return &procInspector{procs: map[int]*process.Process{}}
}

type procInspector struct {
	mu    sync.Mutex
	procs map[int]*process.Process // kept so Percent can measure between calls
}

func (i *procInspector) Inspect(pid int) (ProcInfo, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	p, ok := i.procs[pid]
	if !ok {
		var err error
		p, err = process.NewProcess(int32(pid))
		if err != nil {
			return ProcInfo{}, fmt.Errorf("cannot inspect process %d: %w", pid, err)
		}
		// One child at a time: forget the previous ones.
		clear(i.procs)
		i.procs[pid] = p
	}
	var info ProcInfo
	// Status is not implemented everywhere (Windows); an unknown state is
	// left empty. A vanished process shows up as the memory read's error.
	if st, err := p.Status(); err == nil && len(st) > 0 {
		info.Status = st[0]
	}
	mem, err := p.MemoryInfo()
	if err != nil {
		return ProcInfo{}, fmt.Errorf("cannot read the memory of process %d: %w", pid, err)
	}
	info.RSSBytes = mem.RSS
	if cpu, err := p.Percent(0); err == nil {
		info.CPUPercent = cpu
	}
	return info, nil
}
