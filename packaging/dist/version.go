package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// gitOutput runs git in repo and returns its output without the line end.
func gitOutput(ctx context.Context, repo string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = repo
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s failed in %s: %w: %s", strings.Join(args, " "), repo, err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// repoRoot is the top of the work tree the command runs in, so `make dist`
// and `go run ./packaging/dist` from any folder find the same files.
func repoRoot(ctx context.Context) (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	return gitOutput(ctx, wd, "rev-parse", "--show-toplevel")
}

// sourceTime is the time every archive entry and package file carries:
// $SOURCE_DATE_EPOCH when set (the reproducible-builds convention), else
// the commit's time, so a rebuild of one commit gives the same bytes.
func sourceTime(ctx context.Context, repo string) (time.Time, error) {
	s := os.Getenv("SOURCE_DATE_EPOCH")
	if s == "" {
		var err error
		if s, err = gitOutput(ctx, repo, "log", "-1", "--format=%ct"); err != nil {
			return time.Time{}, err
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("the source time %q (SOURCE_DATE_EPOCH or the commit's) is not a count of seconds: %w", s, err)
	}
	return time.Unix(n, 0).UTC(), nil
}

var (
	describeSince = regexp.MustCompile(`^(.*)-([0-9]+)-g([0-9a-f]{4,})$`)
	versionTag    = regexp.MustCompile(`^v?([0-9]+(?:\.[0-9]+)*)(?:-([0-9A-Za-z.]+))?$`)
	bareHash      = regexp.MustCompile(`^[0-9a-f]{4,}$`)
)

// packageVersion turns `git describe --tags --always --dirty` into a version
// that dpkg and rpm order as the history is ordered, and that both accept
// (no "-", starts with a digit):
//
//	v1.2.3              1.2.3
//	v1.2.3-rc1          1.2.3~rc1          (before 1.2.3)
//	v1.2.3-5-gabc1234   1.2.3+5.gabc1234   (after 1.2.3, ordered by the count)
//	abc1234 (no tag)    0.0.0+N.gabc1234   (N commits in the history)
//
// and "-dirty" adds ".dirty" (or "+dirty" on a tag), so a dirty build sorts
// just after its commit. count and hash are `git rev-list --count HEAD` and
// `git rev-parse --short HEAD`, used when no tag is reachable.
func packageVersion(describe, count, hash string) (string, error) {
	d, dirty := strings.CutSuffix(describe, "-dirty")
	var base, local string
	if m := describeSince.FindStringSubmatch(d); m != nil {
		d, local = m[1], m[2]+".g"+m[3]
	}
	switch m := versionTag.FindStringSubmatch(d); {
	case m != nil:
		base = m[1]
		if m[2] != "" {
			base += "~" + m[2]
		}
	case local == "" && bareHash.MatchString(d):
		if _, err := strconv.Atoi(count); err != nil || !bareHash.MatchString(hash) {
			return "", fmt.Errorf("no tag is reachable and the commit count %q or hash %q is unusable for a package version", count, hash)
		}
		base, local = "0.0.0", count+".g"+hash
	default:
		return "", fmt.Errorf("the version %q is not a tag like v1.2.3 (with git describe's -N-gHASH), so no package version can be made from it; tag the release or pass -pkg-version", describe)
	}
	v := base
	if local != "" {
		v += "+" + local
	}
	if dirty {
		if local != "" {
			v += ".dirty"
		} else {
			v += "+dirty"
		}
	}
	return v, nil
}
