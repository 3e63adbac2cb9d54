//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/ddnsd/ddns/packaging/buildflags"
)

// sizeSection builds both binaries stripped and with the release's
// compiler flags (packaging/gcflags.txt), as `make cross` does, for the
// desktop target and the smallest router target, and reports their sizes:
// the supervisor must link no DNS provider SDK and no protobuf.
func (b *bench) sizeSection(root string) []Result {
	targets := []struct {
		goos, goarch string
		supLimit     float64 // MB for the supervisor; 0 = no target
	}{
		{"linux", "amd64", 9},
		{"linux", "mipsle", 10},
		{"windows", "amd64", 0},
	}
	var rows []Result
	gcflags, err := buildflags.Read(root)
	if err != nil {
		return []Result{{Section: "size", Name: "stripped sizes", Skipped: err.Error()}}
	}
	for _, t := range targets {
		for _, name := range []string{"supervisor", "updater"} {
			r := Result{Section: "size", Name: fmt.Sprintf("%s %s/%s, stripped", name, t.goos, t.goarch), Unit: "MB"}
			out := filepath.Join(b.tmp, "size-"+t.goos+"-"+t.goarch+"-"+name)
			args := append([]string{"build", "-trimpath", "-ldflags", "-s -w"}, gcflags...)
			cmd := exec.Command("go", append(args, "-o", out, "./cmd/"+name)...)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+t.goos, "GOARCH="+t.goarch, "GOMIPS=softfloat")
			if msg, err := cmd.CombinedOutput(); err != nil {
				r.Skipped = fmt.Sprintf("build failed: %v: %s", err, msg)
				rows = append(rows, r)
				continue
			}
			fi, err := os.Stat(out)
			if err != nil {
				r.Skipped = err.Error()
				rows = append(rows, r)
				continue
			}
			var tgt *target
			if name == "supervisor" && t.supLimit > 0 {
				tgt = &target{stat: "median", limit: t.supLimit}
			}
			r.fill([]float64{float64(fi.Size()) / 1e6}, tgt)
			rows = append(rows, r)
		}
	}
	return rows
}
