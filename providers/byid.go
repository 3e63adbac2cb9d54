package providers

import (
	"fmt"
	"strings"

	"github.com/hashicorp/go-hclog"
)

// byID is one record of a name and type as a provider that addresses
// records by ID (dynv6, NameSilo, OVHcloud) lists it.
type byID[ID any] struct {
	id  ID
	rec Record
}

// byIDWrites are the provider's calls setOnly makes. Each returns the error
// of its one API call, already worded and classified by the provider.
type byIDWrites[ID any] struct {
	// fresh reports whether have, a record already holding the wanted
	// address, needs no rewrite (its TTL is the wanted one, say); nil when
	// the address is all the provider keeps.
	fresh func(have Record) bool
	// add creates the wanted record.
	add func() error
	// update rewrites the record id (which holds have) into the wanted one.
	update func(id ID, have Record) error
	// remove deletes the record id (which holds have).
	remove func(id ID, have Record) error
}

// setOnly makes rec the only record of its name and type among cur, the
// records the provider listed for them. The record that survives is the
// first holding rec's address, else the first: it is updated when it is not
// already right (or one is added when there is none) before any other is
// deleted, so a failure midway never leaves the name without an address;
// the others are deleted in the order listed, stopping at the first error.
// It reports whether it wrote anything.
func setOnly[ID any](log hclog.Logger, rec Record, cur []byID[ID], w byIDWrites[ID]) (bool, error) {
	keep := -1
	for i, c := range cur {
		if c.rec.Addr == rec.Addr {
			keep = i
			break
		}
	}
	changed := false
	switch {
	case len(cur) == 0:
		log.Debug("creating record", "record", rec.FQDN(), "type", rec.Type, "address", rec.Addr)
		if err := w.add(); err != nil {
			return false, err
		}
		return true, nil
	case keep < 0 || (w.fresh != nil && !w.fresh(cur[keep].rec)):
		if keep < 0 {
			keep = 0
		}
		log.Debug("updating record", "record", rec.FQDN(), "type", rec.Type, "from", cur[keep].rec.Addr, "to", rec.Addr)
		if err := w.update(cur[keep].id, cur[keep].rec); err != nil {
			return false, err
		}
		changed = true
	}
	for i, c := range cur {
		if i == keep {
			continue
		}
		log.Debug("deleting extra record", "record", rec.FQDN(), "type", rec.Type, "address", c.rec.Addr)
		if err := w.remove(c.id, c.rec); err != nil {
			return changed, err
		}
		changed = true
	}
	return changed, nil
}

// byIDWanted checks rec (kind names the provider in the error) and returns
// it as the by-ID providers compare it with what they list: the zone in
// lower case without a final dot, the name relative ("@" for the apex), the
// address unmapped.
func byIDWanted(kind string, rec Record) (Record, error) {
	if err := checkRecord(rec); err != nil {
		return rec, fmt.Errorf("%s: %w", kind, err)
	}
	rec.Zone = strings.ToLower(strings.TrimSuffix(rec.Zone, "."))
	rec.Name = relName(rec.Name)
	rec.Addr = rec.Addr.Unmap()
	return rec, nil
}

// byIDRecords returns the records of cur without their IDs, what Get
// answers, or err when listing them failed: Get is
// byIDRecords(p.list(ctx, zone, name, typ)).
func byIDRecords[ID any](cur []byID[ID], err error) ([]Record, error) {
	if err != nil {
		return nil, err
	}
	out := make([]Record, len(cur))
	for i, c := range cur {
		out[i] = c.rec
	}
	return out, nil
}
