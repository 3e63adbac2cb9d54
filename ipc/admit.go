package ipc

import (
	"fmt"
	"sync"
	"time"
)

// Defaults for the per-user connection limits (ServerOptions' zero values).
const (
	// DefaultOtherIdleTimeout is how long a connection of another user (one
	// only allowed `status`) may stay silent: a status exchange takes
	// milliseconds, so seconds are plenty, and a user who opens connections
	// to hold them gets them closed quickly.
	DefaultOtherIdleTimeout = 2 * time.Second
	// DefaultMaxConnsPerOtherUser bounds the connections of each other user.
	DefaultMaxConnsPerOtherUser = 16
)

// admission decides which connections the server takes, shared by every
// transport: the total is bounded by max, a part of it (reserved) is kept
// for privileged peers (the server's own uid, root, or a peer the OS cannot
// name), and each other user has a cap of its own, so that no other local
// user can lock the owner and root out of `status` and `stop` by holding
// connections open.
type admission struct {
	max, reserved, perOther int

	mu     sync.Mutex
	total  int
	others int         // connections of all unprivileged peers
	byUID  map[int]int // connections per unprivileged uid
}

func newAdmission(max, perOther int) *admission {
	reserved := max / 4
	if reserved < 1 && max > 1 {
		reserved = 1
	}
	if perOther <= 0 {
		perOther = DefaultMaxConnsPerOtherUser
	}
	perOther = min(perOther, max-reserved)
	return &admission{max: max, reserved: reserved, perOther: perOther, byUID: make(map[int]int)}
}

// admit takes a slot for a connection of a peer, or returns why not (the
// refusal text a client sees).
func (a *admission) admit(privileged bool, uid int) (ok bool, refusal string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.total >= a.max {
		return false, fmt.Sprintf("busy: the supervisor already serves %d connections; try again shortly", a.max)
	}
	if !privileged {
		if a.others >= a.max-a.reserved {
			return false, fmt.Sprintf("busy: other users hold %d connections, all the supervisor allows them; try again shortly", a.others)
		}
		if a.byUID[uid] >= a.perOther {
			return false, fmt.Sprintf("busy: uid %d already holds %d connections, the most one other user may; close some first", uid, a.byUID[uid])
		}
		a.others++
		a.byUID[uid]++
	}
	a.total++
	return true, ""
}

// release returns the slot admit took for the same peer.
func (a *admission) release(privileged bool, uid int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.total--
	if !privileged {
		a.others--
		if a.byUID[uid]--; a.byUID[uid] <= 0 {
			delete(a.byUID, uid)
		}
	}
}
