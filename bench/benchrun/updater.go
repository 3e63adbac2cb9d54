//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/ddnsd/ddns/providers/providertest"
)

// write is one record write the fake API received.
type write struct {
	at      time.Time
	content string
}

// watchedCloudflare is the fake Cloudflare API behind a proxy that notes the
// arrival time of every record write (POST or PATCH) before the fake handles
// it: "the provider received the update" is that moment.
func watchedCloudflare(token string) (api *providertest.Cloudflare, front *httptest.Server, writes chan write) {
	api = providertest.NewCloudflare(token, "example.com")
	target, _ := url.Parse(api.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	writes = make(chan write, 1024)
	front = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch || r.Method == http.MethodPost {
			at := time.Now()
			body, _ := io.ReadAll(r.Body)
			var rec struct {
				Content string `json:"content"`
			}
			json.Unmarshal(body, &rec)
			r.Body = io.NopCloser(bytes.NewReader(body))
			select {
			case writes <- write{at, rec.Content}:
			default:
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	return api, front, writes
}

// addrSection runs netnsAddrMain in a network namespace of its own.
func (b *bench) addrSection() []Result {
	r := Result{Section: "address change", Name: "`ip addr add` → fake Cloudflare receives the PATCH", Unit: "ms",
		Note: "updater alone in a fresh network namespace, interface source on a veth, watch_interfaces on, interval 1h"}
	if os.Geteuid() != 0 {
		r.Skipped = "needs root to create a network namespace (unshare -n)"
		return []Result{r}
	}
	for _, tool := range []string{"unshare", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			r.Skipped = fmt.Sprintf("needs %s (util-linux, iproute2)", tool)
			return []Result{r}
		}
	}
	cmd := exec.Command("unshare", "-n", b.self, "netns-addr", "--updater", filepath.Join(b.bin, "updater"),
		"--dir", b.dir("netns"), "--n", fmt.Sprint(b.samples(10, 3)))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var res struct {
		Samples []float64 `json:"samples"`
		Error   string    `json:"error"`
	}
	if jerr := json.Unmarshal(out, &res); err != nil || jerr != nil || res.Error != "" {
		r.Skipped = fmt.Sprintf("in the namespace: %v %v %s\n%s", err, jerr, res.Error, stderr.String())
		return []Result{r}
	}
	r.fill(res.Samples, &target{"median", 1000})
	return []Result{r}
}

// netnsAddrMain runs inside the fresh namespace: a veth with a private
// address, the updater on an interface source, and the fake API on this
// namespace's loopback. Each sample adds a public address (preferred over
// the private one) and waits for its PATCH; deleting it again and waiting
// for the private address's PATCH resets for the next sample, untimed.
func netnsAddrMain(args []string) int {
	fs := flag.NewFlagSet("netns-addr", flag.ContinueOnError)
	updater := fs.String("updater", "", "updater binary")
	dir := fs.String("dir", "", "scratch folder")
	n := fs.Int("n", 10, "samples")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	samples, err := addrSamples(*updater, *dir, *n)
	res := map[string]any{"samples": samples, "error": ""}
	if err != nil {
		res["error"] = err.Error()
	}
	json.NewEncoder(os.Stdout).Encode(res)
	return 0
}

func ip(args ...string) error {
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

func addrSamples(updater, dir string, n int) ([]float64, error) {
	for _, a := range [][]string{
		{"link", "set", "lo", "up"},
		{"link", "add", "v0", "type", "veth", "peer", "name", "v1"},
		{"addr", "add", "10.1.1.1/24", "dev", "v0"},
		{"link", "set", "v0", "up"},
	} {
		if err := ip(a...); err != nil {
			return nil, err
		}
	}
	api, front, writes := watchedCloudflare("bench-token")
	defer api.Close()
	defer front.Close()
	cfg := filepath.Join(dir, "config.toml")
	text := fmt.Sprintf(`[updater]
interval = "1h"
watch_interfaces = true
state_file = %q
[ip]
v4 = [{ type = "interface", name = "v0" }]
v6 = []
defaults = false
allow_private = true
[providers.cf]
type = "cloudflare"
api_token = "bench-token"
endpoint = %q
[[records]]
provider = "cf"
zone = "example.com"
name = "home"
type = "A"
`, filepath.Join(dir, "state.json"), front.URL)
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		return nil, err
	}
	p, err := startProc(filepath.Join(dir, "updater.log"), benchEnv(dir), updater, "--config", cfg)
	if err != nil {
		return nil, err
	}
	defer p.stop()
	expect := func(addr string) (time.Time, error) {
		deadline := time.After(10 * time.Second)
		for {
			select {
			case w := <-writes:
				if w.content == addr {
					return w.at, nil
				}
			case <-p.done:
				return time.Time{}, fmt.Errorf("the updater exited:\n%s", p.tail())
			case <-deadline:
				return time.Time{}, fmt.Errorf("no write of %s within 10s:\n%s", addr, p.tail())
			}
		}
	}
	if _, err := expect("10.1.1.1"); err != nil {
		return nil, err
	}
	var out []float64
	for i := range n {
		addr := fmt.Sprintf("11.22.33.%d", 10+i)
		start := time.Now()
		if err := ip("addr", "add", addr+"/24", "dev", "v0"); err != nil {
			return nil, err
		}
		at, err := expect(addr)
		if err != nil {
			return nil, err
		}
		out = append(out, ms(at.Sub(start)))
		if err := ip("addr", "del", addr+"/24", "dev", "v0"); err != nil {
			return nil, err
		}
		if _, err := expect("10.1.1.1"); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// passSection runs `updater --once` against the fake API with n records,
// after a first run that creates them, changing the address before each
// timed run so that every record is written.
func (b *bench) passSection() []Result {
	var rows []Result
	for _, sz := range []struct{ records, runs, quick int }{{10, 7, 2}, {100, 7, 2}, {1000, 5, 2}, {10000, 1, 1}} {
		if b.quick && sz.records == 10000 {
			continue
		}
		r := Result{Section: "pass", Name: fmt.Sprintf("`updater --once`, %d records all changed", sz.records), Unit: "ms"}
		var tgt *target
		if sz.records == 1000 {
			tgt = &target{"median", 2000}
		}
		wall, cpu, create, err := b.passes(sz.records, b.samples(sz.runs, sz.quick))
		if err != nil {
			r.Skipped = err.Error()
			rows = append(rows, r)
			continue
		}
		r.fill(wall, tgt)
		r.Extra = map[string]float64{"updater_cpu_ms": median(cpu), "create_ms": create}
		r.Note = fmt.Sprintf("updater's own CPU %s ms (median); first run creating them %s ms; 16 in flight; the fake API shares the machine",
			num(median(cpu)), num(create))
		rows = append(rows, r)
	}
	return rows
}

func (b *bench) passes(records, runs int) (wall, cpu []float64, create float64, err error) {
	api := providertest.NewCloudflare("bench-token", "example.com")
	defer api.Close()
	dir := b.dir(fmt.Sprintf("pass-%d", records))
	addrFile := filepath.Join(dir, "addr")
	var cfg strings.Builder
	fmt.Fprintf(&cfg, `[updater]
state_file = %q
timeout = "60s"
[ip]
v4 = [{ type = "command", command = ["/bin/cat", %q] }]
v6 = []
defaults = false
[log]
level = "warn"
[providers.cf]
type = "cloudflare"
api_token = "bench-token"
endpoint = %q
`, filepath.Join(dir, "state.json"), addrFile, api.URL)
	for i := range records {
		fmt.Fprintf(&cfg, "[[records]]\nprovider = \"cf\"\nzone = \"example.com\"\nname = \"h%d\"\ntype = \"A\"\n", i)
	}
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, []byte(cfg.String()), 0o600); err != nil {
		return nil, nil, 0, err
	}
	for i := 0; i <= runs; i++ {
		if err := os.WriteFile(addrFile, []byte(fmt.Sprintf("11.22.%d.%d\n", i/250, 1+i%250)), 0o600); err != nil {
			return nil, nil, 0, err
		}
		cmd := exec.Command(filepath.Join(b.bin, "updater"), "--once", "--config", path)
		cmd.Env = append(os.Environ(), benchEnv(dir)...)
		start := time.Now()
		out, err := cmd.CombinedOutput()
		d := time.Since(start)
		if err != nil {
			return nil, nil, 0, fmt.Errorf("updater --once with %d records (run %d): %v\n%s", records, i, err, tailOf(out))
		}
		if i == 0 {
			create = ms(d)
			continue
		}
		st := cmd.ProcessState
		wall = append(wall, ms(d))
		cpu = append(cpu, ms(st.UserTime()+st.SystemTime()))
	}
	if got := api.Lookup(fmt.Sprintf("h%d.example.com", records-1), "A"); len(got) != 1 || got[0] != fmt.Sprintf("11.22.%d.%d", runs/250, 1+runs%250) {
		return nil, nil, 0, fmt.Errorf("after the runs the fake holds %v for the last record, want the last address", got)
	}
	return wall, cpu, create, nil
}

func tailOf(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}
