package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"time"
)

// Result is one row of the table and one entry of results.json.
type Result struct {
	Section string  `json:"section"`
	Name    string  `json:"name"`
	Unit    string  `json:"unit"`
	N       int     `json:"n"`
	Median  float64 `json:"median"`
	P95     float64 `json:"p95"`
	// Target is the goal from the issues, for a person ("median < 5 ms").
	Target string `json:"target,omitempty"`
	// Met says whether the measured figure meets Target (absent: no target).
	Met *bool `json:"met,omitempty"`
	// Peer is the same measurement of supervisord, taken in the same run.
	Peer *Peer `json:"peer,omitempty"`
	// Before is the same row's median in bench/baseline.json: the figures
	// taken before the rebuild of issue 11, kept side by side.
	Before *float64 `json:"before,omitempty"`
	// Extra holds figures a Go benchmark reports itself (p99, bytes/s...).
	Extra   map[string]float64 `json:"extra,omitempty"`
	Note    string             `json:"note,omitempty"`
	Skipped string             `json:"skipped,omitempty"`
	Samples []float64          `json:"samples,omitempty"`
}

// Peer is supervisord's figure for the same row. Ratio is the peer's median
// over ours: above 1 means ours is lower (every row here is lower-is-better).
type Peer struct {
	Name    string    `json:"name"`
	N       int       `json:"n"`
	Median  float64   `json:"median"`
	P95     float64   `json:"p95"`
	Ratio   float64   `json:"ratio"`
	Samples []float64 `json:"samples,omitempty"`
}

// target is a goal: the figure named by stat must stay under limit.
type target struct {
	stat  string // "median", "p95" or a key of Extra
	limit float64
}

// fill sets Median, P95 and N from samples and checks t.
func (r *Result) fill(samples []float64, t *target) {
	for i, v := range samples {
		samples[i] = round(v)
	}
	r.Samples = samples
	r.N = len(samples)
	r.Median, r.P95 = median(samples), quantile(samples, 0.95)
	r.check(t)
}

// check evaluates t against the figures already filled in.
func (r *Result) check(t *target) {
	if t == nil {
		return
	}
	v := r.Median
	switch t.stat {
	case "median":
	case "p95":
		v = r.P95
	default:
		v = r.Extra[t.stat]
	}
	met := v < t.limit
	r.Met = &met
	r.Target = fmt.Sprintf("%s < %s %s", t.stat, num(t.limit), r.Unit)
}

// setPeer records supervisord's samples beside ours.
func (r *Result) setPeer(name string, samples []float64) {
	for i, v := range samples {
		samples[i] = round(v)
	}
	p := &Peer{Name: name, N: len(samples), Median: median(samples), P95: quantile(samples, 0.95), Samples: samples}
	if r.Median > 0 {
		p.Ratio = round(p.Median / r.Median)
	}
	r.Peer = p
}

// round keeps about five significant digits, so results.json stays readable.
func round(v float64) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	scale := math.Pow(10, 4-math.Floor(math.Log10(math.Abs(v))))
	return math.Round(v*scale) / scale
}

func median(xs []float64) float64 { return quantile(xs, 0.5) }

// quantile is the nearest-rank quantile: the smallest sample with at least
// q of the samples at or below it. With few samples the p95 is the largest.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// num prints a figure with about three significant digits.
func num(v float64) string {
	switch a := math.Abs(v); {
	case math.IsNaN(v):
		return "-"
	case a == 0:
		return "0"
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3g", v)
	}
}

// table renders results for a person: one row per measurement, grouped by
// section, with the target and supervisord's figure where there is one.
func table(rs []Result) string {
	head := []string{"measurement", "n", "median", "p95", "unit", "target", "before", "peer median", "peer p95", "peer÷ours"}
	rows := [][]string{head}
	section := ""
	for _, r := range rs {
		if r.Section != section {
			section = r.Section
			rows = append(rows, []string{"[" + section + "]"})
		}
		if r.Skipped != "" {
			rows = append(rows, []string{"  " + r.Name, "-", "skipped: " + r.Skipped})
			continue
		}
		tgt := r.Target
		if r.Met != nil {
			if *r.Met {
				tgt += "  ok"
			} else {
				tgt += "  MISSED"
			}
		}
		row := []string{"  " + r.Name, fmt.Sprint(r.N), num(r.Median), num(r.P95), r.Unit, tgt, "", "", "", ""}
		if r.Before != nil {
			row[6] = num(*r.Before)
		}
		if p := r.Peer; p != nil {
			row[7], row[8], row[9] = num(p.Median), num(p.P95), "-"
			if p.Ratio > 0 {
				row[9] = num(p.Ratio) + "×"
			}
		}
		rows = append(rows, row)
		if r.Note != "" {
			rows = append(rows, []string{"      " + r.Note})
		}
	}
	width := make([]int, len(head))
	for _, row := range rows {
		if len(row) < len(head) {
			continue // section and note lines run across the columns
		}
		for i, c := range row {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		if len(row) < len(head) {
			b.WriteString(strings.Join(row, "  "))
			b.WriteByte('\n')
			continue
		}
		for i, c := range row {
			pad := width[i] - len([]rune(c))
			if i >= 1 && i <= 3 || i >= 6 { // numbers align right
				b.WriteString(strings.Repeat(" ", pad) + c)
			} else {
				b.WriteString(c + strings.Repeat(" ", pad))
			}
			if i < len(row)-1 {
				b.WriteString("  ")
			}
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), " ") + "\n"
}

// addBaseline sets Before on every row that the baseline file (an earlier
// results.json) also holds, matched by section and name. A missing or
// unreadable baseline leaves the column empty.
func addBaseline(rs []Result, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		return
	}
	var doc struct {
		Results []Result `json:"results"`
	}
	if json.Unmarshal(data, &doc) != nil {
		return
	}
	old := map[string]float64{}
	for _, r := range doc.Results {
		if r.Skipped == "" {
			old[r.Section+"\x00"+r.Name] = r.Median
		}
	}
	for i := range rs {
		if v, ok := old[rs[i].Section+"\x00"+rs[i].Name]; ok {
			rs[i].Before = &v
		}
	}
}
