package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// imageConfig is the part of an image's config the check reads.
type imageConfig struct {
	Config struct {
		User        string
		Env         []string
		Entrypoint  []string
		Cmd         []string
		Volumes     map[string]struct{}
		Healthcheck *struct{ Test []string }
	} `json:"config"`
}

// ociImage is an image read from an OCI archive: its config and its layers'
// bytes, base layer first.
type ociImage struct {
	config imageConfig
	layers [][]byte
}

type ociDescriptor struct {
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
}

// readOCIArchive reads an oci-archive (a tar of an OCI image layout with
// one image) as buildah push writes it.
func readOCIArchive(r io.Reader) (ociImage, error) {
	files := map[string][]byte{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return ociImage{}, fmt.Errorf("the archive is not a readable tar: %w", err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return ociImage{}, err
		}
		files[path.Clean(h.Name)] = b
	}
	blob := func(d ociDescriptor) ([]byte, error) {
		algo, hex, ok := strings.Cut(d.Digest, ":")
		b, found := files[path.Join("blobs", algo, hex)]
		if !ok || !found {
			return nil, fmt.Errorf("the archive lacks the blob %q its index names", d.Digest)
		}
		return b, nil
	}
	var index struct{ Manifests []ociDescriptor }
	if err := json.Unmarshal(files["index.json"], &index); err != nil {
		return ociImage{}, fmt.Errorf("the archive's index.json is missing or not JSON: %w", err)
	}
	if len(index.Manifests) != 1 {
		return ociImage{}, fmt.Errorf("the archive's index names %d manifests, want one image", len(index.Manifests))
	}
	b, err := blob(index.Manifests[0])
	if err != nil {
		return ociImage{}, err
	}
	var manifest struct {
		Config ociDescriptor
		Layers []ociDescriptor
	}
	if err := json.Unmarshal(b, &manifest); err != nil {
		return ociImage{}, fmt.Errorf("the image manifest is not JSON: %w", err)
	}
	var img ociImage
	if b, err = blob(manifest.Config); err != nil {
		return ociImage{}, err
	}
	if err := json.Unmarshal(b, &img.config); err != nil {
		return ociImage{}, fmt.Errorf("the image config is not JSON: %w", err)
	}
	for _, l := range manifest.Layers {
		b, err := blob(l)
		if err != nil {
			return ociImage{}, err
		}
		if strings.HasSuffix(l.MediaType, "+gzip") || strings.HasSuffix(l.MediaType, ".gzip") {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				return ociImage{}, fmt.Errorf("layer %s: %w", l.Digest, err)
			}
			if b, err = io.ReadAll(zr); err != nil {
				return ociImage{}, fmt.Errorf("layer %s: %w", l.Digest, err)
			}
		}
		img.layers = append(img.layers, b)
	}
	return img, nil
}

// checkConfig checks what the README and the Containerfile promise of the
// image's config.
func checkConfig(c imageConfig) error {
	var problems []string
	if c.Config.Healthcheck == nil || len(c.Config.Healthcheck.Test) < 2 || c.Config.Healthcheck.Test[0] != "CMD" {
		problems = append(problems, "no HEALTHCHECK in exec form (CMD)")
	}
	for _, v := range []string{"/etc/ddns", "/var/lib/ddns"} {
		if _, ok := c.Config.Volumes[v]; !ok {
			problems = append(problems, v+" is not a volume")
		}
	}
	if u := c.Config.User; u == "" || u == "0" || strings.HasPrefix(u, "0:") || u == "root" {
		problems = append(problems, fmt.Sprintf("the user %q is root", u))
	}
	if len(c.Config.Entrypoint)+len(c.Config.Cmd) == 0 {
		problems = append(problems, "no entry point")
	}
	if len(problems) > 0 {
		return fmt.Errorf("the image config: %s", strings.Join(problems, "; "))
	}
	return nil
}

// unpackLayer writes one layer's files below root, owners and modes kept
// (the image's user owns its state folder), whiteouts applied.
func unpackLayer(root string, layer []byte) error {
	tr := tar.NewReader(bytes.NewReader(layer))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name := path.Clean("/" + h.Name)
		if name == "/" {
			continue
		}
		dst := filepath.Join(root, filepath.FromSlash(name))
		if base := path.Base(name); strings.HasPrefix(base, ".wh.") {
			if err := os.RemoveAll(filepath.Join(filepath.Dir(dst), strings.TrimPrefix(base, ".wh."))); err != nil {
				return err
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		mode := os.FileMode(h.Mode).Perm()
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(dst, mode); err != nil {
				return err
			}
		case tar.TypeReg:
			f, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, mode)
			if err != nil {
				return err
			}
			_, err = io.Copy(f, tr)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		case tar.TypeSymlink:
			if err := os.Symlink(h.Linkname, dst); err != nil {
				return err
			}
		case tar.TypeLink:
			if err := os.Link(filepath.Join(root, filepath.FromSlash(path.Clean("/"+h.Linkname))), dst); err != nil {
				return err
			}
		default:
			return fmt.Errorf("layer entry %s has the unexpected type %q", h.Name, h.Typeflag)
		}
		if err := os.Lchown(dst, h.Uid, h.Gid); err != nil {
			return err
		}
		if h.Typeflag != tar.TypeSymlink {
			if err := os.Chmod(dst, h.FileInfo().Mode()&(os.ModePerm|os.ModeSetuid|os.ModeSetgid|os.ModeSticky)); err != nil {
				return err
			}
		}
	}
}
