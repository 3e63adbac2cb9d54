package journal

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/ddnsd/ddns/clock/clocktest"
)

// The entries a year of the updater's life writes, as the engine writes
// them: an AAAA record changing every hour (long addresses, a provider,
// the write's time, verified), and once a day a failed attempt with an
// error of the length providers' refusals have.
const (
	yearChanges  = 365 * 24
	yearFailures = 365
)

var yearError = "cloudflare: PATCH /zones/023e105f4ecef8ad9ca31a8372d0c353/dns_records/372e67954025e0ba6aaa6d586b9e0b59: HTTP 400: " +
	"code 9005: Content for AAAA record is invalid (the provider refused the record; it keeps its address)"

// writeYear writes years of entries to a journal at path with the given
// bound, the time coming from a fake clock advanced an hour at a time.
func writeYear(t testing.TB, path string, years int, bound int64) {
	t.Helper()
	j, err := Open(path, Limits{MaxBytes: bound, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	clk := clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	for i := range years * yearChanges {
		clk.Advance(time.Hour)
		e := Entry{At: clk.Now(), Kind: KindChanged, Record: "home.example.com/AAAA", Provider: "cloudflare",
			Old: fmt.Sprintf("2001:db8:4a1f:7c00:%x:%x:fe12:3456", i, i+1), New: fmt.Sprintf("2001:db8:4a1f:7c00:%x:%x:fe12:3456", i+1, i+2),
			Took: 1234567890, Verified: true}
		if err := j.Append(e); err != nil {
			t.Fatal(err)
		}
		if i%24 == 12 {
			f := Entry{At: clk.Now().Add(time.Minute), Kind: KindFailed, Record: "home.example.com/AAAA", Provider: "cloudflare",
				Old: e.New, New: "2001:db8:4a1f:7c00:ffff:ffff:fe12:3456", Took: 30 * time.Second, Error: yearError}
			if err := j.Append(f); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func journalSize(t testing.TB, path string) int64 {
	var n int64
	for _, p := range []string{path, PreviousPath(path)} {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// TestAYearOfHourlyChangesFitsTheDefaultBound: a year of one change an hour
// and a failure a day is kept whole within DefaultMaxBytes, and reading it
// all keeps about its own size in memory.
func TestAYearOfHourlyChangesFitsTheDefaultBound(t *testing.T) {
	path := filepath.Join(tempDir(t), "j.jsonl")
	writeYear(t, path, 1, 0)
	size := journalSize(t, path)
	if size > DefaultMaxBytes {
		t.Fatalf("a year takes %d bytes, over the default bound of %d", size, DefaultMaxBytes)
	}
	// The whole year fits in the half that a rotation always keeps.
	if size > DefaultMaxBytes/2 {
		t.Fatalf("a year takes %d bytes, more than the %d a rotation keeps: the default bound does not hold a year", size, DefaultMaxBytes/2)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := Read(Filter{}, path)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if n := len(res.Entries); n != yearChanges+yearFailures || res.Skipped+res.Torn != 0 || res.Truncated {
		t.Fatalf("read %d entries (skipped %d, torn %d, truncated %v), want %d", n, res.Skipped, res.Torn, res.Truncated, yearChanges+yearFailures)
	}
	live := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	if live > 2*size {
		t.Errorf("the %d entries keep %d bytes of heap, more than twice the files' %d", len(res.Entries), live, size)
	}
	t.Logf("a year: %d entries, %d bytes on disk (%d per entry), %d bytes of heap once read, %d allocated while reading",
		len(res.Entries), size, size/int64(len(res.Entries)), live, after.TotalAlloc-before.TotalAlloc)
	runtime.KeepAlive(res)
}

// TestFiveYearsStayWithinTheBound: past the bound the oldest entries go,
// the files never pass it, and the newest year is still there.
func TestFiveYearsStayWithinTheBound(t *testing.T) {
	path := filepath.Join(tempDir(t), "j.jsonl")
	writeYear(t, path, 5, 0)
	if size := journalSize(t, path); size > DefaultMaxBytes {
		t.Fatalf("five years take %d bytes, over the bound of %d", size, DefaultMaxBytes)
	}
	res, err := Read(Filter{}, path)
	if err != nil {
		t.Fatal(err)
	}
	newest := res.Entries[len(res.Entries)-1].At
	if span := newest.Sub(res.Entries[0].At); span < 365*24*time.Hour {
		t.Fatalf("after five years the journal spans %s, less than a year", span)
	}
	if n := len(res.Entries); n >= 5*(yearChanges+yearFailures) {
		t.Fatalf("%d entries kept of five years: nothing was rotated away", n)
	}
}

// BenchmarkReadAYear reads a year of hourly changes (9,125 entries, both
// generations) as the dashboard does on each load: its figure is the
// page's journal cost, which must stay well under 200 ms.
func BenchmarkReadAYear(b *testing.B) {
	path := filepath.Join(tempDir(b), "j.jsonl")
	writeYear(b, path, 1, 0)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := Read(Filter{}, path)
		if err != nil || len(res.Entries) != yearChanges+yearFailures {
			b.Fatalf("read %d entries: %v", len(res.Entries), err)
		}
	}
}

// BenchmarkReadAWeekOfAYear reads the last 7 days of a year's journal,
// what the dashboard's timeline asks: lines before Since are not decoded.
func BenchmarkReadAWeekOfAYear(b *testing.B) {
	path := filepath.Join(tempDir(b), "j.jsonl")
	writeYear(b, path, 1, 0)
	res, _ := Read(Filter{}, path)
	since := res.Entries[len(res.Entries)-1].At.Add(-7 * 24 * time.Hour)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := Read(Filter{Since: since}, path)
		if err != nil || len(res.Entries) < 7*24 {
			b.Fatalf("read %d entries: %v", len(res.Entries), err)
		}
	}
}
