package daemon

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/journal"
	"github.com/ddnsd/ddns/notify"
)

// Reload re-reads the config file and applies it (the socket's `reload`,
// SIGHUP, and every watcher change end here). The message says what the
// reload did; an error says why nothing changed.
func (a *App) Reload() (string, error) {
	if a.cfgPath == "" {
		return "running on the embedded default: nothing to reload", nil
	}
	a.applyMu.Lock()
	defer a.applyMu.Unlock()
	cfg, err := a.o.Load(a.cfgPath)
	return a.apply(cfg, err)
}

// apply installs a newly read config: an invalid one is reported and the
// running config stays; Live settings apply at once; a changed Updater
// setting restarts the child gracefully (not counted as a failure);
// RestartOnly settings are named in the message. The caller holds applyMu.
func (a *App) apply(cfg *configs.Config, loadErr error) (string, error) {
	a.mu.Lock()
	if loadErr != nil {
		a.cfgErr = loadErr.Error()
		a.mu.Unlock()
		a.logger.Error("the saved config is invalid; keeping the running config (the updater restarts on it too)", "error", loadErr)
		a.metrics.ConfigReloadError()
		a.notify(notify.Event{Kind: notify.KindConfigInvalid, Error: loadErr.Error()})
		a.note(journal.Entry{Kind: journal.KindConfigRejected, Error: loadErr.Error(), Detail: "the running config stays"})
		return "", fmt.Errorf("config not applied, the running config stays:\n%w", loadErr)
	}
	old := a.cfg
	a.cfg, a.cfgErr = cfg, ""
	a.goodSince = cfg.LoadedAt
	a.generation++
	gen := a.generation
	// A record the new config no longer defines gets no more reports: drop
	// it, or status would show its last state forever.
	keep := make(map[string]bool, len(cfg.Records))
	for _, r := range cfg.Records {
		keep[recordKey(r.FQDN(), r.Type)] = true
	}
	for k := range a.records {
		if !keep[k] {
			delete(a.records, k)
		}
	}
	hs := a.http
	a.mu.Unlock()
	for _, w := range cfg.Warnings {
		a.logger.Warn(w)
	}
	cs := a.changes(old, cfg)
	a.childOnCopy.Store(a.saveLastGood(cfg))
	a.watchFiles(cfg)
	a.metrics.ConfigLoaded(gen)
	a.setProber(cfg)
	a.startNotifier(cfg)
	if hs != nil {
		hs.SetInterval(cfg.Updater.Interval.Duration)
	}
	if err := a.sup.Update(policyFrom(cfg), a.childCommand(cfg), cs.restartChild); err != nil {
		return "", err
	}
	a.sup.NetworkChanged()
	msg := fmt.Sprintf("config generation %d applied (hash %s); supervisor settings live", gen, cfg.Hash)
	if cs.restartChild {
		msg = fmt.Sprintf("config generation %d applied (hash %s); updater settings changed, so the updater restarts", gen, cfg.Hash)
	}
	if len(cs.later) > 0 {
		later := strings.Join(cs.later, ", ")
		a.logger.Warn("changed settings that apply only when the supervisor restarts: " + later)
		msg += "; these apply only when the supervisor restarts: " + later
	}
	a.logger.Info(msg)
	a.note(journal.Entry{Kind: journal.KindConfigApplied, Detail: msg})
	return msg, nil
}

// watch applies every saved change of the config file.
func (a *App) watch(ctx context.Context) {
	a.mu.Lock()
	initial := ""
	if a.generation > 0 && a.cfgErr == "" {
		// Running on the last good copy (the file did not load), the
		// file's first valid save applies whatever its hash.
		initial = a.cfg.Hash
	}
	a.mu.Unlock()
	w, err := a.o.Watch(ctx, configs.WatchOptions{
		Path:    a.cfgPath,
		Initial: initial,
		Logger:  a.logger.Named("config"),
		Load:    a.o.Load,
	})
	if err != nil {
		a.logger.Error("cannot watch the config file; `supervisor reload` or SIGHUP still reloads it", "error", err)
		return
	}
	defer w.Close()
	for ch := range w.Changes() {
		if errors.Is(ch.Err, configs.ErrDeleted) {
			a.mu.Lock()
			a.cfgErr = ch.Err.Error()
			a.mu.Unlock()
			a.logger.Warn("the config file was deleted; the running config stays until it is back", "path", a.cfgPath)
			a.note(journal.Entry{Kind: journal.KindConfigRejected, Error: ch.Err.Error(), Detail: "the running config stays until the file is back"})
			continue
		}
		a.applyMu.Lock()
		a.apply(ch.Config, ch.Err)
		a.applyMu.Unlock()
	}
}
