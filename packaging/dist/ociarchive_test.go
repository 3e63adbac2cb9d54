package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ociArchive writes an OCI layout tar holding one image with the given
// config and one gzip'd layer, the way buildah push --format v2s2 lays it out.
func ociArchive(t *testing.T, config any, layer []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(name string, b []byte) {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg})
		tw.Write(b)
	}
	blob := func(b []byte) string {
		sum := sha256.Sum256(b)
		d := hex.EncodeToString(sum[:])
		add("blobs/sha256/"+d, b)
		return "sha256:" + d
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(layer)
	zw.Close()
	cb, _ := json.Marshal(config)
	manifest, _ := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"config":        map[string]string{"mediaType": "application/vnd.docker.container.image.v1+json", "digest": blob(cb)},
		"layers":        []map[string]string{{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "digest": blob(gz.Bytes())}},
	})
	index, _ := json.Marshal(map[string]any{"schemaVersion": 2, "manifests": []map[string]string{{"mediaType": "application/vnd.docker.distribution.manifest.v2+json", "digest": blob(manifest)}}})
	add("index.json", index)
	add("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`))
	tw.Close()
	return buf.Bytes()
}

func layerTar(t *testing.T, uid int) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range []tar.Header{
		{Name: "usr/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "usr/local/bin/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "usr/local/bin/supervisor", Typeflag: tar.TypeReg, Mode: 0o755, Size: 3},
		{Name: "var/lib/ddns/", Typeflag: tar.TypeDir, Mode: 0o700, Uid: uid, Gid: uid},
		{Name: "bin", Typeflag: tar.TypeSymlink, Linkname: "usr/local/bin"},
		{Name: "usr/local/bin/old", Typeflag: tar.TypeReg, Mode: 0o644},
		{Name: "usr/local/bin/.wh.old", Typeflag: tar.TypeReg, Mode: 0o644},
	} {
		tw.WriteHeader(&h)
		if h.Size > 0 {
			tw.Write([]byte("elf"))
		}
	}
	tw.Close()
	return buf.Bytes()
}

func goodConfig() map[string]any {
	return map[string]any{"config": map[string]any{
		"User":        "65532:65532",
		"Env":         []string{"PATH=/usr/local/bin"},
		"Entrypoint":  []string{"/usr/local/bin/supervisor"},
		"Cmd":         []string{"run"},
		"Volumes":     map[string]any{"/etc/ddns": map[string]any{}, "/var/lib/ddns": map[string]any{}},
		"Healthcheck": map[string]any{"Test": []string{"CMD", "/usr/local/bin/supervisor", "status"}},
	}}
}

// TestReadOCIArchiveAndUnpack: the config and layer come back from the
// archive; unpacking keeps modes and owners, links, and applies whiteouts.
func TestReadOCIArchiveAndUnpack(t *testing.T) {
	uid := os.Getuid() // as root, the layer's owner must be applied as written
	if uid == 0 {
		uid = 65532
	}
	img, err := readOCIArchive(bytes.NewReader(ociArchive(t, goodConfig(), layerTar(t, uid))))
	if err != nil {
		t.Fatal(err)
	}
	if err := checkConfig(img.config); err != nil {
		t.Errorf("a config with everything the image promises: %v", err)
	}
	if len(img.layers) != 1 {
		t.Fatalf("%d layers, want 1", len(img.layers))
	}
	root := t.TempDir()
	if err := unpackLayer(root, img.layers[0]); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(root, "bin", "supervisor"))
	if err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("supervisor through the bin symlink: %v, %v", fi, err)
	}
	if _, err := os.Lstat(filepath.Join(root, "usr/local/bin/old")); !os.IsNotExist(err) {
		t.Errorf("the whited-out file is still there (%v)", err)
	}
	st, err := os.Stat(filepath.Join(root, "var/lib/ddns"))
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("state folder: %v, %v", st, err)
	}
	if owner := fileOwner(st); owner != uid {
		t.Errorf("the state folder is owned by %d, want %d", owner, uid)
	}
}

func TestCheckConfigNamesWhatIsMissing(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(c map[string]any)
		want   string
	}{
		{"no health check", func(c map[string]any) { delete(c, "Healthcheck") }, "HEALTHCHECK"},
		{"shell health check", func(c map[string]any) {
			c["Healthcheck"] = map[string]any{"Test": []string{"CMD-SHELL", "supervisor status"}}
		}, "HEALTHCHECK"},
		{"root", func(c map[string]any) { c["User"] = "0:0" }, "is root"},
		{"no user", func(c map[string]any) { delete(c, "User") }, "is root"},
		{"no state volume", func(c map[string]any) { c["Volumes"] = map[string]any{"/etc/ddns": map[string]any{}} }, "/var/lib/ddns is not a volume"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := goodConfig()
			tc.change(cfg["config"].(map[string]any))
			img, err := readOCIArchive(bytes.NewReader(ociArchive(t, cfg, layerTar(t, 0))))
			if err != nil {
				t.Fatal(err)
			}
			if err := checkConfig(img.config); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("checkConfig = %v, want an error naming %q", err, tc.want)
			}
		})
	}
}

func TestReadOCIArchiveRejectsABrokenOne(t *testing.T) {
	good := ociArchive(t, goodConfig(), layerTar(t, 0))
	for name, b := range map[string][]byte{
		"not a tar":   []byte("hello"),
		"empty tar":   func() []byte { var b bytes.Buffer; tar.NewWriter(&b).Close(); return b.Bytes() }(),
		"cut in half": good[:len(good)/2],
	} {
		if _, err := readOCIArchive(bytes.NewReader(b)); err == nil {
			t.Errorf("%s: read without an error", name)
		}
	}
}
