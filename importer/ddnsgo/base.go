// Package ddnsgo converts a ddns-go configuration (its YAML file,
// .ddns_go_config.yaml) into this program's TOML config, so a ddns-go user
// can switch in one command: `updater import-ddns-go FILE` (which
// `supervisor import-ddns-go FILE` runs).
//
// ddns-go's file holds a list of entries (dnsconf), each with one DNS
// provider account, its IPv4 and IPv6 address sources and the domains to
// keep pointed at them, plus web-UI settings and a notification webhook.
// Each entry becomes a [providers.NAME] table and one [[records]] per
// domain and family; the address sources go to [ip]; the webhook becomes a
// [[notify]] entry. What has no equivalent is never dropped silently: it
// is a Note naming the YAML line it came from, printed on stderr and
// written as a comment at the top of the TOML.
//
// The package links a YAML parser and the public suffix list, which is why
// only the updater imports it: the supervisor runs the updater for this
// command and stays small (see cmd/supervisor/deps_test.go).
package ddnsgo

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ddnsd/ddns/untrusted"
)

// MaxInputSize bounds the YAML file read: ddns-go's own files are a few
// kilobytes, so a larger one is a mistake (or /dev/zero behind a link).
const MaxInputSize = 1 << 20

// Options say what Convert cannot know itself.
type Options struct {
	// Name is the input's name in messages and in the output's header (the
	// file's path as the user gave it).
	Name string
	// Shell is the argv prefix a ddns-go `cmd` runs under, the command
	// appended as its last argument: ddns-go runs it through bash -c (sh -c
	// without bash) on Unix and powershell -Command on Windows. Nil means
	// ["sh", "-c"].
	Shell []string
	// SecretsDir, when set, moves every secret out of the TOML: each is
	// listed in Result.Secrets with a path in this folder, and the TOML
	// names that path with an X_file key. Convert writes nothing; the
	// caller writes the files (owner-only).
	SecretsDir string
	// Supported tells which of this program's provider types exist and
	// which keys each takes; nil means the built-in specs (spec.Default).
	Supported Schema
}

// Schema is what Convert asks of this program's provider types: whether a
// type exists and which keys it takes. providers/spec's Registry has it.
type Schema interface {
	Keys(typ string) (keys, secrets []string, ok bool)
}

// Note is one thing in the input that was not converted, or was converted
// with a difference the user must know of.
type Note struct {
	Line int    // the YAML line, 0 when it concerns the whole file
	Key  string // where in the YAML, e.g. "dnsconf[0].ipv6.ipv6reg"
	Text string // a sentence: what and why
}

// String formats the note as "LINE: KEY: TEXT" for the output's comments.
func (n Note) String() string {
	var b strings.Builder
	if n.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", n.Line)
	}
	if n.Key != "" {
		b.WriteString(n.Key + ": ")
	}
	b.WriteString(n.Text)
	return b.String()
}

// Secret is one secret moved to a file (Options.SecretsDir).
type Secret struct {
	Path  string // where the caller must write it, owner-only
	Value string
}

// Result is a converted config.
type Result struct {
	// TOML is the config file, notes and mapping comments included.
	TOML []byte
	// Notes are what was not converted, or converted with a difference, in
	// input order.
	Notes []Note
	// Secrets are the files to write when Options.SecretsDir is set.
	Secrets []Secret
	// InlineSecrets counts the secrets written into TOML (without
	// SecretsDir), so the caller can warn that they belong in files.
	InlineSecrets int
	// Records and Providers count what was converted.
	Records, Providers int
}

// InputError is a refusal of the whole input: not YAML, not a ddns-go
// config, an unknown provider, nothing to convert. Its message names the
// file and line.
type InputError struct {
	Name string
	Line int
	Key  string
	Msg  string
}

func (e *InputError) Error() string {
	var b strings.Builder
	b.WriteString(e.Name)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	// The key and the message may quote the input: each line escaped, so
	// a key of control characters cannot act on the terminal the error
	// reaches (the message's own lines stay lines).
	lines := strings.Split(b.String(), "\n")
	for i, l := range lines {
		lines[i] = untrusted.Escape(l, 0)
	}
	return strings.Join(lines, "\n")
}

// sortedKeys returns m's keys in order, for stable output.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
