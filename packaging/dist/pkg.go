package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/install"
)

// nfpmModule is the nfpm command, pinned; `go install` builds it into the
// build folder, outside go.mod.
const nfpmModule = "github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.45.2"

// Where the package puts things; packaging/nfpm.yaml names the same paths.
const (
	pkgLibexec   = "/usr/libexec/ddnsd"
	pkgConfig    = "/etc/ddns/config.toml"
	pkgUnitName  = install.DefaultName
	pkgSupervise = "ddnsd-supervisor" // the command in /usr/bin
)

// pkgArch is one Linux architecture the packages are built for.
type pkgArch struct {
	goarch string
	nfpm   string // nfpm's name: a GOARCH, "arm7" for ARMv7
	deb    string
	rpm    string
}

var pkgArches = []pkgArch{
	{"amd64", "amd64", "amd64", "x86_64"},
	{"arm64", "arm64", "arm64", "aarch64"},
	{"arm", "arm7", "armhf", "armv7hl"},
}

// buildPackages makes a .deb and an .rpm for every Linux architecture that
// was built, and returns their file names.
func buildPackages(ctx context.Context, o options, repo, work, out string, built map[target]string, mtime time.Time) ([]string, error) {
	host, ok := built[target{"linux", "amd64"}]
	if !ok || runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		return nil, errors.New("the packages' man pages and completions come from running the linux/amd64 binaries: build on linux/amd64 with linux/amd64 in -targets, or pass -packages=false")
	}
	docs, err := generateDocs(ctx, host, mtime)
	if err != nil {
		return nil, err
	}
	unit, err := packagedUnit()
	if err != nil {
		return nil, err
	}
	common := map[string][]byte{
		"ddns-supervisor.service": unit,
		"config.toml":             packagedConfig(),
	}
	for name, data := range docs {
		common[name] = data
	}
	for _, f := range []string{"README.md", "LICENSE"} {
		if common[f], err = os.ReadFile(filepath.Join(repo, f)); err != nil {
			return nil, err
		}
	}
	for _, s := range []string{"postinstall.sh", "preremove.sh", "postremove.sh"} {
		if common["scripts/"+s], err = os.ReadFile(filepath.Join(repo, "packaging", "scripts", s)); err != nil {
			return nil, err
		}
	}
	examples, err := filepath.Glob(filepath.Join(repo, "configs", "examples", "*.toml"))
	if err != nil {
		return nil, err
	}
	for _, e := range examples {
		if common["examples/"+filepath.Base(e)], err = os.ReadFile(e); err != nil {
			return nil, err
		}
	}

	tools := filepath.Join(work, "tools")
	inst := exec.CommandContext(ctx, o.goCmd, "install", nfpmModule)
	inst.Env = append(os.Environ(), "GOBIN="+tools, "GOOS=", "GOARCH=", "CGO_ENABLED=0")
	if b, err := inst.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("installing nfpm (%s) failed: %w\n%s", nfpmModule, err, b)
	}
	nfpm := filepath.Join(tools, "nfpm")
	config := filepath.Join(repo, "packaging", "nfpm.yaml")

	var names []string
	for _, a := range pkgArches {
		bin, ok := built[target{"linux", a.goarch}]
		if !ok {
			continue
		}
		stage := filepath.Join(work, "pkg-"+a.deb)
		for name, data := range common {
			if err := writeStaged(stage, name, data, 0o644); err != nil {
				return nil, err
			}
		}
		for _, b := range []string{"supervisor", "updater"} {
			data, err := os.ReadFile(filepath.Join(bin, b))
			if err != nil {
				return nil, err
			}
			if err := writeStaged(stage, b, data, 0o755); err != nil {
				return nil, err
			}
		}
		for _, p := range []struct{ packager, file string }{
			{"deb", fmt.Sprintf("ddnsd_%s_%s.deb", o.pkgVersion, a.deb)},
			{"rpm", fmt.Sprintf("ddnsd-%s-1.%s.rpm", o.pkgVersion, a.rpm)},
		} {
			cmd := exec.CommandContext(ctx, nfpm, "package", "--config", config, "--packager", p.packager, "--target", filepath.Join(out, p.file))
			cmd.Dir = stage
			cmd.Env = append(os.Environ(), "DDNSD_VERSION="+o.pkgVersion, "DDNSD_ARCH="+a.nfpm,
				"SOURCE_DATE_EPOCH="+strconv.FormatInt(mtime.Unix(), 10))
			if b, err := cmd.CombinedOutput(); err != nil {
				return nil, fmt.Errorf("nfpm could not make %s: %w\n%s", p.file, err, b)
			}
			names = append(names, p.file)
		}
	}
	return names, nil
}

func writeStaged(stage, name string, data []byte, mode os.FileMode) error {
	p := filepath.Join(stage, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, data, mode)
}

// packagedUnit is the unit `supervisor install --target systemd` writes, for
// the packaged binary and config, with its first line saying who put it
// there: `supervisor uninstall` only removes the units it wrote itself in
// /etc/systemd/system, never the package's.
func packagedUnit() ([]byte, error) {
	files, err := install.Generate(install.Options{
		Target: install.Systemd,
		Binary: pkgLibexec + "/supervisor",
		Config: pkgConfig,
		Name:   pkgUnitName,
	})
	if err != nil {
		return nil, fmt.Errorf("generating the systemd unit: %w", err)
	}
	if len(files) != 1 {
		return nil, fmt.Errorf("the systemd target generated %d files, the package ships one unit", len(files))
	}
	first, rest, ok := bytes.Cut(files[0].Content, []byte("\n"))
	if !ok || !bytes.HasPrefix(first, []byte("# ")) {
		return nil, fmt.Errorf("the generated unit does not start with its comment line: %q", first)
	}
	header := "# Installed by the ddnsd package, as `" + pkgSupervise + " install --target systemd` would\n" +
		"# write it. Change it with `systemctl edit " + pkgUnitName + "`; upgrades replace this file.\n"
	return append([]byte(header), rest...), nil
}

// packagedConfig is /etc/ddns/config.toml as installed: the embedded default
// (a dry run on this machine's interface address, so a fresh install changes
// nothing anywhere), under a header saying where to go from there.
func packagedConfig() []byte {
	header := "# " + pkgConfig + ", installed by the ddnsd package. Upgrades never replace\n" +
		"# it once changed, and removing the package keeps it (purging deletes it).\n" +
		"# The supervisor reloads it the moment it is saved; check it first with\n" +
		"# `" + pkgSupervise + " check`. Examples: /usr/share/doc/ddnsd/examples/.\n#\n"
	return append([]byte(header), configs.EmbeddedDefault()...)
}

// completionShells are the shells whose completion the packages ship; the
// file name is the one each shell's loader looks for, from the command's.
var completionShells = []struct{ shell, file string }{
	{"bash", "completions/%s.bash"},
	{"zsh", "completions/_%s"},
	{"fish", "completions/%s.fish"},
}

// generateDocs runs the built binaries' `man` and `completion` commands,
// under the installed names (ddnsd-supervisor, ddnsd-updater, which the
// pages and scripts then use for each other too), and returns the staged
// files: gzip'd man pages (no name or time in the gzip header; the page's
// date from SOURCE_DATE_EPOCH) and the completion scripts.
func generateDocs(ctx context.Context, bin string, mtime time.Time) (map[string][]byte, error) {
	docs := map[string][]byte{}
	run := func(prog string, args ...string) ([]byte, error) {
		cmd := exec.CommandContext(ctx, filepath.Join(bin, prog), args...)
		cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH="+strconv.FormatInt(mtime.Unix(), 10))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err == nil && len(bytes.TrimSpace(out)) == 0 {
			err = errors.New("it printed nothing")
		}
		if err != nil {
			return nil, fmt.Errorf("the packages ship man pages and shell completions made by the binaries, and `%s %s` failed (%v): %s\n"+
				"(the supervisor's and updater's `man` and `completion` commands come from the cli branch; merge it, or pass -packages=false)",
				prog, strings.Join(args, " "), err, firstLine(stderr.String()))
		}
		return out, nil
	}
	for _, p := range []string{"supervisor", "updater"} {
		installed := "ddnsd-" + p
		roff, err := run(p, "man", "--name", installed)
		if err != nil {
			return nil, err
		}
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		zw.Write(roff)
		zw.Close()
		docs["man/"+installed+".1.gz"] = gz.Bytes()
		for _, c := range completionShells {
			script, err := run(p, "completion", c.shell, "--name", installed)
			if err != nil {
				return nil, err
			}
			docs[fmt.Sprintf(c.file, installed)] = script
		}
	}
	return docs, nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	if s == "" {
		return "(no message)"
	}
	return s
}
