// Package readiness answers "is the network usable?" for the supervisor
// before it (re)starts the updater: a Prober runs DNS lookups and TCP
// connects, each bounded by a timeout, and keeps each check's latency and its
// loss over a window; TargetsFor derives the checks from the URLs and
// servers the updater's config talks to.
//
// It uses the standard library's resolver (the pure Go one, pointed at the
// configured DNS servers when there are any) and imports no DNS library, so
// the supervisor links none; dnsaddr reads the servers' addresses, as it does
// for the updater's DNS code.
package readiness
