//go:build linux

package netns

import (
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
)

// TestNamespace: a namespace made with New has its own loopback, takes
// addresses, runs commands inside and is gone once the test ends.
func TestNamespace(t *testing.T) {
	var name string
	t.Run("inside", func(t *testing.T) {
		ns := New(t)
		name = ns.Name()
		ns.AddVeth("v0", "v1")
		ns.AddAddr("v0", "10.9.9.1/24")
		argv := ns.Wrap("ip", "-o", "addr", "show", "dev", "v0")
		out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "10.9.9.1/24") {
			t.Fatalf("ip addr show inside the namespace: %v\n%s", err, out)
		}
		ns.DelAddr("v0", "10.9.9.1/24")
		if out := ns.IP("-o", "addr", "show", "dev", "v0"); strings.Contains(out, "10.9.9.1") {
			t.Errorf("the address is still there after DelAddr:\n%s", out)
		}
		ln, err := ns.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		// The test's own loopback is another network: nothing listens there.
		if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
			c.Close()
			t.Errorf("a listener made inside the namespace answered on the test's loopback")
		}
	})
	if out, _ := exec.Command("ip", "netns", "list").CombinedOutput(); name == "" || strings.Contains(string(out), name) {
		t.Errorf("namespace %q left behind after the test:\n%s", name, out)
	}
}

// TestInFresh: the child runs in a network of its own (only a loopback,
// down), and what it changes there does not reach the parent's.
func TestInFresh(t *testing.T) {
	ns := InFresh(t)
	if ns == nil {
		if out, err := exec.Command("ip", "-o", "link", "show", "dev", "freshv0").CombinedOutput(); err == nil {
			t.Errorf("the child's veth reached the parent's network:\n%s", out)
		}
		return
	}
	if out := ns.IP("-o", "link", "show"); strings.Count(out, "\n") != 1 || !strings.Contains(out, "lo:") {
		t.Fatalf("a fresh namespace holds more than its loopback:\n%s", out)
	}
	ns.AddVeth("freshv0", "freshv1")
	ns.LinkUp("freshv0")
	ns.AddAddr("freshv0", "2001:db8::1/64", "nodad")
	if out := ns.IP("-o", "addr", "show", "dev", "freshv0"); !strings.Contains(out, "2001:db8::1/64") {
		t.Errorf("AddAddr with nodad: %s", out)
	}
}

// verdict records what require did to a test.
type verdict struct {
	testing.TB
	failed, skipped string
}

func (v *verdict) Helper()                      {}
func (v *verdict) Fatalf(f string, args ...any) { v.failed = fmt.Sprintf(f, args...) }
func (v *verdict) Skipf(f string, args ...any)  { v.skipped = fmt.Sprintf(f, args...) }

// TestRequire: a test that cannot have a namespace fails under CI=true and
// is skipped with the reason elsewhere; one that can goes on.
func TestRequire(t *testing.T) {
	why := errors.New("needs root to create a network namespace (running as uid 1000)")
	for _, tc := range []struct {
		name               string
		err                error
		ci                 bool
		wantFail, wantSkip bool
	}{
		{"can, CI", nil, true, false, false},
		{"can", nil, false, false, false},
		{"cannot, CI", why, true, true, false},
		{"cannot", why, false, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := &verdict{TB: t}
			require(v, tc.err, tc.ci)
			if (v.failed != "") != tc.wantFail || (v.skipped != "") != tc.wantSkip {
				t.Fatalf("failed %q, skipped %q; want fail %v, skip %v", v.failed, v.skipped, tc.wantFail, tc.wantSkip)
			}
			if got := v.failed + v.skipped; tc.err != nil && !strings.Contains(got, why.Error()) {
				t.Errorf("the message %q does not give the reason", got)
			}
		})
	}
}
