package daemon

import (
	"encoding"
	"reflect"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/ipc"
)

// Apply is how a changed setting takes effect in a running supervisor.
type Apply int

// The three ways a setting applies. Every leaf of configs.Config has exactly
// one (TestEverySettingClassified).
const (
	// Live: the running supervisor applies it at once (policy, probes,
	// notifications, status).
	Live Apply = iota + 1
	// RestartOnly: the running supervisor keeps what it started with; a
	// reload names the setting so nobody believes it applied.
	RestartOnly
	// Updater: the updater reads it, so the child restarts gracefully
	// (not counted as a failure).
	Updater
)

// setting classifies one leaf of configs.Config, named by its TOML key
// (dotted; fields without one by their Go name in snake case).
type setting struct {
	key   string
	apply Apply
	// ownLog: an Updater setting the supervisor also read once at start for
	// itself (its own logger), and keeps until it restarts.
	ownLog bool
	// changed replaces the plain old-against-new comparison: it reports
	// whether the setting changed and how to name it in the reply.
	changed func(a *App, old, cfg *configs.Config) (string, bool)
}

// settings is the classification the reload code applies. A field added to
// configs without an entry here fails TestEverySettingClassified; at run
// time it would be treated as an Updater setting, the safe choice.
var settings = []setting{
	{key: "supervisor.command", apply: Updater},
	{key: "supervisor.socket", apply: RestartOnly, changed: socketChanged},
	{key: "supervisor.restart_delay", apply: Live},
	{key: "supervisor.restart_delay_max", apply: Live},
	{key: "supervisor.long_restart_delay", apply: Live},
	{key: "supervisor.stable_after", apply: Live},
	{key: "supervisor.crash_loop_restarts", apply: Live},
	{key: "supervisor.crash_loop_window", apply: Live},
	{key: "supervisor.crash_loop_cooldown", apply: Live},
	{key: "supervisor.stop_timeout", apply: Live},
	// The child is told the period (ipc.EnvWatchdogUSec) and paces its
	// reports by it, so a change restarts it to tell it; the supervisor's
	// own timer follows at once.
	{key: "supervisor.watchdog", apply: Updater},
	{key: "supervisor.memory_limit_mb", apply: Live},
	{key: "supervisor.restart_always", apply: Live},
	// The socket's permissions are set when it is created.
	{key: "supervisor.status_for_any_user", apply: RestartOnly},
	// The log and event rings are sized once.
	{key: "supervisor.log_lines", apply: RestartOnly},
	{key: "supervisor.event_history", apply: RestartOnly},

	{key: "probe.enabled", apply: Live},
	{key: "probe.interval", apply: Live},
	{key: "probe.interval_max", apply: Live},
	{key: "probe.timeout", apply: Live},
	{key: "probe.dns", apply: Live},
	{key: "probe.tcp", apply: Live},
	{key: "probe.dns_servers", apply: Live},

	{key: "updater.interval", apply: Updater}, // also /healthz's unit, applied live
	{key: "updater.resync", apply: Updater},
	{key: "updater.state_file", apply: Updater},
	{key: "updater.timeout", apply: Updater},
	{key: "updater.concurrency", apply: Updater},
	{key: "updater.network_grace", apply: Updater},
	{key: "updater.watch_interfaces", apply: Updater},

	{key: "ip.v4", apply: Updater},
	{key: "ip.v6", apply: Updater},
	{key: "ip.quorum", apply: Updater},
	{key: "ip.allow_private", apply: Updater},
	{key: "ip.defaults", apply: Updater},

	{key: "providers", apply: Updater}, // the probe targets derived from it apply live
	{key: "records", apply: Updater},   // status drops the records it no longer has

	// The endpoint is opened once, with its token.
	{key: "http.listen", apply: RestartOnly},
	{key: "http.token", apply: RestartOnly},
	{key: "http.token_file", apply: RestartOnly},
	{key: "http.token_env", apply: RestartOnly},

	{key: "notify", apply: Live}, // the notifier restarts when it changes

	{key: "log.level", apply: Updater, ownLog: true},
	{key: "log.format", apply: Updater, ownLog: true},
	{key: "log.file", apply: Updater, ownLog: true},
	{key: "log.max_size_mb", apply: Updater, ownLog: true},
	{key: "log.max_files", apply: Updater, ownLog: true},
	{key: "log.levels", apply: Updater, ownLog: true},

	// What the load itself found: shown in status at once.
	{key: "path", apply: Live},
	{key: "hash", apply: Live},
	{key: "warnings", apply: Live},
	{key: "loaded_at", apply: Live},
}

// socketChanged compares the socket a config asks for with the one in use,
// which a config that did not load at start may have chosen, and which
// `run --socket` fixes for good.
func socketChanged(a *App, _, cfg *configs.Config) (string, bool) {
	want := cfg.Supervisor.Socket
	if want == "" {
		want = ipc.DefaultSocketPath()
	}
	if a.o.SocketFromFlag || want == a.socket {
		return "", false
	}
	return "supervisor.socket (still " + a.socket + ")", true
}

// leaf is one setting's place in configs.Config.
type leaf struct {
	key    string // TOML key, dotted
	goPath string // Go field names, dotted
	index  []int
}

// configLeaves walks configs.Config: every exported field, recursing into
// struct fields except values TOML writes as one string (durations) and
// times.
var configLeaves = sync.OnceValue(func() []leaf {
	return walkLeaves(reflect.TypeFor[configs.Config](), "", "", nil)
})

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

func walkLeaves(t reflect.Type, key, goPath string, index []int) []leaf {
	var out []leaf
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if name == "" || name == "-" {
			name = snakeCase(f.Name)
		}
		k, g := join(key, name), join(goPath, f.Name)
		idx := append(append([]int(nil), index...), i)
		if isSection(f.Type) {
			out = append(out, walkLeaves(f.Type, k, g, idx)...)
			continue
		}
		out = append(out, leaf{key: k, goPath: g, index: idx})
	}
	return out
}

// isSection: a struct whose fields are settings of their own.
func isSection(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && t != reflect.TypeFor[time.Time]() && !reflect.PointerTo(t).Implements(textUnmarshaler)
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// snakeCase turns LoadedAt into loaded_at.
func snakeCase(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// settingFor is the table's entry for key; an unclassified key is an
// Updater setting, so that a change the table does not know still reaches
// the child.
func settingFor(key string) setting {
	for _, s := range settings {
		if s.key == key {
			return s
		}
	}
	return setting{key: key, apply: Updater}
}

// changeSet is what a reload from old to cfg means.
type changeSet struct {
	// restartChild: an Updater setting changed.
	restartChild bool
	// later names the changed settings that apply only when the supervisor
	// restarts (never their values: a token is a secret).
	later []string
}

// changes classifies every difference between old and cfg through the
// settings table.
func (a *App) changes(old, cfg *configs.Config) changeSet {
	var cs changeSet
	var ownLog []string
	ov, nv := reflect.ValueOf(old).Elem(), reflect.ValueOf(cfg).Elem()
	for _, l := range configLeaves() {
		s := settingFor(l.key)
		name, changed := l.key, false
		if s.changed != nil {
			name, changed = s.changed(a, old, cfg)
		} else {
			changed = !sameValue(ov.FieldByIndex(l.index), nv.FieldByIndex(l.index))
		}
		if !changed {
			continue
		}
		switch s.apply {
		case Updater:
			cs.restartChild = true
			if s.ownLog {
				ownLog = append(ownLog, name)
			}
		case RestartOnly:
			cs.later = append(cs.later, name)
		}
	}
	if len(ownLog) > 0 {
		cs.later = append(cs.later, strings.Join(ownLog, ", ")+" (the supervisor's own log; the updater restarts with the new one)")
	}
	return cs
}

// sameValue compares two settings' values; an empty list or table equals
// a missing one, as in the file.
func sameValue(x, y reflect.Value) bool {
	switch x.Kind() {
	case reflect.Slice, reflect.Map:
		if x.Len() == 0 && y.Len() == 0 {
			return true
		}
	}
	return reflect.DeepEqual(x.Interface(), y.Interface())
}
