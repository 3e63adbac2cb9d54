//go:build unix

package ddns

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ddnsd/ddns/netprobe"
	"github.com/fsnotify/fsnotify"

	"github.com/ddnsd/ddns/testsupport/linebuf"
)

// killHelperEnv makes the test binary act as an updater that rewrites a big
// state file over and over (TestKillHelper).
const killHelperEnv = "DDNS_TEST_KILL_HELPER"

const killRecords = 10_000

// rounds is how many times the helper is killed; each round costs a pass
// over killRecords records (about 5 s under -race).
const rounds = 3

// TestKillHelper is the child of TestKillDuringStateWrite: an engine with
// 10,000 records whose address changes every pass, so every pass rewrites
// the state file. It runs until it is killed.
func TestKillHelper(t *testing.T) {
	path := os.Getenv(killHelperEnv)
	if path == "" {
		t.Skip("helper process for TestKillDuringStateWrite")
	}
	recs := make([]string, killRecords)
	for i := range recs {
		recs[i] = fmt.Sprintf("h%d example.com A acct", i)
	}
	cfg := testConfig(t, "", recs...)
	cfg.Updater.Concurrency = 64
	src := &fakeSource{}
	prov := newFakeProvider()
	eng, err := New(cfg, Options{Registry: fakeRegistry(map[string]*fakeProvider{"acct": prov}), StatePath: path,
		Sources: map[netprobe.Family][]netprobe.Source{netprobe.IPv4: {src}}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; ; i++ {
		src.set(netip.AddrFrom4([4]byte{11, 0, byte(i >> 8), byte(i)}).String())
		res := eng.Pass(context.Background())
		if res.Err() != nil {
			t.Fatal(res.Err())
		}
		fmt.Printf("pass %d wrote %s\n", i, src.addr)
	}
}

// TestKillDuringStateWrite kills an updater with SIGKILL while it writes its
// state file, several times, and checks that the file is always a complete
// JSON document of the old or the new pass, never a torn one.
func TestKillDuringStateWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	w, err := fsnotify.NewWatcher()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Add(dir); err != nil {
		t.Fatal(err)
	}
	midWrite := 0
	for round := range rounds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillHelper$", "-test.count=1")
		cmd.Env = append(os.Environ(), killHelperEnv+"="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var lines linebuf.Buffer
		go lines.Feed(out)
		// The first round waits for one complete pass, so there is an old
		// file; then every round kills at the moment a temporary state file
		// appears: the write is under way.
		if round == 0 {
			waitPass(t, cmd, &lines)
		}
		drainEvents(w)
		deadline := time.After(60 * time.Second)
	wait:
		for {
			select {
			case ev := <-w.Events:
				if ev.Has(fsnotify.Create) && strings.HasSuffix(ev.Name, tempSuffix) {
					break wait
				}
			case err := <-w.Errors:
				t.Fatal(err)
			case <-deadline:
				cmd.Process.Kill()
				t.Fatalf("round %d: no state write within 60s", round)
			}
		}
		if err := cmd.Process.Kill(); err != nil { // SIGKILL
			t.Fatal(err)
		}
		cmd.Wait()
		if m, _ := filepath.Glob(filepath.Join(dir, "*"+tempSuffix)); len(m) > 0 {
			midWrite++ // killed before the rename: a torn temp file is left
		}
		st, err := LoadState(path)
		if err != nil {
			t.Fatalf("round %d: after kill -9 mid-write the state file is unusable: %v", round, err)
		}
		if len(st.Records) != killRecords {
			t.Fatalf("round %d: state holds %d records, want %d", round, len(st.Records), killRecords)
		}
		addr := st.Records["h0.example.com/A"].Address
		for k, r := range st.Records {
			if r.Address != addr {
				t.Fatalf("round %d: state mixes passes: %s has %s, h0 has %s", round, k, r.Address, addr)
			}
		}
	}
	t.Logf("%d of %d kills landed while a temporary state file was being written", midWrite, rounds)
	if midWrite == 0 {
		t.Error("no kill landed during a state write, so the test proved nothing")
	}
}

// waitPass waits for the helper's first line, which must be "pass N".
func waitPass(t *testing.T, cmd *exec.Cmd, lines *linebuf.Buffer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, l, err := lines.Await(ctx, 0, func(string) bool { return true })
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		cmd.Process.Kill()
		t.Fatal("no pass within 60s")
	case err != nil || !strings.HasPrefix(l, "pass "):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper said %q (%v)", l, err)
	}
}

// drainEvents drops the events of earlier rounds.
func drainEvents(w *fsnotify.Watcher) {
	for {
		select {
		case <-w.Events:
		default:
			return
		}
	}
}
