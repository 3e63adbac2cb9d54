package ddns

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/providers"
)

// DecisionKind is what a pass does with one record. Pass applies it and Plan
// prints it, so a dry run says exactly what a pass would write.
type DecisionKind int

// The kinds of decision.
const (
	// DecideNothing: the record holds the wanted address and TTL, as the
	// state says (no call) or as a read of the provider confirmed.
	DecideNothing DecisionKind = iota
	// DecideRead: the provider's records must be read before deciding
	// (no state, another account, or the resync is due).
	DecideRead
	// DecideCreate: the provider holds no such record; set it.
	DecideCreate
	// DecideUpdate: the record holds another address or TTL; set it.
	DecideUpdate
	// DecideRepair: the state says the record is right but the provider
	// holds something else (it was edited outside the updater); set it again.
	DecideRepair
	// DecideSetUnread: the provider cannot read records back; set it to be sure.
	DecideSetUnread
	// DecideFail: the provider's records could not be read; see Decision.Err.
	DecideFail
)

var kindNames = [...]string{"nothing", "read", "create", "update", "repair", "set-unread", "fail"}

func (k DecisionKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("DecisionKind(%d)", int(k))
}

// Reason is why a decision was taken.
type Reason int

// The reasons for a decision.
const (
	ReasonNone            Reason = iota
	ReasonStateMatches           // the state holds the wanted address and TTL, no resync due
	ReasonProviderMatches        // the provider holds exactly one record, the wanted one
	ReasonNoState                // the state has no entry for the record
	ReasonNewProvider            // the state's entry was published through another account
	ReasonResyncDue              // [updater] resync has passed since the last comparison
	ReasonAddressDiffers         // the record holds another address
	ReasonTTLDiffers             // the record holds the wanted address with another TTL
	ReasonNoRecord               // the provider holds no record of that name and type
	ReasonExtraRecords           // the provider holds more than one record of that name and type
	ReasonCannotRead             // the provider cannot read records (ErrUnsupported)
	ReasonReadFailed             // reading the provider's records failed
	ReasonProxiedDiffers         // the record holds the wanted address with another proxied setting (Cloudflare)
	ReasonProxiedUnknown         // proxied is asked, and the state file does not say what was published
)

var reasonText = [...]string{
	ReasonNone:            "",
	ReasonStateMatches:    "the state file says it holds the wanted address",
	ReasonProviderMatches: "the provider holds the wanted record",
	ReasonNoState:         "no state for it",
	ReasonNewProvider:     "it was published through another account",
	ReasonResyncDue:       "its resync is due",
	ReasonAddressDiffers:  "the address differs",
	ReasonTTLDiffers:      "only the TTL differs",
	ReasonNoRecord:        "the provider holds no such record",
	ReasonExtraRecords:    "the provider holds more than one such record",
	ReasonCannotRead:      "the provider cannot read records",
	ReasonReadFailed:      "the provider's records could not be read",
	ReasonProxiedDiffers:  "its proxied setting differs",
	ReasonProxiedUnknown:  "the state file does not say whether it was published proxied",
}

func (r Reason) String() string {
	if int(r) < len(reasonText) {
		return reasonText[r]
	}
	return fmt.Sprintf("Reason(%d)", int(r))
}

// Observed is what a read of the provider returned. The zero value means
// the provider was not read.
type Observed struct {
	Read    bool
	Records []providers.Record
	Err     error
}

// DecideInput is everything one record's decision depends on.
type DecideInput struct {
	State     RecordState // the state file's entry, when HaveState
	HaveState bool
	Provider  Observed // the provider's records, when they were read
	Want      netip.Addr
	// WantProxied is the Cloudflare proxied setting a pass enforces (the
	// record's, else its account's); nil when neither says, which leaves
	// the record as the provider has it and never causes a write.
	WantProxied *bool
	Record      configs.Record
	Resync      time.Duration // [updater] resync; 0 never compares again
	Now         time.Time
}

// Decision is what to do with one record, and why.
type Decision struct {
	Kind   DecisionKind
	Reason Reason
	// Current is what the record holds as far as known: from the state
	// (FromProvider false) or from the provider's records; invalid when
	// unknown or none.
	Current netip.Addr
	// CurrentProxied is the record's proxied setting as far as known, from
	// the same place as Current; nil when unknown or not Cloudflare's.
	CurrentProxied *bool
	FromProvider   bool
	Records        int   // how many records the provider holds (when read)
	Err            error // the read's error (DecideFail)
}

// Writes reports whether the decision sets the record.
func (d Decision) Writes() bool {
	switch d.Kind {
	case DecideCreate, DecideUpdate, DecideRepair, DecideSetUnread:
		return true
	}
	return false
}

// Decide is the engine's one update decision, a pure function of its input
// (see the package doc, "A pass"). Without the provider's records it may
// answer DecideRead; the caller then reads them (Get, which changes
// nothing) and decides again with them.
func Decide(in DecideInput) Decision {
	r, st := in.Record, in.State
	var prev netip.Addr
	if in.HaveState {
		prev, _ = netip.ParseAddr(st.Address)
	}
	// The state's TTL is 0 when unknown (a state written before TTLs were kept).
	ttlDiffers := in.HaveState && st.TTL != 0 && st.TTL != r.TTL
	// Proxied counts only when asked. The state's is nil when unknown (a
	// state written before it was kept, or when it was not asked): the
	// provider is read to find out, as for a missing state.
	wp := in.WantProxied
	proxiedUnknown := wp != nil && in.HaveState && st.Proxied == nil
	proxiedDiffers := wp != nil && in.HaveState && st.Proxied != nil && *st.Proxied != *wp

	var due Reason
	switch {
	case !in.HaveState:
		due = ReasonNoState
	case st.Provider != r.Provider:
		due = ReasonNewProvider
	case in.Resync > 0 && !in.Now.Before(st.ResyncedAt.Add(in.Resync)):
		due = ReasonResyncDue
	case proxiedUnknown:
		due = ReasonProxiedUnknown
	}
	fromState := Decision{Current: prev}
	if in.HaveState {
		fromState.CurrentProxied = st.Proxied
	}
	if due == ReasonNone {
		d := fromState
		switch {
		case prev != in.Want:
			d.Kind, d.Reason = DecideUpdate, ReasonAddressDiffers
		case ttlDiffers:
			d.Kind, d.Reason = DecideUpdate, ReasonTTLDiffers
		case proxiedDiffers:
			d.Kind, d.Reason = DecideUpdate, ReasonProxiedDiffers
		default:
			d.Kind, d.Reason = DecideNothing, ReasonStateMatches
		}
		return d
	}

	obs := in.Provider
	switch {
	case !obs.Read:
		d := fromState
		d.Kind, d.Reason = DecideRead, due
		return d
	case errors.Is(obs.Err, providers.ErrUnsupported):
		d := fromState
		d.Kind, d.Reason = DecideSetUnread, ReasonCannotRead
		return d
	case obs.Err != nil:
		return Decision{Kind: DecideFail, Reason: ReasonReadFailed, Err: obs.Err, FromProvider: true}
	}

	have := obs.Records
	d := Decision{FromProvider: true, Records: len(have)}
	if len(have) > 0 {
		d.Current, d.CurrentProxied = have[0].Addr, have[0].Proxied
	}
	// The provider's TTL counts unless the state says this TTL was already
	// published: providers that raise a TTL to their minimum, or keep
	// proxied records at "automatic", read back another TTL than the one
	// set, and would be set every resync. A record the provider reports
	// proxied, and that is to stay so, reads TTL 1 whatever was set.
	servedAuto := len(have) == 1 && have[0].Proxied != nil && *have[0].Proxied && (wp == nil || *wp)
	ttlOff := len(have) == 1 && have[0].TTL != 0 && have[0].TTL != time.Duration(r.TTL)*time.Second &&
		!(in.HaveState && st.TTL == r.TTL) && !servedAuto
	// The provider's proxied counts when it reports one; when it does not,
	// the state must say the wanted one was published.
	var proxiedOff bool
	if len(have) == 1 && wp != nil {
		if p := have[0].Proxied; p != nil {
			proxiedOff = *p != *wp
		} else {
			proxiedOff = !(in.HaveState && st.Proxied != nil && *st.Proxied == *wp)
		}
	}
	switch {
	case len(have) == 0:
		d.Reason = ReasonNoRecord
	case len(have) > 1:
		d.Reason = ReasonExtraRecords
	case have[0].Addr != in.Want:
		d.Reason = ReasonAddressDiffers
	case proxiedOff:
		d.Reason = ReasonProxiedDiffers
	case (ttlDiffers && !servedAuto) || ttlOff:
		d.Reason = ReasonTTLDiffers
	default:
		d.Kind, d.Reason = DecideNothing, ReasonProviderMatches
		return d
	}
	// A repair puts back what the state says was published; a proxied
	// setting the state does not hold as published is an update.
	published := wp == nil || (st.Proxied != nil && *st.Proxied == *wp)
	switch {
	case in.HaveState && prev == in.Want && st.Provider == r.Provider && published:
		d.Kind = DecideRepair
	case len(have) == 0:
		d.Kind = DecideCreate
	default:
		d.Kind = DecideUpdate
	}
	return d
}

// VerifyKind is what reading a record back after a write showed.
type VerifyKind int

// The outcomes of a write's read-back.
const (
	// Verified: the provider serves the wanted address.
	Verified VerifyKind = iota
	// Unverified: the write was taken on trust: the provider cannot read
	// records (ErrUnsupported) or the record says verify = "none".
	Unverified
	// VerifyMissing: the provider answered the read, and the wanted
	// address is not among its records; the write did not take.
	VerifyMissing
	// VerifyFailed: the read failed; see Verification.Err.
	VerifyFailed
	// VerifyProxied: the provider serves the wanted address, but with
	// another proxied setting than the one asked (Cloudflare); see
	// Verification.Proxied.
	VerifyProxied
)

var verifyNames = [...]string{"verified", "unverified", "missing", "failed", "proxied-differs"}

func (k VerifyKind) String() string {
	if int(k) < len(verifyNames) {
		return verifyNames[k]
	}
	return fmt.Sprintf("VerifyKind(%d)", int(k))
}

// Verification is the outcome of a write's read-back.
type Verification struct {
	Kind VerifyKind
	Held []netip.Addr // what the provider serves (VerifyMissing)
	Err  error        // the read's error (VerifyFailed)
	// Proxied is the proxied setting the provider serves the address with
	// (VerifyProxied).
	Proxied bool
}

// Saved reports whether the state may record the write: only what was
// verified, or what cannot be verified at all.
func (v Verification) Saved() bool { return v.Kind == Verified || v.Kind == Unverified }

// Verify is the engine's one read-back decision, a pure function of the
// wanted address and proxied setting (nil: not asked), the record's config
// and what the read after the write returned: the write counts only if the
// provider serves the address, and, when proxied was asked and the provider
// reports it, with that proxied setting.
func Verify(want netip.Addr, proxied *bool, r configs.Record, obs Observed) Verification {
	switch {
	case r.Verify == configs.VerifyNone:
		return Verification{Kind: Unverified}
	case !obs.Read:
		return Verification{Kind: VerifyFailed, Err: errors.New("the record was not read back")}
	case errors.Is(obs.Err, providers.ErrUnsupported):
		return Verification{Kind: Unverified}
	case obs.Err != nil:
		return Verification{Kind: VerifyFailed, Err: obs.Err}
	}
	var held []netip.Addr
	for _, rec := range obs.Records {
		if rec.Addr == want {
			if proxied != nil && rec.Proxied != nil && *rec.Proxied != *proxied {
				return Verification{Kind: VerifyProxied, Proxied: *rec.Proxied}
			}
			return Verification{Kind: Verified}
		}
		held = append(held, rec.Addr)
	}
	return Verification{Kind: VerifyMissing, Held: held}
}
