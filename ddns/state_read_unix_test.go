//go:build unix

package ddns

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ddnsd/ddns/configs"
)

// TestLoadStateRefusesWhatIsNotARegularFile replaces the state file by the
// things a broken disk or another local user could put there. Each is an
// error naming the path and an empty, usable state (the engine then
// rebuilds it from the providers), returned at once: a FIFO used to block
// the updater in open, /dev/zero to grow its memory without end. A symlink
// to a real state file still reads.
func TestLoadStateRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	good := &State{Version: StateVersion, Records: map[string]RecordState{
		RecordKey("home.example.com", "A"): {Address: "192.0.2.1", Provider: "cf"},
	}}
	real := filepath.Join(dir, "real", "state.json")
	if err := good.Save(real); err != nil {
		t.Fatal(err)
	}
	paths := map[string]string{}
	mk := func(name string, f func(string) error) {
		p := filepath.Join(dir, name)
		if err := f(p); err != nil {
			t.Fatal(err)
		}
		paths[name] = p
	}
	mk("fifo", func(p string) error { return syscall.Mkfifo(p, 0o600) })
	mk("dev-zero", func(p string) error { return os.Symlink("/dev/zero", p) })
	mk("folder", func(p string) error { return os.Mkdir(p, 0o700) })
	mk("oversized", func(p string) error {
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		defer f.Close()
		return f.Truncate(MaxStateSize + 1) // sparse: no disk used
	})
	mk("symlink", func(p string) error { return os.Symlink(real, p) })

	tests := []struct {
		kind, want string // want "" = reads the linked state
		is         error
	}{
		{"fifo", "is a named pipe (FIFO), not a regular file", configs.ErrNotRegular},
		{"dev-zero", "is a character device, not a regular file", configs.ErrNotRegular},
		{"folder", "is a folder, not a regular file", configs.ErrNotRegular},
		{"oversized", fmt.Sprintf("is %d bytes, more than the limit of 64 MiB (67108864 bytes)", MaxStateSize+1), configs.ErrTooLarge},
		{"symlink", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.kind, func(t *testing.T) {
			var st *State
			var err error
			done := make(chan struct{})
			go func() {
				defer close(done)
				st, err = LoadState(paths[tc.kind])
			}()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("LoadState did not return: it blocks")
			}
			if st == nil || st.Records == nil {
				t.Fatalf("unusable state %v (error %v)", st, err)
			}
			if tc.want == "" {
				if err != nil || st.Records[RecordKey("home.example.com", "A")].Address != "192.0.2.1" {
					t.Fatalf("state %+v, error %v; want the linked file's", st, err)
				}
				return
			}
			want := "cannot read the state file: " + paths[tc.kind] + " " + tc.want + "; it will be rebuilt from the providers' records"
			if err == nil || err.Error() != want || !errors.Is(err, tc.is) || len(st.Records) != 0 {
				t.Fatalf("state %v, error %v; want an empty state and %q", st.Records, err, want)
			}
		})
	}
}

// TestStateOf10000RecordsIsWellUnderTheLimit saves and loads a state of
// 10,000 records: the size limit leaves room for many times more.
func TestStateOf10000RecordsIsWellUnderTheLimit(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	st := &State{Version: StateVersion, Records: map[string]RecordState{}}
	for i := range 10000 {
		st.Records[RecordKey(fmt.Sprintf("host%d.example.com", i), "AAAA")] = RecordState{
			Address: "2001:db8::1234:5678:9abc", Provider: "home-cloudflare", TTL: 300, SyncedAt: now, ChangedAt: now, ResyncedAt: now}
	}
	path := filepath.Join(t.TempDir(), "state.json")
	if err := st.Save(path); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size()*10 > MaxStateSize {
		t.Errorf("10,000 records take %d bytes, more than a tenth of the %d-byte limit", fi.Size(), MaxStateSize)
	}
	back, err := LoadState(path)
	if err != nil || len(back.Records) != 10000 {
		t.Fatalf("%d records back, error %v", len(back.Records), err)
	}
}
