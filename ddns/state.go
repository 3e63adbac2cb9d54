package ddns

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/ipc"
)

// StateVersion is the version of the state file's format this program
// writes and reads. A file of another version is treated like a corrupt one:
// reported, then rebuilt from the providers' real records.
const StateVersion = 1

// State is the state file: what the updater last published for each record,
// so that a pass where nothing changed makes no provider call.
type State struct {
	Version int `json:"version"`
	// Records is keyed by RecordKey: "home.example.com/A".
	Records map[string]RecordState `json:"records"`
}

// RecordState is what was last published for one record.
type RecordState struct {
	Address  string `json:"address"`
	Provider string `json:"provider"`
	// TTL is the TTL last set, in seconds (0: unknown), so a changed ttl in
	// the config is published without waiting for a resync.
	TTL int `json:"ttl,omitempty"`
	// Proxied is the Cloudflare proxied setting last published, when one
	// was asked; nil when none was asked or the state predates it (then a
	// record asking one is read from the provider before deciding).
	Proxied *bool `json:"proxied,omitempty"`
	// SyncedAt is the last pass that confirmed the record holds Address.
	SyncedAt time.Time `json:"synced_at"`
	// ChangedAt is the last time the updater changed the record's address.
	ChangedAt time.Time `json:"changed_at,omitzero"`
	// ResyncedAt is the last time the record was compared with the
	// provider's real records (a Get), which is how drift is found.
	ResyncedAt time.Time `json:"resynced_at,omitzero"`
}

// RecordKey is a record's key in the state file: ipc.RecordKey, the key
// every part of the program uses ("home.example.com/A").
func RecordKey(fqdn, typ string) string { return ipc.RecordKey(fqdn, typ) }

// MaxStateSize is the largest state file LoadState reads, in bytes: about
// 25 times what 10,000 records take. A larger file, or a path that leads to
// something other than a regular file (a FIFO, /dev/zero), is reported and
// the state rebuilt, like a corrupt file.
const MaxStateSize = 64 << 20

// LoadState reads the state file at path. A missing file is an empty state
// and no error. A file that cannot be read or parsed, or has another
// version, returns an empty state and an error that names the file and
// says what is wrong: the caller reports it and rebuilds the state from the
// providers, it never stops because of it.
func LoadState(path string) (*State, error) {
	empty := &State{Version: StateVersion, Records: map[string]RecordState{}}
	data, err := configs.ReadRegularFile(path, MaxStateSize)
	if errors.Is(err, fs.ErrNotExist) {
		return empty, nil
	}
	if errors.Is(err, configs.ErrNotRegular) || errors.Is(err, configs.ErrTooLarge) {
		// The message names the path and the limit already.
		return empty, fmt.Errorf("cannot read the state file: %w; it will be rebuilt from the providers' records", err)
	}
	if err != nil {
		return empty, fmt.Errorf("cannot read the state file %s: %w", path, err)
	}
	var st State
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&st); err != nil {
		return empty, fmt.Errorf("the state file %s is not valid JSON (%v); it will be rebuilt from the providers' records", path, err)
	}
	if dec.More() {
		return empty, fmt.Errorf("the state file %s holds data after its JSON document; it will be rebuilt from the providers' records", path)
	}
	if st.Version != StateVersion {
		return empty, fmt.Errorf("the state file %s has version %d, but this program reads version %d; it will be rebuilt from the providers' records", path, st.Version, StateVersion)
	}
	if st.Records == nil {
		st.Records = map[string]RecordState{}
	}
	return &st, nil
}

// Save writes the state to path atomically: into a temporary file in the same
// folder, flushed to disk, renamed over path, and the folder flushed too. A
// crash or kill -9 at any moment leaves either the old file or the new one,
// never a mix or a truncated file.
func (s *State) Save(path string) error {
	data, err := json.MarshalIndent(s, "", " ")
	if err != nil {
		return fmt.Errorf("encoding the state: %w", err)
	}
	data = append(data, '\n')
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating the state folder %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".*"+tempSuffix)
	if err != nil {
		return fmt.Errorf("creating a temporary state file in %s: %w", dir, err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("writing the state file %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("flushing the state file %s to disk: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("closing the state file %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replacing the state file %s: %w", path, err)
	}
	done = true
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("flushing the state folder %s to disk: %w", dir, err)
	}
	return nil
}

// tempSuffix ends the name of a state file being written.
const tempSuffix = ".tmp"

// removeStaleTemps deletes temporary files a killed updater left behind
// beside path. They never hold anything the state file does not.
func removeStaleTemps(path string) []string {
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), globEscape(filepath.Base(path))+".*"+tempSuffix))
	var removed []string
	for _, m := range matches {
		if os.Remove(m) == nil {
			removed = append(removed, m)
		}
	}
	sort.Strings(removed)
	return removed
}

func globEscape(s string) string {
	r := strings.NewReplacer(`*`, `\*`, `?`, `\?`, `[`, `\[`)
	if runtime.GOOS == "windows" {
		return s // no escaping there; names with glob characters just match less
	}
	return r.Replace(s)
}

// DefaultStatePathFor is the default state file of the config at
// configPath: the file DefaultStatePath names for the embedded default
// (configPath "" or configs.EmbeddedName), and beside it
// state-<hash>.json for a config file, hash being the first 16 hex digits
// of the SHA-256 of the file's absolute path. Each config so keeps its own
// state: `updater --once --config other.toml` no longer replaces the
// running daemon's state with other.toml's records.
func DefaultStatePathFor(configPath string) (string, error) {
	p, err := DefaultStatePath()
	if err != nil || configPath == "" || configPath == configs.EmbeddedName {
		return p, err
	}
	return statePathBeside(p, configPath)
}

func statePathBeside(defaultPath, configPath string) (string, error) {
	// One function chooses it, so the supervisor finds the updater's
	// journal beside it (configs.StateFileFor).
	return configs.StateFileIn(filepath.Dir(defaultPath), configPath)
}

// ErrStateInUse means another updater holds the state file's lock.
var ErrStateInUse = errors.New("another updater uses this state file")

// LockState takes the lock that makes one updater per state file: an
// exclusive lock on path+".lock", without waiting. Two updaters on one state
// (two supervisors on one config, a cron --once beside the daemon) would
// each save their own view and undo the other's writes. The lock vanishes
// with the process, however it ends. When another process holds it the
// error wraps ErrStateInUse and names the holder's pid when known.
func LockState(path string) (release func() error, err error) {
	lock := path + ".lock"
	release, err = ipc.AcquireLock(lock)
	if errors.Is(err, ipc.ErrLocked) {
		holder := "another process"
		if b, rerr := os.ReadFile(lock); rerr == nil {
			if pid := strings.TrimSpace(string(b)); pid != "" {
				holder = "pid " + pid
			}
		}
		return nil, fmt.Errorf("%w: the state file %s is locked by %s (%s); stop that updater, or give this config its own [updater] state_file", ErrStateInUse, path, holder, lock)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot lock the state file: %w", err)
	}
	return release, nil
}

// DefaultStatePath is the per-user state file. Under a systemd unit with
// StateDirectory= it is $STATE_DIRECTORY/state.json. Otherwise, on Linux and
// other Unix systems: $XDG_STATE_HOME/ddns/state.json when that is set, else
// /var/lib/ddns/state.json for root and ~/.local/state/ddns/state.json for
// others; on macOS ~/Library/Application Support/ddns/state.json
// (/Library/Application Support/ddns/state.json for root); on Windows
// %LOCALAPPDATA%\ddns\state.json.
func DefaultStatePath() (string, error) {
	home, _ := os.UserHomeDir()
	return statePathFor(runtime.GOOS, os.Getenv, os.Geteuid(), home)
}

func statePathFor(goos string, getenv func(string) string, euid int, home string) (string, error) {
	dir, err := configs.StateDirFor(goos, getenv, euid, home)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "state.json"), nil
}
