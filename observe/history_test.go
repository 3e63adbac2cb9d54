package observe

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ddnsd/ddns/journal"
)

// fakeHistory records the filters it is asked with and answers res, err.
type fakeHistory struct {
	mu   sync.Mutex
	got  []journal.Filter
	res  journal.Result
	err  error
	read func(journal.Filter) (journal.Result, error)
}

func (h *fakeHistory) History(f journal.Filter) (journal.Result, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.got = append(h.got, f)
	if h.read != nil {
		return h.read(f)
	}
	return h.res, h.err
}

func (h *fakeHistory) last() journal.Filter {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.got[len(h.got)-1]
}

// TestHistoryQuery: since= is a time or a duration back from the
// endpoint's clock, record= and max= pass through, and a bad value is a
// 400 that names it.
func TestHistoryQuery(t *testing.T) {
	h := &fakeHistory{}
	f := &fakeSupervisor{st: healthyStatus(t0), now: t0}
	_, base := startServer(t, Options{History: h.History}, f)
	tests := []struct {
		query     string
		since     time.Time
		record    string
		max       int
		wantError string
	}{
		{"", time.Time{}, "", DefaultHistoryMax, ""},
		{"?since=2026-11-30T10:00:00Z", time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC), "", DefaultHistoryMax, ""},
		{"?since=2026-11-30T10:00:00.25%2B01:00", time.Date(2026, 11, 30, 9, 0, 0, 250e6, time.UTC), "", DefaultHistoryMax, ""},
		{"?since=36h", t0.Add(-36 * time.Hour), "", DefaultHistoryMax, ""},
		{"?since=7d", t0.Add(-7 * 24 * time.Hour), "", DefaultHistoryMax, ""},
		{"?since=1d12h&record=home.example.com/AAAA&max=50", t0.Add(-36 * time.Hour), "home.example.com/AAAA", 50, ""},
		{"?since=yesterday", time.Time{}, "", 0, "since=yesterday is neither an RFC 3339 time"},
		{"?since=-5m", time.Time{}, "", 0, "since=-5m is neither"},
		{"?since=d", time.Time{}, "", 0, "since=d is neither"},
		{"?max=0", time.Time{}, "", 0, "max=0 is not a number of entries"},
		{"?max=many", time.Time{}, "", 0, "max=many is not a number of entries"},
		// Hostile values: each a 400 naming what was wrong.
		{"?max=-1", time.Time{}, "", 0, "max=-1 is not a number of entries"},
		{"?max=99999999999999999999", time.Time{}, "", 0, "is not a number of entries"},
		{"?since=-5d", time.Time{}, "", 0, "since=-5d is neither"},
		{"?since=99999999999d", time.Time{}, "", 0, "since=99999999999d is neither"},
		{"?since=1e400h", time.Time{}, "", 0, "since=1e400h is neither"},
		{"?since=1d-5h", time.Time{}, "", 0, "since=1d-5h is neither"},
		{"?since=36500d2562047h", time.Time{}, "", 0, "is neither"},
		{"?since=%ff%fe", time.Time{}, "", 0, "is neither"},
		{"?max=1&max=50000", time.Time{}, "", 0, "max= is given 2 times; give it once"},
		{"?since=7d&since=1h", time.Time{}, "", 0, "since= is given 2 times"},
		{"?record=a.example.com&record=b.example.com", time.Time{}, "", 0, "record= is given 2 times"},
		{"?record=%ff.example.com", time.Time{}, "", 0, "is not a record's name"},
		{"?record=%1b[2J.example.com", time.Time{}, "", 0, "is not a record's name"},
		{"?record=" + strings.Repeat("a", 301), time.Time{}, "", 0, "is not a record's name"},
	}
	for _, tc := range tests {
		n := len(h.got)
		code, body := get(t, "GET", base+"/history"+tc.query, "")
		if tc.wantError != "" {
			if code != 400 || !strings.Contains(body, tc.wantError) || len(h.got) != n {
				t.Errorf("%s: %d %s, want 400 saying %q without reading the journal", tc.query, code, body, tc.wantError)
			}
			continue
		}
		if code != 200 {
			t.Errorf("%s: %d %s", tc.query, code, body)
			continue
		}
		got := h.last()
		if !got.Since.Equal(tc.since) || got.Record != tc.record || got.Max != tc.max {
			t.Errorf("%s: filter %+v, want since %v record %q max %d", tc.query, got, tc.since, tc.record, tc.max)
		}
	}
}

// TestHistoryReply: the body holds the entries as the journal writes them,
// the count of damaged lines, truncation, and the error of a journal that
// could not be read beside what the others had; no journal is a 404.
func TestHistoryReply(t *testing.T) {
	code := 3
	h := &fakeHistory{res: journal.Result{
		Entries: []journal.Entry{
			{At: t0.Add(-time.Hour), Kind: journal.KindChanged, Record: "home.example.com/A", Old: "192.0.2.1", New: "192.0.2.2", Verified: true, Took: 120 * time.Millisecond},
			{At: t0, Kind: journal.KindExited, PID: 42, Code: &code},
		},
		Skipped: 2, Truncated: true,
	}, err: errors.New("cannot read /var/lib/ddns/state.json.journal.jsonl: permission denied")}
	f := &fakeSupervisor{st: healthyStatus(t0), now: t0}
	_, base := startServer(t, Options{History: h.History}, f)
	c, body := get(t, "GET", base+"/history", "")
	if c != 200 {
		t.Fatalf("/history: %d %s", c, body)
	}
	var rep HistoryReply
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Entries) != 2 || rep.Entries[0].New != "192.0.2.2" || !rep.Entries[0].Verified || *rep.Entries[1].Code != 3 ||
		rep.Skipped != 2 || !rep.Truncated || !strings.Contains(rep.Error, "permission denied") {
		t.Errorf("/history = %s", body)
	}
	for _, field := range []string{`"kind":"changed"`, `"record":"home.example.com/A"`, `"old":"192.0.2.1"`, `"verified":true`, `"took_ns":120000000`} {
		if !strings.Contains(body, field) {
			t.Errorf("/history lacks %s: %s", field, body)
		}
	}

	empty := &fakeHistory{}
	_, base = startServer(t, Options{History: empty.History}, f)
	if c, body := get(t, "GET", base+"/history", ""); c != 200 || body != `{"entries":[]}` {
		t.Errorf("/history of an empty journal: %d %s, want 200 {\"entries\":[]}", c, body)
	}
	_, base = startServer(t, Options{}, f)
	if c, body := get(t, "GET", base+"/history", ""); c != 404 || !strings.Contains(body, "keeps no journal") {
		t.Errorf("/history without a journal: %d %s", c, body)
	}
}

// TestHistoryNeedsTheToken: with a token, /history is refused without it
// and served with it, like /status.
func TestHistoryNeedsTheToken(t *testing.T) {
	const token = "tok-hist-77aa"
	h := &fakeHistory{}
	f := &fakeSupervisor{st: healthyStatus(t0), now: t0}
	_, base := startServer(t, Options{Token: token, History: h.History}, f)
	for _, tok := range []string{"", "wrong"} {
		if c, _ := get(t, "GET", base+"/history", tok); c != 401 {
			t.Errorf("/history with token %q: %d, want 401", tok, c)
		}
	}
	if len(h.got) != 0 {
		t.Error("the journal was read for a request without the token")
	}
	if c, body := get(t, "GET", base+"/history", token); c != 200 {
		t.Errorf("/history with the token: %d %s", c, body)
	}
}
