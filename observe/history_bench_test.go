package observe

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ddnsd/ddns/clock"
	"github.com/ddnsd/ddns/journal"
)

// yearJournal writes a journal of one address change an hour for a year
// (8,760 entries) with the journal's own writer, the newest an hour ago.
func yearJournal(b *testing.B) (path string, now time.Time) {
	b.Helper()
	path = filepath.Join(b.TempDir(), "state.json.journal.jsonl")
	j, err := journal.Open(path, journal.Limits{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	now = time.Now()
	const n = 365 * 24
	for i := 0; i < n; i++ {
		at := now.Add(-time.Duration(n-i) * time.Hour)
		e := journal.Entry{At: at, Kind: journal.KindChanged, Record: "home.example.com/AAAA", Provider: "cloudflare",
			Old: "2001:db8:1234:5678::" + strconv.FormatInt(int64(i), 16), New: "2001:db8:1234:5678::" + strconv.FormatInt(int64(i+1), 16), Took: 180 * time.Millisecond, Verified: true}
		if err := j.Append(e); err != nil {
			b.Fatal(err)
		}
	}
	res, err := journal.Read(journal.Filter{}, path)
	if err != nil || len(res.Entries) != n {
		b.Fatalf("the journal holds %d entries (%v), want %d: the bound is too small for a year", len(res.Entries), err, n)
	}
	return path, now
}

// BenchmarkDashboardLoadYearJournal serves what the dashboard asks for when
// it opens (the shell's three files, /status and /history for the last 7
// days) and, apart, the whole year of /history, from a journal of one
// change an hour for a year, over real loopback connections. One op is one
// page load (or one whole-year reply).
func BenchmarkDashboardLoadYearJournal(b *testing.B) {
	path, now := yearJournal(b)
	f := &fakeSupervisor{st: healthyStatus(now), now: now}
	s, err := Listen(Options{Listen: "127.0.0.1:0", Status: f.Status, Clock: clock.System(),
		History: func(fl journal.Filter) (journal.Result, error) { return journal.Read(fl, path) }})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	go s.Serve(b.Context())
	base := "http://" + s.Addr().String()
	c := &http.Client{Timeout: 10 * time.Second}
	fetch := func(path string) int {
		resp, err := c.Get(base + path)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("%s: %d", path, resp.StatusCode)
		}
		return int(n)
	}
	since := "/history?since=" + now.Add(-7*24*time.Hour).UTC().Format(time.RFC3339)
	var size int64
	for _, p := range []string{path, journal.PreviousPath(path)} {
		if fi, err := os.Stat(p); err == nil {
			size += fi.Size()
		}
	}
	b.Run("page", func(b *testing.B) {
		bytes := 0
		for b.Loop() {
			bytes = 0
			for _, p := range []string{"/", "/dash.css", "/dash.js", "/status", since} {
				bytes += fetch(p)
			}
		}
		b.ReportMetric(float64(bytes), "bytes/load")
		b.ReportMetric(float64(size), "journal-bytes")
	})
	b.Run("history-year", func(b *testing.B) {
		bytes := 0
		for b.Loop() {
			bytes = fetch("/history")
		}
		b.ReportMetric(float64(bytes), "bytes/reply")
	})
}
