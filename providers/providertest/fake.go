package providertest

import (
	"net/http"
	"sort"
	"strings"
	"sync"
)

// Fake is a running fake DNS API as the conformance suite drives it. Names
// are fully qualified without the trailing dot ("home.example.com"); the
// apex is the zone's own name.
type Fake interface {
	// Endpoint is what the account's `endpoint` setting is set to so that
	// the adapter talks to this fake.
	Endpoint() string
	// Seed makes a record as a person editing the zone by hand would, even
	// a second one of the same name and type.
	Seed(fqdn, typ, value string, ttl int)
	// Values lists the records the fake holds for fqdn and typ as
	// "VALUE TTL", sorted. A fake whose protocol carries no TTL reports 0.
	Values(fqdn, typ string) []string
	// Writes is the number of write requests (create, change, delete)
	// received since the last call to Writes.
	Writes() int
}

// HTTPFake is a Fake reached over HTTP, whose answers the suite can take
// over to play an API that fails.
type HTTPFake interface {
	Fake
	// Override makes h answer every request instead of the fake while it
	// is set; nil restores normal service. It also resets Overridden.
	Override(h http.HandlerFunc)
	// Overridden is the number of requests h answered since Override.
	Overridden() int
}

// base is embedded in every HTTP fake: it holds the Override hook and the
// write counter, and gives each fake the Writes, Override and Overridden
// methods of HTTPFake.
type base struct {
	http httpFaults

	wmu    sync.Mutex
	writes int
}

// wrote counts one write request.
func (b *base) wrote() {
	b.wmu.Lock()
	defer b.wmu.Unlock()
	b.writes++
}

// Writes counts the write requests received since the last call (for Fake).
func (b *base) Writes() int {
	b.wmu.Lock()
	defer b.wmu.Unlock()
	n := b.writes
	b.writes = 0
	return n
}

// Override makes h answer every request while set (for HTTPFake).
func (b *base) Override(h http.HandlerFunc) { b.http.set(h) }

// Overridden counts the requests h answered (for HTTPFake).
func (b *base) Overridden() int { return b.http.count() }

// httpFaults is the one implementation of Override and Overridden.
type httpFaults struct {
	mu sync.Mutex
	h  http.HandlerFunc
	n  int
}

// serve answers r with the override, if one is set, and reports whether it did.
func (o *httpFaults) serve(w http.ResponseWriter, r *http.Request) bool {
	o.mu.Lock()
	h := o.h
	if h != nil {
		o.n++
	}
	o.mu.Unlock()
	if h == nil {
		return false
	}
	h(w, r)
	return true
}

func (o *httpFaults) set(h http.HandlerFunc) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.h, o.n = h, 0
}

func (o *httpFaults) count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n
}

// relative turns fqdn into a name relative to zone: "@" for the apex.
func relative(fqdn, zone string) string {
	fqdn = strings.TrimSuffix(fqdn, ".")
	if fqdn == zone {
		return "@"
	}
	return strings.TrimSuffix(fqdn, "."+zone)
}

func sorted(s []string) []string {
	sort.Strings(s)
	return s
}
