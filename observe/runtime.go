package observe

import (
	"bufio"
	"io"
	"os"
	"runtime"

	"github.com/shirou/gopsutil/v3/process"
)

// writeRuntime writes the supervisor's own figures under the names
// Prometheus' Go and process collectors use, so dashboards built for any Go
// program work: goroutines and heap from the runtime, memory, CPU time,
// open files and start time from the OS (gopsutil, already linked for the
// child's limits). A figure the OS does not give (open files on Windows) is
// left out rather than written as 0.
func writeRuntime(w io.Writer) {
	bw, ok := w.(*bufio.Writer)
	if !ok {
		bw = bufio.NewWriter(w)
		defer bw.Flush()
	}
	one := func(name, kind, help string, v float64) {
		bw.WriteString("# HELP " + name + " " + escapeHelp(help) + "\n")
		bw.WriteString("# TYPE " + name + " " + kind + "\n")
		writeSample(bw, name, nil, nil, "", "", v)
	}
	bw.WriteString("# HELP go_info Information about the Go environment.\n# TYPE go_info gauge\n")
	writeSample(bw, "go_info", []string{"version"}, []string{runtime.Version()}, "", "", 1)
	one("go_goroutines", kindGauge, "Number of goroutines that currently exist.", float64(runtime.NumGoroutine()))
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	one("go_memstats_alloc_bytes", kindGauge, "Number of bytes allocated in heap and currently in use.", float64(ms.HeapAlloc))
	one("go_memstats_heap_inuse_bytes", kindGauge, "Number of heap bytes that are in use.", float64(ms.HeapInuse))
	one("go_memstats_sys_bytes", kindGauge, "Number of bytes obtained from system.", float64(ms.Sys))

	p, err := process.NewProcess(int32(os.Getpid()))
	if err != nil {
		return
	}
	if t, err := p.Times(); err == nil {
		one("process_cpu_seconds_total", kindCounter, "Total user and system CPU time spent in seconds.", t.User+t.System)
	}
	if m, err := p.MemoryInfo(); err == nil {
		one("process_resident_memory_bytes", kindGauge, "Resident memory size in bytes.", float64(m.RSS))
		one("process_virtual_memory_bytes", kindGauge, "Virtual memory size in bytes.", float64(m.VMS))
	}
	if n, err := p.NumFDs(); err == nil {
		one("process_open_fds", kindGauge, "Number of open file descriptors.", float64(n))
	}
	if ms, err := p.CreateTime(); err == nil {
		one("process_start_time_seconds", kindGauge, "Start time of the process since unix epoch in seconds.", float64(ms)/1000)
	}
}
