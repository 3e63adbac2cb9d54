package daemon

import (
	"context"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/ddnsd/ddns/configs"
)

// fileWatch watches the files the running config names (its *_file
// keys), so that a fixed token file ends waiting-config just as a fixed
// config does: the config itself need not change for the fix to land.
type fileWatch struct {
	paths  []string
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// watchFiles makes the watched set the files cfg names: an unchanged set
// keeps its watchers (they hold the content they last saw), a changed one
// is replaced. The caller holds applyMu, or runs before anything else can
// apply a config.
func (a *App) watchFiles(cfg *configs.Config) {
	refs := map[string][]string{}
	for _, f := range cfg.Files() {
		refs[f.Path] = append(refs[f.Path], f.Key)
	}
	paths := make([]string, 0, len(refs))
	for p := range refs {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	if a.files != nil && slices.Equal(a.files.paths, paths) {
		return
	}
	a.stopFileWatch()
	if len(paths) == 0 || a.ctx.Err() != nil {
		return
	}
	ctx, cancel := context.WithCancel(a.ctx)
	fw := &fileWatch{paths: paths, cancel: cancel}
	a.files = fw
	for _, p := range paths {
		w, err := a.o.Watch(ctx, configs.WatchOptions{
			Path:    p,
			Initial: fileHash(p),
			Logger:  a.logger.Named("files"),
			Load:    hashOnly,
		})
		if err != nil {
			a.logger.Warn("cannot watch a file the config names; a change of it is seen at the next config change or retry", "path", p, "error", err)
			continue
		}
		detail := strings.Join(refs[p], ", ") + ": " + p + " changed"
		fw.wg.Add(1)
		go func() {
			defer fw.wg.Done()
			defer w.Close()
			for range w.Changes() {
				a.logger.Info("a file the config names changed", "path", p, "keys", strings.Join(refs[p], ", "))
				_ = a.sup.FilesChanged(detail)
			}
		}()
	}
}

// stopFileWatch ends the file watchers, if any.
func (a *App) stopFileWatch() {
	if a.files == nil {
		return
	}
	a.files.cancel()
	a.files.wg.Wait()
	a.files = nil
}

// hashOnly is the "load" of a file the config names, for the watcher: its
// content's hash, which is all a change needs. The content itself (a
// secret) is never kept.
func hashOnly(path string) (*configs.Config, error) {
	data, err := configs.ReadRegularFile(path, configs.MaxConfigSize)
	if err != nil {
		return nil, err
	}
	return &configs.Config{Hash: configs.Hash(data)}, nil
}

// fileHash is the watcher's baseline for path ("" when unreadable: its
// first readable content counts as a change).
func fileHash(path string) string {
	c, err := hashOnly(path)
	if err != nil {
		return ""
	}
	return c.Hash
}
