package observe

import (
	"bufio"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// The Prometheus text exposition format (version 0.0.4), written by hand:
// the supervisor serves a few dozen series of three kinds, and a metrics
// library would link protobuf (client_golang) or add global state for
// little gain. What a scraper relies on is kept: one # HELP and # TYPE line
// per family, label values escaped, histograms with cumulative le buckets,
// _sum and _count, and a stable order (families by name, series by label
// values). observe's tests parse the output with Prometheus' own parser.

// Metric kinds, as written on a # TYPE line.
const (
	kindGauge     = "gauge"
	kindCounter   = "counter"
	kindHistogram = "histogram"
)

// registry holds metric families and writes them; every method is safe for
// concurrent use.
type registry struct {
	mu   sync.Mutex // guards every family's series
	fams []*family
	// extra writes families the registry does not hold (the process's own
	// runtime figures), after its own.
	extra func(w io.Writer)
}

// family is one metric name with its help, kind and label names; series
// are keyed by their label values.
type family struct {
	reg     *registry
	name    string
	help    string
	kind    string
	labels  []string
	buckets []float64 // upper bounds, histograms only, ascending, without +Inf
	series  map[string]*series
}

// series is one combination of label values.
type series struct {
	values []string
	value  float64  // gauge or counter
	counts []uint64 // histogram: observations per bucket, the last one +Inf
	sum    float64
	count  uint64
}

// add registers a family. A family without labels has its one series from
// the start (a counter at 0 is a fact worth scraping); a labelled family
// appears once a series is used, as in client_golang.
func (r *registry) add(kind, name, help string, buckets []float64, labels ...string) *family {
	f := &family{reg: r, name: name, help: help, kind: kind, labels: labels, buckets: buckets, series: map[string]*series{}}
	if len(labels) == 0 {
		f.get()
	}
	r.mu.Lock()
	r.fams = append(r.fams, f)
	r.mu.Unlock()
	return f
}

func (r *registry) gauge(name, help string, labels ...string) *family {
	return r.add(kindGauge, name, help, nil, labels...)
}

func (r *registry) counter(name, help string, labels ...string) *family {
	return r.add(kindCounter, name, help, nil, labels...)
}

func (r *registry) histogram(name, help string, buckets []float64, labels ...string) *family {
	return r.add(kindHistogram, name, help, buckets, labels...)
}

// get returns the series for values, creating it; the caller holds the
// registry's lock (or is add, before the family is shared). A call with the
// wrong number of values is a programming error.
func (f *family) get(values ...string) *series {
	if len(values) != len(f.labels) {
		panic("observe: metric " + f.name + " takes " + strconv.Itoa(len(f.labels)) + " label values, got " + strconv.Itoa(len(values)))
	}
	key := strings.Join(values, "\xff")
	s := f.series[key]
	if s == nil {
		s = &series{values: append([]string(nil), values...)}
		if f.kind == kindHistogram {
			s.counts = make([]uint64, len(f.buckets)+1)
		}
		f.series[key] = s
	}
	return s
}

// set sets a gauge.
func (f *family) set(v float64, values ...string) {
	f.reg.mu.Lock()
	f.get(values...).value = v
	f.reg.mu.Unlock()
}

// inc adds one to a counter.
func (f *family) inc(values ...string) {
	f.reg.mu.Lock()
	f.get(values...).value++
	f.reg.mu.Unlock()
}

// observe adds one observation to a histogram.
func (f *family) observe(v float64, values ...string) {
	f.reg.mu.Lock()
	s := f.get(values...)
	i := sort.SearchFloat64s(f.buckets, v) // the first bucket whose bound is >= v
	s.counts[i]++
	s.sum += v
	s.count++
	f.reg.mu.Unlock()
}

// write writes every family that has a series, in the text format.
func (r *registry) write(w io.Writer) error {
	bw := bufio.NewWriter(w)
	r.mu.Lock()
	fams := append([]*family(nil), r.fams...)
	sort.Slice(fams, func(i, j int) bool { return fams[i].name < fams[j].name })
	for _, f := range fams {
		f.write(bw)
	}
	r.mu.Unlock()
	if r.extra != nil {
		r.extra(bw)
	}
	return bw.Flush()
}

func (f *family) write(w *bufio.Writer) {
	if len(f.series) == 0 {
		return
	}
	w.WriteString("# HELP " + f.name + " " + escapeHelp(f.help) + "\n")
	w.WriteString("# TYPE " + f.name + " " + f.kind + "\n")
	all := make([]*series, 0, len(f.series))
	for _, s := range f.series {
		all = append(all, s)
	}
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i].values, all[j].values
		for k := range a {
			if a[k] != b[k] {
				return a[k] < b[k]
			}
		}
		return false
	})
	for _, s := range all {
		if f.kind != kindHistogram {
			writeSample(w, f.name, f.labels, s.values, "", "", s.value)
			continue
		}
		var cum uint64
		for i, c := range s.counts {
			cum += c
			le := math.Inf(1)
			if i < len(f.buckets) {
				le = f.buckets[i]
			}
			writeSample(w, f.name+"_bucket", f.labels, s.values, "le", formatFloat(le), float64(cum))
		}
		writeSample(w, f.name+"_sum", f.labels, s.values, "", "", s.sum)
		writeSample(w, f.name+"_count", f.labels, s.values, "", "", float64(s.count))
	}
}

// writeSample writes one line: name{labels} value, with an optional extra
// label (a histogram's le) after the family's own.
func writeSample(w *bufio.Writer, name string, labels, values []string, extraName, extraValue string, v float64) {
	w.WriteString(name)
	if len(labels) > 0 || extraName != "" {
		w.WriteByte('{')
		for i, l := range labels {
			if i > 0 {
				w.WriteByte(',')
			}
			w.WriteString(l + `="` + escapeLabel(values[i]) + `"`)
		}
		if extraName != "" {
			if len(labels) > 0 {
				w.WriteByte(',')
			}
			w.WriteString(extraName + `="` + escapeLabel(extraValue) + `"`)
		}
		w.WriteByte('}')
	}
	w.WriteByte(' ')
	w.WriteString(formatFloat(v))
	w.WriteByte('\n')
}

// formatFloat writes a sample value as the format wants it: shortest
// decimal form, and +Inf, -Inf, NaN spelt as Prometheus spells them.
func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

var (
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)

// escapeHelp escapes a # HELP text: backslash and line feed.
func escapeHelp(s string) string { return helpEscaper.Replace(s) }

// escapeLabel escapes a label value: backslash, line feed and double quote.
// Label values come from the config (record names, probe targets), so they
// may hold anything.
func escapeLabel(s string) string { return labelEscaper.Replace(s) }

// handler serves the registry.
func (r *registry) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		r.write(w)
	})
}
