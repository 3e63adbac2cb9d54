package configs

// The events a [[notify]] entry may ask for in its `events` list. This is
// the one list of them: configs validates `events` against it and package
// notify names its event kinds after it (configs imports nothing that could
// own it, notify imports configs).
const (
	NotifyAddressChanged  = "address-changed"  // a record's address changed
	NotifyUpdateFailed    = "update-failed"    // a record started failing to update
	NotifyUpdateRecovered = "update-recovered" // a failing record updated again
	NotifyCrashLoop       = "crash-loop"       // the updater keeps crashing; restarts paused
	NotifyChildRestarted  = "child-restarted"  // the updater was restarted after a failure
	NotifyConfigInvalid   = "config-invalid"   // a changed config did not load
)

// NotifyEvents are the event names a [[notify]] entry may ask for, in the
// order messages list them; an entry without `events` gets all of them.
var NotifyEvents = []string{NotifyAddressChanged, NotifyUpdateFailed, NotifyUpdateRecovered,
	NotifyCrashLoop, NotifyChildRestarted, NotifyConfigInvalid}
