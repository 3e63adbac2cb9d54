package observe

import (
	"net/http"
	"sync"
	"time"

	"github.com/ddnsd/ddns/ipc"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the supervisor's Prometheus metrics in a private registry
// (never the process-wide default one, so two instances in one test binary
// do not collide). The supervisor calls its methods as events happen; every
// method is safe for concurrent use. Label values come from the config
// (record names, probe targets, provider names) or from small fixed sets
// (outcomes, reasons), so cardinality stays bounded.
type Metrics struct {
	reg *prometheus.Registry

	childUp        prometheus.Gauge
	restarts       *prometheus.CounterVec
	lastExitCode   prometheus.Gauge
	crashLoop      prometheus.Gauge
	probeUp        *prometheus.GaugeVec
	probeDuration  *prometheus.HistogramVec
	configGen      prometheus.Gauge
	configLoadedAt prometheus.Gauge
	configOK       prometheus.Gauge
	reloadErrors   prometheus.Counter
	recordSynced   *prometheus.GaugeVec
	recordError    *prometheus.GaugeVec
	recordUpdates  *prometheus.CounterVec
	providerCalls  *prometheus.CounterVec
	detections     *prometheus.CounterVec
	lastReport     prometheus.Gauge

	mu   sync.Mutex // guards seen
	seen map[string]recordSeen
}

// NewMetrics registers every metric, plus the Go runtime and process
// collectors (memory and file descriptors of the supervisor itself).
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	f := func(c prometheus.Collector) { reg.MustRegister(c) }
	m := &Metrics{reg: reg, seen: map[string]recordSeen{}}

	m.childUp = prometheus.NewGauge(prometheus.GaugeOpts{Name: "ddns_child_up", Help: "1 while the updater child is running."})
	m.restarts = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ddns_child_restarts_total", Help: "Restarts of the updater child, by reason."}, []string{"reason"})
	m.lastExitCode = prometheus.NewGauge(prometheus.GaugeOpts{Name: "ddns_child_last_exit_code", Help: "Exit code of the child's last exit (-1 for a signal)."})
	m.crashLoop = prometheus.NewGauge(prometheus.GaugeOpts{Name: "ddns_child_crash_loop", Help: "1 while restarts are paused after a crash loop."})
	m.probeUp = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "ddns_probe_up", Help: "1 when the readiness probe's last check passed."}, []string{"kind", "target"})
	m.probeDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "ddns_probe_duration_seconds", Help: "Latency of readiness probe checks.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"kind", "target"})
	m.configGen = prometheus.NewGauge(prometheus.GaugeOpts{Name: "ddns_config_generation", Help: "Successful config loads since the supervisor started."})
	m.configLoadedAt = prometheus.NewGauge(prometheus.GaugeOpts{Name: "ddns_config_last_load_timestamp_seconds", Help: "When the config was last loaded successfully."})
	m.configOK = prometheus.NewGauge(prometheus.GaugeOpts{Name: "ddns_config_last_reload_success", Help: "1 when the last attempt to load the config succeeded."})
	m.reloadErrors = prometheus.NewCounter(prometheus.CounterOpts{Name: "ddns_config_reload_errors_total", Help: "Config reloads refused as invalid (the running config was kept)."})
	m.recordSynced = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "ddns_record_last_sync_timestamp_seconds", Help: "When each record was last confirmed or set."}, []string{"name", "type"})
	m.recordError = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "ddns_record_error", Help: "1 while the record's last pass failed."}, []string{"name", "type"})
	m.recordUpdates = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ddns_record_updates_total", Help: "Record update attempts, by result."}, []string{"name", "type", "result"})
	m.providerCalls = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ddns_provider_calls_total", Help: "DNS provider API calls, by outcome."}, []string{"provider", "outcome"})
	m.detections = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ddns_address_detections_total", Help: "Public address lookups, by source and outcome."}, []string{"source", "outcome"})
	m.lastReport = prometheus.NewGauge(prometheus.GaugeOpts{Name: "ddns_child_last_report_timestamp_seconds", Help: "When the child last reported."})

	for _, c := range []prometheus.Collector{m.childUp, m.restarts, m.lastExitCode, m.crashLoop, m.probeUp, m.probeDuration,
		m.configGen, m.configLoadedAt, m.configOK, m.reloadErrors, m.recordSynced, m.recordError, m.recordUpdates,
		m.providerCalls, m.detections, m.lastReport} {
		f(c)
	}
	f(collectors.NewGoCollector())
	f(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is the private registry, for callers that add their own metrics.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// ChildUp records whether the child is running.
func (m *Metrics) ChildUp(up bool) { m.childUp.Set(b2f(up)) }

// Restart counts one restart of the child; reason is a short fixed word
// such as "exit", "signal", "watchdog", "memory", "manual" or "config".
func (m *Metrics) Restart(reason string) { m.restarts.WithLabelValues(reason).Inc() }

// LastExitCode records the child's last exit code (-1 for a signal).
func (m *Metrics) LastExitCode(code int) { m.lastExitCode.Set(float64(code)) }

// CrashLoop records whether restarts are paused after a crash loop.
func (m *Metrics) CrashLoop(on bool) { m.crashLoop.Set(b2f(on)) }

// Probe records one readiness check.
func (m *Metrics) Probe(kind, target string, ok bool, latency time.Duration) {
	m.probeUp.WithLabelValues(kind, target).Set(b2f(ok))
	m.probeDuration.WithLabelValues(kind, target).Observe(latency.Seconds())
}

// ConfigLoaded records a successful config load (the first or a reload).
// It uses the wall clock for the load time.
func (m *Metrics) ConfigLoaded(generation int) {
	m.configGen.Set(float64(generation))
	m.configLoadedAt.Set(float64(time.Now().UnixNano()) / 1e9)
	m.configOK.Set(1)
}

// ConfigReloadError counts a reload refused because the new file is invalid.
func (m *Metrics) ConfigReloadError() {
	m.reloadErrors.Inc()
	m.configOK.Set(0)
}

// RecordSynced records when a record was last confirmed or set.
func (m *Metrics) RecordSynced(name, typ string, at time.Time) {
	m.recordSynced.WithLabelValues(name, typ).Set(float64(at.UnixNano()) / 1e9)
}

// RecordUpdate counts one update attempt; result is a short fixed word such
// as "changed", "unchanged" or "failed".
func (m *Metrics) RecordUpdate(name, typ, result string) {
	m.recordUpdates.WithLabelValues(name, typ, result).Inc()
}

// ProviderCall counts one provider API call; outcome is e.g. "ok", "error",
// "auth" or "timeout".
func (m *Metrics) ProviderCall(provider, outcome string) {
	m.providerCalls.WithLabelValues(provider, outcome).Inc()
}

// AddressDetection counts one address lookup; source names the configured
// source (its type or URL without secrets), outcome is e.g. "ok" or "error".
func (m *Metrics) AddressDetection(source, outcome string) {
	m.detections.WithLabelValues(source, outcome).Inc()
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
		m.lastReport.Set(float64(r.At.UnixNano()) / 1e9)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, rec := range r.Records {
		if t, err := time.Parse(time.RFC3339Nano, rec.SyncedAt); err == nil {
			m.RecordSynced(rec.Name, rec.Type, t)
		}
		failing := rec.Error != ""
		m.recordError.WithLabelValues(rec.Name, rec.Type).Set(b2f(failing))
		key := ipc.RecordKey(rec.Name, rec.Type)
		prev, known := m.seen[key]
		m.seen[key] = recordSeen{changedAt: rec.ChangedAt, failing: failing}
		if !known {
			continue
		}
		if rec.ChangedAt != "" && rec.ChangedAt != prev.changedAt {
			m.RecordUpdate(rec.Name, rec.Type, "changed")
		}
		if failing && !prev.failing {
			m.RecordUpdate(rec.Name, rec.Type, "failed")
		}
	}
}

// recordSeen is what FromReport remembers of a record between reports.
type recordSeen struct {
	changedAt string
	failing   bool
}
