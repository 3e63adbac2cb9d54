//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ddnsd/ddns/ipc"
)

// bench holds what every measurement needs.
type bench struct {
	bin     string // folder with supervisor and updater
	self    string // this program, which is also the supervised child
	tmp     string // scratch folder, removed at the end
	quick   bool   // fewer samples, for trying the bench out
	peerErr string // why supervisord cannot be compared, or ""
}

// samples picks a sample count: full, or a small one with --quick.
func (b *bench) samples(full, quick int) int {
	if b.quick {
		return quick
	}
	return full
}

// dir makes a fresh folder under the scratch folder.
func (b *bench) dir(name string) string {
	d, err := os.MkdirTemp(b.tmp, name+"-")
	if err != nil {
		panic(err) // the scratch folder was made by us moments ago
	}
	return d
}

// proc is a started program whose stderr goes to a file.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	log  string
}

func startProc(log string, env []string, name string, args ...string) (*proc, error) {
	f, err := os.Create(log)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot start %s: %w", name, err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{}), log: log}
	go func() {
		cmd.Wait()
		f.Close()
		close(p.done)
	}()
	return p, nil
}

// stop asks the program to stop (SIGTERM to its group), then kills the
// group after a grace period.
func (p *proc) stop() {
	pgid := p.cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
	}
}

// tail is the end of the program's log, for error messages.
func (p *proc) tail() string {
	b, _ := os.ReadFile(p.log)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// ours is a running `supervisor run`.
type ours struct {
	*proc
	socket string
	config string
	client *ipc.Client
}

// benchEnv keeps the programs' per-user folders inside dir, so the bench
// reads and writes nothing of the user's.
func benchEnv(dir string) []string {
	return []string{"XDG_RUNTIME_DIR=" + filepath.Join(dir, "run"), "XDG_STATE_HOME=" + filepath.Join(dir, "state"),
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"), "DDNS_CONFIG="}
}

// startOurs writes config (with the socket inside dir) and runs the
// supervisor on it, returning once the socket answers.
func (b *bench) startOurs(dir, config string) (*ours, error) {
	o := &ours{socket: filepath.Join(dir, "s.sock"), config: filepath.Join(dir, "config.toml")}
	full := strings.Replace(config, "[supervisor]", fmt.Sprintf("[supervisor]\nsocket = %q", o.socket), 1)
	if err := os.WriteFile(o.config, []byte(full), 0o600); err != nil {
		return nil, err
	}
	p, err := startProc(filepath.Join(dir, "supervisor.log"), benchEnv(dir), filepath.Join(b.bin, "supervisor"), "run", "--config", o.config)
	if err != nil {
		return nil, err
	}
	o.proc = p
	// The supervisor has no readiness signal for outsiders but the socket
	// itself, so the bench tries it every few milliseconds (outside any
	// measured interval).
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := ipc.Dial(context.Background(), o.socket)
		if err == nil {
			o.client = c
			return o, nil
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("the supervisor exited before its socket answered:\n%s", p.tail())
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("the supervisor's socket %s did not answer within 15s: %w\n%s", o.socket, err, p.tail())
		}
	}
}

// status asks for the status document with the default number of events,
// as `supervisor status` does.
func (o *ours) status() (*ipc.Status, error) { return o.statusEvents(0) }

// statusEvents asks for the status with events as in ipc.Request.Events.
func (o *ours) statusEvents(events int) (*ipc.Status, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return o.client.Status(ctx, events)
}

// waitStatus asks for status until ok accepts it, every 2 ms.
func (o *ours) waitStatus(what string, limit time.Duration, ok func(*ipc.Status) bool) (*ipc.Status, error) {
	deadline := time.Now().Add(limit)
	for {
		st, err := o.status()
		if err != nil {
			return nil, fmt.Errorf("waiting for %s: %w", what, err)
		}
		if ok(st) {
			return st, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("no %s within %s (child %s)\n%s", what, limit, st.Child.State, o.tail())
		}
		time.Sleep(2 * time.Millisecond) // poll pace
	}
}

func (o *ours) stop() {
	if o.client != nil {
		o.client.Close()
	}
	o.proc.stop()
}

// peer is a running supervisord (Debian's `supervisor` package).
type peer struct {
	*proc
	conf string
}

// startPeer runs supervisord in the foreground with one program, its socket
// and logs in dir, and returns once supervisorctl can reach it.
func (b *bench) startPeer(dir, program string) (*peer, error) {
	if b.peerErr != "" {
		return nil, errors.New(b.peerErr)
	}
	conf := filepath.Join(dir, "supervisord.conf")
	text := fmt.Sprintf(`[unix_http_server]
file=%[1]s/supervisord.sock
[supervisord]
nodaemon=true
user=root
logfile=%[1]s/supervisord.log
pidfile=%[1]s/supervisord.pid
childlogdir=%[1]s
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[supervisorctl]
serverurl=unix://%[1]s/supervisord.sock
[program:child]
%[2]s
`, dir, program)
	if os.Geteuid() != 0 {
		text = strings.Replace(text, "user=root\n", "", 1)
	}
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		return nil, err
	}
	p, err := startProc(filepath.Join(dir, "supervisord.out"), nil, "supervisord", "-c", conf)
	if err != nil {
		return nil, err
	}
	sock := filepath.Join(dir, "supervisord.sock")
	deadline := time.Now().Add(20 * time.Second)
	for {
		if c, err := net.Dial("unix", sock); err == nil {
			c.Close()
			return &peer{proc: p, conf: conf}, nil
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("supervisord exited at start:\n%s", p.tail())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("supervisord's socket did not answer within 20s:\n%s", p.tail())
		}
	}
}

// procStat is what /proc says about a process.
type procStat struct {
	rssKB   int64
	cpuTick int64 // utime + stime, in clock ticks
	// cpuNS is the time on CPU from the scheduler, summed over the
	// threads: the same quantity as cpuTick at nanosecond resolution, which
	// an idle minute needs (one tick is 10 ms).
	cpuNS int64
}

// clockTicks is USER_HZ: 100 on every Linux that Go supports.
const clockTicks = 100

func readProc(pid int) (procStat, error) {
	var st procStat
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return st, err
	}
	for _, l := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			st.rssKB, _ = strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return st, err
	}
	// The command name may hold spaces and parentheses: fields count from
	// after the last ')'. utime and stime are fields 14 and 15.
	s := string(stat)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return st, fmt.Errorf("/proc/%d/stat is too short: %q", pid, s)
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	stt, _ := strconv.ParseInt(f[12], 10, 64)
	st.cpuTick = ut + stt
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue // a thread that just ended
		}
		if f := strings.Fields(string(b)); len(f) > 0 {
			ns, _ := strconv.ParseInt(f[0], 10, 64)
			st.cpuNS += ns
		}
	}
	return st, nil
}

// stamps receives the children's start and exit stamps.
type stamps struct {
	path string
	conn *net.UnixConn
	ch   chan stamp
}

type stamp struct {
	kind string // "start" or "exit"
	at   int64  // CLOCK_MONOTONIC nanoseconds
	pid  int
}

func listenStamps(dir string) (*stamps, error) {
	path := filepath.Join(dir, "stamps.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return nil, fmt.Errorf("cannot listen for the children's stamps: %w", err)
	}
	s := &stamps{path: path, conn: conn, ch: make(chan stamp, 4096)}
	go func() {
		buf := make([]byte, 256)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				close(s.ch)
				return
			}
			var st stamp
			if _, err := fmt.Sscanf(string(buf[:n]), "%s %d %d", &st.kind, &st.at, &st.pid); err == nil {
				s.ch <- st
			}
		}
	}()
	return s, nil
}

func (s *stamps) close() { s.conn.Close() }

// restarts collects n exit-to-next-start gaps, skipping the first warm
// ones, in milliseconds.
func (s *stamps) restarts(n, warm int, limit time.Duration) ([]float64, error) {
	var all []stamp
	deadline := time.After(limit)
	var gaps []float64
	for len(gaps) < n+warm {
		select {
		case st, ok := <-s.ch:
			if !ok {
				return nil, errors.New("the stamp socket closed")
			}
			all = append(all, st)
		case <-deadline:
			return nil, fmt.Errorf("only %d of %d restarts within %s", len(gaps), n+warm, limit)
		}
		sort.Slice(all, func(i, j int) bool { return all[i].at < all[j].at })
		gaps = gaps[:0]
		for i := 1; i < len(all); i++ {
			if all[i-1].kind == "exit" && all[i].kind == "start" {
				gaps = append(gaps, float64(all[i].at-all[i-1].at)/1e6)
			}
		}
	}
	return gaps[warm : warm+n], nil
}
