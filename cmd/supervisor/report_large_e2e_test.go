//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/testsupport/e2e"
)

// Reports work at any record count: the real updater, supervised by the
// real supervisor, publishes 10,000 records to the dry-run provider, and
// `status` shows every one. Before, the report (over 2 MB) was refused by
// the socket's 1 MiB request limit: status showed no record, and the child
// never fed the watchdog.
func TestTenThousandRecordsReportAndShowInStatus(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 records: a few seconds")
	}
	const n = 10000
	var b strings.Builder
	b.WriteString(strings.Replace(e2e.DryrunConfig(`restart_delay = "0s"`), "[[records]]\nprovider = \"local\"\nzone = \"example.test\"\nname = \"home\"\n", "", 1))
	b.WriteString("records = [\n")
	for i := range n {
		fmt.Fprintf(&b, "{provider=\"local\",zone=\"example.test\",name=\"h%05d\"},\n", i)
	}
	b.WriteString("]\n")
	// records = [...] must sit at the top level, before any table.
	cfg := b.String()
	head, rest, _ := strings.Cut(cfg, "records = [\n")
	cfg = "records = [\n" + rest + head

	e := newEnv(t, cfg)
	e.Start()
	st := e.WaitStatus("10,000 records in status", 90*time.Second, func(st ipc.Status) bool {
		return e2e.Running(st) && len(st.Records) == n
	})
	for _, r := range st.Records {
		if r.Address != "192.0.2.10" || r.Error != "" {
			t.Fatalf("record %+v; want 192.0.2.10 and no error", r)
		}
	}
	out, code := e.CLI("status", "--socket", e.Socket)
	if code != 0 || !strings.Contains(out, "h00000.example.test") || !strings.Contains(out, fmt.Sprintf("h%05d.example.test", n-1)) {
		t.Errorf("status: exit %d, %d bytes; want the first and last record", code, len(out))
	}
	out, code = e.CLI("status", "--json", "--socket", e.Socket)
	var doc ipc.Status
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil || len(doc.Records) != n {
		t.Errorf("status --json: exit %d, %d records", code, len(doc.Records))
	}
}
