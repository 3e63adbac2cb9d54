// Package notify tells people about what the supervisor sees: a record's
// address changed, an update started failing or recovered, the child was
// restarted or is crash-looping, the config file no longer loads.
//
// Each [[notify]] entry is a webhook (any method, templated headers and
// body) or a ping URL in the healthchecks.io style (URL for success,
// URL/start, URL/fail). Every entry has its own bounded queue and its own
// delivery goroutine, so a receiver that hangs delays only its own
// notifications, and the supervisor's calls never wait for the network:
// Notify appends to a queue and returns. When a queue is full the oldest
// queued notification is dropped (the newest says most about the present),
// with a log line.
//
// Delivery is at least once: an attempt that times out is retried, with
// backoff, up to Retries more times; a receiver that handled the request
// but answered too late may see it twice, so every request carries
// X-DDNS-Event-ID for receivers that de-duplicate. A notification given up
// on is logged with the receiver's URL masked (redact.URL): ping URLs,
// chat webhooks and query strings often hold secrets.
//
// Body and header templates are Go template syntax, parsed by the standard
// parser (text/template/parse) and run by this package's small executor
// (template.go): fields, if/else, with, literals and the functions json,
// print, printf, println, len, not, and, or, eq and ne, with text/template's
// output and error wording. text/template itself is not linked: it calls
// methods by name through reflection, which keeps every exported method of
// the binary alive and made the supervisor about 1.9 MB larger.
package notify

import (
	"time"

	"github.com/ddnsd/ddns/configs"
)

// Event is one thing worth telling. Kind is one of configs.NotifyEvents.
type Event struct {
	Kind       string
	Record     string // record name, fully qualified
	Type       string // "A" or "AAAA"
	Provider   string
	OldAddress string
	NewAddress string
	Error      string
	At         time.Time
	Detail     string
	// ID identifies the event in every delivery attempt (X-DDNS-Event-ID);
	// Notify sets it when empty.
	ID string
}

// The event kinds: configs.NotifyEvents under notify's names, so a config's
// `events` list and what notify sends cannot spell an event two ways.
const (
	KindAddressChanged  = configs.NotifyAddressChanged
	KindUpdateFailed    = configs.NotifyUpdateFailed
	KindUpdateRecovered = configs.NotifyUpdateRecovered
	KindCrashLoop       = configs.NotifyCrashLoop
	KindChildRestarted  = configs.NotifyChildRestarted
	KindConfigInvalid   = configs.NotifyConfigInvalid
)
