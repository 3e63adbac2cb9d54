package configs

import (
	"fmt"
	"sort"
)

// KeyTable is a ProviderSchema written out as data for the tests: a small stand-in for the provider specs.
type KeyTable map[string]KeySet

// Types lists the table's provider types, sorted.
func (t KeyTable) Types() []string {
	out := make([]string, 0, len(t))
	for k := range t {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Keys returns the keys of typ and which of them are secrets.
func (t KeyTable) Keys(typ string) (keys, secrets []string, ok bool) {
	ks, ok := t[typ]
	return ks.Keys, ks.Secrets, ok
}

// CheckTTL accepts every positive TTL: a KeyTable knows no provider's limits.
func (t KeyTable) CheckTTL(typ string, ttl int) (string, error) {
	if ttl <= 0 {
		return "", fmt.Errorf("%d is not a TTL: use 1 or more seconds", ttl)
	}
	return "", nil
}
