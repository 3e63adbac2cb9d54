package supervise

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
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
	info, err := parseProcStat(pid, b)
	if err != nil || !need.Memory {
		return info, err
	}
	info.RSSBytes = treeMemory(pid, info.RSSBytes)
	return info, nil
}

// treeMemory is the memory of pid's whole tree, since a wrapper script's
// child is what holds the memory a limit is about: the cgroup's
// memory.current where the child has a cgroup of its own that accounts
// memory, else the resident memory of pid, its descendants and (in a
// cgroup of its own) every process of that cgroup, which includes those
// that left the tree. own is pid's resident memory, already read.
func treeMemory(pid int, own uint64) uint64 {
	dir := childCgroup(pid)
	if dir != "" {
		if b, err := os.ReadFile(dir + "/memory.current"); err == nil {
			if n, err := strconv.ParseUint(string(bytes.TrimSpace(b)), 10, 64); err == nil {
				return n
			}
		}
	}
	procs := readProcs()
	parent := make(map[int]int, len(procs))
	for _, pr := range procs {
		parent[pr.pid] = pr.ppid
	}
	in := map[int]bool{}
	if dir != "" {
		for _, p := range cgroupProcs(dir) {
			in[p] = true
		}
	}
	total := own
	var orphans uint64
	if dir == "" {
		// Without a cgroup the descendants that double-forked away are
		// found as the orphans a subreaper got back (one child at a time,
		// so they are this child's).
		orphans = orphanRSSPages(procs, parent)
	}
	for _, pr := range procs {
		if pr.pid == pid {
			continue
		}
		if in[pr.pid] || isDescendant(pr.pid, pid, parent) {
			total += pr.rssPages * pageSize
		}
	}
	return total + orphans*pageSize
}

// isDescendant reports whether pid's ancestry leads to root.
func isDescendant(pid, root int, parent map[int]int) bool {
	for i := 0; i < 64; i++ {
		pp, ok := parent[pid]
		if !ok || pp <= 1 {
			return false
		}
		if pp == root {
			return true
		}
		pid = pp
	}
	return false
}

// childCgroup is the folder of pid's cgroup v2 when it differs from ours
// (the child runs in one of its own), else "".
func childCgroup(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		return ""
	}
	mine, err := os.ReadFile("/proc/self/cgroup")
	if err != nil || bytes.Equal(b, mine) {
		return ""
	}
	own, err := ownCgroup()
	if err != nil {
		return ""
	}
	ownRel := ""
	for _, l := range strings.Split(string(mine), "\n") {
		if p, ok := strings.CutPrefix(l, "0::"); ok {
			ownRel = p
		}
	}
	for _, l := range strings.Split(string(b), "\n") {
		if p, ok := strings.CutPrefix(l, "0::"); ok && p != ownRel {
			if rest, ok := strings.CutPrefix(p, strings.TrimSuffix(ownRel, "/")+"/"); ok {
				return own + "/" + rest
			}
		}
	}
	return ""
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
