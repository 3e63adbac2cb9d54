package configs

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// FileRef is a file a config reads besides itself: a secret's *_file key
// (api_token_file of a provider, [http] token_file, a [[notify]] url_file).
// The supervisor watches these, since a fixed token file changes nothing in
// the config itself, and a copy of the config must keep finding them.
type FileRef struct {
	// Key is the dotted key naming the file ("providers.cf.api_token_file").
	Key string
	// Path is the file as the config reads it: relative paths resolved
	// against the config file's folder.
	Path string
	// Written is the value as the file writes it.
	Written string

	pos Pos
}

// Files lists the files cfg reads besides itself, in the order the load
// met them.
func (c *Config) Files() []FileRef { return slices.Clone(c.files) }

// Portable returns data, the text cfg was loaded from, with every relative
// *_file path made absolute against cfg's folder, so that a copy of the
// file kept elsewhere (the supervisor's last good config, in its state
// folder) reads the same files as the original. Only those values change;
// everything else stays byte for byte. The caller should load the result
// and compare Files with cfg's: Portable is a text edit, and a key written
// in a way it does not recognise (a quoted key, a multi-line string) is
// reported as an error rather than guessed at.
func Portable(cfg *Config, data []byte) ([]byte, error) {
	lines := strings.SplitAfter(string(data), "\n")
	for _, f := range cfg.files {
		if filepath.IsAbs(f.Written) {
			continue
		}
		if f.pos.Line < 1 || f.pos.Line > len(lines) {
			return nil, fmt.Errorf("%s: cannot find where %s is written, so its relative path cannot be made absolute", cfg.Path, f.Key)
		}
		name := f.Key[strings.LastIndex(f.Key, ".")+1:]
		re := regexp.MustCompile(`(^|[\s{,.])` + regexp.QuoteMeta(name) + `(\s*=\s*)("(?:[^"\\\n]|\\.)*"|'[^'\n]*')`)
		line := lines[f.pos.Line-1]
		m := re.FindStringSubmatchIndex(line)
		if m == nil {
			return nil, fmt.Errorf("%s:%d: cannot find the value of %s on its line, so its relative path cannot be made absolute", cfg.Path, f.pos.Line, f.Key)
		}
		lines[f.pos.Line-1] = line[:m[6]] + tomlString(f.Path) + line[m[7]:]
	}
	return []byte(strings.Join(lines, "")), nil
}

// tomlString writes s as a TOML basic string. TOML's escapes are a subset
// of Go's: strconv.Quote's \x and \U forms are not TOML, so only the ones
// both share are used, and a path has no other control characters.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\u%04X", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// Hash is the content hash a config loaded from data carries (Config.Hash),
// so that a caller holding a file's bytes can tell whether they are the
// ones a config was loaded from.
func Hash(data []byte) string { return hashOf(data) }
