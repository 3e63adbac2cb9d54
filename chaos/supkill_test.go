//go:build chaos && linux

package chaos

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ddnsd/ddns/ddns"
	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/journal"
	"github.com/ddnsd/ddns/providers/providertest"
	"github.com/ddnsd/ddns/testsupport/e2e"
)

// slowCloudflare starts the fake Cloudflare API with every write held until
// a pacer lets it through, one write per period; the returned counter is the
// number of writes let through so far.
func slowCloudflare(t *testing.T, token string, period time.Duration) (*providertest.Cloudflare, *atomic.Int64) {
	t.Helper()
	cf := providertest.NewCloudflare(token, "example.com")
	gate := make(chan struct{})
	stop := make(chan struct{})
	var passed atomic.Int64
	go func() {
		tick := time.NewTicker(period)
		defer tick.Stop()
		for {
			select {
			case gate <- struct{}{}:
				passed.Add(1)
			case <-stop:
				return
			}
			select {
			case <-tick.C:
			case <-stop:
				return
			}
		}
	}()
	cf.Gate(gate)
	// Cleanups run last-in first-out: the fake closes while the pacer still
	// lets held writes finish, then the pacer stops.
	t.Cleanup(func() { close(stop) })
	t.Cleanup(cf.Close)
	return cf, &passed
}

// waitWrites waits until the fake API has let target writes through.
func waitWrites(t *testing.T, round int, writes *atomic.Int64, base, target int64) {
	t.Helper()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(30 * time.Second)
	for writes.Load() < target && time.Now().Before(deadline) {
		<-tick.C
	}
	if writes.Load() < target {
		t.Fatalf("round %d: the pass made only %d of %d writes in 30s", round, writes.Load()-base, target-base)
	}
}

// waitStateWrite watches the state folder without pausing: with temp, until
// a temporary state file exists (true) or the save is over (false);
// without, until the state file holds addr. 30 s is only a failure guard.
func waitStateWrite(state, addr string, temp bool) bool {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if temp {
			ents, _ := os.ReadDir(filepath.Dir(state))
			for _, e := range ents {
				if strings.HasSuffix(e.Name(), ".tmp") {
					return true
				}
			}
		}
		if b, err := os.ReadFile(state); err == nil && strings.Contains(string(b), `"`+addr+`"`) {
			return false
		}
	}
	return false
}

// manyRecords is a config of n Cloudflare records whose address is read
// from @DIR@/addr.
func manyRecords(endpoint, token string, n int, extra string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `[supervisor]
socket = "@SOCKET@"
restart_delay = "0s"
%s
[probe]
enabled = false
[updater]
interval = "1h"
state_file = "@STATE@"
timeout = "20s"
concurrency = 8
network_grace = "0s"
[ip]
v4 = [{ type = "command", command = ["/bin/cat", "@DIR@/addr"] }]
allow_private = true
[providers.cf]
type = "cloudflare"
api_token = %q
endpoint = %q
`, extra, token, endpoint)
	for i := range n {
		fmt.Fprintf(&b, "[[records]]\nprovider = \"cf\"\nzone = \"example.com\"\nname = \"r%d\"\n", i)
	}
	return b.String()
}

// testSupervisorSigkill kills the supervisor with SIGKILL while its child is
// in the middle of a pass over many records against a slow API, several
// times, each time at a different point of the pass (the last rounds right
// when the last write is let through, next to the state save). After each
// kill: the child is gone (and nothing else runs with the test's config),
// the state file is absent or a complete state (every record, one address),
// and the socket file left behind is stale. The next supervisor takes over:
// it gets the lock, replaces the stale socket and runs a child. The last one
// is left to finish: every record ends at the last address.
func testSupervisorSigkill(t *testing.T) {
	const (
		records = 120
		rounds  = 6
		token   = "chaos-token-supkill"
	)
	cf, writes := slowCloudflare(t, token, 3*time.Millisecond)
	s := newSup(t)
	s.Write(manyRecords(cf.URL, token, records, ""))
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	addrs := map[string]bool{}
	intact, absent, midSave := 0, 0, 0
	for r := 0; r <= rounds; r++ {
		addr := fmt.Sprintf("192.0.2.%d", 20+r)
		addrs[addr] = true
		if err := os.WriteFile(filepath.Join(s.Dir, "addr"), []byte(addr+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		base := writes.Load()
		s.Start()
		st := s.WaitStatus(fmt.Sprintf("round %d: the supervisor to run a child", r), 20*time.Second, e2e.Running)
		if st.Supervisor.PID != s.PID() {
			t.Fatalf("round %d: status answered by supervisor %d, want the new one %d", r, st.Supervisor.PID, s.PID())
		}
		if r > 0 && !strings.Contains(s.Out.String(), "removed a stale socket") {
			t.Errorf("round %d: the new supervisor did not say it replaced the stale socket", r)
		}
		if r == rounds {
			break
		}
		// Where in the pass to kill: rounds 0-2 at a random write, round 3 at
		// the last write, round 4 as soon as the state's temporary file
		// appears (mid-save), round 5 once the new state file is in place.
		target := base + 1 + rng.Int64N(records)
		if r >= 3 {
			target = base + records
		}
		waitWrites(t, r, writes, base, target)
		switch r {
		case 4:
			if waitStateWrite(s.State, addr, true) {
				midSave++
			}
		case 5:
			waitStateWrite(s.State, addr, false)
		}
		child := st.Child.PID
		s.Kill9()

		if !e2e.Eventually(10*time.Second, func() bool { return e2e.Gone(child) }) {
			t.Fatalf("round %d: child %d outlived its supervisor's kill -9 (state %q)", r, child, e2e.ProcState(child))
		}
		if left := e2e.ProcessesWith(s.Dir); len(left) > 0 {
			t.Fatalf("round %d: orphans still running with the test's files: %v", r, left)
		}
		switch _, err := os.Stat(s.State); {
		case errors.Is(err, os.ErrNotExist):
			absent++
		case err != nil:
			t.Fatalf("round %d: %v", r, err)
		default:
			stf, err := ddns.LoadState(s.State)
			if err != nil {
				t.Fatalf("round %d: the state file is damaged after kill -9 at write %d of the pass: %v", r, target-base, err)
			}
			if len(stf.Records) != records {
				t.Fatalf("round %d: the state file holds %d records, want %d", r, len(stf.Records), records)
			}
			seen := map[string]bool{}
			for _, rs := range stf.Records {
				seen[rs.Address] = true
			}
			for a := range seen {
				if !addrs[a] || len(seen) != 1 {
					t.Fatalf("round %d: the state file mixes addresses %v (a half-saved pass)", r, seen)
				}
			}
			intact++
		}
		if _, err := os.Lstat(s.Socket); err != nil {
			t.Fatalf("round %d: expected the killed supervisor's socket file to be left behind: %v", r, err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := ipc.Dial(ctx, s.Socket)
		cancel()
		if !errors.Is(err, ipc.ErrNoServer) {
			t.Fatalf("round %d: the socket left behind is not stale: %v", r, err)
		}
	}
	final := fmt.Sprintf("192.0.2.%d", 20+rounds)
	s.WaitStatus("the last child to finish its pass", 60*time.Second, func(st ipc.Status) bool {
		if len(st.Records) != records {
			return false
		}
		for _, rec := range st.Records {
			if rec.Address != final || rec.Error != "" {
				return false
			}
		}
		return true
	})
	for i := range records {
		name := fmt.Sprintf("r%d.example.com", i)
		if got := cf.Lookup(name, "A"); len(got) != 1 || got[0] != final {
			t.Errorf("%s holds %v at the provider, want exactly [%s]", name, got, final)
		}
	}
	stf, err := ddns.LoadState(s.State)
	if err != nil || len(stf.Records) != records {
		t.Fatalf("final state file: %d records, %v", len(stf.Records), err)
	}
	// The state file, its lock (which stays, empty, by design) and the
	// journal beside it: no temporary file.
	var names []string
	ents, _ := os.ReadDir(filepath.Dir(s.State))
	jrn := filepath.Base(journal.BesideState(s.State))
	for _, e := range ents {
		if n := e.Name(); n != filepath.Base(s.State)+".lock" && n != jrn && n != jrn+".1" {
			names = append(names, n)
		}
	}
	// The journal survived the kills: it reads, and at most the line each
	// kill cut is damaged.
	if res, err := journal.Read(journal.Filter{}, journal.BesideState(s.State)); err != nil || res.Skipped+res.Torn > rounds || len(res.Entries) == 0 {
		t.Errorf("the updater's journal after %d kills: %d entries, %d damaged lines skipped, %d torn, %v", rounds, len(res.Entries), res.Skipped, res.Torn, err)
	}
	if len(names) != 1 {
		t.Errorf("the state folder holds %v; a temporary file left by a kill must be removed by the next updater", names)
	}
	t.Logf("%d kills of the supervisor mid-pass: state file intact %d times, absent %d times, killed while the temporary state file existed %d times",
		rounds, intact, absent, midSave)
}
