package providers

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/ddnsd/ddns/providers/spec"
	"github.com/hashicorp/go-hclog"
)

// dryrunSpec describes the "dryrun" provider: it changes nothing anywhere and
// logs what it would set. It needs no keys; `log_level` (default "info")
// chooses the level of its "would set" lines.
//
// It remembers what it "set" in memory only, so that Get returns it and a
// second pass in the same process sees no difference and stays quiet. That
// memory is lost when the process exits: a new run starts from nothing and
// "would set" every record once more.
func dryrunSpec() Spec { return adapter(spec.Dryrun(), newDryrun) }

type dryrunKey struct{ zone, name, typ string }

type dryrun struct {
	name  string
	log   hclog.Logger
	level hclog.Level

	mu      sync.Mutex
	records map[dryrunKey]Record
}

func newDryrun(env Env, p Params) (Provider, error) {
	if err := checkStringKey(p, "log_level", false); err != nil {
		return nil, err
	}
	level := hclog.Info
	if s := strings.TrimSpace(p.String("log_level")); s != "" {
		level = hclog.LevelFromString(s)
		if level == hclog.NoLevel || level == hclog.Off {
			return nil, fmt.Errorf("key %q: %q is not a log level (use trace, debug, info, warn or error)", "log_level", s)
		}
	}
	log := env.Logger
	if log == nil {
		log = hclog.NewNullLogger()
	}
	return &dryrun{name: env.Name, log: log, level: level, records: map[dryrunKey]Record{}}, nil
}

func dryrunKeyOf(zone, name, typ string) dryrunKey {
	zone = strings.ToLower(strings.TrimSuffix(zone, "."))
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	if name == "" {
		name = "@"
	}
	return dryrunKey{zone: zone, name: name, typ: strings.ToUpper(typ)}
}

// Get returns what an earlier Set of this provider value "set", or nothing.
func (d *dryrun) Get(ctx context.Context, zone, name, typ string) ([]Record, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if r, ok := d.records[dryrunKeyOf(zone, name, typ)]; ok {
		return []Record{r}, nil
	}
	return nil, nil
}

// Set logs the change it would make and remembers it. It refuses the same
// records a real provider would, so a dry run shows those errors too.
func (d *dryrun) Set(ctx context.Context, rec Record) error {
	typ, addr, err := checkAddressRecord(rec)
	if err != nil {
		return err
	}
	rec.Type, rec.Addr = typ, addr
	d.log.Log(d.level, fmt.Sprintf("would set %s %s %s (ttl %ds)", strings.TrimSuffix(rec.FQDN(), "."), typ, addr, int64(rec.TTL.Seconds())),
		"provider", d.name)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.records[dryrunKeyOf(rec.Zone, rec.Name, typ)] = rec
	return nil
}
