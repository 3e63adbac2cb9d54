package install

import "fmt"

// marker is written into every generated file. Uninstall deletes a file only
// when it carries this text, so a same-named file someone wrote by hand is
// never lost.
const marker = `Written by "supervisor install"`

// change says how Install found the target's files, which decides the
// commands: a replaced unit must be reloaded and restarted, an unchanged one
// only made sure of.
type change int

const (
	created change = iota
	replaced
	unchanged
)

// step is one external command. A tolerated step may fail in an ordinary
// situation (stopping something that is not running); its failure becomes a
// note, and tolerate says when that is expected.
type step struct {
	args     []string
	tolerate string
}

func cmd(args ...string) step { return step{args: args} }

func tolerated(why string, args ...string) step { return step{args: args, tolerate: why} }

// plan is everything one target consists of.
type plan struct {
	files []File
	// activate returns the commands that register, enable and start the entry
	// after Install found its files in the given state.
	activate func(change) []step
	// deactivate runs before Uninstall removes the files, cleanup after.
	deactivate, cleanup []step
	// installNotes and uninstallNotes explain what a target cannot do.
	installNotes, uninstallNotes []string
}

// planFor builds the plan of a resolved target.
func planFor(r resolved) (plan, error) {
	switch r.Target {
	case Systemd, SystemdUser:
		return systemdPlan(r)
	case Launchd:
		return launchdPlan(r)
	case WindowsTask:
		return taskPlan(r)
	case WindowsStartup:
		return startupPlan(r)
	case WindowsService:
		return servicePlan(r)
	}
	return plan{}, fmt.Errorf("unknown install target %q", r.Target)
}

// planOf resolves o and plans its target: the one way from Options to the
// files and commands that Install, Uninstall and the --print forms all use.
func planOf(o Options) (resolved, plan, error) {
	r, err := resolve(o)
	if err != nil {
		return resolved{}, plan{}, err
	}
	p, err := planFor(r)
	if err != nil {
		return resolved{}, plan{}, err
	}
	return r, p, nil
}
