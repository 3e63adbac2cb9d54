//go:build linux

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/providers/providertest"
)

// crashChildTOML is the [supervisor] section that runs the crashing child
// with no delay and no crash-loop pause, so that every restart is measured
// and none is held back by policy.
func (b *bench) crashChildTOML(stampSock, after string, extra ...string) string {
	cmd := fmt.Sprintf("%q, \"child\", \"crash\", \"--report\", %q, \"--after\", %q", b.self, stampSock, after)
	for _, e := range extra {
		cmd += fmt.Sprintf(", %q", e)
	}
	return fmt.Sprintf(`[supervisor]
command = [%s]
restart_delay = "0s"
crash_loop_restarts = 100000000
crash_loop_window = "1s"
[probe]
enabled = false
`, cmd)
}

// crashChildINI is the same child for supervisord: startsecs=0 so an
// instant exit is not a failed start, autorestart=true for every exit code,
// startretries high so it never gives up.
func (b *bench) crashChildINI(dir, stampSock, after string, extra ...string) string {
	cmd := fmt.Sprintf("%s child crash --report %s --after %s", b.self, stampSock, after)
	for _, e := range extra {
		cmd += " " + e
	}
	return fmt.Sprintf(`command=%s
startsecs=0
autorestart=true
startretries=100000000
stdout_logfile=%s/child.log
redirect_stderr=true
`, cmd, dir)
}

// restartOnce measures exit-to-next-start gaps under ours and under
// supervisord with the same child.
func (b *bench) restartOnce(name, after string, nOurs, nPeer int, tgt *target, note string, extra ...string) Result {
	r := Result{Section: "restart", Name: name, Unit: "ms", Note: note}
	dir := b.dir("restart")
	st, err := listenStamps(dir)
	if err != nil {
		r.Skipped = err.Error()
		return r
	}
	defer st.close()
	o, err := b.startOurs(dir, b.crashChildTOML(st.path, after, extra...))
	if err != nil {
		r.Skipped = err.Error()
		return r
	}
	gaps, err := st.restarts(nOurs, 3, 3*time.Minute)
	o.stop()
	if err != nil {
		r.Skipped = fmt.Sprintf("ours: %v\n%s", err, o.tail())
		return r
	}
	r.fill(gaps, tgt)
	drain(st)
	pdir := b.dir("restart-peer")
	p, err := b.startPeer(pdir, b.crashChildINI(pdir, st.path, after, extra...))
	if err != nil {
		r.Note = joinNote(r.Note, "supervisord: "+err.Error())
		return r
	}
	pg, err := st.restarts(nPeer, 1, 3*time.Minute)
	p.stop()
	if err != nil {
		r.Note = joinNote(r.Note, "supervisord: "+err.Error())
		return r
	}
	r.setPeer("supervisord", pg)
	return r
}

func drain(st *stamps) {
	for {
		select {
		case <-st.ch:
		default:
			return
		}
	}
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// restartFloor is the same measurement with the bench itself as the
// supervisor: os/exec Run in a loop, no policy, no logging, no socket. It
// is what spawning and reaping this child costs on this machine, the floor
// under any supervisor's figure.
func (b *bench) restartFloor(n int) Result {
	r := Result{Section: "restart", Name: "floor: the bench restarts the child itself (os/exec loop)", Unit: "ms",
		Note: "same child and stamps; what fork, exec, Go runtime start and reaping cost here"}
	dir := b.dir("floor")
	st, err := listenStamps(dir)
	if err != nil {
		r.Skipped = err.Error()
		return r
	}
	defer st.close()
	errc := make(chan error, 1)
	go func() {
		for range n + 4 {
			if err := exec.Command(b.self, "child", "crash", "--report", st.path, "--after", "20ms").Run(); err != nil && !isExit1(err) {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	gaps, err := st.restarts(n, 3, time.Minute)
	if err == nil {
		err = <-errc
	}
	if err != nil {
		r.Skipped = err.Error()
		return r
	}
	r.fill(gaps, nil)
	return r
}

func isExit1(err error) bool {
	var ee *exec.ExitError
	return errors.As(err, &ee) && ee.ExitCode() == 1
}

func (b *bench) restartSection() []Result {
	return []Result{
		b.restartFloor(b.samples(100, 10)),
		b.restartOnce("child exit → next start, restart_delay 0s", "20ms", b.samples(200, 20), b.samples(15, 3),
			&target{"median", 5}, "child runs 20 ms then exits 1; stamps from CLOCK_MONOTONIC in the child"),
		b.restartOnce("same, child logging 10 MB/s", "500ms", b.samples(30, 5), b.samples(10, 2),
			nil, "child writes 100-byte lines at 10 MB/s for 500 ms then exits 1; ours logs them to a file through its logger, supervisord to stdout_logfile",
			"--log-rate", "10485760"),
	}
}

// idleChildTOML runs the idle child with probes off.
func (b *bench) idleChildTOML(extra string) string {
	return fmt.Sprintf("[supervisor]\ncommand = [%q, \"child\", \"idle\"]\n%s[probe]\nenabled = false\n", b.self, extra)
}

// reloadSection saves a new config by rename, as editors do, and asks for
// status until config_generation moves.
func (b *bench) reloadSection() []Result {
	r := Result{Section: "reload", Name: "config saved by rename → applied (config_generation +1)", Unit: "ms",
		Note: "polls status every 1 ms through the socket; debounce included"}
	dir := b.dir("reload")
	o, err := b.startOurs(dir, b.idleChildTOML("stable_after = \"60s\"\n"))
	if err != nil {
		r.Skipped = err.Error()
		return []Result{r}
	}
	defer o.stop()
	st, err := o.waitStatus("a running child", 15*time.Second, func(s *ipc.Status) bool { return s.Child.State == "running" })
	if err != nil {
		r.Skipped = err.Error()
		return []Result{r}
	}
	gen := st.Supervisor.ConfigGeneration
	full, _ := os.ReadFile(o.config)
	var lat []float64
	for i := range b.samples(40, 5) {
		// A supervisor-only change: applied live, the child keeps running.
		next := strings.Replace(string(full), "stable_after = \"60s\"", fmt.Sprintf("stable_after = \"%ds\"", 61+i), 1)
		tmp := o.config + ".tmp"
		if err := os.WriteFile(tmp, []byte(next), 0o600); err != nil {
			r.Skipped = err.Error()
			return []Result{r}
		}
		start := time.Now()
		if err := os.Rename(tmp, o.config); err != nil {
			r.Skipped = err.Error()
			return []Result{r}
		}
		var got int
		for {
			s, err := o.status()
			if err != nil {
				r.Skipped = err.Error()
				return []Result{r}
			}
			got = s.Supervisor.ConfigGeneration
			if got > gen || time.Since(start) > 10*time.Second {
				break
			}
			time.Sleep(time.Millisecond) // poll pace: the resolution of the figure
		}
		if got != gen+1 {
			r.Skipped = fmt.Sprintf("save %d: config_generation %d after 10s, want %d\n%s", i, got, gen+1, o.tail())
			return []Result{r}
		}
		lat = append(lat, ms(time.Since(start)))
		gen = got
	}
	r.fill(lat, &target{"p95", 50})
	return []Result{r}
}

// timeExec runs a command n times and returns each run's wall time from
// exec to exit, in ms; every run must exit with want.
func timeExec(n, want int, name string, args ...string) ([]float64, error) {
	var out []float64
	for range n {
		cmd := exec.Command(name, args...)
		start := time.Now()
		b, err := cmd.CombinedOutput()
		d := time.Since(start)
		if code := cmd.ProcessState.ExitCode(); code != want {
			return nil, fmt.Errorf("%s exited %d (want %d): %v\n%s", name, code, want, err, b)
		}
		out = append(out, ms(d))
	}
	return out, nil
}

// roundTrips times n status requests (the default number of events) on the
// kept connection, in ms.
func (o *ours) roundTrips(n int) ([]float64, error) { return o.roundTripsEvents(n, 0) }

// roundTripsEvents times n status requests asking for events as in
// ipc.Request.Events, in ms.
func (o *ours) roundTripsEvents(n, events int) ([]float64, error) {
	out := make([]float64, 0, n)
	for range n {
		start := time.Now()
		if _, err := o.statusEvents(events); err != nil {
			return nil, err
		}
		out = append(out, ms(time.Since(start)))
	}
	return out, nil
}

// statusSection times `supervisor status` beside `supervisorctl status`,
// then the same after more than 1,000 events went through the ring.
func (b *bench) statusSection() []Result {
	proc := Result{Section: "status", Name: "`supervisor status` as a process, exec → exit", Unit: "ms",
		Note: "peer: `supervisorctl -c CONF status`, same child"}
	rt := Result{Section: "status", Name: "status round trip, kept socket connection (bench's Go client)", Unit: "ms"}
	dir := b.dir("status")
	o, err := b.startOurs(dir, b.idleChildTOML(""))
	if err != nil {
		proc.Skipped, rt.Skipped = err.Error(), err.Error()
		return []Result{proc, rt}
	}
	st, err := o.waitStatus("a running child", 15*time.Second, func(s *ipc.Status) bool { return s.Child.State == "running" })
	if err == nil {
		var lat []float64
		if lat, err = timeExec(b.samples(40, 5), 0, filepath.Join(b.bin, "supervisor"), "status", "--socket", o.socket); err == nil {
			proc.fill(lat, nil)
			proc.Note = joinNote(proc.Note, fmt.Sprintf("events in the ring: %d", len(st.Events)+st.EventsOmitted))
		}
	}
	if err == nil {
		var lat []float64
		if lat, err = o.roundTrips(b.samples(2000, 100)); err == nil {
			rt.Extra = map[string]float64{"p99": quantile(lat, 0.99)}
			rt.fill(lat, &target{"p99", 2})
			rt.Note = fmt.Sprintf("p99 %s ms; the target is for the in-process figure (Go benchmark below)", num(rt.Extra["p99"]))
			rt.Samples = nil // 2,000 samples would swamp results.json
		}
	}
	o.stop()
	if err != nil {
		proc.Skipped, rt.Skipped = err.Error(), err.Error()
		return []Result{proc, rt}
	}
	pdir := b.dir("status-peer")
	p, err := b.startPeer(pdir, fmt.Sprintf("command=%s child idle\nstartsecs=0\nautorestart=true\nstdout_logfile=%s/child.log\n", b.self, pdir))
	if err == nil {
		var lat []float64
		lat, err = timeExec(b.samples(20, 3), 0, "supervisorctl", "-c", p.conf, "status")
		if err == nil {
			proc.setPeer("supervisorctl", lat)
		}
		p.stop()
	}
	if err != nil {
		proc.Note = joinNote(proc.Note, "supervisorctl: "+err.Error())
	}
	return append([]Result{proc, rt}, b.fullRing(proc.Median, rt.Median)...)
}

// fullRing makes the child crash and restart at once until more than 1,000
// events have gone through the ring, then lets it idle and times status
// again: as `supervisor status` asks (the last 20 events), which must stay
// within 2x of the fresh figure, and asking for the whole ring, for the
// record.
func (b *bench) fullRing(procBase, rtBase float64) []Result {
	proc := Result{Section: "status", Name: "`supervisor status` as a process, after 1,000+ events", Unit: "ms"}
	rt := Result{Section: "status", Name: "status round trip, after 1,000+ events", Unit: "ms"}
	rtAll := Result{Section: "status", Name: "status round trip, after 1,000+ events, all events asked for (--events all)", Unit: "ms"}
	skip := func(err error) []Result {
		proc.Skipped, rt.Skipped, rtAll.Skipped = err.Error(), err.Error(), err.Error()
		return []Result{proc, rt, rtAll}
	}
	dir := b.dir("ring")
	st, err := listenStamps(dir)
	if err != nil {
		return skip(err)
	}
	defer st.close()
	go func() { // the stamps are not needed here, only the restarts
		for range st.ch {
		}
	}()
	idleFile := filepath.Join(dir, "idle-now")
	// A ring of 1,000 events, filled: event_history raises the default of 256.
	toml := strings.Replace(b.crashChildTOML(st.path, "0s", "--idle-when", idleFile), "[supervisor]\n", "[supervisor]\nevent_history = 1000\n", 1)
	o, err := b.startOurs(dir, toml)
	if err != nil {
		return skip(err)
	}
	defer o.stop()
	// Each crash-restart adds three events (exited, backoff, started).
	_, err = o.waitStatus("340 restarts", 2*time.Minute, func(s *ipc.Status) bool { return s.Child.Restarts >= 340 })
	if err == nil {
		err = os.WriteFile(idleFile, nil, 0o600)
	}
	var s *ipc.Status
	if err == nil {
		s, err = o.waitStatus("an idle child", 30*time.Second, func(s *ipc.Status) bool {
			return s.Child.State == "running" && s.Child.UptimeSeconds > 0.2
		})
	}
	if err == nil {
		var lat []float64
		if lat, err = timeExec(b.samples(40, 5), 0, filepath.Join(b.bin, "supervisor"), "status", "--socket", o.socket); err == nil {
			proc.fill(lat, nil)
		}
	}
	if err == nil {
		var lat []float64
		if lat, err = o.roundTrips(b.samples(2000, 100)); err == nil {
			rt.fill(lat, nil)
			rt.Extra = map[string]float64{"p99": quantile(lat, 0.99), "x_fresh": round(rt.Median / rtBase)}
			rt.check(&target{"x_fresh", 2})
			rt.Target = "median < 2× the fresh round trip's"
			rt.Samples = nil
		}
	}
	if err == nil {
		var lat []float64
		if lat, err = o.roundTripsEvents(b.samples(2000, 100), ipc.AllEvents); err == nil {
			rtAll.fill(lat, nil)
			rtAll.Extra = map[string]float64{"p99": quantile(lat, 0.99), "x_fresh": round(rtAll.Median / rtBase)}
			rtAll.Samples = nil
		}
	}
	if err != nil {
		return skip(err)
	}
	note := fmt.Sprintf("%d restarts, %d events kept (the ring's capacity), %d sent by default; ", s.Child.Restarts, len(s.Events)+s.EventsOmitted, len(s.Events))
	proc.Note = note + fmt.Sprintf("%.2f× the fresh figure", proc.Median/procBase)
	rt.Note = note + fmt.Sprintf("p99 %s ms, %.2f× the fresh median", num(rt.Extra["p99"]), rt.Median/rtBase)
	rtAll.Note = fmt.Sprintf("p99 %s ms, %.2f× the fresh median: what asking for the whole ring costs", num(rtAll.Extra["p99"]), rtAll.Median/rtBase)
	return []Result{proc, rt, rtAll}
}

// idleSection runs our supervisor with the real updater and supervisord
// with an idle child side by side for one window, and reads their memory
// and CPU from /proc.
func (b *bench) idleSection(window time.Duration) []Result {
	rows := []Result{
		{Section: "idle", Name: "supervisor RSS at idle", Unit: "MB"},
		{Section: "idle", Name: "updater RSS at idle", Unit: "MB"},
		{Section: "idle", Name: "supervisor CPU at idle", Unit: "ms/min"},
		{Section: "idle", Name: "updater CPU at idle", Unit: "ms/min"},
	}
	skip := func(err error) []Result {
		for i := range rows {
			rows[i].Skipped = err.Error()
		}
		return rows
	}
	api := providertest.NewCloudflare("bench-token", "example.com")
	defer api.Close()
	dir := b.dir("idle")
	var p *peer
	var perr error
	pdir := b.dir("idle-peer")
	p, perr = b.startPeer(pdir, fmt.Sprintf("command=%s child idle\nstartsecs=0\nautorestart=true\nstdout_logfile=%s/child.log\n", b.self, pdir))
	if perr == nil {
		defer p.stop()
	}
	cfg := fmt.Sprintf(`[supervisor]
[probe]
enabled = true
dns = []
tcp = [%q]
[updater]
state_file = %q
[ip]
v4 = [{ type = "command", command = ["/bin/echo", "11.22.33.44"] }]
v6 = []
defaults = false
[providers.cf]
type = "cloudflare"
api_token = "bench-token"
endpoint = %q
[[records]]
provider = "cf"
zone = "example.com"
name = "home"
type = "A"
`, api.URL[len("http://"):], filepath.Join(dir, "state.json"), api.URL)
	o, err := b.startOurs(dir, cfg)
	if err != nil {
		return skip(err)
	}
	defer o.stop()
	st, err := o.waitStatus("the updater's first pass", 30*time.Second, func(s *ipc.Status) bool {
		return s.Child.State == "running" && len(s.Records) == 1 && s.Records[0].Address != ""
	})
	if err != nil {
		return skip(err)
	}
	o.client.Close() // idle means nobody asking either
	o.client = nil
	pids := []int{o.cmd.Process.Pid, st.Child.PID}
	if p != nil {
		pids = append(pids, p.cmd.Process.Pid)
	}
	rss := make([][]float64, len(pids))
	first := make([]procStat, len(pids))
	last := make([]procStat, len(pids))
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	start := time.Now()
	for i := 0; ; i++ {
		for j, pid := range pids {
			ps, err := readProc(pid)
			if err != nil {
				return skip(fmt.Errorf("reading /proc for pid %d: %w", pid, err))
			}
			if i == 0 {
				first[j] = ps
			}
			last[j] = ps
			rss[j] = append(rss[j], float64(ps.rssKB)/1024)
		}
		if time.Since(start) >= window {
			break
		}
		<-tick.C
	}
	secs := time.Since(start).Seconds()
	// CPU as milliseconds on CPU per minute of wall time, from the
	// scheduler's per-thread counters; utime+stime (10 ms ticks) in the note.
	cpu := func(j int) float64 { return float64(last[j].cpuNS-first[j].cpuNS) / 1e6 / secs * 60 }
	ticks := func(j int) string {
		return fmt.Sprintf("%.0f ms", float64(last[j].cpuTick-first[j].cpuTick)*1000/clockTicks)
	}
	rows[0].fill(rss[0], &target{"median", 10})
	rows[1].fill(rss[1], &target{"median", 15})
	rows[2].fill([]float64{cpu(0)}, nil)
	rows[3].fill([]float64{cpu(1)}, nil)
	rows[0].Samples, rows[1].Samples = nil, nil
	rows[0].Note = fmt.Sprintf("sampled every 1 s for %.0f s, all three at once; the updater has one Cloudflare record (local fake), probes on (loopback TCP)", secs)
	rows[2].Note = fmt.Sprintf("= %.3f%% of a core; utime+stime over the window %s", cpu(0)/600, ticks(0))
	rows[3].Note = fmt.Sprintf("= %.3f%% of a core; utime+stime over the window %s", cpu(1)/600, ticks(1))
	if p != nil {
		rows[0].setPeer("supervisord", rss[2])
		rows[0].Peer.Samples = nil
		rows[2].setPeer("supervisord", []float64{cpu(2)})
		rows[2].Note += fmt.Sprintf("; supervisord %.3f%% of a core, utime+stime %s", cpu(2)/600, ticks(2))
	} else {
		rows[0].Note = joinNote(rows[0].Note, "supervisord: "+perr.Error())
	}
	return rows
}
