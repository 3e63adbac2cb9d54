package ddns

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzLoadState feeds LoadState arbitrary file contents. It must never
// panic; on an error it returns a usable empty state and names the file; on
// success the state is of the current version with a usable map, and saving
// it and loading it back gives the same state.
func FuzzLoadState(f *testing.F) {
	now := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	good := &State{Version: StateVersion, Records: map[string]RecordState{
		RecordKey("home.example.com", "A"): {Address: "192.0.2.1", Provider: "cf", TTL: 300, SyncedAt: now, ChangedAt: now, ResyncedAt: now},
	}}
	b, _ := json.Marshal(good)
	for _, seed := range [][]byte{
		b, []byte(`{"version":1}`), []byte(`{"version":1,"records":null}`), []byte(`{"version":2,"records":{}}`),
		[]byte(`{"version":1,"records":{}} {"version":1}`), []byte(`{"version":1,"records":{"a/A":{"synced_at":"not a time"}}}`),
		[]byte(""), []byte("\x00\xff"), []byte(`{"version":1,"records":{"a/A":{"ttl":1e400}}}`), b[:len(b)/2],
	} {
		f.Add(seed)
	}
	// One folder per fuzzing process: iterations in a process run one at a time.
	path := filepath.Join(f.TempDir(), "state.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		st, err := LoadState(path)
		if st == nil || st.Records == nil {
			t.Fatalf("LoadState returned an unusable state (%v) for %q", err, data)
		}
		if err != nil {
			if len(st.Records) != 0 || st.Version != StateVersion {
				t.Fatalf("error %v but a non-empty state %+v", err, st)
			}
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("the error does not name the file: %v", err)
			}
			return
		}
		if st.Version != StateVersion {
			t.Fatalf("accepted version %d", st.Version)
		}
		if err := st.Save(path); err != nil {
			t.Fatalf("cannot save a state LoadState accepted: %v", err)
		}
		again, err := LoadState(path)
		if err != nil {
			t.Fatalf("a saved state does not load back: %v", err)
		}
		x, _ := json.Marshal(st)
		y, _ := json.Marshal(again)
		if !bytes.Equal(x, y) {
			t.Fatalf("save and load changed the state:\n%s\n%s", x, y)
		}
	})
}
