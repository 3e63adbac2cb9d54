// Package configs is the TOML schema shared by both binaries: one struct per
// section, one table of defaults, strict decoding whose every error carries
// file:line:col and the key's name, the embedded default config, the config
// lookup order, and the watcher that reloads a saved file.
//
// It imports none of this project's packages. Provider-specific keys and
// record TTLs are checked through the ProviderSchema the caller passes in
// (the provider specs, package providers/spec, know which keys each type
// takes and which TTLs it accepts), so the schema of a provider lives with
// the provider while the error positions stay here.
package configs

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Config is one loaded, validated, defaulted config file.
type Config struct {
	Supervisor Supervisor          `toml:"supervisor"`
	Probe      Probe               `toml:"probe"`
	Updater    Updater             `toml:"updater"`
	IP         IP                  `toml:"ip"`
	Providers  map[string]Provider `toml:"-"`
	Records    []Record            `toml:"records"`
	HTTP       HTTP                `toml:"http"`
	Notify     []Notify            `toml:"notify"`
	Log        Log                 `toml:"log"`

	// Path is the file this config came from ("" for the embedded default).
	Path string `toml:"-"`
	// Hash identifies the file's content: a hex SHA-256 prefix.
	Hash string `toml:"-"`
	// Warnings are non-fatal findings (inline secrets, secret files readable
	// by others), each with file:line:col.
	Warnings []string `toml:"-"`
	// LoadedAt is when the file was read.
	LoadedAt time.Time `toml:"-"`

	pos   positions
	files []FileRef
}

// Pos returns where a dotted key ("providers.home", "records.2.provider") is
// written in the file, or of its nearest written parent, so that a problem
// found after loading (a provider refusing its settings) can still be
// reported at file:line:col. The zero Pos means unknown.
func (c *Config) Pos(key string) Pos {
	p, _ := c.pos.find(key)
	return p
}

// EmbeddedName is the Path-like name used in messages about the embedded default.
const EmbeddedName = "(embedded default)"

// DisplayName names a config in messages, logs and the status table: its
// path, or EmbeddedName for "" (the embedded default). It is the one place
// that choice is made, so every program calls the default by one name.
func DisplayName(path string) string {
	if path == "" {
		return EmbeddedName
	}
	return path
}

func hashOf(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8])
}
