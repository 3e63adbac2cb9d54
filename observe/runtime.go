package observe

import (
	"bufio"
	"io"
	"runtime"
)

// writeRuntime writes the supervisor's own figures under the names
// Prometheus' Go and process collectors use, so dashboards built for any Go
// program work: goroutines and heap from the runtime, memory, CPU time,
// open files and start time from the OS (readProcess, per OS). A figure the
// OS does not give (open files on Windows) is left out rather than written
// as 0.
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

	p := readProcess()
	if p.hasCPU {
		one("process_cpu_seconds_total", kindCounter, "Total user and system CPU time spent in seconds.", p.cpuSeconds)
	}
	if p.hasMemory {
		one("process_resident_memory_bytes", kindGauge, "Resident memory size in bytes.", p.residentBytes)
		one("process_virtual_memory_bytes", kindGauge, "Virtual memory size in bytes.", p.virtualBytes)
	}
	if p.hasFDs {
		one("process_open_fds", kindGauge, "Number of open file descriptors.", p.openFDs)
	}
	if p.hasStart {
		one("process_start_time_seconds", kindGauge, "Start time of the process since unix epoch in seconds.", p.startSeconds)
	}
}

// processFigures is what the OS says of this process; a has* field is false
// when the OS did not say.
type processFigures struct {
	cpuSeconds                  float64 // user and system CPU time
	residentBytes, virtualBytes float64
	openFDs                     float64
	startSeconds                float64 // since the Unix epoch
	hasCPU, hasMemory, hasFDs   bool
	hasStart                    bool
}
