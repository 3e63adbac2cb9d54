package netprobe

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// killMarked kills every process whose environment holds mark (NAME=value),
// reading /proc, and repeats while it finds some (a dying tree may still
// fork), bounded. A process that cleared its environment is not found.
func killMarked(mark string) {
	needle := []byte(mark + "\x00")
	me := os.Getpid()
	for pass := 0; pass < 10; pass++ {
		d, err := os.Open("/proc")
		if err != nil {
			return
		}
		names, _ := d.Readdirnames(-1)
		d.Close()
		found := 0
		for _, n := range names {
			pid, err := strconv.Atoi(n)
			if err != nil || pid == me {
				continue
			}
			env, err := os.ReadFile("/proc/" + n + "/environ")
			if err != nil || !(bytes.HasPrefix(env, needle) || bytes.Contains(env, append([]byte{0}, needle...))) {
				continue
			}
			if syscall.Kill(pid, syscall.SIGKILL) == nil {
				found++
			}
		}
		if found == 0 {
			return
		}
	}
}
