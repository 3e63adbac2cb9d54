package observe

import (
	"net/http"
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
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics is not valid Prometheus text: %v", err)
	}
	return fams
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
	rec := ipc.RecordStatus{Name: "home.example.com", Type: "AAAA", Address: "2001:db8::1", SyncedAt: ipc.TimeString(t0), ChangedAt: ipc.TimeString(t0.Add(-time.Hour))}
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
	changed.Address, changed.ChangedAt, changed.SyncedAt = "2001:db8::2", ipc.TimeString(t0.Add(2*time.Minute)), ipc.TimeString(t0.Add(2*time.Minute))
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

// TestTwoMetricsInstances: private registries do not collide.
func TestTwoMetricsInstances(t *testing.T) {
	a, b := NewMetrics(), NewMetrics()
	a.Restart("exit")
	fa, err := a.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	fb, err := b.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	count := func(fs []*dto.MetricFamily) int {
		for _, f := range fs {
			if f.GetName() == "ddns_child_restarts_total" {
				return len(f.GetMetric())
			}
		}
		return 0
	}
	if count(fa) != 1 || count(fb) != 0 {
		t.Errorf("restarts series: a %d, b %d", count(fa), count(fb))
	}
}
