//go:build !linux

package observe

import (
	"os"

	"github.com/shirou/gopsutil/v3/process"
)

// readProcess asks gopsutil, which the supervisor links on these systems
// anyway for the child's limits.
func readProcess() processFigures {
	var f processFigures
	p, err := process.NewProcess(int32(os.Getpid()))
	if err != nil {
		return f
	}
	if t, err := p.Times(); err == nil {
		f.cpuSeconds, f.hasCPU = t.User+t.System, true
	}
	if m, err := p.MemoryInfo(); err == nil {
		f.residentBytes, f.virtualBytes, f.hasMemory = float64(m.RSS), float64(m.VMS), true
	}
	if n, err := p.NumFDs(); err == nil {
		f.openFDs, f.hasFDs = float64(n), true
	}
	if ms, err := p.CreateTime(); err == nil {
		f.startSeconds, f.hasStart = float64(ms)/1000, true
	}
	return f
}
