package daemon

import "github.com/ddnsd/ddns/supervise"

// processGroup is, on Windows, the supervised child whose job object holds
// pid: the job is what a process group is on Unix (the child and all it
// started), so a report is accepted only from inside the child's job.
func processGroup(pid int) (int, error) { return supervise.JobLeader(pid) }

// askUpdate sets the child's update event, which the updater treats as
// SIGHUP: one pass now.
func askUpdate(pid int) error { return supervise.AskUpdate(pid) }
