package daemon

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/journal"
)

// The journal: the supervisor appends its own events (restarts with exit
// codes, network outages and recoveries, configs applied or rejected,
// crash-loop pauses) to a journal in its state folder
// (Options.JournalPath), and the updater appends what it did to each record
// to its own journal beside its state file. History merges both.

// JournalPath is where the supervisor on the config at configPath keeps
// its journal inside dir (the supervisor's state folder): one journal per
// config path, like the last good copy, so two supervisors on two configs
// never write one file. configPath "" is the embedded default.
func JournalPath(dir, configPath string) string {
	name := "supervisor-default.jsonl"
	if configPath != "" {
		if abs, err := filepath.Abs(configPath); err == nil {
			configPath = abs
		}
		sum := sha256.Sum256([]byte(configPath))
		name = "supervisor-" + hex.EncodeToString(sum[:8]) + ".jsonl"
	}
	return filepath.Join(dir, "journal", name)
}

// JournalPaths are the journals to read for the supervisor whose own
// journal is supervisorJournal ("" for none), running cfg from the file at
// configPath: its own and the updater's, beside the state file cfg names
// (configs.StateFileFor). `supervisor history` and History read these.
func JournalPaths(supervisorJournal string, cfg *configs.Config, configPath string) []string {
	var paths []string
	if supervisorJournal != "" {
		paths = append(paths, supervisorJournal)
	}
	if sf, err := configs.StateFileFor(cfg, configPath); err == nil {
		paths = append(paths, journal.BesideState(sf))
	}
	return paths
}

// History returns the entries of both journals (the supervisor's and the
// running config's updater's) that pass f, oldest first. It reads the
// files on each call and is safe to call from any goroutine: the dashboard
// calls it from the HTTP endpoint. A file that cannot be read is named in
// the error, and the Result still holds what the others had.
func (a *App) History(f journal.Filter) (journal.Result, error) {
	a.mu.Lock()
	cfg := a.cfg
	a.mu.Unlock()
	return journal.Read(f, JournalPaths(a.o.JournalPath, cfg, a.cfgPath)...)
}

// note appends e to the supervisor's journal, if it keeps one. A journal
// that cannot be written is logged, never fatal: supervision goes on.
func (a *App) note(e journal.Entry) {
	if a.journal == nil {
		return
	}
	if e.At.IsZero() {
		e.At = a.clk.Now()
	}
	if err := a.journal.Append(e); err != nil {
		a.logger.Warn("cannot write the journal", "error", err)
	}
}
