//go:build chaos && linux

package chaos

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ddnsd/ddns/ddns"
	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/providers/providertest"
	"github.com/ddnsd/ddns/testsupport/e2e"
)

// testDiskFull gives the updater a state folder on a 64 KiB tmpfs. Filled
// to the last byte, then remounted read-only, the folder refuses the state
// file: each time the record is still published, the old state file stays
// byte for byte, the error names the file and the cause, `updater --once`
// exits 1 (an unexpected failure, per ddns.ExitCodeFor) and the long-running
// updater keeps running and serving passes.
func testDiskFull(t *testing.T) {
	needRoot(t, "mount a tmpfs")
	const token = "chaos-token-disk"
	cf := providertest.NewCloudflare(token, "example.com")
	t.Cleanup(cf.Close)
	dir := t.TempDir()
	mnt := filepath.Join(dir, "state")
	if err := os.Mkdir(mnt, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("tmpfs", mnt, "tmpfs", 0, "size=64k,mode=0700"); err != nil {
		skipf(t, "cannot mount a tmpfs: %v", err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(mnt, unix.MNT_DETACH); err != nil {
			t.Errorf("unmounting %s: %v", mnt, err)
		}
	})
	state := filepath.Join(mnt, "state.json")
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`[updater]
interval = "1h"
state_file = %q
timeout = "3s"
[ip]
v4 = [{ type = "command", command = ["/bin/cat", %q] }]
allow_private = true
`, state, filepath.Join(dir, "addr"))+cloudflareRecord(token, cf.URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	setAddr := func(a string) {
		if err := os.WriteFile(filepath.Join(dir, "addr"), []byte(a+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	published := func(a string) {
		t.Helper()
		if got := cf.Lookup("home.example.com", "A"); len(got) != 1 || got[0] != a {
			t.Errorf("the provider holds %v, want [%s]", got, a)
		}
	}

	setAddr("192.0.2.41")
	if out, code := bins.Run(t, dir, "updater", "--once", "--config", cfg); code != 0 {
		t.Fatalf("first pass on an empty tmpfs: exit %d\n%s", code, out)
	}
	old, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}

	// checkRefused runs one --once pass for addr against the broken folder.
	checkRefused := func(addr, cause string) {
		t.Helper()
		setAddr(addr)
		out, code := bins.Run(t, dir, "updater", "--once", "--config", cfg)
		if code != int(ipc.ExitFailure) {
			t.Errorf("%s: exit %d, want %d (%s)\n%s", cause, code, ipc.ExitFailure, ipc.ExitFailure.Meaning(), out)
		}
		if panicked(out) {
			t.Errorf("%s: panic:\n%s", cause, out)
		}
		if !strings.Contains(out, cause) || !strings.Contains(out, mnt) {
			t.Errorf("the error does not name the cause %q and the folder %s:\n%s", cause, mnt, out)
		}
		if now, err := os.ReadFile(state); err != nil || !bytes.Equal(now, old) {
			t.Errorf("%s: the old state file did not stay intact (%v):\nbefore %s\nafter  %s", cause, err, old, now)
		}
		if _, err := ddns.LoadState(state); err != nil {
			t.Errorf("%s: %v", cause, err)
		}
		published(addr)
		ents, _ := os.ReadDir(mnt)
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), ".tmp") {
				t.Errorf("%s: a temporary state file was left behind: %s", cause, e.Name())
			}
		}
	}

	// Full: fill every byte left.
	filler, err := os.Create(filepath.Join(mnt, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte{'x'}, 512)
	for {
		if _, err := filler.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling the tmpfs: %v", err)
			}
			break
		}
	}
	filler.Close()
	checkRefused("192.0.2.42", "no space left on device")

	// The long-running updater keeps going: a second pass runs after the
	// first one could not save.
	setAddr("192.0.2.43")
	upd := e2e.Start(t, []string{bins.Path("updater"), "--config", cfg}, e2e.Env(dir))
	out := upd.Out
	passes := func() int { return out.Count("pass finished") }
	finished := out.Cursor() // each wait is for a pass after the last one seen
	if _, err := finished.Wait("pass finished", 15*time.Second); err != nil {
		upd.Kill9()
		t.Fatalf("the long-running updater finished no pass on a full disk: %v", err)
	}
	upd.Signal(syscall.SIGHUP)
	if _, err := finished.Wait("pass finished", 15*time.Second); err != nil {
		upd.Kill9()
	}
	werr := upd.Stop()
	<-out.Done()
	if passes() < 2 || werr != nil {
		t.Errorf("the long-running updater on a full disk: %d passes, exit %v (want 2 passes and a clean stop)\n%s", passes(), werr, out)
	}
	if !strings.Contains(out.String(), "cannot save the state") || panicked(out.String()) {
		t.Errorf("the long-running updater did not report the save failure clearly:\n%s", out)
	}
	published("192.0.2.43")

	// Read-only: room again, but no writes at all.
	if err := os.Remove(filepath.Join(mnt, "filler")); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("tmpfs", mnt, "tmpfs", unix.MS_REMOUNT|unix.MS_RDONLY, "size=64k"); err != nil {
		t.Fatalf("remounting the tmpfs read-only: %v", err)
	}
	checkRefused("192.0.2.44", "read-only file system")
}
