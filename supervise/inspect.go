package supervise

import "sync"

// NewProcInspector returns an Inspector reading the operating system as
// cheaply as it can: on Linux one read of /proc/PID/stat gives the state and
// the resident memory; on macOS one sysctl gives the state, and gopsutil the
// memory, only when a memory limit asks for it; elsewhere gopsutil gives both
// (Windows cannot tell a state, so there only memory is read, when needed).
func NewProcInspector() Inspector { return &procInspector{} }

// procInspector keeps what a platform needs between inspections of the same
// child (gopsutil's process handle); one child at a time.
type procInspector struct {
	mu  sync.Mutex
	sys procCache
}

func (i *procInspector) Inspect(pid int, need Need) (ProcInfo, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.sys.inspect(pid, need)
}
