package configs

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
)

// StateFileFor is the updater's state file for cfg: [updater] state_file
// when set, else the default of the config file at origin (the file the
// supervisor runs on, not its last good copy): StateDir's state.json for
// the embedded default (origin "" or EmbeddedName), and state-<hash>.json
// beside it for a config file, hash being the first 16 hex digits of the
// SHA-256 of the file's absolute path. The updater (ddns) and the
// supervisor, which reads the updater's journal beside that file, choose
// it with this one function.
func StateFileFor(cfg *Config, origin string) (string, error) {
	if cfg != nil && cfg.Updater.StateFile != "" {
		return cfg.Updater.StateFile, nil
	}
	dir, err := StateDir()
	if err != nil {
		return "", err
	}
	return StateFileIn(dir, origin)
}

// StateFileIn is the default state file of the config at origin inside the
// state folder dir (see StateFileFor).
func StateFileIn(dir, origin string) (string, error) {
	if origin == "" || origin == EmbeddedName {
		return filepath.Join(dir, "state.json"), nil
	}
	abs, err := filepath.Abs(origin)
	if err != nil {
		return "", fmt.Errorf("cannot choose a state file for %s: %w; set state_file in [updater]", origin, err)
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(dir, "state-"+hex.EncodeToString(sum[:8])+".json"), nil
}
