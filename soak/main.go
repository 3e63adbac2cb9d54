// Command soak holds a running supervisor under a steady load of control
// requests for a while and reports whether it kept answering and whether
// its memory and descriptors stayed flat: `make soak` (not part of `make
// test`). Every request opens a fresh connection, half of them `status` on
// the control socket and half GET /healthz on the loopback HTTP endpoint;
// the rate is bounded (requests that find every worker busy are counted as
// missed, not queued). With -child-log the supervised child is this program
// writing that many bytes of log lines per second, so the load includes a
// child that logs heavily.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ddnsd/ddns/ipc"
)

func main() { os.Exit(realMain()) }

func realMain() int {
	bin := flag.String("bin", "bin", "folder with the supervisor and updater binaries")
	duration := flag.Duration("duration", 10*time.Minute, "how long to hold the load")
	rate := flag.Int("rate", 1000, "requests per second, status and /healthz alternating")
	// The HTTP endpoint answers 503 beyond 8 requests at once (by design,
	// rather than queueing): more workers measure that limit, not the soak.
	workers := flag.Int("workers", 8, "concurrent requests at most")
	childLog := flag.Int("child-log", 0, "bytes per second the supervised child logs (0: the dry-run updater)")
	asChild := flag.Int("as-child", -1, "internal: act as a child logging this many bytes per second")
	flag.Parse()
	if *asChild >= 0 {
		return logForever(*asChild)
	}
	if *rate <= 0 || *rate > 20000 || *workers <= 0 || *duration <= 0 {
		fmt.Fprintln(os.Stderr, "soak: -rate must be 1..20000, -workers and -duration positive")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *bin, *duration, *rate, *workers, *childLog); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 1
	}
	return 0
}

// logForever writes rate bytes of 100-byte lines per second to stderr.
func logForever(rate int) int {
	line := strings.Repeat("x", 99) + "\n"
	perTick := max(rate/100/100, 1) // lines per 10 ms
	tick := time.NewTicker(10 * time.Millisecond)
	for n := 0; ; n++ {
		<-tick.C
		var b strings.Builder
		for range perTick {
			b.WriteString(line)
		}
		if _, err := io.WriteString(os.Stderr, b.String()); err != nil {
			return 1
		}
	}
}

func run(ctx context.Context, bin string, duration time.Duration, rate, workers, childLog int) error {
	dir, err := os.MkdirTemp("", "ddns-soak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	port, err := freePort()
	if err != nil {
		return err
	}
	socket := filepath.Join(dir, "s.sock")
	command := ""
	if childLog > 0 {
		self, err := os.Executable()
		if err != nil {
			return err
		}
		command = fmt.Sprintf("command = [%q, \"-as-child\", \"%d\"]\n", self, childLog)
	}
	cfg := fmt.Sprintf(`[supervisor]
socket = %q
%s
[probe]
enabled = false
[http]
listen = "127.0.0.1:%d"
[updater]
interval = "1h"
state_file = %q
[ip]
v4 = [{ type = "command", command = ["/bin/echo", "192.0.2.10"] }]
allow_private = true
[providers.local]
type = "dryrun"
[[records]]
provider = "local"
zone = "example.test"
name = "home"
`, socket, command, port, filepath.Join(dir, "state.json"))
	cfgPath := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return err
	}
	sup := exec.Command(filepath.Join(bin, "supervisor"), "run", "--config", cfgPath)
	sup.Env = append(os.Environ(), "HOME="+dir, "XDG_RUNTIME_DIR="+dir, "XDG_CONFIG_HOME="+dir, "XDG_STATE_HOME="+dir)
	// The supervisor's own log (and the child's, which it relays) is read
	// and dropped: at -child-log rates a file would fill the disk.
	out, err := sup.StderrPipe()
	if err != nil {
		return err
	}
	sup.Stdout = sup.Stderr
	if err := sup.Start(); err != nil {
		return fmt.Errorf("cannot start the supervisor: %w", err)
	}
	go io.Copy(io.Discard, out)
	defer func() {
		sup.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { sup.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			sup.Process.Kill()
			<-done
		}
	}()
	if err := waitReady(ctx, socket, 20*time.Second); err != nil {
		return err
	}
	pid := sup.Process.Pid
	healthURL := fmt.Sprintf("http://127.0.0.1:%d/healthz", port)
	startRSS, startFDs := usage(pid)
	fmt.Printf("soak: %d requests/s for %s against supervisor pid %d (child logging %d B/s)\n", rate, duration, pid, childLog)
	fmt.Printf("start: RSS %d KiB, %d descriptors\n", startRSS, startFDs)

	var ok, failed, missed atomic.Int64
	var firstErrMu sync.Mutex
	var firstErrs []string
	fail := func(err error) {
		failed.Add(1)
		firstErrMu.Lock()
		if len(firstErrs) < 5 {
			firstErrs = append(firstErrs, err.Error())
		}
		firstErrMu.Unlock()
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	tokens := make(chan int, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range tokens {
				var err error
				if n%2 == 0 {
					err = askStatus(ctx, socket)
				} else {
					err = getHealth(ctx, client, healthURL)
				}
				if err != nil && ctx.Err() == nil {
					fail(err)
				} else if err == nil {
					ok.Add(1)
				}
			}
		}()
	}
	loadCtx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()
	// Every 10 ms the requests due by then are handed out: a ticker per
	// request would silently drop ticks on a busy machine.
	tick := time.NewTicker(10 * time.Millisecond)
	progress := time.NewTicker(time.Minute)
	began := time.Now()
	for n := 0; loadCtx.Err() == nil; {
		select {
		case <-loadCtx.Done():
		case <-progress.C:
			rss, fds := usage(pid)
			fmt.Printf("%6s: %d ok, %d failed, %d missed; RSS %d KiB, %d descriptors\n", time.Since(began).Round(time.Second), ok.Load(), failed.Load(), missed.Load(), rss, fds)
		case <-tick.C:
			due := int(time.Since(began).Seconds() * float64(rate))
			for ; n < due; n++ {
				select {
				case tokens <- n:
				default:
					missed.Add(1)
				}
			}
		}
	}
	close(tokens)
	wg.Wait()
	endRSS, endFDs := usage(pid)
	elapsed := time.Since(began)
	fmt.Printf("end:   RSS %d KiB, %d descriptors\n", endRSS, endFDs)
	fmt.Printf("requests: %d ok, %d failed, %d missed in %s (%.0f/s answered)\n", ok.Load(), failed.Load(), missed.Load(), elapsed.Round(time.Second), float64(ok.Load())/elapsed.Seconds())
	for _, e := range firstErrs {
		fmt.Println("  failure:", e)
	}
	if sup.ProcessState != nil {
		return errors.New("the supervisor exited during the soak")
	}
	if failed.Load() > 0 {
		return fmt.Errorf("%d requests failed", failed.Load())
	}
	return nil
}

// askStatus asks for status on a fresh connection.
func askStatus(ctx context.Context, socket string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := ipc.Dial(ctx, socket)
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	defer c.Close()
	if _, err := c.Status(ctx, 0); err != nil {
		return fmt.Errorf("status: %w", err)
	}
	return nil
}

// getHealth fetches /healthz on a fresh connection.
func getHealth(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("healthz: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthz: HTTP %d: %.200s", resp.StatusCode, body)
	}
	return nil
}

// waitReady waits until the supervisor answers status.
func waitReady(ctx context.Context, socket string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		err := askStatus(ctx, socket)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("the supervisor did not answer within %s: %w", limit, err)
		}
		time.Sleep(50 * time.Millisecond) // polling for a process to come up; it has no other signal
	}
}

// freePort finds a free loopback TCP port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// usage reads a process's resident memory (KiB) and open descriptors from
// /proc; zeros where there is no /proc.
func usage(pid int) (rssKiB, fds int) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
				rssKiB, _ = strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			}
		}
	}
	if ents, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd"); err == nil {
		fds = len(ents)
	}
	return rssKiB, fds
}
