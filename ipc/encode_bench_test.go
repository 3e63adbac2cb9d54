package ipc

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// benchStatus is a status document the size a busy supervisor sends: the
// given number of records and events, every field filled.
func benchStatus(records, events int) *Status {
	now := TimeOf(time.Unix(1_700_000_000, 0))
	code := 1
	st := &Status{
		Supervisor: SupervisorStatus{PID: 4242, Version: "v1.2.3", UptimeSeconds: 86400.5, ConfigPath: "/etc/ddns/config.toml",
			ConfigLoadedAt: now, ConfigHash: "0123456789abcdef", ConfigGeneration: 7},
		Child: ChildStatus{State: "running", PID: 4243, UptimeSeconds: 3600, Restarts: 12, LastExit: &ExitInfo{Code: 1, Reason: "exit code 1 (restart)", At: now},
			LastReportAgeSeconds: 1.5, Command: []string{"/usr/local/bin/updater", "--config", "/etc/ddns/config.toml"}},
		Network: NetworkStatus{Ready: true, Checks: []CheckStatus{
			{Kind: "dns", Target: "api.cloudflare.com", OK: true, LatencyMS: 12.5},
			{Kind: "tcp", Target: "1.1.1.1:443", OK: true, LatencyMS: 8.25, Loss: 0.01},
		}},
		Records: make([]RecordStatus, 0, records),
		Events:  make([]EventStatus, 0, events),
	}
	for i := range records {
		st.Records = append(st.Records, RecordStatus{Name: fmt.Sprintf("host%d.example.com", i), Type: "A", Provider: "home",
			Address: "203.0.113.7", SyncedAt: now, ChangedAt: now})
	}
	for i := range events {
		st.Events = append(st.Events, EventStatus{At: now, Kind: "backoff", PID: 5000 + i, Code: &code,
			Detail: "exit code 1 (restart); restarting in 1s (consecutive failures: 1)"})
	}
	return st
}

// BenchmarkStatusEncode measures encoding a status reply to its wire line,
// the server's share of every `supervisor status`, at the sizes that matter:
// an idle supervisor, a full event ring (256, the supervisor's default
// capacity), and a thousand records.
func BenchmarkStatusEncode(b *testing.B) {
	for _, sz := range []struct{ records, events int }{{1, 10}, {1, 256}, {1000, 256}} {
		b.Run(fmt.Sprintf("records=%d/events=%d", sz.records, sz.events), func(b *testing.B) {
			rep := Reply{OK: true, Status: benchStatus(sz.records, sz.events)}
			var n int
			for b.Loop() {
				line, err := Encode(rep)
				if err != nil {
					b.Fatal(err)
				}
				n = len(line)
			}
			b.SetBytes(int64(n))
			// The line must decode back to the same document, or the figure
			// would be for a broken encoder.
			line, _ := Encode(rep)
			var back Reply
			if err := json.Unmarshal(line, &back); err != nil || len(back.Status.Events) != sz.events || len(back.Status.Records) != sz.records {
				b.Fatalf("the encoded line does not decode back: %v", err)
			}
		})
	}
}
