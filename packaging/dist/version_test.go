package main

import (
	"os/exec"
	"strings"
	"testing"
)

func TestPackageVersion(t *testing.T) {
	for _, tc := range []struct {
		describe, count, hash, want string
	}{
		{"v1.2.3", "", "", "1.2.3"},
		{"1.2", "", "", "1.2"},
		{"v1.2.3-rc1", "", "", "1.2.3~rc1"},
		{"v1.2.3-5-gabc1234", "", "", "1.2.3+5.gabc1234"},
		{"v1.2.3-rc.2-5-gabc1234", "", "", "1.2.3~rc.2+5.gabc1234"},
		{"v1.2.3-dirty", "", "", "1.2.3+dirty"},
		{"v1.2.3-5-gabc1234-dirty", "", "", "1.2.3+5.gabc1234.dirty"},
		{"17274f2", "412", "17274f2", "0.0.0+412.g17274f2"},
		{"17274f2-dirty", "412", "17274f2", "0.0.0+412.g17274f2.dirty"},
	} {
		got, err := packageVersion(tc.describe, tc.count, tc.hash)
		if err != nil || got != tc.want {
			t.Errorf("packageVersion(%q) = %q, %v; want %q", tc.describe, got, err, tc.want)
		}
		if strings.Contains(got, "-") {
			t.Errorf("packageVersion(%q) = %q has a '-', which dpkg and rpm read as the release", tc.describe, got)
		}
	}
	for _, bad := range []string{"release-x", "vnext", ""} {
		if got, err := packageVersion(bad, "3", "abc1234"); err == nil {
			t.Errorf("packageVersion(%q) = %q, want an error asking for a tag", bad, got)
		}
	}
}

// historyOrder is a history in the order its versions must sort.
var historyOrder = []string{
	"17274f2", "17274f2-dirty", "v0.9.0-rc1", "v0.9.0", "v0.9.0-1-gaaaa111", "v0.9.0-1-gaaaa111-dirty",
	"v0.9.0-12-gbbbb222", "v1.0.0-rc1", "v1.0.0-rc2", "v1.0.0", "v1.0.0-dirty",
}

// TestPackageVersionsSortAsHistory asks dpkg itself: an upgrade to any later
// build must be an upgrade to dpkg.
func TestPackageVersionsSortAsHistory(t *testing.T) {
	dpkg, err := exec.LookPath("dpkg")
	if err != nil {
		t.Skip("dpkg is not installed (Debian's package manager; it decides the order)")
	}
	count := map[string]string{"17274f2": "412", "17274f2-dirty": "412"}
	var versions []string
	for _, d := range historyOrder {
		v, err := packageVersion(d, count[d], "17274f2")
		if err != nil {
			t.Fatal(err)
		}
		versions = append(versions, v)
	}
	for i := 1; i < len(versions); i++ {
		if err := exec.Command(dpkg, "--compare-versions", versions[i-1], "lt", versions[i]).Run(); err != nil {
			t.Errorf("dpkg does not order %s before %s (from %s and %s)", versions[i-1], versions[i], historyOrder[i-1], historyOrder[i])
		}
	}
}

// TestPackageVersionsSortAsHistoryForRPM asks rpm's own comparison.
func TestPackageVersionsSortAsHistoryForRPM(t *testing.T) {
	rpm, err := exec.LookPath("rpm")
	if err != nil {
		t.Skip("rpm is not installed (apt package rpm; its vercmp decides the order)")
	}
	count := map[string]string{"17274f2": "412", "17274f2-dirty": "412"}
	var versions []string
	for _, d := range historyOrder {
		v, _ := packageVersion(d, count[d], "17274f2")
		versions = append(versions, v)
	}
	for i := 1; i < len(versions); i++ {
		out, err := exec.Command(rpm, "--eval", `%{lua: print(rpm.vercmp("`+versions[i-1]+`", "`+versions[i]+`"))}`).Output()
		if err != nil {
			t.Fatalf("rpm --eval: %v", err)
		}
		if strings.TrimSpace(string(out)) != "-1" {
			t.Errorf("rpm does not order %s before %s (vercmp says %s)", versions[i-1], versions[i], strings.TrimSpace(string(out)))
		}
	}
}
