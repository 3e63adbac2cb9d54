package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)

func open(t testing.TB, path string, l Limits) *Journal {
	t.Helper()
	j, err := Open(path, l)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func appendAll(t *testing.T, j *Journal, es ...Entry) {
	t.Helper()
	for _, e := range es {
		if err := j.Append(e); err != nil {
			t.Fatal(err)
		}
	}
}

func read(t *testing.T, f Filter, paths ...string) Result {
	t.Helper()
	res, err := Read(f, paths...)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// changeAt is a change entry i minutes after t0, its New address telling
// entries apart.
func changeAt(i int) Entry {
	return Entry{At: t0.Add(time.Duration(i) * time.Minute), Kind: KindChanged, Record: "home.example.com/A",
		Provider: "cloudflare", Old: "192.0.2.1", New: fmt.Sprintf("198.51.100.%d", i%250), Took: time.Second, Verified: true}
}

func TestAppendThenReadReturnsTheEntry(t *testing.T) {
	path := filepath.Join(tempDir(t), "j.jsonl")
	j := open(t, path, Limits{})
	code := 1
	want := changeAt(0)
	appendAll(t, j, want, Entry{At: t0.Add(time.Second), Kind: KindExited, PID: 42, Code: &code})
	res := read(t, Filter{}, path)
	if len(res.Entries) != 2 || res.Entries[0] != want || *res.Entries[1].Code != 1 || res.Skipped+res.Torn != 0 {
		t.Fatalf("read %+v, want %+v then an exit", res, want)
	}
}

func TestMissingJournalReadsEmpty(t *testing.T) {
	res := read(t, Filter{}, filepath.Join(tempDir(t), "none.jsonl"))
	if len(res.Entries) != 0 {
		t.Fatalf("read %+v", res)
	}
}

func TestNilJournalAppendsNothing(t *testing.T) {
	var j *Journal
	if err := j.Append(changeAt(0)); err != nil || j.Path() != "" {
		t.Fatalf("nil journal: %v, %q", err, j.Path())
	}
}

func TestAppendRefusesAnEntryWithoutTimeOrKind(t *testing.T) {
	j := open(t, filepath.Join(tempDir(t), "j.jsonl"), Limits{})
	for _, e := range []Entry{{Kind: KindChanged}, {At: t0}} {
		if err := j.Append(e); err == nil {
			t.Errorf("Append(%+v) = nil, want an error", e)
		}
	}
}

// TestRotationKeepsBothGenerationsWithinTheBound writes ten times the
// bound and checks the two files stay within it, that the newest half of
// the bound is always kept, and that reading returns a contiguous run of
// the newest entries in order.
func TestRotationKeepsBothGenerationsWithinTheBound(t *testing.T) {
	path := filepath.Join(tempDir(t), "j.jsonl")
	const bound = 64 << 10
	j := open(t, path, Limits{MaxBytes: bound, NoSync: true})
	line, _ := encode(changeAt(0))
	n := 10 * bound / len(line)
	for i := range n {
		appendAll(t, j, changeAt(i))
		if total := size(t, path) + size(t, PreviousPath(path)); total > bound {
			t.Fatalf("after %d entries the journal takes %d bytes, over its bound of %d", i+1, total, bound)
		}
	}
	if size(t, PreviousPath(path)) == 0 {
		t.Fatal("no previous generation after ten times the bound")
	}
	// Each generation is lines and nothing else: no blank line, at its
	// start or between entries.
	for _, p := range []string{path, PreviousPath(path)} {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if raw[0] != '{' || bytes.Contains(raw, []byte("\n\n")) {
			t.Fatalf("%s holds blank lines: starts %q", p, raw[:min(len(raw), 40)])
		}
	}
	res := read(t, Filter{}, path)
	if kept := len(res.Entries) * len(line); kept < bound/2-len(line) {
		t.Fatalf("kept %d entries (%d bytes), less than half the bound", len(res.Entries), kept)
	}
	for i, e := range res.Entries {
		if want := changeAt(n - len(res.Entries) + i); e != want {
			t.Fatalf("entry %d is %+v, want %+v (entries lost or out of order)", i, e, want)
		}
	}
}

func size(t *testing.T, path string) int {
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return int(fi.Size())
}

func TestOpenRaisesATinyBound(t *testing.T) {
	j := open(t, filepath.Join(tempDir(t), "j.jsonl"), Limits{MaxBytes: 10})
	if j.limits.MaxBytes != MinMaxBytes {
		t.Fatalf("bound %d, want %d", j.limits.MaxBytes, MinMaxBytes)
	}
}

// TestReadDamagedJournals: the damage a crash, a power loss or a stray
// write leaves, and what Read makes of it.
func TestReadDamagedJournals(t *testing.T) {
	good := func(i int) string { b, _ := encode(changeAt(i)); return string(b) }
	long := `{"at":"2026-12-02T03:00:00Z","kind":"changed","detail":"` + strings.Repeat("x", MaxLine) + "\"}\n"
	for _, tc := range []struct {
		name          string
		content       string
		want          []int // changeAt indexes read
		skipped, torn int
	}{
		{"torn last line", good(0) + good(1) + good(2)[:40], []int{0, 1}, 0, 1},
		{"last line missing only its newline", good(0) + strings.TrimSuffix(good(1), "\n"), []int{0, 1}, 0, 0},
		{"corrupt middle line", good(0) + "{\"at\":garbage\n" + good(2), []int{0, 2}, 1, 0},
		{"torn line followed by later ones", good(0) + good(1)[:30] + "\n" + good(2), []int{0, 2}, 1, 0},
		{"zeros of a power loss at the end", good(0) + strings.Repeat("\x00", 300), []int{0}, 0, 1},
		{"zeros then a later line", good(0) + strings.Repeat("\x00", 300) + "\n" + good(2), []int{0, 2}, 1, 0},
		{"a line longer than MaxLine", good(0) + long + good(2), []int{0, 2}, 1, 0},
		{"valid JSON that is not an entry", good(0) + "{\"kind\":\"changed\"}\n[1,2]\n" + good(2), []int{0, 2}, 2, 0},
		{"blank lines", "\n" + good(0) + "\n\n" + good(1), []int{0, 1}, 0, 0},
		{"a line of exactly MaxLine bytes", good(0) + exactly(MaxLine, 1) + good(2), []int{0, 1, 2}, 0, 0},
		{"a line of MaxLine bytes and one", good(0) + exactly(MaxLine+1, 1) + good(2), []int{0, 2}, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(tempDir(t), "j.jsonl")
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			res := read(t, Filter{}, path)
			var got []int
			for _, e := range res.Entries {
				var i int
				fmt.Sscanf(e.New, "198.51.100.%d", &i)
				got = append(got, i)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) || res.Skipped != tc.skipped || res.Torn != tc.torn {
				t.Fatalf("read entries %v, skipped %d, torn %d; want %v, %d, %d", got, res.Skipped, res.Torn, tc.want, tc.skipped, tc.torn)
			}
		})
	}
}

// exactly is entry i as a line of n bytes, newline included, its detail
// padded to the length.
func exactly(n, i int) string {
	e := changeAt(i)
	b, _ := json.Marshal(e)
	e.Detail = strings.Repeat("p", n-len(b)-len(`,"detail":""`)-1)
	b, _ = json.Marshal(e)
	return string(b) + "\n"
}

// TestAppendAfterATornLineKeepsTheNewEntry: the next line starts on a line
// of its own, so the torn one costs only itself.
func TestAppendAfterATornLineKeepsTheNewEntry(t *testing.T) {
	path := filepath.Join(tempDir(t), "j.jsonl")
	j := open(t, path, Limits{})
	appendAll(t, j, changeAt(0))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"at":"2026-12-02T03:01:00Z","kind":"cha`)
	f.Close()
	appendAll(t, j, changeAt(2))
	res := read(t, Filter{}, path)
	if len(res.Entries) != 2 || res.Entries[1] != changeAt(2) || res.Skipped != 1 {
		t.Fatalf("read %+v; want entries 0 and 2 and the torn line skipped", res)
	}
}

func TestReadMergesJournalsAndGenerationsInTimeOrder(t *testing.T) {
	dir := tempDir(t)
	sup, upd := filepath.Join(dir, "sup.jsonl"), filepath.Join(dir, "upd.jsonl")
	js, ju := open(t, sup, Limits{}), open(t, upd, Limits{})
	appendAll(t, ju, changeAt(1), changeAt(4))
	appendAll(t, js, Entry{At: changeAt(2).At, Kind: KindRestarted}, Entry{At: changeAt(5).At, Kind: KindNetworkDown})
	// An older generation of the updater's.
	old, _ := encode(changeAt(0))
	if err := os.WriteFile(PreviousPath(upd), old, 0o600); err != nil {
		t.Fatal(err)
	}
	// A line written when the clock was behind still lands in its place.
	appendAll(t, ju, changeAt(3))
	res := read(t, Filter{}, sup, upd)
	var got []string
	for _, e := range res.Entries {
		got = append(got, e.At.Format("04")+" "+e.Kind)
	}
	want := "[00 changed 01 changed 02 restarted 03 changed 04 changed 05 network_down]"
	if fmt.Sprint(got) != want {
		t.Fatalf("merged %v, want %s", got, want)
	}
}

func TestReadFilters(t *testing.T) {
	path := filepath.Join(tempDir(t), "j.jsonl")
	j := open(t, path, Limits{})
	appendAll(t, j,
		Entry{At: t0, Kind: KindChanged, Record: "home.example.com/A"},
		Entry{At: t0.Add(1 * time.Hour), Kind: KindFailed, Record: "home.example.com/AAAA"},
		Entry{At: t0.Add(2 * time.Hour), Kind: KindRestarted},
		Entry{At: t0.Add(3 * time.Hour), Kind: KindChanged, Record: "other.example.com/A"},
		Entry{At: t0.Add(4 * time.Hour), Kind: KindChanged, Record: "home.example.com/AAAA"},
	)
	for _, tc := range []struct {
		name      string
		f         Filter
		want      string // hours of the entries read
		truncated bool
	}{
		{"all", Filter{}, "[0 1 2 3 4]", false},
		{"since", Filter{Since: t0.Add(90 * time.Minute)}, "[2 3 4]", false},
		{"since an entry's own time", Filter{Since: t0.Add(3 * time.Hour)}, "[3 4]", false},
		{"record by name", Filter{Record: "home.example.com"}, "[0 1 2 4]", false},
		{"record with type, case and dot", Filter{Record: "Home.Example.COM./aaaa"}, "[1 2 4]", false},
		{"kinds", Filter{Kinds: []string{KindFailed, KindRestarted}}, "[1 2]", false},
		{"max keeps the newest", Filter{Max: 2}, "[3 4]", true},
		{"max of exactly all", Filter{Max: 5}, "[0 1 2 3 4]", false},
		{"all together", Filter{Since: t0.Add(time.Hour), Record: "home.example.com/AAAA", Kinds: []string{KindChanged}}, "[4]", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := read(t, tc.f, path)
			var got []int
			for _, e := range res.Entries {
				got = append(got, int(e.At.Sub(t0)/time.Hour))
			}
			if fmt.Sprint(got) != tc.want || res.Truncated != tc.truncated {
				t.Fatalf("read %v (truncated %v), want %s (truncated %v)", got, res.Truncated, tc.want, tc.truncated)
			}
		})
	}
}

func TestMatchRecord(t *testing.T) {
	for _, tc := range []struct {
		key, want string
		match     bool
	}{
		{"home.example.com/A", "home.example.com", true},
		{"home.example.com/A", "home.example.com/A", true},
		{"home.example.com/A", "HOME.example.com./a", true},
		{"home.example.com/A", "home.example.com/AAAA", false},
		{"home.example.com/A", "example.com", false},
		{"home.example.com/A", "", true},
	} {
		if got := MatchRecord(tc.key, tc.want); got != tc.match {
			t.Errorf("MatchRecord(%q, %q) = %v, want %v", tc.key, tc.want, got, tc.match)
		}
	}
}

// TestAppendBoundsEachLine: texts are cut and cleaned so that a line never
// passes MaxLine and never holds a control character, however hostile an
// error message is.
func TestAppendBoundsEachLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  string
	}{
		{"long", strings.Repeat("a", 10*MaxLine)},
		{"escapes", strings.Repeat("\"<>&\\", 2*MaxLine)},
		{"control characters", "line one\nline two\x1b[31m red\r\u2028 forged"},
		{"invalid UTF-8", "bad \xff\xfe bytes " + strings.Repeat("é", MaxLine)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(tempDir(t), "j.jsonl")
			j := open(t, path, Limits{})
			appendAll(t, j, Entry{At: t0, Kind: KindFailed, Error: tc.err, Detail: tc.err})
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(raw) > MaxLine || bytes.Count(raw, []byte("\n")) != 1 {
				t.Fatalf("the line is %d bytes with %d newlines", len(raw), bytes.Count(raw, []byte("\n")))
			}
			res := read(t, Filter{}, path)
			if len(res.Entries) != 1 {
				t.Fatalf("read %+v", res)
			}
			e := res.Entries[0].Error
			if len(e) > MaxText || strings.ContainsAny(e, "\n\r\x1b\u2028") {
				t.Fatalf("error kept as %q (%d bytes)", e, len(e))
			}
		})
	}
}

func TestCleanKeepsShortTextsAndCutsOnCharacters(t *testing.T) {
	for _, tc := range []struct {
		in    string
		limit int
		want  string
	}{
		{"plain text", 64, "plain text"},
		{"  spaced \t out\n", 64, "spaced out"},
		{"abcdefghij", 8, "abcde…"},
		{"ééééé", 8, "éé…"},
		{"a\x00b", 64, "a?b"},
		{"abc", 2, ""},
	} {
		if got := clean(tc.in, tc.limit); got != tc.want {
			t.Errorf("clean(%q, %d) = %q, want %q", tc.in, tc.limit, got, tc.want)
		}
	}
}

// TestReadOfAnOversizedFileReadsItsTail: a file grown past MaxReadBytes
// (not by a writer of this package) is read from its end, the start
// ignored and the result marked truncated.
func TestReadOfAnOversizedFileReadsItsTail(t *testing.T) {
	defer func(n int64) { maxReadBytes = n }(maxReadBytes)
	maxReadBytes = 1 << 20
	path := filepath.Join(tempDir(t), "j.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	line, _ := encode(changeAt(0))
	buf := bytes.Repeat(line, 1000)
	for written := 0; written < 3*int(maxReadBytes); written += len(buf) {
		f.Write(buf)
	}
	last, _ := encode(changeAt(7))
	f.Write(last)
	f.Close()
	// A file of exactly the limit is read whole.
	maxReadBytes = int64(size(t, path))
	if res := read(t, Filter{}, path); res.Truncated || res.Skipped != 0 {
		t.Fatalf("a file of exactly the read limit: truncated %v, skipped %d", res.Truncated, res.Skipped)
	}
	maxReadBytes = 1 << 20
	res := read(t, Filter{}, path)
	if !res.Truncated || res.Skipped != 0 || len(res.Entries) == 0 || res.Entries[len(res.Entries)-1] != changeAt(7) {
		t.Fatalf("read %d entries, truncated %v, skipped %d", len(res.Entries), res.Truncated, res.Skipped)
	}
	if max := int(maxReadBytes)/len(line) + 1; len(res.Entries) > max {
		t.Fatalf("read %d entries from a tail of %d bytes, more than the %d it holds", len(res.Entries), maxReadBytes, max)
	}
}

// TestFailedRotationKeepsTheEntry: when the previous generation cannot be
// replaced (here a folder is in its way), lines still go to the file until
// it reaches the whole bound, and each Append says the rotation failed.
func TestFailedRotationKeepsTheEntry(t *testing.T) {
	path := filepath.Join(tempDir(t), "j.jsonl")
	if err := os.MkdirAll(filepath.Join(PreviousPath(path), "in-the-way"), 0o700); err != nil {
		t.Fatal(err)
	}
	const bound = MinMaxBytes
	j := open(t, path, Limits{MaxBytes: bound, NoSync: true})
	line, _ := encode(changeAt(0))
	fits := bound / len(line) // lines the file takes before the whole bound
	for i := range fits + 5 {
		err := j.Append(changeAt(i))
		switch {
		case (i+1)*len(line) <= bound/2 && err != nil:
			t.Fatalf("entry %d, within half the bound: %v", i, err)
		case (i+1)*len(line) > bound/2 && err == nil:
			t.Fatalf("entry %d, past half the bound: no rotation error", i)
		}
	}
	if size(t, path) > bound {
		t.Fatalf("the file takes %d bytes, over the bound of %d", size(t, path), bound)
	}
	res, err := Read(Filter{}, path)
	if !errors.Is(err, ErrRefused) {
		t.Errorf("the folder at the previous generation: %v, want ErrRefused", err)
	}
	if len(res.Entries) != fits {
		t.Fatalf("%d entries read, want the %d that fit the whole bound", len(res.Entries), fits)
	}
}

// TestReadBoundsEntriesAcrossFiles: however many entries the files hold,
// Read keeps the newest Max across all of them.
func TestReadBoundsEntriesAcrossFiles(t *testing.T) {
	dir := tempDir(t)
	a, b := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")
	ja, jb := open(t, a, Limits{NoSync: true}), open(t, b, Limits{NoSync: true})
	for i := 0; i < 200; i += 2 {
		appendAll(t, ja, changeAt(i))
		appendAll(t, jb, changeAt(i+1))
	}
	res := read(t, Filter{Max: 15}, a, b)
	if len(res.Entries) != 15 || !res.Truncated {
		t.Fatalf("read %d entries, truncated %v; want the newest 15", len(res.Entries), res.Truncated)
	}
	for k, e := range res.Entries {
		if e != changeAt(185+k) {
			t.Fatalf("entry %d is %+v, want %+v", k, e, changeAt(185+k))
		}
	}
}

// TestAddThenFlush: Add writes the line at once (it reads back before any
// flush) and leaves it to Flush, the next Append or a rotation to put on
// disk.
func TestAddThenFlush(t *testing.T) {
	path := filepath.Join(tempDir(t), "j.jsonl")
	j := open(t, path, Limits{MaxBytes: MinMaxBytes})
	if err := j.Add(changeAt(0)); err != nil {
		t.Fatal(err)
	}
	if res := read(t, Filter{}, path); len(res.Entries) != 1 || !j.unflushed {
		t.Fatalf("after Add: %d entries read, unflushed %v", len(res.Entries), j.unflushed)
	}
	if err := j.Flush(); err != nil || j.unflushed {
		t.Fatalf("Flush: %v, unflushed %v", err, j.unflushed)
	}
	if err := j.Flush(); err != nil {
		t.Fatalf("a second Flush: %v", err)
	}
	j.Add(changeAt(1))
	if err := j.Append(changeAt(2)); err != nil || j.unflushed {
		t.Fatalf("Append after Add: %v, unflushed %v", err, j.unflushed)
	}
	var nilJ *Journal
	if err := nilJ.Add(changeAt(0)); err != nil || nilJ.Flush() != nil {
		t.Fatal("a nil journal's Add or Flush failed")
	}
}

// BenchmarkAppend and BenchmarkAdd: a line with its fsync, and without
// (what a pass that changes many records pays per record).
func BenchmarkAppend(b *testing.B) {
	j := open(b, filepath.Join(tempDir(b), "j.jsonl"), Limits{})
	for i := 0; b.Loop(); i++ {
		j.Append(changeAt(i))
	}
}

func BenchmarkAdd(b *testing.B) {
	j := open(b, filepath.Join(tempDir(b), "j.jsonl"), Limits{})
	for i := 0; b.Loop(); i++ {
		j.Add(changeAt(i))
	}
	j.Flush()
}
