package observe

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ddnsd/ddns/journal"
)

// DefaultHistoryMax is how many entries /history returns at most unless
// max= asks for fewer (or more, up to journal.DefaultMaxEntries): the newest
// are kept. A year of one change an hour is 8,760.
const DefaultHistoryMax = 20_000

// HistoryReply is the body of /history.
type HistoryReply struct {
	// Entries pass the request's filter, oldest first.
	Entries []journal.Entry `json:"entries"`
	// Skipped counts damaged journal lines left out.
	Skipped int `json:"skipped,omitempty"`
	// Truncated: older entries that pass the filter exist (max was reached).
	Truncated bool `json:"truncated,omitempty"`
	// Error names a journal file that could not be read; Entries holds
	// what the others had.
	Error string `json:"error,omitempty"`
}

// serveHistory answers /history?since=&record=&max=: since is an RFC 3339
// time or a duration back from now (90m, 36h, 7d, 1d12h); record one
// record ("home.example.com" or "home.example.com/AAAA"; the supervisor's
// own entries, which concern every record, come along); max the number of
// newest entries.
func (s *Server) serveHistory(w http.ResponseWriter, r *http.Request) {
	if s.o.History == nil {
		writeJSON(w, http.StatusNotFound, errBody("this supervisor keeps no journal, so there is no history"))
		return
	}
	f, err := historyFilter(r.URL.Query(), s.clock.Now())
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errBody(err.Error()))
		return
	}
	res, err := s.o.History(f)
	rep := HistoryReply{Entries: res.Entries, Skipped: res.Skipped, Truncated: res.Truncated}
	if rep.Entries == nil {
		rep.Entries = []journal.Entry{}
	}
	if err != nil {
		rep.Error = err.Error()
		s.log.Debug("history: a journal could not be read", "error", err)
	}
	writeJSON(w, http.StatusOK, rep)
}

// historyFilter reads /history's query.
func historyFilter(q url.Values, now time.Time) (journal.Filter, error) {
	for _, k := range []string{"since", "record", "max"} {
		// Given twice, a proxy in front and this endpoint could each read
		// another one: refused rather than guessed.
		if len(q[k]) > 1 {
			return journal.Filter{}, fmt.Errorf("%s= is given %d times; give it once", k, len(q[k]))
		}
	}
	f := journal.Filter{Record: q.Get("record"), Max: DefaultHistoryMax}
	if r := f.Record; len(r) > maxRecordParam || !utf8.ValidString(r) || strings.IndexFunc(r, func(c rune) bool { return !unicode.IsPrint(c) }) >= 0 {
		return f, fmt.Errorf("record=%s is not a record's name (home.example.com or home.example.com/AAAA): at most %d bytes of printable UTF-8", clip(strings.ToValidUTF8(r, "?"), 40), maxRecordParam)
	}
	if v := q.Get("since"); v != "" {
		t, err := parseSinceParam(v, now)
		if err != nil {
			return f, err
		}
		f.Since = t
	}
	if v := q.Get("max"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > journal.DefaultMaxEntries {
			return f, fmt.Errorf("max=%s is not a number of entries from 1 to %d", clip(v, 40), journal.DefaultMaxEntries)
		}
		f.Max = n
	}
	return f, nil
}

// maxRecordParam bounds record=: a DNS name is at most 253 bytes, and its
// type a few more.
const maxRecordParam = 300

// parseSinceParam reads since= as an RFC 3339 time, else as a duration
// back from now with whole days allowed in front ("7d", "1d12h").
func parseSinceParam(v string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	bad := fmt.Errorf("since=%s is neither an RFC 3339 time (2026-12-01T23:00:00Z) nor a duration back from now (90m, 36h, 7d)", clip(v, 40))
	var d time.Duration
	rest := v
	if i := strings.IndexByte(rest, 'd'); i > 0 {
		days, err := strconv.Atoi(rest[:i])
		if err != nil || days < 0 || days > 36500 {
			return time.Time{}, bad
		}
		d = time.Duration(days) * 24 * time.Hour
		rest = rest[i+1:]
	}
	if rest != "" {
		dd, err := time.ParseDuration(rest)
		if err != nil || dd < 0 || d+dd < d {
			// "1d-5h" is no duration a person means, and a sum past
			// about 292 years does not fit.
			return time.Time{}, bad
		}
		d += dd
	}
	if d < 0 {
		return time.Time{}, bad
	}
	return now.Add(-d), nil
}
