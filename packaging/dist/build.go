package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/ddnsd/ddns/packaging/buildflags"
)

// target is one GOOS/GOARCH pair of the Makefile's CROSS list.
type target struct{ goos, goarch string }

func parseTarget(s string) (target, error) {
	goos, goarch, ok := strings.Cut(s, "/")
	if !ok || goos == "" || goarch == "" || strings.Contains(goarch, "/") {
		return target{}, fmt.Errorf("target %q is not GOOS/GOARCH (like linux/arm64)", s)
	}
	return target{goos, goarch}, nil
}

func (t target) String() string { return t.goos + "/" + t.goarch }

// name is the target's part of file names. 32-bit ARM is built for ARMv7
// (GOARM=7) and says so, since an ARMv6 board cannot run it.
func (t target) name() string {
	if t.goarch == "arm" {
		return t.goos + "-armv7"
	}
	return t.goos + "-" + t.goarch
}

// exe is the binaries' file name suffix.
func (t target) exe() string {
	if t.goos == "windows" {
		return ".exe"
	}
	return ""
}

// env is the build environment: static, ARMv7 with hardware float, and soft
// float on MIPS (routers without an FPU), as `make cross` builds them.
func (t target) env() []string {
	env := append(os.Environ(), "CGO_ENABLED=0", "GOOS="+t.goos, "GOARCH="+t.goarch)
	switch {
	case t.goarch == "arm":
		env = append(env, "GOARM=7")
	case strings.HasPrefix(t.goarch, "mips"):
		env = append(env, "GOMIPS=softfloat")
	}
	return env
}

// buildBinaries builds the supervisor and the updater for t into dir:
// stripped, without file system paths or a build ID, so one commit builds
// to the same bytes on any machine.
func buildBinaries(ctx context.Context, goCmd, repo, version string, t target, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	gcflags, err := buildflags.Read(repo)
	if err != nil {
		return err
	}
	args := append([]string{"build", "-trimpath", "-buildvcs=false",
		"-ldflags", "-s -w -buildid= -X main.version=" + version}, gcflags...)
	cmd := exec.CommandContext(ctx, goCmd, append(args, "-o", dir+string(os.PathSeparator), "./cmd/supervisor", "./cmd/updater")...)
	cmd.Dir = repo
	cmd.Env = t.env()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building the binaries for %s failed: %w\n%s", t, err, out.String())
	}
	return nil
}
