package providers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/libdns/libdns"
)

// libdnsClient is what the cloud providers' libdns packages offer; all three
// implement the four record interfaces.
type libdnsClient interface {
	libdns.RecordGetter
	libdns.RecordAppender
	libdns.RecordSetter
	libdns.RecordDeleter
}

// libdnsAdapter turns a libdns provider into our Provider. The libraries
// differ in what "set" means, so the adapter only relies on what each call
// does for a name and type that holds at most one record, and makes sure that
// is the case before it calls SetRecords.
type libdnsAdapter struct {
	kind   string // provider type, for messages
	lib    libdnsClient
	logger hclog.Logger

	// checkReply classifies one API answer (see callTrace).
	checkReply func(status int, body []byte) error
	// setInPlace: SetRecords updates the one record of a name and type
	// whatever its value (Cloudflare, Tencent). When false (alidns), the
	// library's SetRecords looks records up by the NEW value, with a fuzzy
	// name search, so it is never called: changes are made by AppendRecords
	// and DeleteRecords of records whose IDs we hold.
	setInPlace bool
	// oneSet: the provider holds a name and type as one record set whose
	// values SetRecords replaces whole (Huawei Cloud), and whose
	// DeleteRecords removes the whole set whatever value it is given. A
	// change is then one SetRecords (or AppendRecords when there is none),
	// never a delete of the extra values.
	oneSet bool
	// apexReadOnly, when set, explains why existing apex records cannot be
	// changed through this library.
	apexReadOnly string
	// minTTL is the provider's smallest TTL; lower requests are raised to it.
	minTTL time.Duration
	// sem, when not nil, serializes calls into a library that is not safe
	// for concurrent use (alidns keeps its per-call client in a shared field).
	sem chan struct{}
	// prepare adds provider state to an operation's context (optional).
	prepare func(ctx context.Context) context.Context
	// prepareSet adds what one Set's record asks beyond the libdns record
	// (Cloudflare's proxied) to its context (optional).
	prepareSet func(ctx context.Context, rec Record) context.Context
	// annotate adds to a listed record what the provider reports beyond
	// the libdns record (Cloudflare's proxied), so Get returns it (optional).
	annotate func(ctx context.Context, rec *Record)
	// same reports whether have already satisfies want (optional; the default
	// compares address and, when want has one, TTL).
	same func(ctx context.Context, have, want Record) bool
	// secrets are redacted from any error text, whatever a library puts there.
	secrets []string
	// setReplaces: SetRecords replaces every record of the name and type
	// with the one given, an RRset write (deSEC, GoDaddy, Namecheap), so a
	// change is that one call whatever was there; it overrides setInPlace.
	setReplaces bool
}

// recordUpdater is implemented by the clients written in this package
// (hetzner, porkbun): UpdateRecord changes the record old, as GetRecords
// returned it (with its ID), into new in place.
type recordUpdater interface {
	UpdateRecord(ctx context.Context, zone string, old, new libdns.Record) error
}

// current is one record as found, with the library's own value (which may
// carry the provider's record ID, saving a lookup when it is deleted).
type current struct {
	rec Record
	raw libdns.Record
}

func (a *libdnsAdapter) begin(ctx context.Context) (context.Context, *callTrace, func(), error) {
	if a.sem != nil {
		select {
		case a.sem <- struct{}{}:
		case <-ctx.Done():
			return nil, nil, nil, fmt.Errorf("%s: waiting for the previous call to finish: %v: %w", a.kind, ctx.Err(), ErrNetwork)
		}
	}
	release := func() {
		if a.sem != nil {
			<-a.sem
		}
	}
	if a.prepare != nil {
		ctx = a.prepare(ctx)
	}
	ctx, tr := withTrace(ctx, a.checkReply)
	return ctx, tr, release, nil
}

// Get returns the A or AAAA records of name in zone.
func (a *libdnsAdapter) Get(ctx context.Context, zone, name, typ string) ([]Record, error) {
	ctx, tr, release, err := a.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	cur, err := a.list(ctx, tr, zone, name, typ)
	if err != nil {
		return nil, err
	}
	out := make([]Record, len(cur))
	for i, c := range cur {
		out[i] = c.rec
	}
	return out, nil
}

func (a *libdnsAdapter) list(ctx context.Context, tr *callTrace, zone, name, typ string) ([]current, error) {
	lctx := context.WithValue(ctx, listFilterKey{}, listFilter{fqdn: Record{Zone: zone, Name: relName(name)}.FQDN(), typ: typ})
	all, err := a.lib.GetRecords(lctx, libdnsZone(zone))
	if err := a.outcome(tr, fmt.Sprintf("listing the records of zone %s", zone), err); err != nil {
		return nil, err
	}
	want := relName(name)
	var out []current
	for _, r := range all {
		rr := r.RR()
		if !strings.EqualFold(rr.Type, typ) || !strings.EqualFold(relName(libdns.RelativeName(rr.Name, libdnsZone(zone))), want) {
			continue
		}
		addr, err := netip.ParseAddr(rr.Data)
		if err != nil {
			return nil, a.redact(fmt.Errorf("%s: record %s %s in zone %s holds %q, which is not an address: %w",
				a.kind, name, typ, zone, rr.Data, ErrRejected))
		}
		rec := Record{Zone: zone, Name: want, Type: strings.ToUpper(rr.Type), Addr: addr.Unmap(), TTL: rr.TTL}
		if a.annotate != nil {
			a.annotate(ctx, &rec)
		}
		out = append(out, current{rec: rec, raw: r})
	}
	return out, nil
}

// listFilter tells an HTTP client that can narrow a zone listing (Cloudflare
// filters by name and type) which records the adapter is after: the libdns
// interface only lists whole zones, which costs a page per 100 records.
type listFilter struct{ fqdn, typ string }

type listFilterKey struct{}

// Set makes rec the only record of its name and type.
func (a *libdnsAdapter) Set(ctx context.Context, rec Record) error {
	if err := checkRecord(rec); err != nil {
		return fmt.Errorf("%s: %w", a.kind, err)
	}
	rec.Name = relName(rec.Name)
	if rec.Type == "A" {
		rec.Addr = rec.Addr.Unmap()
	}
	if a.minTTL > 0 && rec.TTL < a.minTTL {
		a.logger.Debug("raising TTL to the provider's minimum", "record", rec.FQDN(), "ttl", rec.TTL, "min", a.minTTL)
		rec.TTL = a.minTTL
	}
	ctx, tr, release, err := a.begin(ctx)
	if err != nil {
		return err
	}
	defer release()
	if a.prepareSet != nil {
		ctx = a.prepareSet(ctx, rec)
	}

	cur, err := a.list(ctx, tr, rec.Zone, rec.Name, rec.Type)
	if err != nil {
		return err
	}
	same := a.same
	if same == nil {
		same = func(_ context.Context, have, want Record) bool {
			return have.Addr == want.Addr && (want.TTL == 0 || have.TTL == want.TTL)
		}
	}
	if len(cur) == 1 && same(ctx, cur[0].rec, rec) {
		a.logger.Debug("record already up to date", "record", rec.FQDN(), "type", rec.Type, "address", rec.Addr)
		return nil
	}

	// keep is the record that survives: one already holding the address if
	// there is one, else the first.
	keep := -1
	for i, c := range cur {
		if c.rec.Addr == rec.Addr {
			keep = i
			break
		}
	}
	sameAddr := keep >= 0
	if keep < 0 && len(cur) > 0 {
		keep = 0
	}
	var extras []libdns.Record
	for i, c := range cur {
		if i != keep {
			extras = append(extras, c.raw)
		}
	}
	want := libdns.Address{Name: rec.Name, TTL: rec.TTL, IP: rec.Addr}
	zone := libdnsZone(rec.Zone)
	where := fmt.Sprintf("%s %s", rec.FQDN(), rec.Type)

	if rec.Name == "@" && a.apexReadOnly != "" && len(cur) > 0 {
		return fmt.Errorf("%s: cannot change %s: %s: %w", a.kind, where, a.apexReadOnly, ErrUnsupported)
	}

	up, canUpdate := a.lib.(recordUpdater)
	switch {
	case a.oneSet && len(cur) > 0:
		a.logger.Debug("replacing the record set", "record", rec.FQDN(), "type", rec.Type, "values", len(cur), "to", rec.Addr)
		_, err := a.lib.SetRecords(ctx, zone, []libdns.Record{want})
		return a.outcome(tr, "updating "+where, err)
	case keep < 0:
		a.logger.Debug("creating record", "record", rec.FQDN(), "type", rec.Type, "address", rec.Addr)
		_, err := a.lib.AppendRecords(ctx, zone, []libdns.Record{want})
		return a.outcome(tr, "creating "+where, err)
	case a.setReplaces:
		a.logger.Debug("replacing records", "record", rec.FQDN(), "type", rec.Type, "from", cur[keep].rec.Addr, "to", rec.Addr, "records", len(cur))
		_, err := a.lib.SetRecords(ctx, zone, []libdns.Record{want})
		return a.outcome(tr, "updating "+where, err)
	case canUpdate:
		if err := a.delete(ctx, tr, zone, where, extras); err != nil {
			return err
		}
		if same(ctx, cur[keep].rec, rec) {
			return nil
		}
		a.logger.Debug("updating record", "record", rec.FQDN(), "type", rec.Type, "from", cur[keep].rec.Addr, "to", rec.Addr)
		return a.outcome(tr, "updating "+where, up.UpdateRecord(ctx, zone, cur[keep].raw, want))
	case a.setInPlace:
		if err := a.delete(ctx, tr, zone, where, extras); err != nil {
			return err
		}
		if sameAddr && same(ctx, cur[keep].rec, rec) {
			return nil
		}
		a.logger.Debug("updating record", "record", rec.FQDN(), "type", rec.Type, "from", cur[keep].rec.Addr, "to", rec.Addr)
		_, err := a.lib.SetRecords(ctx, zone, []libdns.Record{want})
		return a.outcome(tr, "updating "+where, err)
	case sameAddr:
		// Only the TTL differs. The provider refuses a second record with
		// the same value, so the old one goes first.
		if err := a.delete(ctx, tr, zone, where, extras); err != nil {
			return err
		}
		if same(ctx, cur[keep].rec, rec) {
			return nil
		}
		a.logger.Debug("replacing record to change its TTL", "record", rec.FQDN(), "type", rec.Type, "ttl", rec.TTL)
		if err := a.delete(ctx, tr, zone, where, []libdns.Record{cur[keep].raw}); err != nil {
			return err
		}
		_, err := a.lib.AppendRecords(ctx, zone, []libdns.Record{want})
		return a.outcome(tr, "creating "+where, err)
	default:
		// A new address: add the new record first (so the name never has
		// none), then remove every old one.
		a.logger.Debug("replacing record", "record", rec.FQDN(), "type", rec.Type, "from", cur[keep].rec.Addr, "to", rec.Addr)
		_, err := a.lib.AppendRecords(ctx, zone, []libdns.Record{want})
		if err := a.outcome(tr, "creating "+where, err); err != nil {
			return err
		}
		return a.delete(ctx, tr, zone, where, append(extras, cur[keep].raw))
	}
}

func (a *libdnsAdapter) delete(ctx context.Context, tr *callTrace, zone, where string, recs []libdns.Record) error {
	if len(recs) == 0 {
		return nil
	}
	a.logger.Debug("deleting extra records", "record", where, "count", len(recs))
	_, err := a.lib.DeleteRecords(ctx, zone, recs)
	return a.outcome(tr, "deleting extra records of "+where, err)
}

var httpStatusInText = regexp.MustCompile(`HTTP (\d{3})`)

// outcome turns a library call's result into our error classes. What the API
// said (recorded by the transport) wins over the library's wording.
func (a *libdnsAdapter) outcome(tr *callTrace, doing string, libErr error) error {
	if apiErr := tr.failure(); apiErr != nil {
		return a.redact(fmt.Errorf("%s: %s: %w", a.kind, doing, apiErr))
	}
	if libErr == nil {
		return nil
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errIsContext(libErr):
		return a.redact(fmt.Errorf("%s: %s: no answer in time: %v: %w", a.kind, doing, libErr, ErrNetwork))
	case errors.Is(libErr, ErrAuth), errors.Is(libErr, ErrRejected), errors.Is(libErr, ErrNetwork), errors.Is(libErr, ErrUnsupported):
		return a.redact(fmt.Errorf("%s: %s: %w", a.kind, doing, libErr))
	case errors.As(libErr, &syn), errors.As(libErr, &typ), strings.Contains(libErr.Error(), "invalid character"),
		strings.Contains(libErr.Error(), "unexpected end of JSON"):
		return a.redact(fmt.Errorf("%s: %s: the API answered something unreadable (%v): %w", a.kind, doing, libErr, ErrNetwork))
	}
	// Calls the transport did not see (alidns makes some without our
	// context) still name their HTTP status in the library's message.
	if m := httpStatusInText.FindStringSubmatch(libErr.Error()); m != nil {
		status, _ := strconv.Atoi(m[1])
		if c := ClassifyHTTP(status, nil); c != nil {
			return a.redact(fmt.Errorf("%s: %s: %v: %w", a.kind, doing, libErr, classOf(c)))
		}
	}
	return a.redact(fmt.Errorf("%s: %s: %v: %w", a.kind, doing, libErr, ErrRejected))
}

// classOf returns the error class err wraps.
func classOf(err error) error {
	for _, c := range []error{ErrAuth, ErrRejected, ErrNetwork, ErrUnsupported} {
		if errors.Is(err, c) {
			return c
		}
	}
	return ErrRejected
}

// redact removes every configured secret from err's text, keeping its class.
func (a *libdnsAdapter) redact(err error) error {
	msg := err.Error()
	clean := msg
	for _, s := range a.secrets {
		if s != "" {
			clean = strings.ReplaceAll(clean, s, "[redacted]")
		}
	}
	if clean == msg {
		return err
	}
	return &redactedError{msg: clean, class: classOf(err)}
}

type redactedError struct {
	msg   string
	class error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.class }

// checkRecord validates what the engine asks to set.
func checkRecord(rec Record) error {
	if rec.Zone == "" {
		return fmt.Errorf("record %q has no zone: %w", rec.Name, ErrRejected)
	}
	switch {
	case !rec.Addr.IsValid():
		return fmt.Errorf("record %s has no address: %w", rec.FQDN(), ErrRejected)
	case rec.Type == "A" && !rec.Addr.Unmap().Is4():
		return fmt.Errorf("record %s is type A but %s is not an IPv4 address: %w", rec.FQDN(), rec.Addr, ErrRejected)
	case rec.Type == "AAAA" && !rec.Addr.Is6():
		return fmt.Errorf("record %s is type AAAA but %s is not an IPv6 address: %w", rec.FQDN(), rec.Addr, ErrRejected)
	case rec.Type != "A" && rec.Type != "AAAA":
		return fmt.Errorf("record %s has type %q; only A and AAAA are supported: %w", rec.FQDN(), rec.Type, ErrRejected)
	}
	return nil
}

// libdnsZone is the zone as libdns wants it: fully qualified, trailing dot.
func libdnsZone(zone string) string {
	return strings.TrimSuffix(zone, ".") + "."
}

// relName normalises a relative name: "" and "@" both mean the apex.
func relName(name string) string {
	name = strings.TrimSuffix(name, ".")
	if name == "" {
		return "@"
	}
	return strings.ToLower(name)
}
