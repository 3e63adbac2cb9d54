// Package ddns is the updater's engine: it detects this machine's public
// addresses, compares each configured record with the state file, sets only
// the records that differ, persists the new state atomically and reports to
// the supervisor. Process management (signals, exit) is the caller's; the
// engine only says, through exit codes from package ipc, what a pass or a run
// amounted to.
//
// # A pass
//
// Engine.Pass detects the address of each family some record needs (one
// netprobe.Detector per family), then handles every record, at most
// [updater] concurrency at once per provider account:
//
//   - State says the record holds the wanted address (same provider, same
//     TTL, and the wanted Cloudflare proxied when one is asked) and its
//     resync is not due: nothing is called.
//   - State differs (address, TTL or the asked proxied): Set.
//   - No state (first run, a new record, a corrupt or unreadable state file)
//     or the resync is due ([updater] resync since the last comparison), or
//     a proxied is asked and the state does not say which was published: Get
//     the provider's real records; Set unless exactly one record already holds
//     the wanted address (and TTL, unless the state says that TTL was
//     published: some providers read back their own; and the asked proxied,
//     when the provider reports one). A proxied asked by neither the record
//     nor its account is never a reason to write. A provider that
//     cannot read (ErrUnsupported) is treated as "unknown": Set.
//
// Every write is read back before the state records it (Verify, the
// read-back's pure decision): a provider that answered success but does not
// serve the address (BIND and Knot accept and drop an address beside a
// CNAME) fails the record as rejected data, and the next pass writes it
// again; so does one that serves it with another proxied than was asked. [[records]] verify = "authoritative" also asks each of the zone's
// authoritative servers (NS lookup, then a query without recursion to
// each); verify = "none" trusts the provider.
//
// Decide is that decision, one pure function of the record's state entry,
// the provider's records (when read), the wanted address, the record's
// config and the time; Pass applies it and Plan (--dry-run) prints it, so a
// dry run says exactly which records a pass would set.
//
// One failing record never stops the others; each record's last result and
// error are kept for reports. The state file is rewritten only when something
// in it changed, atomically (see State.Save).
//
// # Exit codes
//
// ExitCodeFor maps an error to the ipc contract's code: credentials rejected
// (providers.ErrAuth) 5; data rejected (providers.ErrRejected,
// netprobe.ErrBadAddress, netprobe.ErrDisagreement, or every address source
// answering with an address that may not be published) 4; network
// (netprobe.ErrUnreachable, providers.ErrNetwork) 3; nil 0; anything else 1.
// For a pass with several failed records the first of 5, 4, 3, 1 that any
// record's error maps to wins.
//
// # The long-running policy (Engine.Run)
//
// A pass runs at start, then every [updater] interval, at once on a trigger
// (SIGHUP, update-now) and, when [updater] watch_interfaces is on and an
// interface source is configured, 200 ms after the kernel reports an address
// change. After each pass:
//
//   - any record failed with credentials rejected: return 5 (retrying with
//     the same credentials cannot help; the supervisor waits for a new config);
//   - every record failed with rejected data: return 4; if only some did,
//     keep running (the others are served);
//   - every record failed for network reasons, continuously for longer than
//     [updater] network_grace: return 3 (the supervisor waits for its probes);
//   - otherwise keep running.
//
// When ctx ends (SIGTERM, SIGINT) Run lets the provider calls in flight
// finish, starts no new one, saves the state and returns 0.
package ddns
