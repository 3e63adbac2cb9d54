package ipc

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// manyRecords is a report of n records with realistic fields.
func manyRecords(n int) Report {
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	rep := Report{PID: 42, At: at}
	for i := range n {
		rep.Records = append(rep.Records, RecordStatus{Name: fmt.Sprintf("host-%05d.customer-zone.example.com", i), Type: "AAAA",
			Provider: "cloudflare-main", Address: "2001:db8:1234:5678:9abc:def0:1234:5678", SyncedAt: TimeOf(at), ChangedAt: TimeOf(at),
			Error: "cloudflare: the API answered 502 Bad Gateway after 5 tries"})
	}
	return rep
}

// A report of 10,000 records (over 2 MB, twice MaxRequestBytes) reaches a
// real server whole, as pages each within the server's unchanged request
// limit. Before, the one oversized request was refused and the supervisor
// learned nothing, not even the heartbeat.
func TestReporterPagesALargeReport(t *testing.T) {
	var mu sync.Mutex
	got := map[string]RecordStatus{}
	requests := 0
	s := startServer(t, ServerOptions{Handler: func(_ context.Context, req Request, _ Peer, w ReplyWriter) {
		mu.Lock()
		requests++
		for _, r := range req.Report.Records {
			got[RecordKey(r.Name, r.Type)] = r
		}
		mu.Unlock()
		_ = w.Send(Reply{OK: true})
	}})
	rep := manyRecords(10000)
	if b, _ := Encode(Request{Cmd: CmdReport, Report: &rep}); len(b) <= MaxRequestBytes {
		t.Fatalf("the test's report is %d bytes, within the limit; it must exceed it", len(b))
	}
	r := NewReporter(s.Path(), nil)
	defer r.Close()
	if err := r.Send(ctxT(t), rep); err != nil {
		t.Fatalf("Send: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 10000 || requests < 2 {
		t.Fatalf("the server got %d records in %d requests; want all 10000 in pages", len(got), requests)
	}
	for _, want := range rep.Records {
		if g := got[RecordKey(want.Name, want.Type)]; g != want {
			t.Fatalf("record %s arrived as %+v", want.Name, g)
		}
	}
}

func TestReportPages(t *testing.T) {
	small := manyRecords(3)
	if p := reportPages(small, MaxRequestBytes); len(p) != 1 || len(p[0].Records) != 3 {
		t.Fatalf("a small report was split: %d pages", len(p))
	}
	big := manyRecords(10000)
	huge := manyRecords(1)
	huge.Records[0].Error = strings.Repeat("é", MaxRequestBytes)
	for name, rep := range map[string]Report{"10,000 records": big, "one record with a 2 MB error": huge} {
		pages := reportPages(rep, MaxRequestBytes)
		n := 0
		for i, p := range pages {
			b, err := Encode(Request{Cmd: CmdReport, Report: &p})
			if err != nil {
				t.Fatal(err)
			}
			if len(b) > MaxRequestBytes {
				t.Errorf("%s: page %d is %d bytes, over the limit", name, i, len(b))
			}
			if _, err := DecodeRequest(b); err != nil {
				t.Errorf("%s: page %d does not decode: %v", name, i, err)
			}
			if p.PID != rep.PID || !p.At.Equal(rep.At) {
				t.Errorf("%s: page %d header %d %v", name, i, p.PID, p.At)
			}
			for _, r := range p.Records {
				if r.Name != rep.Records[n].Name {
					t.Fatalf("%s: page %d holds %s where %s was due", name, i, r.Name, rep.Records[n].Name)
				}
				n++
			}
		}
		if n != len(rep.Records) {
			t.Errorf("%s: %d records in the pages, want %d", name, n, len(rep.Records))
		}
	}
}

// On a kept connection the Reporter sends only the records that changed
// since the supervisor's last acknowledgement, so a heartbeat of 10,000
// unchanged records is one small request; a new connection (the supervisor
// restarted) gets every record again.
func TestReporterSendsOnlyChangesOnAKeptConnection(t *testing.T) {
	var mu sync.Mutex
	var sizes []int // records per report request
	handler := func(_ context.Context, req Request, _ Peer, w ReplyWriter) {
		mu.Lock()
		sizes = append(sizes, len(req.Report.Records))
		mu.Unlock()
		_ = w.Send(Reply{OK: true})
	}
	s := startServer(t, ServerOptions{Handler: handler})
	sent := func() []int {
		mu.Lock()
		defer mu.Unlock()
		out := sizes
		sizes = nil
		return out
	}
	total := func(xs []int) (n int) {
		for _, x := range xs {
			n += x
		}
		return n
	}
	r := NewReporter(s.Path(), nil)
	defer r.Close()
	rep := manyRecords(10000)
	must(t, r.Send(ctxT(t), rep))
	if got := sent(); total(got) != 10000 {
		t.Fatalf("first report: %v records per request; want all 10000", got)
	}
	must(t, r.Send(ctxT(t), rep))
	if got := sent(); len(got) != 1 || got[0] != 0 {
		t.Fatalf("heartbeat of unchanged records: %v records per request; want one request with none", got)
	}
	rep.Records[7].Address = "2001:db8::7"
	must(t, r.Send(ctxT(t), rep))
	if got := sent(); len(got) != 1 || got[0] != 1 {
		t.Fatalf("one record changed: %v records per request; want one request with it", got)
	}
	// The connection ends (a supervisor restart): everything again.
	r.client.Close()
	must(t, r.Send(ctxT(t), rep))
	if got := sent(); total(got) != 10000 {
		t.Fatalf("after a new connection: %v records per request; want all 10000", got)
	}
}
