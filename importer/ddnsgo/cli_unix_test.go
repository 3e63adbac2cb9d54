//go:build unix

package ddnsgo

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDevicesAndPipesAreRefusedWithoutReading: /dev/zero would never end
// and a FIFO without a writer would block; both are refused at once.
func TestDevicesAndPipesAreRefusedWithoutReading(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "pipe.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{"/dev/zero", "is a character device, not a regular file"},
		{fifo, "is a named pipe (FIFO), not a regular file"},
	} {
		_, errOut, code := runMain(tc.path)
		if code != 2 || !strings.Contains(errOut, tc.path) || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, stderr:\n%s", tc.path, code, errOut)
		}
	}
}

// TestOutNeverWritesThroughALinkNorKeepsAnOpenMode: --out (with --force
// too) onto a symbolic link another user planted is refused and the link's
// target is untouched; a file replaced with --force is 0600 afterwards even
// if it was readable by all, since it may hold secrets.
func TestOutNeverWritesThroughALinkNorKeepsAnOpenMode(t *testing.T) {
	dir := t.TempDir()
	in := writeTemp(t, "ddns.yaml", sampleWithSecrets)
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("keep me\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "config.toml")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--out", link}, {"--out", link, "--force"}} {
		_, errOut, code := runMain(append([]string{in}, args...)...)
		if code != 1 || !strings.Contains(errOut, "symbolic link") {
			t.Errorf("%q: exit %d, want 1 with a refusal naming the link:\n%s", args, code, errOut)
		}
		if b, _ := os.ReadFile(victim); string(b) != "keep me\n" {
			t.Fatalf("%q wrote through the link: the target holds %q", args, b)
		}
	}
	open := filepath.Join(dir, "open.toml")
	if err := os.WriteFile(open, []byte("# old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runMain(in, "--out", open, "--force"); code != 0 {
		t.Fatalf("--force over a file: exit %d\n%s", code, errOut)
	}
	fi, err := os.Stat(open)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the replaced config holding secrets: %v, %v; want mode 0600", fi.Mode().Perm(), err)
	}
}

// TestSecretsDirMustBeOnlyOurs: a secrets folder that is a symbolic link,
// that others may write, or that another user owns is refused before any
// secret is written, so nobody else chooses or swaps the secret files.
func TestSecretsDirMustBeOnlyOurs(t *testing.T) {
	in := writeTemp(t, "ddns.yaml", sampleWithSecrets)
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir string) string // returns --secrets-dir
		want  string
	}{
		{"a symbolic link", func(t *testing.T, dir string) string {
			target := filepath.Join(dir, "theirs")
			if err := os.Mkdir(target, 0o700); err != nil {
				t.Fatal(err)
			}
			link := filepath.Join(dir, "secrets")
			if err := os.Symlink(target, link); err != nil {
				t.Fatal(err)
			}
			return link
		}, "is a symbolic link"},
		{"writable by others", func(t *testing.T, dir string) string {
			d := filepath.Join(dir, "secrets")
			if err := os.Mkdir(d, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(d, 0o777); err != nil {
				t.Fatal(err)
			}
			return d
		}, "writable by other users (mode 0777)"},
		{"another user's", func(t *testing.T, dir string) string {
			if os.Geteuid() != 0 {
				t.Skip("giving a folder to another user needs root") // CI runs as root
			}
			d := filepath.Join(dir, "secrets")
			if err := os.Mkdir(d, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(d, 4321, 4321); err != nil {
				t.Fatal(err)
			}
			return d
		}, "belongs to uid 4321"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			secrets := tc.setup(t, dir)
			out := filepath.Join(dir, "config.toml")
			_, errOut, code := runMain(in, "--out", out, "--secrets-dir", secrets)
			if code != 1 || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d, want 1 with %q:\n%s", code, tc.want, errOut)
			}
			entries, _ := os.ReadDir(secrets)
			if len(entries) != 0 {
				t.Errorf("secret files were written into the refused folder: %v", entries)
			}
			if _, err := os.Lstat(out); err == nil {
				t.Errorf("the config was written although its secrets were not")
			}
		})
	}
}

// TestOutOntoAPipeIsRefusedAtOnce: --out --force naming a named pipe
// another user planted is refused at once; opening it to write would wait
// for a reader forever.
func TestOutOntoAPipeIsRefusedAtOnce(t *testing.T) {
	in := writeTemp(t, "ddns.yaml", sampleWithSecrets)
	fifo := filepath.Join(t.TempDir(), "config.toml")
	if err := syscall.Mkfifo(fifo, 0o666); err != nil {
		t.Fatal(err)
	}
	type result struct {
		errOut string
		code   int
	}
	done := make(chan result, 1)
	go func() {
		_, errOut, code := runMain(in, "--out", fifo, "--force")
		done <- result{errOut, code}
	}()
	select {
	case r := <-done:
		if r.code != 1 || !strings.Contains(r.errOut, "is not a regular file") {
			t.Errorf("--out onto a pipe: exit %d, stderr:\n%s", r.code, r.errOut)
		}
	case <-time.After(10 * time.Second):
		// Unblock the writer so the test binary can end.
		if f, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
		t.Fatal("--out --force onto a named pipe blocked")
	}
}
