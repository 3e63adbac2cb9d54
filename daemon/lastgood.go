package daemon

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/ddnsd/ddns/configs"
)

// The last good config: every config the supervisor accepts is also kept,
// as a private copy, in the supervisor's state folder (Options.LastGoodPath),
// and the updater is started on that copy rather than on the file itself.
// So a broken save, which the supervisor refuses, never reaches the child
// either: a crash, `supervisor restart` or a reboot starts it again on what
// the supervisor validated instead of making it exit 2 and stop updating.
// A supervisor that starts on a broken file runs on the copy, loudly
// (status, /healthz, a WARN log line, a config-invalid notification).

// LastGoodPath is where the copy of the last valid version of the config
// at configPath is kept inside dir (the supervisor's state folder): one
// file per config path, so two supervisors on two configs keep two copies.
func LastGoodPath(dir, configPath string) string {
	if abs, err := filepath.Abs(configPath); err == nil {
		configPath = abs
	}
	sum := sha256.Sum256([]byte(configPath))
	return filepath.Join(dir, "last-good", "config-"+hex.EncodeToString(sum[:8])+".toml")
}

// LoadLastGood loads the copy at path with load, and reports when it was
// saved (the last time the original was valid).
func LoadLastGood(path string, load func(string) (*configs.Config, error)) (*configs.Config, os.FileInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("no last good config: %w", err)
	}
	cfg, err := load(path)
	if err != nil {
		return nil, nil, fmt.Errorf("the last good config %s does not load: %w", path, err)
	}
	return cfg, fi, nil
}

// saveLastGood writes cfg's file, as it was loaded, to the copy: relative
// file references made absolute (configs.Portable) so that the copy reads
// the same token files, written to a private temporary file, loaded back
// to prove it reads the same files, then renamed into place. It reports
// whether the copy now holds cfg. The caller holds applyMu.
func (a *App) saveLastGood(cfg *configs.Config) bool {
	dst := a.o.LastGoodPath
	if dst == "" || a.cfgPath == "" {
		return false
	}
	data, err := configs.ReadRegularFile(a.cfgPath, configs.MaxConfigSize)
	if err != nil || configs.Hash(data) != cfg.Hash {
		// Saved again since it loaded: the watcher brings the newer one.
		a.logger.Debug("the config file changed since it loaded; its last good copy waits for the next load", "error", err)
		return a.lastGoodHash == cfg.Hash
	}
	if a.lastGoodHash == cfg.Hash {
		return true
	}
	if err := a.writeLastGood(cfg, data, dst); err != nil {
		a.logger.Warn("cannot keep a copy of the last good config; the updater reads the config file itself, so a broken save reaches it at its next start", "path", dst, "error", err)
		return false
	}
	a.lastGoodHash = cfg.Hash
	return true
}

func (a *App) writeLastGood(cfg *configs.Config, data []byte, dst string) error {
	out, err := configs.Portable(cfg, data)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return fmt.Errorf("cannot create its folder: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(dst), ".last-good-*.toml")
	if err != nil {
		return fmt.Errorf("cannot create the copy: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after the rename, a no-op
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("cannot make the copy private: %w", err)
	}
	if _, err := f.Write(out); err != nil {
		f.Close()
		return fmt.Errorf("cannot write the copy: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("cannot write the copy: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("cannot write the copy: %w", err)
	}
	back, err := a.o.Load(tmp)
	if err != nil {
		return fmt.Errorf("the copy does not load: %w", err)
	}
	same := func(x, y configs.FileRef) bool { return x.Key == y.Key && x.Path == y.Path }
	if !slices.EqualFunc(back.Files(), cfg.Files(), same) {
		return fmt.Errorf("the copy would read other files than the config (%v, not %v)", back.Files(), cfg.Files())
	}
	if err := os.Rename(tmp, dst); err != nil {
		return fmt.Errorf("cannot put the copy in place: %w", err)
	}
	return nil
}
