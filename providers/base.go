// Package providers talks to DNS providers. Each provider lives in its own file
// behind one small interface, and a Registry maps the config's `type = "..."`
// to a constructor.
//
// The package imports none of this project's packages but its own spec
// (providers/spec), where each type's keys, probe targets and TTL limits are
// written as data for the supervisor: the config layer hands a provider its
// settings as Params, with secrets already resolved.
package providers

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/ddnsd/ddns/providers/spec"
	"github.com/hashicorp/go-hclog"
)

// Record is one address record as a provider holds it.
type Record struct {
	Zone string     // the zone, without a trailing dot: "example.com"
	Name string     // relative to the zone; "@" for the apex
	Type string     // "A" or "AAAA"
	Addr netip.Addr // the record's value
	TTL  time.Duration
	// Proxied, when not nil, is this record's Cloudflare proxied setting:
	// in Set, the one asked, overriding the account's (nil: the account's,
	// or when neither says, leave it as Cloudflare has it); in what Get
	// returns, what Cloudflare reports. Other providers ignore it and
	// return nil (the config refuses it for them).
	Proxied *bool
}

// FQDN is the record's full name without a trailing dot.
func (r Record) FQDN() string {
	if r.Name == "@" || r.Name == "" {
		return r.Zone
	}
	return r.Name + "." + r.Zone
}

// Provider reads and writes the address records of one account.
//
// Rules every implementation keeps:
//   - Get returns the records that currently exist for zone, name and type
//     (none is not an error). Providers that cannot read (dyndns2, webhook)
//     return ErrUnsupported.
//   - Set makes the provider hold exactly one record for rec's zone, name and
//     type, with rec's address and TTL: it creates, updates, and deletes extra
//     records of that name and type as needed. Setting a value that is already
//     there is not an error.
//   - Both honour ctx's deadline and never panic out to the caller (the caller
//     wraps them with Guard anyway).
//   - Errors are classified with ErrAuth, ErrRejected, ErrNetwork or
//     ErrUnsupported (checked with errors.Is, so they survive wrapping) and
//     never contain a secret.
//   - Safe for concurrent use.
type Provider interface {
	Get(ctx context.Context, zone, name, typ string) ([]Record, error)
	Set(ctx context.Context, rec Record) error
}

// Error classes. Wrap them with fmt.Errorf("...: %w", ErrAuth) and test with errors.Is.
var (
	// ErrAuth: the provider rejected the credentials (HTTP 401/403, BADSIG, badauth).
	ErrAuth = errors.New("credentials rejected")
	// ErrRejected: the provider refused the data (bad name, bad address, zone not found).
	ErrRejected = errors.New("provider rejected the request")
	// ErrNetwork: the provider could not be reached, or timed out.
	ErrNetwork = errors.New("provider unreachable")
	// ErrUnsupported: the provider cannot do this (e.g. read records back).
	ErrUnsupported = errors.New("not supported by this provider")
)

// Params are one provider account's settings from the config, secrets resolved.
// Values are string, bool, int64, float64, []any or map[string]any as TOML gives them.
type Params map[string]any

// String returns a string setting, or "" when absent.
func (p Params) String(key string) string {
	s, _ := p[key].(string)
	return s
}

// Bool returns a boolean setting, or false when absent.
func (p Params) Bool(key string) bool {
	b, _ := p[key].(bool)
	return b
}

// StringMap returns a table of strings (e.g. HTTP headers), or nil.
func (p Params) StringMap(key string) map[string]string {
	m, ok := p[key].(map[string]any)
	if !ok {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

// Require returns an error naming the first key that is missing or empty.
func (p Params) Require(keys ...string) error {
	for _, k := range keys {
		if v, ok := p[k]; !ok || v == "" {
			return fmt.Errorf("missing required key %q", k)
		}
	}
	return nil
}

// Env is what every constructor gets besides its Params.
type Env struct {
	Name     string       // the account's name in the config: [providers.NAME]
	Endpoint string       // optional API base URL override ("" = the real API)
	Logger   hclog.Logger // never nil
	Timeout  time.Duration
}

// Constructor builds a provider from its settings. It validates Params and
// returns an error naming the bad key; it makes no network calls.
type Constructor func(env Env, p Params) (Provider, error)

// Spec describes one provider type: its constructor and the keys it accepts.
type Spec struct {
	Type string
	New  Constructor
	// Keys the config may set for this type, besides "type" and "endpoint".
	// Each secret key X may also be given as X_file or X_env.
	Keys    []string
	Secrets []string // the subset of Keys that are secrets
}

// Registry maps a provider type to its Spec. It is an explicit value, filled
// by Default, not by init side effects.
type Registry struct {
	specs map[string]Spec
}

// NewRegistry returns a registry holding specs.
func NewRegistry(specs ...Spec) *Registry {
	r := &Registry{specs: make(map[string]Spec, len(specs))}
	for _, s := range specs {
		r.specs[s.Type] = s
	}
	return r
}

// Lookup returns the Spec for typ.
func (r *Registry) Lookup(typ string) (Spec, bool) {
	s, ok := r.specs[typ]
	return s, ok
}

// Types lists the registered types, sorted.
func (r *Registry) Types() []string {
	out := make([]string, 0, len(r.specs))
	for t := range r.specs {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// DefaultTimeout bounds one provider call, retries included, when the
// caller sets none. configs' default [updater] timeout is the same value
// (configs imports nothing of ours, so the ddns tests check they agree).
const DefaultTimeout = 30 * time.Second

// SettingsError is a provider account whose type is unknown or whose
// constructor refused its settings. Error names the account and type; Err
// alone is the refusal, for callers that already say which account it is
// (a config error located at [providers.NAME]).
type SettingsError struct {
	Account string // [providers.NAME]
	Type    string
	Err     error
}

func (e *SettingsError) Error() string {
	return fmt.Sprintf("provider %q (%s): %v", e.Account, e.Type, e.Err)
}

// Unwrap returns the refusal.
func (e *SettingsError) Unwrap() error { return e.Err }

// New builds the provider named env.Name of type typ, wrapped in Guard. It is
// the one way a provider is built: a nil Logger discards, a zero Timeout is
// DefaultTimeout, and a refusal is a *SettingsError.
func (r *Registry) New(typ string, env Env, p Params) (Provider, error) {
	s, ok := r.specs[typ]
	if !ok {
		return nil, &SettingsError{Account: env.Name, Type: typ, Err: fmt.Errorf("unknown provider type %q (known: %s)", typ, strings.Join(r.Types(), ", "))}
	}
	if env.Logger == nil {
		env.Logger = hclog.NewNullLogger()
	}
	if env.Timeout <= 0 {
		env.Timeout = DefaultTimeout
	}
	prov, err := s.New(env, p)
	if err != nil {
		return nil, &SettingsError{Account: env.Name, Type: typ, Err: err}
	}
	return Guard(env.Name, prov, env.Timeout), nil
}

// adapter pairs a provider type's declarative spec (package spec, which the
// supervisor reads) with the constructor of its adapter, so that the keys a
// type takes are written once.
func adapter(s spec.Spec, c Constructor) Spec {
	keys, secrets := s.KeyNames()
	return Spec{Type: s.Type, New: c, Keys: keys, Secrets: secrets}
}
