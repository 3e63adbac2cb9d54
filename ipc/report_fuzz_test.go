package ipc

import (
	"strings"
	"testing"
)

// FuzzDecodeReport decodes a `report` request line the way the server does
// and splits its report into pages the way a Reporter does before sending.
// A report the server accepts must survive the round trip: every page
// carries the report's PID and time, the pages hold every record in order
// (an error longer than any page cut, never dropped), each page fits the
// limit unless it is one record alone, and the server accepts every page
// again. RecordKey, which the supervisor merges reports by, must not depend on
// a trailing dot.
func FuzzDecodeReport(f *testing.F) {
	for _, seed := range []struct {
		line  string
		limit uint16
	}{
		{`{"cmd":"report","report":{"pid":1,"at":"2026-11-30T07:00:00+08:00","records":[{"name":"a.example.com","type":"A","address":"192.0.2.1","synced_at":"","error":""}]}}`, 0},
		{`{"cmd":"report","report":{"pid":7,"at":"2026-12-01T00:00:00Z","records":[{"name":"Home.Example.com.","type":"aaaa","address":"2001:db8::1","synced_at":"2026-12-01T00:00:00Z","error":""},{"name":"home.example.com","type":"AAAA","address":"","synced_at":"","error":"` + strings.Repeat("refused ", 600) + `"}]}}`, 200},
		{`{"cmd":"report","report":{"pid":2,"at":"2026-12-01T00:00:00Z","records":[{"name":"x","type":"A","address":"192.0.2.1","synced_at":"","changed_at":"2026-12-01T00:00:00.5Z","error":"\u00e9\u00e9\u00e9"}]}}`, 1},
		{`{"cmd":"report","report":{"records":[]}}`, 0},
		{`{"cmd":"report","report":{"pid":-1,"records":[{"name":"","type":"","address":"","synced_at":"","error":""}]}}`, 50},
		{`{"cmd":"report","report":null}`, 0},
		{`{"cmd":"report","report":{"records":[{"nme":"a"}]}}`, 0},
	} {
		f.Add([]byte(seed.line), seed.limit)
	}
	f.Fuzz(func(t *testing.T, line []byte, limitSeed uint16) {
		req, err := DecodeRequest(line)
		if err != nil || req.Cmd != CmdReport {
			return
		}
		if req.Report == nil {
			t.Fatalf("accepted a report request without a report: %q", line)
		}
		rep := *req.Report
		for _, rec := range rep.Records {
			k := RecordKey(rec.Name, rec.Type)
			if k != RecordKey(strings.TrimSuffix(rec.Name, ".")+".", rec.Type) || !strings.HasSuffix(k, "/"+strings.ToUpper(rec.Type)) {
				t.Fatalf("RecordKey(%q, %q) = %q depends on a trailing dot or keeps the type's case", rec.Name, rec.Type, k)
			}
		}
		// Small limits force many pages; 0 is the real one.
		limit := MaxRequestBytes
		if limitSeed != 0 {
			limit = reportPageSlack + int(limitSeed)
		}
		pages := reportPages(rep, limit)
		var got []RecordStatus
		for i, p := range pages {
			if p.PID != rep.PID || !p.At.Equal(rep.At) {
				t.Fatalf("page %d has pid %d at %v, the report pid %d at %v", i, p.PID, p.At, rep.PID, rep.At)
			}
			enc, err := Encode(Request{Cmd: CmdReport, Report: &p})
			if err != nil {
				t.Fatalf("page %d cannot be encoded: %v", i, err)
			}
			if len(enc) > limit && len(p.Records) > 1 {
				t.Fatalf("page %d of %d records is %d bytes, over the limit of %d", i, len(p.Records), len(enc), limit)
			}
			if len(enc) <= MaxRequestBytes {
				if _, err := DecodeRequest(enc); err != nil {
					t.Fatalf("the server refuses page %d: %v\n%s", i, err, enc)
				}
			}
			got = append(got, p.Records...)
		}
		if len(got) != len(rep.Records) {
			t.Fatalf("pages hold %d records, the report %d", len(got), len(rep.Records))
		}
		for i, rec := range got {
			want := rep.Records[i]
			if rec.Error != want.Error {
				cut, ok := strings.CutSuffix(rec.Error, "...")
				if !ok || !strings.HasPrefix(want.Error, cut) || len(cut) > maxRecordError {
					t.Fatalf("record %d's error changed beyond a cut: %q from %q", i, rec.Error, want.Error)
				}
				rec.Error = want.Error
			}
			if rec != want {
				t.Fatalf("record %d changed in the pages:\n%+v\n%+v", i, rec, want)
			}
		}
	})
}
