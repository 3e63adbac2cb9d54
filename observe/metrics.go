package observe

import (
	"net/http"
	"sync"
	"time"

	"github.com/ddnsd/ddns/ipc"
)

// Metrics holds the supervisor's Prometheus metrics in a registry of its
// own (no process-wide default, so two instances in one test binary do not
// collide). The supervisor calls its methods as events happen; every method
// is safe for concurrent use. Label values come from the config (record
// names, probe targets, provider names) or from small fixed sets (outcomes,
// reasons), so cardinality stays bounded.
type Metrics struct {
	reg *registry

	childUp        *family
	restarts       *family
	lastExitCode   *family
	crashLoop      *family
	probeUp        *family
	probeDuration  *family
	configGen      *family
	configLoadedAt *family
	configOK       *family
	reloadErrors   *family
	recordSynced   *family
	recordError    *family
	recordUpdates  *family
	providerCalls  *family
	detections     *family
	lastReport     *family

	mu   sync.Mutex // guards seen
	seen map[string]recordSeen
}

// NewMetrics registers every metric, plus the supervisor's own runtime and
// process figures (memory, CPU time and file descriptors).
func NewMetrics() *Metrics {
	r := &registry{extra: writeRuntime}
	m := &Metrics{reg: r, seen: map[string]recordSeen{}}

	m.childUp = r.gauge("ddns_child_up", "1 while the updater child is running.")
	m.restarts = r.counter("ddns_child_restarts_total", "Restarts of the updater child, by reason.", "reason")
	m.lastExitCode = r.gauge("ddns_child_last_exit_code", "Exit code of the child's last exit (-1 for a signal).")
	m.crashLoop = r.gauge("ddns_child_crash_loop", "1 while restarts are paused after a crash loop.")
	m.probeUp = r.gauge("ddns_probe_up", "1 when the readiness probe's last check passed.", "kind", "target")
	m.probeDuration = r.histogram("ddns_probe_duration_seconds", "Latency of readiness probe checks.",
		[]float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}, "kind", "target")
	m.configGen = r.gauge("ddns_config_generation", "Successful config loads since the supervisor started.")
	m.configLoadedAt = r.gauge("ddns_config_last_load_timestamp_seconds", "When the config was last loaded successfully.")
	m.configOK = r.gauge("ddns_config_last_reload_success", "1 when the last attempt to load the config succeeded.")
	m.reloadErrors = r.counter("ddns_config_reload_errors_total", "Config reloads refused as invalid (the running config was kept).")
	m.recordSynced = r.gauge("ddns_record_last_sync_timestamp_seconds", "When each record was last confirmed or set.", "name", "type")
	m.recordError = r.gauge("ddns_record_error", "1 while the record's last pass failed.", "name", "type")
	m.recordUpdates = r.counter("ddns_record_updates_total", "Record update attempts, by result.", "name", "type", "result")
	m.providerCalls = r.counter("ddns_provider_calls_total", "DNS provider API calls, by outcome.", "provider", "outcome")
	m.detections = r.counter("ddns_address_detections_total", "Public address lookups, by source and outcome.", "source", "outcome")
	m.lastReport = r.gauge("ddns_child_last_report_timestamp_seconds", "When the child last reported.")
	return m
}

// Handler serves the metrics in the Prometheus text exposition format.
func (m *Metrics) Handler() http.Handler { return m.reg.handler() }

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// ChildUp records whether the child is running.
func (m *Metrics) ChildUp(up bool) { m.childUp.set(b2f(up)) }

// Restart counts one restart of the child; reason is a short fixed word
// such as "exit", "signal", "watchdog", "memory", "manual" or "config".
func (m *Metrics) Restart(reason string) { m.restarts.inc(reason) }

// LastExitCode records the child's last exit code (-1 for a signal).
func (m *Metrics) LastExitCode(code int) { m.lastExitCode.set(float64(code)) }

// CrashLoop records whether restarts are paused after a crash loop.
func (m *Metrics) CrashLoop(on bool) { m.crashLoop.set(b2f(on)) }

// Probe records one readiness check.
func (m *Metrics) Probe(kind, target string, ok bool, latency time.Duration) {
	m.probeUp.set(b2f(ok), kind, target)
	m.probeDuration.observe(latency.Seconds(), kind, target)
}

// ConfigLoaded records a successful config load (the first or a reload).
// It uses the wall clock for the load time.
func (m *Metrics) ConfigLoaded(generation int) {
	m.configGen.set(float64(generation))
	m.configLoadedAt.set(float64(time.Now().UnixNano()) / 1e9)
	m.configOK.set(1)
}

// ConfigReloadError counts a reload refused because the new file is invalid.
func (m *Metrics) ConfigReloadError() {
	m.reloadErrors.inc()
	m.configOK.set(0)
}

// RecordSynced records when a record was last confirmed or set.
func (m *Metrics) RecordSynced(name, typ string, at time.Time) {
	m.recordSynced.set(float64(at.UnixNano())/1e9, name, typ)
}

// RecordUpdate counts one update attempt; result is a short fixed word such
// as "changed", "unchanged" or "failed".
func (m *Metrics) RecordUpdate(name, typ, result string) {
	m.recordUpdates.inc(name, typ, result)
}

// ProviderCall counts one provider API call; outcome is e.g. "ok", "error",
// "auth" or "timeout".
func (m *Metrics) ProviderCall(provider, outcome string) {
	m.providerCalls.inc(provider, outcome)
}

// AddressDetection counts one address lookup; source names the configured
// source (its type or URL without secrets), outcome is e.g. "ok" or "error".
func (m *Metrics) AddressDetection(source, outcome string) {
	m.detections.inc(source, outcome)
}

// FromReport updates the per-record metrics from a child report: the last
// sync time of each record and whether it is failing. Reports are snapshots
// that repeat (after each pass and as heartbeats), so update counters are
// derived from transitions only: ddns_record_updates_total{result="changed"}
// goes up when a record's changed_at moves forward, {result="failed"} when a
// record starts failing (not on every report while it keeps failing). The
// first report seen for a record only sets the baseline.
func (m *Metrics) FromReport(r ipc.Report) {
	if !r.At.IsZero() {
		m.lastReport.set(float64(r.At.UnixNano()) / 1e9)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, rec := range r.Records {
		if !rec.SyncedAt.IsZero() {
			m.RecordSynced(rec.Name, rec.Type, rec.SyncedAt.Time())
		}
		failing := rec.Error != ""
		m.recordError.set(b2f(failing), rec.Name, rec.Type)
		key := ipc.RecordKey(rec.Name, rec.Type)
		prev, known := m.seen[key]
		m.seen[key] = recordSeen{changedAt: rec.ChangedAt.Time(), failing: failing}
		if !known {
			continue
		}
		if !rec.ChangedAt.IsZero() && !rec.ChangedAt.Time().Equal(prev.changedAt) {
			m.RecordUpdate(rec.Name, rec.Type, "changed")
		}
		if failing && !prev.failing {
			m.RecordUpdate(rec.Name, rec.Type, "failed")
		}
	}
}

// recordSeen is what FromReport remembers of a record between reports.
type recordSeen struct {
	changedAt time.Time
	failing   bool
}
