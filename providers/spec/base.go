// Package spec is what the rest of the program needs to know about each DNS
// provider type without talking to it: the keys a [providers.NAME] table
// takes (which are required, which are secrets), the hosts its API lives on
// (for readiness probes), the TTLs it accepts, and a one-line description.
//
// It is data, one file per provider, and imports nothing outside the
// standard library: the supervisor validates configs, masks secrets and
// derives probe targets through it without linking any provider SDK. The
// adapters in package providers use the same specs for their keys, so a
// provider is described once.
package spec

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Key is one key a provider table may set, besides "type" and "endpoint".
type Key struct {
	Name string
	// Required keys must be given (a secret in any of its three forms).
	Required bool
	// Secret keys may also be given as NAME_file (a file holding the value)
	// or NAME_env (an environment variable), and are masked when printed.
	Secret bool
}

// TTLLimits are the record TTLs (seconds) a provider accepts. 0 is never a
// valid TTL.
type TTLLimits struct {
	// Min and Max bound the TTLs every account of the provider accepts.
	Min, Max int
	// Auto, when not 0, is one more value outside Min..Max that the
	// provider takes to mean "choose for me" (Cloudflare's 1).
	Auto int
	// Floor, when above Min, is the lowest TTL that every plan honours;
	// lower values are accepted with a warning saying FloorNote.
	Floor     int
	FloorNote string
}

// Probe says where a provider's API is, for readiness probes. The endpoint
// override, when set, replaces the API's address (see ProbeTargets).
type Probe struct {
	// API is the fixed base URL of the provider's API ("" when the config
	// says where it is).
	API string
	// URLKey names the key holding the API's base URL (dyndns2's server,
	// webhook's url). A templated value ("{{...}}") is not probed: its host
	// is known only per record.
	URLKey string
	// ServerKey names the key holding a DNS server as HOST:PORT, with an
	// optional udp:// or tcp:// scheme (rfc2136's server). The endpoint of
	// such a provider is a HOST:PORT too.
	ServerKey string
}

// Spec describes one provider type.
type Spec struct {
	// Type is the config's `type = "..."`.
	Type string
	// Doc is one line for people: what the provider is.
	Doc   string
	Keys  []Key
	TTL   TTLLimits
	Probe Probe
	// RecordKeys are the keys, besides the common ones, that a [[records]]
	// entry of an account of this type may set (Cloudflare's proxied).
	RecordKeys []string
}

// KeyNames returns the names of every key the type takes, and of those
// that are secrets, in the spec's order.
func (s Spec) KeyNames() (keys, secrets []string) {
	for _, k := range s.Keys {
		keys = append(keys, k.Name)
		if k.Secret {
			secrets = append(secrets, k.Name)
		}
	}
	return keys, secrets
}

// Required returns the names of the keys that must be given.
func (s Spec) Required() []string {
	var out []string
	for _, k := range s.Keys {
		if k.Required {
			out = append(out, k.Name)
		}
	}
	return out
}

// CheckTTL tells whether a record of this provider may have ttl seconds:
// err when the provider refuses it, warning (with err nil) when some plans
// of the provider do not honour it. Both read as a phrase after the key:
// "records.0.ttl: 30 is not accepted by cloudflare: ...".
func (s Spec) CheckTTL(ttl int) (warning string, err error) {
	l := s.TTL
	if ttl != 0 && ttl == l.Auto {
		return "", nil
	}
	if ttl < l.Min || ttl > l.Max || ttl <= 0 {
		return "", fmt.Errorf("%d is not a TTL %s accepts: use %s", ttl, s.Type, l.describe())
	}
	if l.Floor > l.Min && ttl < l.Floor {
		return fmt.Sprintf("%d is below %d: %s", ttl, l.Floor, l.FloorNote), nil
	}
	return "", nil
}

// describe writes the accepted TTLs as a phrase: "1 (automatic) or 60 to 86400 seconds".
func (l TTLLimits) describe() string {
	r := strconv.Itoa(l.Min) + " to " + strconv.Itoa(l.Max) + " seconds"
	if l.Auto != 0 {
		return strconv.Itoa(l.Auto) + " (automatic) or " + r
	}
	return r
}

// ProbeTargets returns what a readiness probe must reach before this
// provider can be used with these params and endpoint override: URLs (whose
// host is resolved and port connected to) and DNS servers as the config
// writes them (HOST, HOST:PORT, udp:// or tcp://): the caller dials those
// as its DNS code does, on port 53 when none is given.
// Either may be empty: a provider that talks to nobody (dryrun), or whose
// address is known only per record (a templated webhook URL), needs no probe.
func (s Spec) ProbeTargets(params map[string]any, endpoint string) (urls, hosts []string) {
	pr := s.Probe
	switch {
	case pr.ServerKey != "":
		// Its endpoint, like its server, is HOST:PORT (or udp:// or
		// tcp://), never an HTTP URL.
		v := endpoint
		if v == "" {
			v, _ = params[pr.ServerKey].(string)
		}
		if v != "" {
			hosts = append(hosts, strings.TrimSpace(v))
		}
	case endpoint != "":
		urls = append(urls, endpoint)
	case pr.API != "":
		urls = append(urls, pr.API)
	case pr.URLKey != "":
		if v, _ := params[pr.URLKey].(string); v != "" && !strings.Contains(v, "{{") {
			urls = append(urls, v)
		}
	}
	return urls, hosts
}

// Registry is a set of provider specs, listed sorted by type. It is an
// explicit value (see Default), never filled by init side effects.
type Registry struct {
	specs []Spec // sorted by Type
}

// NewRegistry returns a registry holding specs; a later spec of the same
// type replaces an earlier one.
func NewRegistry(specs ...Spec) Registry {
	byType := make(map[string]Spec, len(specs))
	for _, s := range specs {
		byType[s.Type] = s
	}
	out := make([]Spec, 0, len(byType))
	for _, s := range byType {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Type < out[j].Type })
	return Registry{specs: out}
}

// Default returns the specs of every provider type this program knows.
func Default() Registry {
	return NewRegistry(Alidns(), Cloudflare(), Dryrun(), Dyndns2(), RFC2136(), Tencentcloud(), Webhook(),
		// Services that people use for dynamic DNS at home.
		NoIP(), Dynu(), DuckDNS(), NameSilo(), Dynv6(), Huaweicloud(), OVH(),
		// libdns providers added with the reach issue (pv1).
		Desec(),
		Gandi(),
		Hetzner(),
		GoDaddy(),
		Porkbun(),
		Namecheap(),
	)
}

// Specs returns every spec, sorted by type.
func (r Registry) Specs() []Spec { return append([]Spec(nil), r.specs...) }

// Lookup returns the spec of typ.
func (r Registry) Lookup(typ string) (Spec, bool) {
	i := sort.Search(len(r.specs), func(i int) bool { return r.specs[i].Type >= typ })
	if i < len(r.specs) && r.specs[i].Type == typ {
		return r.specs[i], true
	}
	return Spec{}, false
}

// Types lists the registered types, sorted.
func (r Registry) Types() []string {
	out := make([]string, len(r.specs))
	for i, s := range r.specs {
		out[i] = s.Type
	}
	return out
}

// Keys returns the keys a provider type accepts and which of them are
// secrets, so the config layer can check a [providers.NAME] table key by key.
func (r Registry) Keys(typ string) (keys, secrets []string, ok bool) {
	s, ok := r.Lookup(typ)
	if !ok {
		return nil, nil, false
	}
	keys, secrets = s.KeyNames()
	return keys, secrets, true
}

// RecordKeys returns the keys of Spec.RecordKeys for a provider type; an
// unknown type has none.
func (r Registry) RecordKeys(typ string) []string {
	s, _ := r.Lookup(typ)
	return append([]string(nil), s.RecordKeys...)
}

// CheckTTL is Spec.CheckTTL for a provider type; an unknown type accepts
// every positive TTL (its type is reported on its own).
func (r Registry) CheckTTL(typ string, ttl int) (warning string, err error) {
	s, ok := r.Lookup(typ)
	if !ok {
		if ttl <= 0 {
			return "", fmt.Errorf("%d is not a TTL: use 1 or more seconds", ttl)
		}
		return "", nil
	}
	return s.CheckTTL(ttl)
}

// ProbeTargets is Spec.ProbeTargets for a provider type; an unknown type
// has no targets.
func (r Registry) ProbeTargets(typ string, params map[string]any, endpoint string) (urls, hosts []string) {
	s, ok := r.Lookup(typ)
	if !ok {
		return nil, nil
	}
	return s.ProbeTargets(params, endpoint)
}

// maxTTL is the largest TTL DNS allows (RFC 2181, section 8: 2^31 - 1).
const maxTTL = 1<<31 - 1
