package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// rootfsSetup runs as root in the check's own mount and PID namespaces,
// then becomes the image's entry point: /proc for that PID namespace, and
// a /dev like a container runtime's (the supervisor gives its child a
// pseudo-terminal). The mounts die with the namespace.
const rootfsSetup = `set -e
root=$1; shift
mount -t proc proc "$root/proc"
mount -t tmpfs -o mode=755,nosuid dev "$root/dev"
for d in null:1:3 zero:1:5 random:1:8 urandom:1:9; do
	IFS=: read -r n ma mi <<EOF
$d
EOF
	mknod -m 666 "$root/dev/$n" c "$ma" "$mi"
done
mkdir "$root/dev/pts"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$root/dev/pts"
ln -s pts/ptmx "$root/dev/ptmx"
exec "$@"
`

func cmdCheckImage(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dist check-image", flag.ContinueOnError)
	fs.SetOutput(stderr)
	timeout := fs.Duration("timeout", 60*time.Second, "how long to wait for the dry-run cycle")
	want := fs.String("wait-for", "would set ", "the log text that shows a dry-run cycle ran")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: dist check-image [-timeout D] IMAGE.oci.tar")
		return 2
	}
	if err := checkImage(ctx, fs.Arg(0), *timeout, *want, stdout); err != nil {
		fmt.Fprintf(stderr, "dist check-image: %v\n", err)
		return 1
	}
	return 0
}

// checkImage unpacks the image, checks its config, runs its entry point in a
// chroot as its user with its environment (the supervisor as PID 1 of a new
// PID namespace) until want shows up in its output, runs its health check,
// then stops it with SIGTERM and waits for a clean exit.
func checkImage(ctx context.Context, file string, timeout time.Duration, want string, stdout io.Writer) error {
	start := time.Now()
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	img, err := readOCIArchive(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	c := img.config.Config
	if err := checkConfig(img.config); err != nil {
		return err
	}
	root, err := os.MkdirTemp("", "ddnsd-rootfs-")
	if err != nil {
		return err
	}
	defer removeRootfs(root, stdout)
	// It becomes the image's /, which every user must be able to enter.
	if err := os.Chmod(root, 0o755); err != nil {
		return err
	}
	for _, l := range img.layers {
		if err := unpackLayer(root, l); err != nil {
			return fmt.Errorf("unpacking the image: %w", err)
		}
	}
	entry := append(append([]string{}, c.Entrypoint...), c.Cmd...)
	for _, p := range []string{entry[0], c.Healthcheck.Test[1], caBundle} {
		if fi, err := os.Stat(filepath.Join(root, p)); err != nil || fi.Size() == 0 {
			return fmt.Errorf("the image lacks %s (or it is empty)", p)
		}
	}
	for _, d := range []string{"proc", "dev"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "check-image: %s unpacked in %.1fs; user %s, entry point %v, health check %v\n",
		filepath.Base(file), time.Since(start).Seconds(), c.User, entry, c.Healthcheck.Test[1:])

	tools := map[string]string{}
	for _, t := range []string{"unshare", "chroot", "env", "sh"} {
		if tools[t], err = exec.LookPath(t); err != nil {
			return fmt.Errorf("the check needs %s (util-linux, coreutils): %w", t, err)
		}
	}
	inImage := func(argv ...string) []string {
		a := []string{tools["env"], "-i"}
		a = append(a, c.Env...)
		return append(append(a, tools["chroot"], "--userspec="+c.User, root), argv...)
	}
	argv := append([]string{"--pid", "--fork", "--mount", "--propagation", "private", "--kill-child=SIGTERM",
		tools["sh"], "-c", rootfsSetup, "sh", root}, inImage(entry...)...)
	cmd := exec.Command(tools["unshare"], argv...)
	pr, pw, err := os.Pipe()
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		pw.Close()
		pr.Close()
		return fmt.Errorf("starting the image's entry point: %w", err)
	}
	pw.Close()
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	// unshare ignores SIGTERM while it waits for its child, and the
	// child's parent-death signal is cleared when chroot changes its user;
	// so the supervisor (PID 1 inside, unshare's only child outside) gets
	// SIGTERM itself, as from a container runtime's stop.
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		if pid, err := onlyChild(cmd.Process.Pid); err == nil {
			syscall.Kill(pid, syscall.SIGTERM)
		} else {
			fmt.Fprintf(stdout, "check-image: %v; killing unshare\n", err)
			cmd.Process.Kill()
		}
	}
	defer func() {
		stop()
		cmd.Wait()
		pr.Close()
	}()
	// wait reads output lines until one contains text (or the output ends).
	wait := func(text, what string, timeout time.Duration) error {
		deadline := time.NewTimer(timeout)
		defer deadline.Stop()
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					return fmt.Errorf("the container's output ended before %s", what)
				}
				fmt.Fprintf(stdout, "  | %s\n", l)
				if strings.Contains(l, text) {
					return nil
				}
			case <-deadline.C:
				return fmt.Errorf("no %s within %s", what, timeout)
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	if err := wait(want, fmt.Sprintf("dry-run cycle (a line with %q)", want), timeout); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "check-image: dry-run cycle after %.1fs\n", time.Since(start).Seconds())

	hc := inImage(c.Healthcheck.Test[1:]...)
	hcCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	out, err := exec.CommandContext(hcCtx, hc[0], hc[1:]...).CombinedOutput()
	cancel()
	fmt.Fprintf(stdout, "check-image: health check %v: %v\n%s", c.Healthcheck.Test[1:], exitText(err), indent(out))
	if err != nil {
		return fmt.Errorf("the health check failed: %w", err)
	}

	stop()
	if err := wait("supervisor stopped", "clean stop after SIGTERM", 30*time.Second); err != nil {
		return err
	}
	for range lines {
	}
	fmt.Fprintf(stdout, "check-image: stopped cleanly; %.1fs in all\n", time.Since(start).Seconds())
	return nil
}

// onlyChild is the one child process of pid.
func onlyChild(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return 0, fmt.Errorf("cannot find the children of process %d: %w", pid, err)
	}
	f := strings.Fields(string(b))
	if len(f) != 1 {
		return 0, fmt.Errorf("process %d has %d children, want the one entry point", pid, len(f))
	}
	return strconv.Atoi(f[0])
}

func exitText(err error) string {
	if err == nil {
		return "exit 0"
	}
	return err.Error()
}

func indent(b []byte) string {
	var s strings.Builder
	for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		s.WriteString("  | " + l + "\n")
	}
	return s.String()
}

// removeRootfs deletes the unpacked image, but never through a mount point:
// were the namespace's /dev or /proc still mounted there, deleting would
// reach into them.
func removeRootfs(root string, stdout io.Writer) {
	var rs syscall.Stat_t
	if err := syscall.Stat(root, &rs); err != nil {
		return
	}
	for _, d := range []string{"proc", "dev", "dev/pts"} {
		var s syscall.Stat_t
		if err := syscall.Stat(filepath.Join(root, d), &s); err == nil && s.Dev != rs.Dev {
			fmt.Fprintf(stdout, "check-image: %s is still a mount point; leaving %s in place\n", filepath.Join(root, d), root)
			return
		}
	}
	if err := os.RemoveAll(root); err != nil && !errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(stdout, "check-image: cannot remove %s: %v\n", root, err)
	}
}
