//go:build linux

package netns

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"
)

// childEnv marks a test binary that InFresh re-ran in a fresh namespace; its
// value is the name of the test the child is to run.
const childEnv = "DDNS_TEST_IN_FRESH_NETNS"

// Check says why this process cannot make network namespaces (nil when it
// can): it is not root, or iproute2's ip or util-linux's unshare is missing.
func Check() error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("needs root to create a network namespace (running as uid %d)", os.Geteuid())
	}
	for _, tool := range []string{"ip", "unshare"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("needs %s (iproute2, util-linux) to create a network namespace: %w", tool, err)
		}
	}
	return nil
}

// Require ends a test that cannot make network namespaces here. Under
// CI=true that is a failure, so a CI run never passes with the test unrun;
// elsewhere (a developer's machine, not root) the test is skipped with the
// reason.
func Require(t testing.TB) {
	t.Helper()
	require(t, Check(), os.Getenv("CI") == "true")
}

// require is Require with the reason and the CI setting given.
func require(t testing.TB, err error, ci bool) {
	t.Helper()
	switch {
	case err == nil:
	case ci:
		t.Fatalf("cannot run: %v; under CI=true every test must run (run as root)", err)
	default:
		t.Skipf("%v", err)
	}
}

// Namespace is a network namespace a test works in.
type Namespace struct {
	t    testing.TB
	name string // "" for the namespace this process runs in (InFresh's child)
}

var made atomic.Int64

// New creates a network namespace with its loopback up, deleted when the
// test ends. It calls Require first.
func New(t testing.TB) *Namespace {
	t.Helper()
	Require(t)
	n := &Namespace{t: t, name: fmt.Sprintf("ddnstest%d-%d", os.Getpid(), made.Add(1))}
	if out, err := exec.Command("ip", "netns", "add", n.name).CombinedOutput(); err != nil {
		t.Fatalf("cannot create a network namespace: ip netns add %s: %v: %s", n.name, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", n.name).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", n.name, err, out)
		}
	})
	n.LinkUp("lo")
	return n
}

// InFresh runs the calling test again in a child process of this test
// binary in a fresh network namespace (unshare -n), which the child owns
// and which ends with it. In the child it returns that namespace (the one
// the process runs in) and the test body runs there; in the parent it waits
// for the child, fails t unless the child's test passed, logs the child's
// output, and returns nil: the caller then returns.
//
//	ns := netns.InFresh(t)
//	if ns == nil {
//		return
//	}
func InFresh(t *testing.T) *Namespace {
	t.Helper()
	if os.Getenv(childEnv) == t.Name() {
		return &Namespace{t: t}
	}
	Require(t)
	cmd := exec.Command("unshare", "-n", os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+t.Name())
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: "+t.Name())) {
		t.Fatalf("in a fresh network namespace: %v\n%s", err, out)
	}
	t.Logf("the test in a fresh network namespace:\n%s", out)
	return nil
}

// Name is the namespace's name for `ip netns`; "" for InFresh's namespace.
func (n *Namespace) Name() string { return n.name }

// IP runs `ip args...` in the namespace, failing the test when it fails,
// and returns its output.
func (n *Namespace) IP(args ...string) string {
	n.t.Helper()
	full := args
	if n.name != "" {
		full = append([]string{"-n", n.name}, args...)
	}
	out, err := exec.Command("ip", full...).CombinedOutput()
	if err != nil {
		n.t.Fatalf("ip %s: %v\n%s", strings.Join(full, " "), err, out)
	}
	return string(out)
}

// AddVeth creates a veth pair: two linked interfaces, both down.
func (n *Namespace) AddVeth(name, peer string) {
	n.t.Helper()
	n.IP("link", "add", name, "type", "veth", "peer", "name", peer)
}

// LinkUp sets the interface up.
func (n *Namespace) LinkUp(dev string) {
	n.t.Helper()
	n.IP("link", "set", dev, "up")
}

// LinkDown sets the interface down: with lo down, nothing in the namespace
// reaches anything.
func (n *Namespace) LinkDown(dev string) {
	n.t.Helper()
	n.IP("link", "set", dev, "down")
}

// AddAddr adds prefix (as "10.1.1.1/24") to dev; opts are ip-address flags
// such as "nodad" or "preferred_lft", "0".
func (n *Namespace) AddAddr(dev, prefix string, opts ...string) {
	n.t.Helper()
	n.IP(append([]string{"addr", "add", prefix, "dev", dev}, opts...)...)
}

// DelAddr removes prefix from dev.
func (n *Namespace) DelAddr(dev, prefix string) {
	n.t.Helper()
	n.IP("addr", "del", prefix, "dev", dev)
}

// Wrap returns argv run inside the namespace (ip netns exec NAME argv...):
// ip execs the program, so the process keeps the pid it is started with.
func (n *Namespace) Wrap(argv ...string) []string {
	if n.name == "" {
		return argv
	}
	return append([]string{"ip", "netns", "exec", n.name}, argv...)
}

// Listen opens a listener inside the namespace (a socket stays in the
// namespace it was made in), for a server the namespace's processes reach
// on its loopback while the test serves it.
func (n *Namespace) Listen(network, address string) (net.Listener, error) {
	if n.name == "" {
		return net.Listen(network, address)
	}
	type result struct {
		ln  net.Listener
		err error
	}
	ch := make(chan result, 1)
	// One OS thread switches in, makes the socket and switches back.
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{err: err}
			return
		}
		defer orig.Close()
		target, err := os.Open(filepath.Join("/var/run/netns", n.name))
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{err: err}
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			ch <- result{err: fmt.Errorf("cannot enter the network namespace %s: %w", n.name, err)}
			return
		}
		ln, lerr := net.Listen(network, address)
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			// The thread stays in the namespace: it stays locked, so it
			// ends with this goroutine instead of running other code.
			if ln != nil {
				ln.Close()
			}
			ch <- result{err: errors.Join(lerr, fmt.Errorf("cannot return to the test's network namespace: %w", err))}
			return
		}
		runtime.UnlockOSThread()
		ch <- result{ln, lerr}
	}()
	r := <-ch
	return r.ln, r.err
}
