package supervise

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// procCache needs nothing on Linux: every inspection is one read.
type procCache struct{}

// pageSize converts /proc's resident pages to bytes.
var pageSize = uint64(os.Getpagesize())

func (procCache) inspect(pid int, need Need) (ProcInfo, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ProcInfo{}, fmt.Errorf("cannot inspect process %d: %w", pid, err)
	}
	return parseProcStat(pid, b)
}

// parseProcStat reads the state (field 3) and the resident set size in pages
// (field 24) of a /proc/PID/stat line. The command name (field 2) is in
// parentheses and may hold spaces and parentheses itself, so the fields are
// counted from the last ')'.
func parseProcStat(pid int, b []byte) (ProcInfo, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return ProcInfo{}, fmt.Errorf("cannot inspect process %d: /proc/%d/stat has no command name", pid, pid)
	}
	f := bytes.Fields(b[i+1:])
	// f[0] is field 3 (state), so field 24 (rss) is f[21].
	if len(f) < 22 || len(f[0]) != 1 {
		return ProcInfo{}, fmt.Errorf("cannot inspect process %d: /proc/%d/stat has %d fields after the command name, want at least 22", pid, pid, len(f))
	}
	rss, err := strconv.ParseUint(string(f[21]), 10, 64)
	if err != nil {
		return ProcInfo{}, fmt.Errorf("cannot inspect process %d: its resident set size %q in /proc/%d/stat is not a number", pid, f[21], pid)
	}
	return ProcInfo{Status: linuxState(f[0][0]), RSSBytes: rss * pageSize}, nil
}

// linuxState turns a /proc state letter into gopsutil's word for it.
func linuxState(c byte) string {
	switch c {
	case 'R':
		return "running"
	case 'S':
		return "sleep"
	case 'D':
		return "wait" // uninterruptible disk sleep
	case 'T', 't':
		return ProcStopped // stopped by a signal, or by a tracer
	case 'Z':
		return ProcZombie
	case 'X', 'x':
		return "dead"
	case 'I':
		return "idle"
	case 'W':
		return "wait" // paging (before Linux 2.6) or waking
	case 'P':
		return "parked"
	}
	return string(c)
}
