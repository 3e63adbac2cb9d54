package journal

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// TestDamagedLinesCostNoAllocations: a journal of a million short lines
// that are not JSON (the NULs a power loss leaves, with newlines; text) is
// read with every line counted as skipped and without allocating for
// each, since the dashboard reads the journal at every poll: it was 1.3 GB
// of allocations for 9 MB of such lines. The entry written after them
// still reads.
func TestDamagedLinesCostNoAllocations(t *testing.T) {
	p := filepath.Join(tempDir(t), "j.jsonl")
	content := bytes.Repeat([]byte("\x00\x00\n"), 1<<20)
	content = append(content, bytes.Repeat([]byte("not json\n"), 1<<16)...)
	if err := os.WriteFile(p, content, 0o600); err != nil {
		t.Fatal(err)
	}
	j, err := Open(p, Limits{NoSync: true, MaxBytes: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Append(Entry{At: time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC), Kind: KindChanged, Record: "a.example.com/A", New: "192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := Read(Filter{}, p)
	runtime.ReadMemStats(&after)
	if err != nil || len(res.Entries) != 1 || res.Skipped != 1<<20+1<<16 {
		t.Fatalf("read %d entries, %d skipped (%v); want 1 and %d", len(res.Entries), res.Skipped, err, 1<<20+1<<16)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("reading %d damaged lines allocated %d KB, want under 1 MB", res.Skipped, alloc>>10)
	}
}
