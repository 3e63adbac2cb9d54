package ipc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/go-hclog"
)

// DefaultReportTimeout bounds each request of a Reporter.Send, retry
// included, so a supervisor that hangs can delay an update pass by this much
// at most (a report of several pages gets it per page that is answered).
const DefaultReportTimeout = 2 * time.Second

// Reporter sends the updater's reports to its supervisor. It keeps one
// connection open across passes, dials lazily (the first Send, or after the
// connection broke, e.g. when the supervisor restarted or closed an idle
// connection), and bounds every Send by a short timeout.
//
// A Reporter made with an empty path does nothing: the updater runs without a
// supervisor.
type Reporter struct {
	path    string
	log     hclog.Logger
	timeout time.Duration
	// sem is a one-slot lock that a waiting Send can give up on when its
	// context ends, unlike a sync.Mutex.
	sem    chan struct{}
	client *Client
	// acked holds each record as the supervisor at the other end of
	// client last acknowledged it, or is nil when it may know nothing
	// (no connection yet, a new one, a failed send).
	acked  map[string]RecordStatus
	warned bool // a failure was logged at warn; log the next ones at debug
	closed bool
}

// NewReporter returns a Reporter for the socket at path (typically the value
// of EnvSocket), or one that does nothing if path is "".
func NewReporter(path string, logger hclog.Logger) *Reporter {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	return &Reporter{path: path, log: logger, timeout: DefaultReportTimeout, sem: make(chan struct{}, 1)}
}

// Send delivers rep and waits for the supervisor's acknowledgement, for at
// most the Reporter's timeout per request (or ctx's deadline, if sooner). A report whose
// request would be longer than MaxRequestBytes (about 5,500 records) goes as
// several pages, each a report of its own with some of the records: the
// supervisor merges a report's records into what it knows, so the pages add
// up to the whole, and its request limit, which keeps a hostile local client
// from making it hold much memory, stays as it is. On a connection
// that turns out to be broken it redials once. Failures are returned for the
// caller to note; they must never fail an update pass.
func (r *Reporter) Send(ctx context.Context, rep Report) error {
	if r == nil || r.path == "" {
		return nil
	}
	wait, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	select {
	case r.sem <- struct{}{}:
	case <-wait.Done():
		return fmt.Errorf("report to the supervisor not sent: another report is still in flight: %w", wait.Err())
	}
	defer func() { <-r.sem }()
	if r.closed {
		return errors.New("report to the supervisor not sent: the reporter is closed")
	}

	var err error
	for range 2 {
		var stale bool
		stale, err = r.sendAll(ctx, rep)
		if err == nil || !stale || ctx.Err() != nil {
			break
		}
		// The kept connection was stale (the supervisor restarted or
		// closed it while idle): one fresh attempt, with every record.
	}
	if err != nil {
		if !r.warned {
			r.warned = true
			r.log.Warn("cannot report to the supervisor; will keep trying each pass", "socket", r.path, "error", err)
		} else {
			r.log.Debug("cannot report to the supervisor", "socket", r.path, "error", err)
		}
		return err
	}
	if r.warned {
		r.warned = false
		r.log.Info("reporting to the supervisor again", "socket", r.path)
	}
	return nil
}

// sendAll sends rep, or on a connection whose supervisor acknowledged an
// earlier report only the records that differ from what it acknowledged (a
// heartbeat between passes then carries none): the supervisor merges what it
// is sent, so it ends up knowing all of rep either way, while a report of
// 10,000 unchanged records costs nothing to send. A new connection (a new
// supervisor, perhaps) gets every record. stale is as for try.
func (r *Reporter) sendAll(ctx context.Context, rep Report) (stale bool, err error) {
	full := r.client == nil || r.acked == nil
	send := rep
	if !full {
		send.Records = nil
		for _, rec := range rep.Records {
			if old, ok := r.acked[RecordKey(rec.Name, rec.Type)]; !ok || old != rec {
				send.Records = append(send.Records, rec)
			}
		}
	}
	for _, page := range reportPages(send, MaxRequestBytes) {
		// Each page has the Reporter's timeout: a supervisor that hangs
		// costs one timeout, a long report of pages that are answered
		// does not run out of time.
		pctx, cancel := context.WithTimeout(ctx, r.timeout)
		stale, err = r.try(pctx, Request{Cmd: CmdReport, Report: &page})
		if pctx.Err() != nil {
			stale = false // it hung: that was the retry's time too
		}
		cancel()
		if err != nil {
			r.acked = nil
			return stale, err
		}
	}
	if full {
		r.acked = make(map[string]RecordStatus, len(rep.Records))
	}
	for _, rec := range send.Records {
		r.acked[RecordKey(rec.Name, rec.Type)] = rec
	}
	return false, nil
}

// try sends one report. On failure it drops the connection, so the next try
// dials again; retry is true when the failure was on a kept connection, which
// may simply have gone stale, so that a fresh one may succeed.
func (r *Reporter) try(ctx context.Context, req Request) (retry bool, err error) {
	kept := r.client != nil
	if !kept {
		c, err := Dial(ctx, r.path)
		if err != nil {
			return false, err
		}
		r.client = c
		r.acked = nil
	}
	reply, err := r.client.Do(ctx, req)
	if err != nil {
		r.client.Close()
		r.client = nil
		return kept, err
	}
	if !reply.OK {
		// The supervisor answered: the connection is fine, the report not.
		return false, fmt.Errorf("the supervisor refused the report: %s", reply.Error)
	}
	return false, nil
}

// Close drops the connection. Later Sends fail.
func (r *Reporter) Close() error {
	if r == nil || r.path == "" {
		return nil
	}
	r.sem <- struct{}{}
	defer func() { <-r.sem }()
	r.closed = true
	if r.client != nil {
		err := r.client.Close()
		r.client = nil
		return err
	}
	return nil
}

// reportPageSlack is what reportPages keeps free in each page for the
// request's envelope ({"cmd":"report","report":{"pid":...,"at":...}}).
const reportPageSlack = 1 << 10

// maxRecordError bounds a record's error in a page when the record alone
// would not fit in one request: the rest of the message is dropped.
const maxRecordError = 4 << 10

// reportPages splits rep into reports whose request lines fit in limit
// bytes, in record order: rep itself when it fits. Each page carries rep's
// PID and At; a record too long for any page (an error of megabytes) has
// its error shortened so that every record reaches the supervisor.
func reportPages(rep Report, limit int) []Report {
	budget := limit - reportPageSlack
	if b, err := Encode(Request{Cmd: CmdReport, Report: &rep}); err != nil || len(b) <= limit || budget <= 0 {
		return []Report{rep}
	}
	var pages []Report
	page := Report{PID: rep.PID, At: rep.At}
	size := 0
	for _, rec := range rep.Records {
		n := encodedLen(rec)
		if n > budget && len(rec.Error) > maxRecordError {
			cut := maxRecordError
			for cut > 0 && !utf8.RuneStart(rec.Error[cut]) {
				cut--
			}
			rec.Error = rec.Error[:cut] + "..."
			n = encodedLen(rec)
		}
		if size > 0 && size+n+1 > budget {
			pages = append(pages, page)
			page = Report{PID: rep.PID, At: rep.At}
			size = 0
		}
		page.Records = append(page.Records, rec)
		size += n + 1 // the comma
	}
	return append(pages, page)
}

// encodedLen is the length of rec's JSON.
func encodedLen(rec RecordStatus) int {
	b, err := json.Marshal(rec)
	if err != nil {
		return 0
	}
	return len(b)
}
