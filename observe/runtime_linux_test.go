package observe

import (
	"math"
	"os"
	"testing"
	"time"

	"github.com/shirou/gopsutil/v3/process"
)

// TestReadProcessMatchesGopsutil: the /proc reading on Linux gives the
// figures gopsutil gave before it replaced it (same sources, same units),
// within what changes between the two readings.
func TestReadProcessMatchesGopsutil(t *testing.T) {
	gp, err := process.NewProcess(int32(os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	wantStart, err := gp.CreateTime()
	if err != nil {
		t.Fatal(err)
	}
	wantMem, err := gp.MemoryInfo()
	if err != nil {
		t.Fatal(err)
	}
	wantFDs, err := gp.NumFDs()
	if err != nil {
		t.Fatal(err)
	}
	wantTimes, err := gp.Times()
	if err != nil {
		t.Fatal(err)
	}
	got := readProcess()
	if !got.hasCPU || !got.hasMemory || !got.hasFDs || !got.hasStart {
		t.Fatalf("a figure is missing on Linux: %+v", got)
	}
	// gopsutil truncates the start to whole seconds; /proc gives ticks.
	if d := got.startSeconds - float64(wantStart)/1000; d < 0 || d >= 1 {
		t.Errorf("start %.3f, gopsutil %.3f", got.startSeconds, float64(wantStart)/1000)
	}
	if now := float64(time.Now().UnixNano()) / 1e9; got.startSeconds > now || got.startSeconds < now-3600 {
		t.Errorf("start %.3f is not within the hour before now (%.3f)", got.startSeconds, now)
	}
	if got.virtualBytes != float64(wantMem.VMS) && math.Abs(got.virtualBytes-float64(wantMem.VMS)) > 64<<20 {
		t.Errorf("virtual %v, gopsutil %v", got.virtualBytes, wantMem.VMS)
	}
	if got.residentBytes <= 0 || math.Abs(got.residentBytes-float64(wantMem.RSS)) > 8<<20 {
		t.Errorf("resident %v, gopsutil %v", got.residentBytes, wantMem.RSS)
	}
	if got.openFDs < 3 || math.Abs(got.openFDs-float64(wantFDs)) > 2 {
		t.Errorf("open fds %v, gopsutil %v", got.openFDs, wantFDs)
	}
	// gopsutil counts whole ticks; getrusage is finer and read later.
	if want := wantTimes.User + wantTimes.System; got.cpuSeconds < want-0.02 || got.cpuSeconds > want+1 {
		t.Errorf("cpu %.3fs, gopsutil %.3fs", got.cpuSeconds, want)
	}
}

// TestStatFieldsAfterCommandName: a command name with spaces and
// parentheses does not shift the fields of /proc/PID/stat.
func TestStatFieldsAfterCommandName(t *testing.T) {
	stat := []byte("1234 (a) b (c)) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 4242 1000 100 ...")
	f := statFields(stat)
	if len(f) < 20 || f[0] != "S" || f[22-3] != "4242" {
		t.Fatalf("fields from 3 on = %q, want S first and 4242 as field 22", f)
	}
	if statFields([]byte("no command name")) != nil {
		t.Fatal("a line without ')' gave fields")
	}
}
