//go:build !linux

package supervise

import "syscall"

// starterSys is empty where there is no subreaper or cgroup: the process
// group (Unix) or the job object (Windows) is all the containment there is.
type starterSys struct{}

func (e *execStarter) initSys()                    {}
func (e *execStarter) containing() bool            { return false }
func (e *execStarter) stopContaining(error)        {}
func (p *execProc) signalContained(syscall.Signal) {}
func (p *execProc) killContained()                 {}
