package configs

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// validBase is a complete, valid config apart from the section under test,
// which each case writes before it.
const validBase = "\n[providers.p]\ntype = \"dryrun\"\n[[records]]\nprovider = \"p\"\nzone = \"example.com\"\nname = \"home\"\n"

// TestDefaultsAsDocumented: the one table of defaults holds the values the
// README and the design promise (a default that drifts changes every
// config that leaves the key out).
func TestDefaultsAsDocumented(t *testing.T) {
	d := Defaults()
	durations := []struct {
		key  string
		got  Duration
		want time.Duration
	}{
		{"supervisor.restart_delay", d.Supervisor.RestartDelay, time.Second},
		{"supervisor.restart_delay_max", d.Supervisor.RestartDelayMax, 5 * time.Minute},
		{"supervisor.long_restart_delay", d.Supervisor.LongRestartDelay, 30 * time.Second},
		{"supervisor.stable_after", d.Supervisor.StableAfter, 60 * time.Second},
		{"supervisor.crash_loop_window", d.Supervisor.CrashLoopWindow, 60 * time.Second},
		{"supervisor.crash_loop_cooldown", d.Supervisor.CrashLoopCooldown, 10 * time.Minute},
		{"supervisor.stop_timeout", d.Supervisor.StopTimeout, 10 * time.Second},
		{"supervisor.watchdog", d.Supervisor.Watchdog, 0},
		{"probe.interval", d.Probe.Interval, 5 * time.Second},
		{"probe.interval_max", d.Probe.IntervalMax, time.Minute},
		{"probe.timeout", d.Probe.Timeout, 2 * time.Second},
		{"updater.interval", d.Updater.Interval, 5 * time.Minute},
		{"updater.resync", d.Updater.Resync, 24 * time.Hour},
		{"updater.timeout", d.Updater.Timeout, 30 * time.Second},
		{"updater.network_grace", d.Updater.NetworkGrace, 5 * time.Minute},
	}
	for _, c := range durations {
		if c.got.Duration != c.want {
			t.Errorf("%s defaults to %s, want %s", c.key, c.got.Duration, c.want)
		}
	}
	ints := []struct {
		key       string
		got, want int
	}{
		{"supervisor.crash_loop_restarts", d.Supervisor.CrashLoopRestarts, 5},
		{"supervisor.memory_limit_mb", d.Supervisor.MemoryLimitMB, 0},
		{"supervisor.log_lines", d.Supervisor.LogLines, 1000},
		{"supervisor.event_history", d.Supervisor.EventHistory, 256},
		{"updater.concurrency", d.Updater.Concurrency, 16},
		{"log.max_size_mb", d.Log.MaxSizeMB, 10},
		{"log.max_files", d.Log.MaxFiles, 5},
	}
	for _, c := range ints {
		if c.got != c.want {
			t.Errorf("%s defaults to %d, want %d", c.key, c.got, c.want)
		}
	}
	if !d.Probe.Enabled || !d.Updater.WatchInterfaces || d.Log.Level != "info" || d.Log.Format != "text" {
		t.Errorf("switches and words: probe %v, watch_interfaces %v, log %q/%q", d.Probe.Enabled, d.Updater.WatchInterfaces, d.Log.Level, d.Log.Format)
	}
}

// TestValidationBoundaries: each limit accepts the last good value and
// refuses the first bad one, with an error naming the key.
func TestValidationBoundaries(t *testing.T) {
	tests := []struct {
		name    string
		section string
		wantErr string // "" when the config must load
	}{
		{"command given", "[supervisor]\ncommand = [\"/usr/bin/updater\"]", ""},
		{"command empty list", "[supervisor]\ncommand = []", "supervisor.command: the command is empty"},
		{"command empty program", "[supervisor]\ncommand = [\"\"]", "supervisor.command: the command is empty"},
		{"watchdog off", "[supervisor]\nwatchdog = \"0s\"", ""},
		{"watchdog at the minimum", "[supervisor]\nwatchdog = \"3s\"", ""},
		{"watchdog below the minimum", "[supervisor]\nwatchdog = \"2999ms\"", "supervisor.watchdog: 2.999s is shorter than the updater can report in"},
		{"crash_loop_restarts 1", "[supervisor]\ncrash_loop_restarts = 1", ""},
		{"crash_loop_restarts 0", "[supervisor]\ncrash_loop_restarts = 0", "supervisor.crash_loop_restarts: must be at least 1, not 0"},
		{"restart_delay_max equal", "[supervisor]\nrestart_delay = \"2s\"\nrestart_delay_max = \"2s\"", ""},
		{"restart_delay_max shorter", "[supervisor]\nrestart_delay = \"2s\"\nrestart_delay_max = \"1999ms\"", "supervisor.restart_delay_max: 1.999s is shorter than restart_delay (2s)"},
		{"crash_loop_window 1ms", "[supervisor]\ncrash_loop_window = \"1ms\"", ""},
		{"crash_loop_window 0", "[supervisor]\ncrash_loop_window = \"0s\"", "supervisor.crash_loop_window: must be longer than 0s"},
		{"memory_limit_mb 0", "[supervisor]\nmemory_limit_mb = 0", ""},
		{"memory_limit_mb -1", "[supervisor]\nmemory_limit_mb = -1", "supervisor.memory_limit_mb: must be 0 (off) or more, not -1"},
		{"event_history 1", "[supervisor]\nevent_history = 1", ""},
		{"event_history 100000", "[supervisor]\nevent_history = 100000", ""},
		{"event_history 0", "[supervisor]\nevent_history = 0", "supervisor.event_history: must be between 1 and 100000, not 0"},
		{"event_history 100001", "[supervisor]\nevent_history = 100001", "supervisor.event_history: must be between 1 and 100000, not 100001"},
		{"log_lines 0", "[supervisor]\nlog_lines = 0", ""},
		{"log_lines -1", "[supervisor]\nlog_lines = -1", "supervisor.log_lines: must be 0 or more, not -1"},
		{"log_lines 100000", "[supervisor]\nlog_lines = 100000", ""},
		{"log_lines 100001", "[supervisor]\nlog_lines = 100001", "supervisor.log_lines: must be at most 100000, not 100001"},

		{"probe interval 1ms", "[probe]\ninterval = \"1ms\"", ""},
		{"probe interval 0", "[probe]\ninterval = \"0s\"", "probe.interval: must be longer than 0s"},
		{"probe timeout 1ms", "[probe]\ntimeout = \"1ms\"", ""},
		{"probe timeout 0", "[probe]\ntimeout = \"0s\"", "probe.timeout: must be longer than 0s"},
		{"probe tcp host:port", "[probe]\ntcp = [\"1.1.1.1:443\", \"[2606:4700::1111]:443\"]", ""},
		{"probe tcp no port", "[probe]\ntcp = [\"1.1.1.1\"]", "probe.tcp.0: \"1.1.1.1\" is not host:port"},
		{"probe tcp empty port", "[probe]\ntcp = [\"1.1.1.1:\"]", "probe.tcp.0: \"1.1.1.1:\" is not host:port"},
		{"probe dns name", "[probe]\ndns = [\"api.cloudflare.com\"]", ""},
		{"probe dns with a port", "[probe]\ndns = [\"api.cloudflare.com:53\"]", "probe.dns.0: \"api.cloudflare.com:53\" is not a host name"},

		{"updater interval 1s", "[updater]\ninterval = \"1s\"", ""},
		{"updater interval 999ms", "[updater]\ninterval = \"999ms\"", "updater.interval: 999ms is too short; use at least 1s"},
		{"updater concurrency 1", "[updater]\nconcurrency = 1", ""},
		{"updater concurrency 0", "[updater]\nconcurrency = 0", "updater.concurrency: must be at least 1, not 0"},
		{"updater timeout 1ms", "[updater]\ntimeout = \"1ms\"", ""},
		{"updater timeout 0", "[updater]\ntimeout = \"0s\"", "updater.timeout: must be longer than 0s"},

		{"http source", "[ip]\nv4 = [{ type = \"http\", url = \"http://a.example/\" }, { type = \"http\", url = \"https://b.example/\" }]", ""},
		{"http source ftp", "[ip]\nv4 = [{ type = \"http\", url = \"ftp://a.example/\" }]", "ip.v4.0.url: \"ftp://a.example/\" is not an http:// or https:// URL"},
		{"http source no host", "[ip]\nv4 = [{ type = \"http\", url = \"https:///ip\" }]", "ip.v4.0.url: \"https:///ip\" is not an http:// or https:// URL"},
		{"dns source qtypes", "[ip]\nv4 = [{ type = \"dns\", server = \"1.1.1.1:53\", name = \"a.example\" }, { type = \"dns\", server = \"1.1.1.1:53\", name = \"a.example\", qtype = \"a\" }, { type = \"dns\", server = \"1.1.1.1:53\", name = \"a.example\", qtype = \"TXT\", class = \"ch\" }]\nv6 = [{ type = \"dns\", server = \"1.1.1.1:53\", name = \"a.example\", qtype = \"AAAA\", class = \"IN\" }]", ""},
		{"dns source MX", "[ip]\nv4 = [{ type = \"dns\", server = \"1.1.1.1:53\", name = \"a.example\", qtype = \"MX\" }]", "ip.v4.0.qtype: \"MX\" is not A, AAAA or TXT"},
		{"dns source class HS", "[ip]\nv4 = [{ type = \"dns\", server = \"1.1.1.1:53\", name = \"a.example\", class = \"HS\" }]", "ip.v4.0.class: \"HS\" is not IN or CH"},

		{"record ttl 1", "[[records]]\nprovider = \"p\"\nzone = \"example.com\"\nname = \"b\"\nttl = 1", ""},
		{"record ttl -1", "[[records]]\nprovider = \"p\"\nzone = \"example.com\"\nname = \"b\"\nttl = -1", "records.0.ttl: must be positive, not -1"},
		{"record name with the zone", "[[records]]\nprovider = \"p\"\nzone = \"example.com\"\nname = \"b.example.com\"", "records.0.name: \"b.example.com\" already contains the zone"},
		{"record name like the zone", "[[records]]\nprovider = \"p\"\nzone = \"example.com\"\nname = \"bexample.com\"", ""},

		{"provider endpoint", "[providers.e]\ntype = \"dryrun\"\nendpoint = \"http://127.0.0.1:8080\"", ""},
		{"provider endpoint empty", "[providers.e]\ntype = \"dryrun\"\nendpoint = \"\"", ""},
		{"provider endpoint not a URL", "[providers.e]\ntype = \"dryrun\"\nendpoint = \"127.0.0.1:8080\"", "providers.e.endpoint: \"127.0.0.1:8080\" is not a URL like"},
		{"http loopback without token", "[http]\nlisten = \"127.0.0.1:9090\"", ""},
		{"notify webhook", "[[notify]]\ntype = \"webhook\"\nurl = \"https://hooks.example/x\"", ""},
		{"notify ping over http", "[[notify]]\ntype = \"ping\"\nurl = \"http://hc.example/ping\"", ""},
		{"notify mail", "[[notify]]\ntype = \"mail\"\nurl = \"https://hooks.example/x\"", "notify.0.type: \"mail\" is not \"webhook\" or \"ping\""},
		{"notify ftp", "[[notify]]\ntype = \"webhook\"\nurl = \"ftp://hooks.example/x\"", "notify.0.url: is not an http:// or https:// URL"},

		{"log json", "[log]\nformat = \"json\"", ""},
		{"log text", "[log]\nformat = \"text\"", ""},
		{"log xml", "[log]\nformat = \"xml\"", "log.format: \"xml\" is not \"text\" or \"json\""},
		{"log max_size_mb 1", "[log]\nmax_size_mb = 1", ""},
		{"log max_size_mb 0", "[log]\nmax_size_mb = 0", "log.max_size_mb: must be at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(t, tt.section+validBase)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("refused:\n%s\n%v", tt.section, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("want an error containing %q for\n%s\ngot: %v", tt.wantErr, tt.section, err)
			}
		})
	}
}

// TestDerivedValues: what validation fills in or normalises.
func TestDerivedValues(t *testing.T) {
	cfg, err := parse(t, "[probe]\ninterval = \"10s\"\ninterval_max = \"1s\"\n"+
		"[ip]\nv4 = [{ type = \"dns\", server = \"1.1.1.1:53\", name = \"a.example\" }, { type = \"dns\", server = \"1.1.1.1:53\", name = \"a.example\", class = \"ch\", qtype = \"txt\" }]\n"+
		"[[notify]]\ntype = \"webhook\"\nurl = \"https://hooks.example/x\"\n"+
		"[[notify]]\ntype = \"ping\"\nurl = \"https://hc.example/p\"\n"+
		"[[notify]]\ntype = \"webhook\"\nurl = \"https://hooks.example/y\"\nmethod = \"PUT\"\nevents = [\"crash-loop\"]\ntimeout = \"3s\"\nretries = 2\nqueue_size = 8\n"+validBase)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Probe.IntervalMax.Duration != 10*time.Second {
		t.Errorf("interval_max shorter than interval: %s, want raised to the interval", cfg.Probe.IntervalMax)
	}
	if s := cfg.IP.V4[0]; s.Class != "IN" || s.QType != "" {
		t.Errorf("dns source without class: class %q qtype %q, want IN and no qtype", s.Class, s.QType)
	}
	if s := cfg.IP.V4[1]; s.Class != "CH" || s.QType != "TXT" {
		t.Errorf("dns source class/qtype not upper-cased: %q %q", s.Class, s.QType)
	}
	web, ping, set := cfg.Notify[0], cfg.Notify[1], cfg.Notify[2]
	if web.Method != "POST" || ping.Method != "GET" {
		t.Errorf("default methods: webhook %q, ping %q", web.Method, ping.Method)
	}
	if len(web.Events) != len(NotifyEvents) || web.Timeout.Duration != defaultNotifyTimeout || web.Retries != defaultNotifyRetries || web.QueueSize != defaultNotifyQueue {
		t.Errorf("notify defaults not applied: %+v", web)
	}
	if set.Method != "PUT" || len(set.Events) != 1 || set.Timeout.Duration != 3*time.Second || set.Retries != 2 || set.QueueSize != 8 {
		t.Errorf("notify values given were replaced: %+v", set)
	}

	cfg, err = parse(t, "[probe]\ninterval = \"5s\"\ninterval_max = \"2m\"\n"+validBase)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Probe.IntervalMax.Duration != 2*time.Minute {
		t.Errorf("interval_max longer than interval changed to %s", cfg.Probe.IntervalMax)
	}
}

// TestErrorsInFileOrder: every problem is reported at once, sorted by line
// and then column, whatever order the checks found them in.
func TestErrorsInFileOrder(t *testing.T) {
	src := "[updater]\nconcurrency = 0\n" + // line 2, found after [supervisor]'s
		"[supervisor]\ncrash_loop_restarts = 0\n" + // line 4
		"[ip]\nv4 = [{ type = \"http\", url = \"x\", urll = \"y\" }]\n" // line 6: the unknown key is found first, the url later
	_, err := parse(t, src+validBase)
	es, ok := AsErrors(err)
	if !ok {
		t.Fatalf("want Errors, got %v", err)
	}
	var got []string
	for _, e := range es {
		var fe *FieldError
		if errors.As(e, &fe) {
			got = append(got, fe.Key)
		}
	}
	want := []string{"updater.concurrency", "supervisor.crash_loop_restarts", "ip.v4.0.url", "ip.v4.0.urll"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("errors in order %q, want %q:\n%v", got, want, err)
	}
}

// TestTypeMismatchNamesKeyAndPlace: a value of the wrong type is reported at
// its key with the decoder's reason, without the decoder's own prefix.
func TestTypeMismatchNamesKeyAndPlace(t *testing.T) {
	_, err := parse(t, "[supervisor]\ncrash_loop_restarts = \"five\"\n"+validBase)
	if err == nil {
		t.Fatal("a string for an integer was accepted")
	}
	msg := err.Error()
	want := "test.toml:2:1: supervisor.crash_loop_restarts: incompatible types: TOML value has type string; destination has type integer"
	if msg != want {
		t.Fatalf("type mismatch: %q, want %q", msg, want)
	}
}

// TestFieldErrorWithoutPosition: an error with no known place names the
// file alone, never a line 0.
func TestFieldErrorWithoutPosition(t *testing.T) {
	e := &FieldError{File: "c.toml", Key: "x", Msg: "bad"}
	if got := e.Error(); got != "c.toml: x: bad" {
		t.Errorf("got %q", got)
	}
	e.Pos = Pos{Line: 1, Col: 2}
	if got := e.Error(); got != "c.toml:1:2: x: bad" {
		t.Errorf("got %q", got)
	}
}

// TestErrorsAtOnePlaceKeepTheirOrder: two problems reported at the same
// line and column come out in the order they were found, run after run.
func TestErrorsAtOnePlaceKeepTheirOrder(t *testing.T) {
	_, err := parse(t, "[providers.p]\ntype = \"dryrun\"\n[[records]]\nname = \"x\"\n")
	want := "test.toml:3:1: records.0: a record needs provider (the name of a [providers.NAME] table)\n" +
		"test.toml:3:1: records.0: a record needs zone (for example \"example.com\")"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}
