package observe

import (
	"bytes"
	"io"
	"math"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/ddnsd/ddns/ipc"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape fetches /metrics and parses it with Prometheus' own text parser.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics answered %s", resp.Status)
	}
	return parse(t, resp.Body)
}

// value returns the sample of family name whose labels include want; ok is
// false when there is none.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f, ok := fams[name]
	if !ok {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		case m.Untyped != nil:
			return m.GetUntyped().GetValue(), true
		}
	}
	return 0, false
}

func TestMetricsAfterEvents(t *testing.T) {
	m := NewMetrics()
	f := &fakeSupervisor{st: healthyStatus(t0), now: t0}
	_, base := startServer(t, Options{Metrics: m}, f)

	// A clean start: the supervisor's metrics exist before anything happened.
	fams := scrape(t, base)
	if v, ok := value(fams, "ddns_child_up", nil); !ok || v != 0 {
		t.Errorf("ddns_child_up before start = %v, %v", v, ok)
	}
	if _, ok := value(fams, "process_resident_memory_bytes", nil); !ok {
		t.Log("no process collector output on this platform")
	}

	// A start, a crash and a restart; a crash loop; a failed update; a
	// refused reload and a good one; probe results.
	m.ChildUp(true)
	m.LastExitCode(1)
	m.ChildUp(false)
	m.Restart("exit")
	m.Restart("exit")
	m.Restart("watchdog")
	m.ChildUp(true)
	m.CrashLoop(true)
	m.CrashLoop(false)
	m.RecordUpdate("home.example.com", "A", "failed")
	m.RecordUpdate("home.example.com", "A", "changed")
	m.ConfigLoaded(1)
	m.ConfigReloadError()
	m.Probe("tcp", "1.1.1.1:443", true, 12*time.Millisecond)
	m.Probe("dns", "api.cloudflare.com", false, 2*time.Second)
	m.ProviderCall("home", "ok")
	m.AddressDetection("http https://api.ipify.org", "error")
	synced := time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)
	m.RecordSynced("home.example.com", "A", synced)

	fams = scrape(t, base)
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"ddns_child_up", nil, 1},
		{"ddns_child_restarts_total", map[string]string{"reason": "exit"}, 2},
		{"ddns_child_restarts_total", map[string]string{"reason": "watchdog"}, 1},
		{"ddns_child_last_exit_code", nil, 1},
		{"ddns_child_crash_loop", nil, 0},
		{"ddns_record_updates_total", map[string]string{"name": "home.example.com", "type": "A", "result": "failed"}, 1},
		{"ddns_record_updates_total", map[string]string{"name": "home.example.com", "type": "A", "result": "changed"}, 1},
		{"ddns_config_generation", nil, 1},
		{"ddns_config_reload_errors_total", nil, 1},
		{"ddns_config_last_reload_success", nil, 0},
		{"ddns_probe_up", map[string]string{"kind": "tcp", "target": "1.1.1.1:443"}, 1},
		{"ddns_probe_up", map[string]string{"kind": "dns", "target": "api.cloudflare.com"}, 0},
		{"ddns_probe_duration_seconds", map[string]string{"kind": "dns"}, 1},
		{"ddns_provider_calls_total", map[string]string{"provider": "home", "outcome": "ok"}, 1},
		{"ddns_address_detections_total", map[string]string{"source": "http https://api.ipify.org", "outcome": "error"}, 1},
		{"ddns_record_last_sync_timestamp_seconds", map[string]string{"name": "home.example.com", "type": "A"}, float64(synced.Unix())},
	}
	for _, c := range checks {
		got, ok := value(fams, c.name, c.labels)
		if !ok || got != c.want {
			t.Errorf("%s%v = %v (present %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}

	// A good reload afterwards: generation 2, success again, errors kept.
	m.ConfigLoaded(2)
	fams = scrape(t, base)
	for _, c := range []struct {
		name string
		want float64
	}{{"ddns_config_generation", 2}, {"ddns_config_last_reload_success", 1}, {"ddns_config_reload_errors_total", 1}} {
		if got, _ := value(fams, c.name, nil); got != c.want {
			t.Errorf("after reload %s = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestMetricsFromReport: repeated reports count each transition once.
func TestMetricsFromReport(t *testing.T) {
	m := NewMetrics()
	_, base := startServer(t, Options{Metrics: m}, &fakeSupervisor{st: healthyStatus(t0), now: t0})
	rec := ipc.RecordStatus{Name: "home.example.com", Type: "AAAA", Address: "2001:db8::1", SyncedAt: ipc.TimeOf(t0), ChangedAt: ipc.TimeOf(t0.Add(-time.Hour))}
	report := func(r ipc.RecordStatus, at time.Time) {
		m.FromReport(ipc.Report{PID: 11, At: at, Records: []ipc.RecordStatus{r}})
	}
	for i := 0; i < 3; i++ { // baseline, repeated: no counts
		report(rec, t0)
	}
	failing := rec
	failing.Error = "provider said 500"
	for i := 0; i < 5; i++ { // one failure episode, reported five times
		report(failing, t0.Add(time.Minute))
	}
	changed := rec
	changed.Address, changed.ChangedAt, changed.SyncedAt = "2001:db8::2", ipc.TimeOf(t0.Add(2*time.Minute)), ipc.TimeOf(t0.Add(2*time.Minute))
	for i := 0; i < 4; i++ {
		report(changed, t0.Add(2*time.Minute))
	}
	fams := scrape(t, base)
	labels := func(result string) map[string]string {
		return map[string]string{"name": "home.example.com", "type": "AAAA", "result": result}
	}
	if v, _ := value(fams, "ddns_record_updates_total", labels("failed")); v != 1 {
		t.Errorf("failed = %v, want 1", v)
	}
	if v, _ := value(fams, "ddns_record_updates_total", labels("changed")); v != 1 {
		t.Errorf("changed = %v, want 1", v)
	}
	if v, _ := value(fams, "ddns_record_error", map[string]string{"name": "home.example.com"}); v != 0 {
		t.Errorf("ddns_record_error after recovery = %v", v)
	}
	if v, _ := value(fams, "ddns_record_last_sync_timestamp_seconds", map[string]string{"type": "AAAA"}); v != float64(t0.Add(2*time.Minute).Unix()) {
		t.Errorf("last sync = %v", v)
	}
	if v, _ := value(fams, "ddns_child_last_report_timestamp_seconds", nil); v != float64(t0.Add(2*time.Minute).Unix()) {
		t.Errorf("last report = %v", v)
	}
}

// parse reads the text exposition with Prometheus' own parser, which
// refuses a duplicate family, a sample before its # TYPE line, a histogram
// without +Inf or a badly escaped label.
func parse(t *testing.T, r io.Reader) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		t.Fatalf("not valid Prometheus text: %v", err)
	}
	return fams
}

// gather writes m's metrics and parses them back.
func gather(t *testing.T, m *Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	var buf bytes.Buffer
	if err := m.reg.write(&buf); err != nil {
		t.Fatal(err)
	}
	return parse(t, &buf)
}

// TestTwoMetricsInstances: two instances in one process keep separate series.
func TestTwoMetricsInstances(t *testing.T) {
	a, b := NewMetrics(), NewMetrics()
	a.Restart("exit")
	count := func(fams map[string]*dto.MetricFamily) int {
		return len(fams["ddns_child_restarts_total"].GetMetric())
	}
	if ca, cb := count(gather(t, a)), count(gather(t, b)); ca != 1 || cb != 0 {
		t.Errorf("restarts series: a %d, b %d", ca, cb)
	}
}

// TestMetricTypesAndHelp: every family the supervisor promises has the
// Prometheus type dashboards and alerts expect, and a help text.
func TestMetricTypesAndHelp(t *testing.T) {
	m := NewMetrics()
	m.Restart("exit")
	m.Probe("tcp", "1.1.1.1:443", true, time.Millisecond)
	m.RecordSynced("home.example.com", "A", t0)
	m.RecordUpdate("home.example.com", "A", "changed")
	m.ProviderCall("home", "ok")
	m.AddressDetection("http", "ok")
	m.FromReport(ipc.Report{At: t0, Records: []ipc.RecordStatus{{Name: "home.example.com", Type: "A"}}})
	fams := gather(t, m)
	want := map[string]dto.MetricType{
		"ddns_child_up":                            dto.MetricType_GAUGE,
		"ddns_child_restarts_total":                dto.MetricType_COUNTER,
		"ddns_child_last_exit_code":                dto.MetricType_GAUGE,
		"ddns_child_crash_loop":                    dto.MetricType_GAUGE,
		"ddns_probe_up":                            dto.MetricType_GAUGE,
		"ddns_probe_duration_seconds":              dto.MetricType_HISTOGRAM,
		"ddns_config_generation":                   dto.MetricType_GAUGE,
		"ddns_config_last_load_timestamp_seconds":  dto.MetricType_GAUGE,
		"ddns_config_last_reload_success":          dto.MetricType_GAUGE,
		"ddns_config_reload_errors_total":          dto.MetricType_COUNTER,
		"ddns_record_last_sync_timestamp_seconds":  dto.MetricType_GAUGE,
		"ddns_record_error":                        dto.MetricType_GAUGE,
		"ddns_record_updates_total":                dto.MetricType_COUNTER,
		"ddns_provider_calls_total":                dto.MetricType_COUNTER,
		"ddns_address_detections_total":            dto.MetricType_COUNTER,
		"ddns_child_last_report_timestamp_seconds": dto.MetricType_GAUGE,
		"go_goroutines":                            dto.MetricType_GAUGE,
	}
	for name, typ := range want {
		f, ok := fams[name]
		switch {
		case !ok:
			t.Errorf("%s missing", name)
		case f.GetType() != typ:
			t.Errorf("%s is a %v, want %v", name, f.GetType(), typ)
		case f.GetHelp() == "":
			t.Errorf("%s has no help", name)
		}
	}
	if runtime.GOOS == "linux" {
		for _, name := range []string{"process_resident_memory_bytes", "process_open_fds", "process_cpu_seconds_total"} {
			if _, ok := fams[name]; !ok {
				t.Errorf("%s missing on linux", name)
			}
		}
	}
}

// TestHistogramBuckets: observations land in cumulative le buckets (a value
// equal to a bound counts in that bucket), with _sum and _count.
func TestHistogramBuckets(t *testing.T) {
	m := NewMetrics()
	for _, d := range []time.Duration{3 * time.Millisecond, 10 * time.Millisecond, 200 * time.Millisecond, 7 * time.Second} {
		m.Probe("tcp", "a:1", true, d)
	}
	h := gather(t, m)["ddns_probe_duration_seconds"].GetMetric()[0].GetHistogram()
	if h.GetSampleCount() != 4 || math.Abs(h.GetSampleSum()-7.213) > 1e-9 {
		t.Errorf("count %d sum %v", h.GetSampleCount(), h.GetSampleSum())
	}
	want := map[float64]uint64{.005: 1, .01: 2, .025: 2, .1: 2, .25: 3, 5: 3}
	for _, b := range h.GetBucket() {
		if w, ok := want[b.GetUpperBound()]; ok && b.GetCumulativeCount() != w {
			t.Errorf("le=%v: %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), w)
		}
	}
}

// TestLabelValuesEscaped: a label value from the config holding a quote, a
// backslash or a line feed comes back intact, and the output stays valid.
func TestLabelValuesEscaped(t *testing.T) {
	m := NewMetrics()
	odd := "a\"b\\c\nd"
	m.Probe("tcp", odd, false, time.Millisecond)
	if v, ok := value(gather(t, m), "ddns_probe_up", map[string]string{"target": odd}); !ok || v != 0 {
		t.Errorf("probe_up for %q = %v, %v", odd, v, ok)
	}
}
