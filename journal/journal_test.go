package journal

import (
	"path/filepath"
	"testing"
	"time"
)

func TestAppendThenReadReturnsTheEntry(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	j, err := Open(path, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	code := 1
	want := Entry{At: at, Kind: KindChanged, Record: "home.example.com/A", Provider: "cloudflare",
		Old: "192.0.2.1", New: "192.0.2.2", Took: 1500 * time.Millisecond, Verified: true}
	if err := j.Append(want); err != nil {
		t.Fatal(err)
	}
	if err := j.Append(Entry{At: at.Add(time.Second), Kind: KindExited, PID: 42, Code: &code}); err != nil {
		t.Fatal(err)
	}
	res, err := Read(Filter{}, path)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 2 || res.Entries[0] != want || *res.Entries[1].Code != 1 {
		t.Fatalf("read %+v, want %+v then an exit", res.Entries, want)
	}
}
