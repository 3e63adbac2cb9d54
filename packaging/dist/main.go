// Command dist builds the release files into one folder (`make dist`):
//
//   - for every target, an archive (.tar.gz; .zip for Windows) holding both
//     binaries, README.md, LICENSE and configs/examples/;
//   - .deb and .rpm packages for Linux, made by nfpm from packaging/nfpm.yaml;
//   - the container image (packaging/Containerfile, built with buildah) as an
//     OCI archive;
//   - SHA256SUMS over all of them, in sha256sum's format.
//
// Binaries are static (CGO_ENABLED=0), stripped and built with -trimpath;
// archive entries are sorted and carry the commit's time, so two runs on
// one commit give the same archives. nfpm is installed at a pinned version
// with `go install pkg@version` into the build folder: it never enters
// go.mod and never links into the binaries.
//
// `dist check-image FILE` unpacks an image archive made here and runs its
// entry point in a chroot, as the image's user and with its environment,
// until the dry-run provider logs its first "would set" line: what CI does
// where a container runtime cannot run.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func main() { os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr)) }

func realMain(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(args) > 0 && args[0] == "check-image" {
		return cmdCheckImage(ctx, args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("dist", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.out, "out", "dist", "folder the release files are written to (emptied first)")
	fs.StringVar(&o.version, "version", "", "version for names and binaries (default: git describe --tags --always --dirty)")
	fs.StringVar(&o.pkgVersion, "pkg-version", "", "version of the .deb and .rpm (default: derived from -version, ordered as the history is)")
	targets := fs.String("targets", "linux/amd64", "space-separated GOOS/GOARCH targets to build and archive")
	fs.BoolVar(&o.packages, "packages", true, "build the .deb and .rpm packages (needs the man and completion commands)")
	fs.BoolVar(&o.image, "image", true, "build the container image with buildah")
	fs.StringVar(&o.goCmd, "go", "go", "the go command")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	for _, s := range strings.Fields(*targets) {
		t, err := parseTarget(s)
		if err != nil {
			fmt.Fprintf(stderr, "dist: %v\n", err)
			return 2
		}
		o.targets = append(o.targets, t)
	}
	o.log = func(format string, args ...any) { fmt.Fprintf(stdout, format+"\n", args...) }
	if err := build(ctx, o); err != nil {
		fmt.Fprintf(stderr, "dist: %v\n", err)
		return 1
	}
	return 0
}

// options are the flags of one run.
type options struct {
	out, version, pkgVersion, goCmd string
	targets                         []target
	packages, image                 bool
	log                             func(format string, args ...any)
}

// build runs every step in order and stops at the first failure.
func build(ctx context.Context, o options) error {
	start := time.Now()
	repo, err := repoRoot(ctx)
	if err != nil {
		return err
	}
	if o.version == "" {
		if o.version, err = gitOutput(ctx, repo, "describe", "--tags", "--always", "--dirty"); err != nil {
			return err
		}
	}
	mtime, err := sourceTime(ctx, repo)
	if err != nil {
		return err
	}
	if o.pkgVersion == "" && o.packages {
		count, err := gitOutput(ctx, repo, "rev-list", "--count", "HEAD")
		if err != nil {
			return err
		}
		hash, err := gitOutput(ctx, repo, "rev-parse", "--short", "HEAD")
		if err != nil {
			return err
		}
		if o.pkgVersion, err = packageVersion(o.version, count, hash); err != nil {
			return err
		}
	}
	out, err := filepath.Abs(o.out)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(out); err != nil {
		return fmt.Errorf("cannot empty the output folder %s: %w", out, err)
	}
	work := filepath.Join(out, "build")
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	o.log("dist: version %s (packages %s), files dated %s", o.version, o.pkgVersion, mtime.UTC().Format(time.RFC3339))
	var released []string
	built := map[target]string{}
	for _, t := range o.targets {
		step := time.Now()
		dir := filepath.Join(work, "bin", t.name())
		if err := buildBinaries(ctx, o.goCmd, repo, o.version, t, dir); err != nil {
			return err
		}
		built[t] = dir
		name, err := writeArchive(repo, out, dir, o.version, t, mtime)
		if err != nil {
			return err
		}
		released = append(released, name)
		o.log("dist: %-14s %s  %s (%.1fs)", t, name, sizeOf(filepath.Join(out, name)), time.Since(step).Seconds())
	}
	if o.packages {
		step := time.Now()
		names, err := buildPackages(ctx, o, repo, work, out, built, mtime)
		if err != nil {
			return err
		}
		for _, n := range names {
			o.log("dist: package %s  %s", n, sizeOf(filepath.Join(out, n)))
		}
		released = append(released, names...)
		o.log("dist: packages built in %.1fs", time.Since(step).Seconds())
	}
	if o.image {
		step := time.Now()
		bin, ok := built[target{"linux", "amd64"}]
		if !ok {
			return fmt.Errorf("the image needs the linux/amd64 binaries: add linux/amd64 to -targets, or pass -image=false")
		}
		name, err := buildImage(ctx, repo, work, out, bin, o.version, mtime)
		if err != nil {
			return err
		}
		released = append(released, name)
		o.log("dist: image %s  %s (%.1fs)", name, sizeOf(filepath.Join(out, name)), time.Since(step).Seconds())
	}
	if err := writeSums(out, released); err != nil {
		return err
	}
	if err := os.RemoveAll(work); err != nil {
		return fmt.Errorf("cannot remove the build folder %s: %w", work, err)
	}
	o.log("dist: %d files and SHA256SUMS in %s (%.1fs)", len(released), o.out, time.Since(start).Seconds())
	return nil
}

func sizeOf(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return "?"
	}
	return fmt.Sprintf("%.1f MB", float64(fi.Size())/1e6)
}
