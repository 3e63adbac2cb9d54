//go:build !linux && !darwin

package supervise

import "runtime"

// procCache keeps gopsutil's handle for the same pid between calls.
type procCache struct{ mem memReader }

func (c *procCache) inspect(pid int, need Need) (ProcInfo, error) {
	var info ProcInfo
	if stateReadable {
		p, err := c.mem.handle(pid)
		if err != nil {
			return ProcInfo{}, err
		}
		// A vanished process shows up here or in the memory read's error.
		if st, err := p.Status(); err == nil && len(st) > 0 {
			info.Status = st[0]
		}
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

// stateReadable is false where gopsutil cannot tell a process's state
// (Windows has no stopped or zombie processes to find).
const stateReadable = runtime.GOOS != "windows"
