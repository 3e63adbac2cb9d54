//go:build !linux

package supervise

import (
	"fmt"

	"github.com/shirou/gopsutil/v3/process"
)

// memReader reads resident memory through gopsutil, keeping its handle for
// the same pid between calls.
type memReader struct {
	pid int
	p   *process.Process
}

// handle returns gopsutil's handle for pid.
func (m *memReader) handle(pid int) (*process.Process, error) {
	if m.p == nil || m.pid != pid {
		p, err := process.NewProcess(int32(pid))
		if err != nil {
			return nil, fmt.Errorf("cannot inspect process %d: %w", pid, err)
		}
		m.p, m.pid = p, pid
	}
	return m.p, nil
}

func (m *memReader) rss(pid int) (uint64, error) {
	p, err := m.handle(pid)
	if err != nil {
		return 0, err
	}
	mem, err := p.MemoryInfo()
	if err != nil {
		return 0, fmt.Errorf("cannot read the memory of process %d: %w", pid, err)
	}
	return mem.RSS, nil
}
