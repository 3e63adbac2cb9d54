package observe

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// userHZ is the unit of the times in /proc/PID/stat: USER_HZ, 100 on every
// architecture Linux runs Go on (the kernel converts to it for user space,
// whatever its own tick rate).
const userHZ = 100

// readProcess reads this process's figures from the kernel directly
// (getrusage, /proc/self), as Prometheus' own process collector does, so the
// supervisor links no process-inspection library on Linux.
func readProcess() processFigures {
	var p processFigures
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		p.cpuSeconds = seconds(ru.Utime) + seconds(ru.Stime)
		p.hasCPU = true
	}
	// statm: the sizes in pages; the first is the virtual size, the second
	// the resident set.
	if b, err := os.ReadFile("/proc/self/statm"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 2 {
			vsz, err1 := strconv.ParseUint(f[0], 10, 64)
			rss, err2 := strconv.ParseUint(f[1], 10, 64)
			if err1 == nil && err2 == nil {
				page := float64(os.Getpagesize())
				p.virtualBytes, p.residentBytes, p.hasMemory = float64(vsz)*page, float64(rss)*page, true
			}
		}
	}
	// The directory's own descriptor is counted too, as every collector
	// that reads /proc/self/fd does.
	if d, err := os.Open("/proc/self/fd"); err == nil {
		names, err := d.Readdirnames(-1)
		d.Close()
		if err == nil {
			p.openFDs, p.hasFDs = float64(len(names)), true
		}
	}
	if s, ok := startTime(); ok {
		p.startSeconds, p.hasStart = s, true
	}
	return p
}

// seconds converts a rusage time (whose field types differ by architecture).
func seconds(tv syscall.Timeval) float64 {
	return float64(tv.Sec) + float64(tv.Usec)/1e6
}

// startTime is when this process started, in seconds since the Unix epoch:
// the boot time (/proc/stat's btime) plus the start's ticks after boot
// (field 22 of /proc/self/stat).
func startTime() (float64, bool) {
	stat, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, false
	}
	f := statFields(stat)
	if len(f) < 22-2 {
		return 0, false
	}
	ticks, err := strconv.ParseUint(f[22-3], 10, 64)
	if err != nil {
		return 0, false
	}
	boot, ok := bootTime()
	if !ok {
		return 0, false
	}
	return float64(boot) + float64(ticks)/userHZ, true
}

// statFields returns the fields of a /proc/PID/stat line from field 3 on
// (field N is at N-3): the command name (field 2) is in parentheses and may
// hold spaces and parentheses itself, so the count starts after the last
// ')'.
func statFields(stat []byte) []string {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(string(stat[i+1:]))
}

// bootTime is /proc/stat's btime: the boot, in seconds since the epoch.
func bootTime() (uint64, bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}
