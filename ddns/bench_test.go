package ddns

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/ddnsd/ddns/providers/providertest"
)

// BenchmarkPass measures a pass in which every record changes, through the
// real Cloudflare provider against the local fake API (a GET of the zone, a
// GET of the record and a PATCH per record), and reports the calls a pass
// makes when nothing changed (must be 0). The fake API scans its records
// on every GET, so its own cost grows with the square of the record count at
// 10,000 records.
func BenchmarkPass(b *testing.B) {
	for _, n := range []int{10, 100, 1000, 10000} {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			api := providertest.NewCloudflare("tok-123", "example.com")
			defer api.Close()
			echo := newEcho(b, "11.22.33.44")
			eng, err := New(cloudflareConfig(b, api.URL, echo.URL, n), Options{StatePath: filepath.Join(b.TempDir(), "state.json")})
			if err != nil {
				b.Fatal(err)
			}
			if res := eng.Pass(context.Background()); res.Err() != nil { // create them all
				b.Fatal(res.Err())
			}
			api.Calls()
			if res := eng.Pass(context.Background()); res.Err() != nil || res.Changed != 0 {
				b.Fatalf("idle pass: %s %v", res.Summary(), res.Err())
			}
			idle := providertest.Total(api.Calls())
			b.ResetTimer()
			for i := range b.N {
				echo.set(netip.AddrFrom4([4]byte{11, 22, byte(i >> 8), byte(i)}).String())
				res := eng.Pass(context.Background())
				if res.Err() != nil || res.Changed != n {
					b.Fatalf("pass: %s %v", res.Summary(), res.Err())
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/pass")
			b.ReportMetric(float64(idle), "calls/idle-pass")
		})
	}
}

// BenchmarkStateSave measures the atomic write (temp file, fsync, rename,
// fsync of the folder) of a state file.
func BenchmarkStateSave(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			st := &State{Version: StateVersion, Records: map[string]RecordState{}}
			now := time.Now()
			for i := range n {
				st.Records[RecordKey(fmt.Sprintf("h%d.example.com", i), "A")] = RecordState{Address: "11.22.33.44", Provider: "cf", TTL: 300, SyncedAt: now, ChangedAt: now, ResyncedAt: now}
			}
			path := filepath.Join(b.TempDir(), "state.json")
			b.ResetTimer()
			for range b.N {
				if err := st.Save(path); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
