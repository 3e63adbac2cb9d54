package buildflags

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestParse: comments and blank lines are left out, anything but one flag
// a line is refused at its line.
func TestParse(t *testing.T) {
	got, err := Parse("f", []byte("# why\n\n-gcflags=all=-l\n  -gcflags=runtime/...=  \n"))
	if err != nil || !slices.Equal(got, []string{"-gcflags=all=-l", "-gcflags=runtime/...="}) {
		t.Fatalf("Parse = %q, %v", got, err)
	}
	for _, bad := range []string{"gcflags=all=-l\n", "# ok\n-gcflags=a -ldflags=b\n"} {
		if _, err := Parse("f", []byte(bad)); err == nil || !strings.HasPrefix(err.Error(), "f:") {
			t.Errorf("Parse(%q) = %v, want an error at its line", bad, err)
		}
	}
}

// TestTheFileBuilds: the repository's flags file parses and go build takes
// its flags (a flag the go command refuses would break every release
// build, and only `make dist` would tell).
func TestTheFileBuilds(t *testing.T) {
	args, err := Read("../..")
	if err != nil {
		t.Fatal(err)
	}
	if len(args) == 0 {
		t.Fatal("the flags file lists no flag")
	}
	cmd := exec.Command("go", append(append([]string{"build"}, args...), "../../journal")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %q: %v\n%s", args, err, out)
	}
}
