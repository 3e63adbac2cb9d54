package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// caBundle is where Debian (and most distributions) keep the CA bundle the
// image ships; it is copied at build time, never committed.
const caBundle = "/etc/ssl/certs/ca-certificates.crt"

// buildImage builds packaging/Containerfile with buildah into storage of its
// own under work (vfs, chroot isolation: no daemon, no privileges beyond
// root, no network) and saves it as dist/ddnsd-VERSION-linux-amd64.oci.tar.
func buildImage(ctx context.Context, repo, work, out, bin, version string, mtime time.Time) (string, error) {
	if _, err := exec.LookPath("buildah"); err != nil {
		return "", fmt.Errorf("the image is built with buildah, which is not installed (apt-get install buildah), or pass -image=false: %w", err)
	}
	context := filepath.Join(work, "image")
	if err := os.MkdirAll(filepath.Join(context, "empty"), 0o755); err != nil {
		return "", err
	}
	for src, dst := range map[string]string{
		filepath.Join(bin, "supervisor"): "supervisor",
		filepath.Join(bin, "updater"):    "updater",
		caBundle:                         "ca-certificates.crt",
	} {
		data, err := os.ReadFile(src)
		if err != nil {
			return "", fmt.Errorf("the image needs %s: %w (the CA bundle comes from the ca-certificates package)", src, err)
		}
		mode := os.FileMode(0o755)
		if dst == "ca-certificates.crt" {
			mode = 0o644
		}
		if err := os.WriteFile(filepath.Join(context, dst), data, mode); err != nil {
			return "", err
		}
	}
	// The layer keeps the files' times: the source time, as in the archives.
	for _, f := range []string{"supervisor", "updater", "ca-certificates.crt", "empty"} {
		if err := os.Chtimes(filepath.Join(context, f), mtime, mtime); err != nil {
			return "", err
		}
	}
	storage := filepath.Join(work, "containers")
	buildah := func(args ...string) error {
		all := append([]string{"--root", filepath.Join(storage, "root"), "--runroot", filepath.Join(storage, "run"), "--storage-driver", "vfs"}, args...)
		cmd := exec.CommandContext(ctx, "buildah", all...)
		var b bytes.Buffer
		cmd.Stdout, cmd.Stderr = &b, &b
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("buildah %s failed: %w\n%s", strings.Join(args, " "), err, b.String())
		}
		return nil
	}
	tag := "localhost/ddnsd:" + strings.ReplaceAll(version, "+", "_")
	name := "ddnsd-" + version + "-linux-amd64.oci.tar"
	// HEALTHCHECK exists only in the docker image format (an OCI config has
	// no such field, and converting drops it): the image is built and saved
	// in that format, inside an OCI archive (an OCI layout may index docker
	// manifests), which podman load and docker load (25 and later) read.
	err := buildah("bud", "--isolation", "chroot", "--format", "docker", "--timestamp", strconv.FormatInt(mtime.Unix(), 10),
		"--identity-label=false", "--build-arg", "VERSION="+version,
		"-f", filepath.Join(repo, "packaging", "Containerfile"), "-t", tag, context)
	if err == nil {
		err = buildah("push", "--quiet", "--format", "v2s2", tag, "oci-archive:"+filepath.Join(out, name)+":"+tag)
	}
	// The storage holds a copy of every layer; nothing else uses it.
	rmErr := buildah("rmi", "--all", "--force")
	if err != nil {
		return "", err
	}
	if rmErr != nil {
		return "", rmErr
	}
	return name, os.RemoveAll(storage)
}
