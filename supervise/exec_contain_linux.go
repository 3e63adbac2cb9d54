package supervise

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Containment on Linux. A badly written child's descendants can leave its
// process group and session (setsid, a double fork, nohup), where neither
// the group kill nor the terminal's hangup reaches them. Two things catch
// them:
//
//   - as a child subreaper (ExecOptions.Subreaper) the supervisor gets such
//     orphans back instead of init, so at the child's exit or stop it kills
//     every process whose ancestry leads to it and that is not a child it
//     started itself;
//   - in a cgroup of its own (ExecOptions.Cgroup) the whole tree is killed
//     at once through cgroup.kill, even the processes that were reparented
//     elsewhere, and a small keeper process kills it when the supervisor
//     dies without a chance to.

// starterSys is what all children of one starter share.
type starterSys struct {
	subreaper bool
	cgroup    string // the children's cgroup folder; "" when not used
	keeper    *os.File
}

// subreaping is set once a starter made this process a child subreaper:
// the child's orphans are then ours, and count towards its memory.
var subreaping atomic.Bool

// orphanRSSPages sums the resident pages of the processes that came back
// to us as orphans (our descendants that no child we own leads to).
func orphanRSSPages(procs []procEntry, parent map[int]int) uint64 {
	if !subreaping.Load() {
		return 0
	}
	owned.Lock()
	defer owned.Unlock()
	me := os.Getpid()
	var n uint64
	for _, pr := range procs {
		if pr.state != 'Z' && descendsFrom(pr.pid, me, parent) {
			n += pr.rssPages
		}
	}
	return n
}

// owned are the pids of the processes this package started and has not yet
// reaped. The orphan reaper and the descendant kill leave them alone: their
// exit status belongs to their Wait. The lock is held across each fork, so
// no reaper can see a child between its fork and its registration.
var owned = struct {
	sync.Mutex
	pids map[int]bool
}{pids: map[int]bool{}}

// startOwned starts cmd and registers its pid as ours.
func startOwned(cmd *exec.Cmd) error {
	owned.Lock()
	defer owned.Unlock()
	if err := cmd.Start(); err != nil {
		return err
	}
	owned.pids[cmd.Process.Pid] = true
	return nil
}

// waitOwned waits for cmd and only then gives its pid up.
func waitOwned(cmd *exec.Cmd) error {
	err := cmd.Wait()
	owned.Lock()
	delete(owned.pids, cmd.Process.Pid)
	owned.Unlock()
	return err
}

// ReapOrphans reaps every zombie child of this process that this package
// did not start: orphans reparented to us, because we are PID 1 or a child
// subreaper. It never waits for a supervised child, so that child's exit
// status always reaches its own wait. It returns how many it reaped.
func ReapOrphans() int {
	owned.Lock()
	defer owned.Unlock()
	n := 0
	me := os.Getpid()
	for _, pr := range readProcs() {
		if pr.ppid != me || pr.state != 'Z' || owned.pids[pr.pid] {
			continue
		}
		var ws syscall.WaitStatus
		if got, err := syscall.Wait4(pr.pid, &ws, syscall.WNOHANG, nil); err == nil && got == pr.pid {
			n++
		}
	}
	return n
}

// IsSubreaper reports whether this process is a child subreaper, so that
// orphans come back to it and must be reaped.
func IsSubreaper() bool {
	var v int32
	if err := unix.Prctl(unix.PR_GET_CHILD_SUBREAPER, uintptr(unsafe.Pointer(&v)), 0, 0, 0); err != nil {
		return false
	}
	return v != 0
}

func (e *execStarter) initSys() {
	log := e.o.Logger
	if e.o.Subreaper {
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
			log.Warn("cannot become a child subreaper; descendants that leave the child's process group may outlive it", "error", err)
		} else {
			e.sys.subreaper = true
			subreaping.Store(true)
		}
	}
	if e.o.Cgroup == "" {
		return
	}
	if os.Getpid() == 1 {
		// The init of a PID namespace: when it dies the kernel kills every
		// process in the namespace, and orphans come to it anyway. A cgroup
		// would add nothing but a folder its killed keeper cannot remove.
		return
	}
	dir, leftover, err := setupCgroup(e.o.Cgroup)
	if err != nil {
		log.Debug("no cgroup for the child; containing it without one", "error", err)
		return
	}
	if leftover > 0 {
		log.Warn("killed processes left in the child's cgroup by an earlier supervisor", "cgroup", dir, "processes", leftover)
	}
	e.sys.cgroup = dir
	if err := e.startKeeper(); err != nil {
		log.Debug("no keeper for the child's cgroup; if the supervisor is killed, the next one empties it", "error", err)
	}
}

func (e *execStarter) containing() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sys.cgroup != ""
}

func (e *execStarter) stopContaining(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.sys.cgroup != "" {
		e.o.Logger.Warn("cannot start the child in its cgroup; starting it without one", "cgroup", e.sys.cgroup, "error", err)
		e.sys.cgroup = ""
	}
}

// startKeeper starts a shell that waits for the end of a pipe only we hold
// and then kills the cgroup: when the supervisor dies, even by SIGKILL, the
// pipe closes and nothing of the child's tree outlives it. The keeper sits
// in the supervisor's cgroup and its own session, out of reach of the kills
// meant for the child.
func (e *execStarter) startKeeper() error {
	sh, err := exec.LookPath("/bin/sh")
	if err != nil {
		return fmt.Errorf("no shell to run the keeper: %w", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("cannot create the keeper's pipe: %w", err)
	}
	// After the kill it removes the emptied folder, so that supervisors
	// leave none behind (rmdir fails harmlessly while it is populated).
	cmd := exec.Command(sh, "-c", keeperScript, "ddns-cgroup-keeper", e.sys.cgroup)
	cmd.Stdin = r
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = startOwned(cmd)
	r.Close()
	if err != nil {
		w.Close()
		return fmt.Errorf("cannot start the keeper: %w", err)
	}
	e.sys.keeper = w
	go func() { _ = waitOwned(cmd) }()
	return nil
}

const keeperScript = `read -r _
echo 1 > "$1/cgroup.kill" 2>/dev/null || kill -9 $(cat "$1/cgroup.procs") 2>/dev/null
for i in 1 2 3 4 5 6 7 8 9 10; do rmdir "$1" 2>/dev/null && break; sleep 0.1; done
exit 0`

// setupCgroup creates (or takes over) the cgroup folder name under our own
// cgroup and kills whatever a predecessor left in it.
func setupCgroup(name string) (dir string, leftover int, err error) {
	if name == "." || name == ".." || strings.ContainsAny(name, "/\x00") {
		return "", 0, fmt.Errorf("the cgroup name %q is not a plain folder name", name)
	}
	own, err := ownCgroup()
	if err != nil {
		return "", 0, err
	}
	dir = filepath.Join(own, name)
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return "", 0, fmt.Errorf("cannot create the cgroup %s: %w", dir, err)
	}
	leftover = len(cgroupProcs(dir))
	if leftover > 0 {
		killCgroup(dir)
	}
	// A predecessor's keeper may have used cgroup.kill on it (see
	// killCgroup): start from a fresh one.
	if os.Remove(dir) == nil {
		if err := os.Mkdir(dir, 0o755); err != nil {
			return "", 0, fmt.Errorf("cannot create the cgroup %s: %w", dir, err)
		}
	}
	return dir, leftover, nil
}

// ownCgroup is the folder of this process's cgroup v2.
func ownCgroup() (string, error) {
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return "", fmt.Errorf("cannot read our cgroup: %w", err)
	}
	rel := ""
	found := false
	for _, l := range strings.Split(string(b), "\n") {
		if p, ok := strings.CutPrefix(l, "0::"); ok {
			rel, found = p, true
		}
	}
	if !found {
		return "", errors.New("this system has no cgroup v2 hierarchy")
	}
	mi, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return "", fmt.Errorf("cannot read the mount table: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(mi))
	for sc.Scan() {
		// id parent major:minor root mountpoint options ... - fstype source opts
		f := strings.Fields(sc.Text())
		for i, x := range f {
			if x == "-" && i+1 < len(f) && f[i+1] == "cgroup2" && len(f) > 4 {
				root := f[3]
				p := rel
				if root != "/" {
					p = strings.TrimPrefix(rel, root)
				}
				return filepath.Join(f[4], p), nil
			}
		}
	}
	return "", errors.New("cgroup v2 is not mounted")
}

// cgroupProcs lists the pids in a cgroup.
func cgroupProcs(dir string) []int {
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return nil
	}
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// killCgroup kills every process in dir and waits, bounded, until it is
// empty (cgroup.kill where the kernel has it, 5.14 on; else each pid). A
// cgroup that cgroup.kill was used on is then replaced by a fresh one of
// the same name: Linux (6.18 here) goes on killing every process later
// cloned into it with CLONE_INTO_CGROUP.
func killCgroup(dir string) (found int) {
	deadline := time.Now().Add(2 * time.Second)
	useKill := false
	for pass := 0; ; pass++ {
		pids := cgroupProcs(dir)
		if pass == 0 {
			found = len(pids)
		}
		if len(pids) == 0 {
			break
		}
		if time.Now().After(deadline) {
			return found
		}
		if !useKill {
			useKill = os.WriteFile(filepath.Join(dir, "cgroup.kill"), []byte("1"), 0) == nil
		}
		if !useKill {
			for _, pid := range pids {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		// The kernel empties the cgroup as the killed processes exit; there
		// is no event to wait on short of inotify, and it takes microseconds.
		time.Sleep(time.Millisecond)
	}
	if useKill && os.Remove(dir) == nil {
		_ = os.Mkdir(dir, 0o755)
	}
	return found
}

// signalContained sends sig to every process of the child's cgroup, which
// includes those that left its group.
func (p *execProc) signalContained(sig syscall.Signal) {
	if !p.contain {
		return
	}
	for _, pid := range cgroupProcs(p.st.sys.cgroup) {
		_ = syscall.Kill(pid, sig)
	}
}

// killContained runs after the child was reaped: its cgroup is killed, and
// a subreaper kills the orphans that came back to it. Whatever had to be
// killed here left the child's process group: a child that daemonizes is
// told so in the log, since its daemon does not outlive it.
func (p *execProc) killContained() {
	n := 0
	if p.contain {
		n += killCgroup(p.st.sys.cgroup)
	}
	if p.st.sys.subreaper {
		n += killDescendants()
	}
	if n > 0 {
		p.log.Warn("killed processes the child left behind outside its process group (setsid, a double fork or a daemon); a supervised program must not daemonize", "pid", p.pid, "processes", n)
	}
}

// killDescendants kills every process whose ancestry leads to us, except
// the children we started and have not reaped (another child's tree), and
// reaps those that were ours to reap. It repeats until none is left, since
// a dying tree may still fork, bounded.
func killDescendants() (killed int) {
	owned.Lock()
	defer owned.Unlock()
	me := os.Getpid()
	// Every descendant hangs below one of our own children, and orphans are
	// reparented to us: when all our children are ones we started, nothing
	// escaped, and the scan of all of /proc (milliseconds on every restart)
	// is not needed.
	if kids, ok := directChildren(); ok {
		foreign := false
		for _, k := range kids {
			foreign = foreign || !owned.pids[k]
		}
		if !foreign {
			return 0
		}
	}
	for pass := 0; pass < 100; pass++ {
		procs := readProcs()
		parent := make(map[int]int, len(procs))
		state := make(map[int]byte, len(procs))
		for _, pr := range procs {
			parent[pr.pid], state[pr.pid] = pr.ppid, pr.state
		}
		live := 0
		for _, pr := range procs {
			if !descendsFrom(pr.pid, me, parent) {
				continue
			}
			if pr.ppid == me && pr.state == 'Z' {
				var ws syscall.WaitStatus
				_, _ = syscall.Wait4(pr.pid, &ws, syscall.WNOHANG, nil)
				continue
			}
			if pr.state != 'Z' {
				live++
				if syscall.Kill(pr.pid, syscall.SIGKILL) == nil && pass == 0 {
					killed++
				}
			}
		}
		if live == 0 {
			return killed
		}
		time.Sleep(time.Millisecond) // let the killed exit and their children come back to us
	}
	return killed
}

// directChildren lists this process's children from
// /proc/self/task/*/children (every thread's: a child's parent is the
// thread that forked it). ok is false where the kernel has no such file.
func directChildren() (kids []int, ok bool) {
	files, _ := filepath.Glob("/proc/self/task/*/children")
	if len(files) == 0 {
		return nil, false
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // a thread that just ended
			}
			return nil, false
		}
		for _, w := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(w); err == nil {
				kids = append(kids, pid)
			}
		}
	}
	return kids, true
}

// descendsFrom reports whether pid's ancestry leads to root without passing
// through a process we own (whose tree is another child's).
func descendsFrom(pid, root int, parent map[int]int) bool {
	if owned.pids[pid] {
		return false
	}
	for i := 0; i < 64; i++ { // a cycle cannot happen, but a racy read can look like one
		pp, ok := parent[pid]
		if !ok || pp <= 1 {
			return pp == root
		}
		if pp == root {
			return true
		}
		if owned.pids[pp] {
			return false
		}
		pid = pp
	}
	return false
}

// procEntry is one line of /proc/PID/stat, the fields we use.
type procEntry struct {
	pid, ppid int
	state     byte
	rssPages  uint64
}

// readProcs reads every process's pid, parent, state and resident pages.
func readProcs() []procEntry {
	d, err := os.Open("/proc")
	if err != nil {
		return nil
	}
	names, _ := d.Readdirnames(-1)
	d.Close()
	out := make([]procEntry, 0, len(names))
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		if pr, ok := readProc(pid); ok {
			out = append(out, pr)
		}
	}
	return out
}

func readProc(pid int) (procEntry, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procEntry{}, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procEntry{}, false
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 22 || len(f[0]) != 1 {
		return procEntry{}, false
	}
	ppid, _ := strconv.Atoi(string(f[1]))
	rss, _ := strconv.ParseUint(string(f[21]), 10, 64)
	return procEntry{pid: pid, ppid: ppid, state: f[0][0], rssPages: rss}, true
}
