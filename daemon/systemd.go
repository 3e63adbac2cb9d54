package daemon

import (
	"strconv"
	"strings"
	"sync"

	"github.com/ddnsd/ddns/supervise"
)

// systemdNotifier tells systemd (Type=notify) how the supervisor stands:
// READY=1 once the control socket serves, then STATUS= with the child's
// state at every event. Sends go out on one goroutine of their own, because
// the supervise loop's OnEvent must not block and a datagram to a busy
// systemd can; only the newest status is kept, so a burst of events costs one
// send and the last word is always the current state.
type systemdNotifier struct {
	send func(state string)
	kick chan struct{}

	mu      sync.Mutex
	pending []string // in order: READY=1 and STOPPING=1 are never coalesced
	status  string   // newest STATUS= line not sent yet, "" none
}

func newSystemdNotifier(send func(string)) *systemdNotifier {
	return &systemdNotifier{send: send, kick: make(chan struct{}, 1)}
}

// run sends until done is closed, then sends what is still pending.
func (n *systemdNotifier) run(done <-chan struct{}) {
	for {
		select {
		case <-n.kick:
			n.flush()
		case <-done:
			n.flush()
			return
		}
	}
}

func (n *systemdNotifier) flush() {
	n.mu.Lock()
	msgs := n.pending
	if n.status != "" {
		msgs = append(msgs, "STATUS="+n.status)
	}
	n.pending, n.status = nil, ""
	n.mu.Unlock()
	for _, m := range msgs {
		n.send(m)
	}
}

func (n *systemdNotifier) wake() {
	select {
	case n.kick <- struct{}{}:
	default:
	}
}

// ready says the supervisor serves: the control socket is up, whatever the
// child does (a child waiting for the network at boot must not make systemd
// time the unit out).
func (n *systemdNotifier) ready(status string) {
	n.mu.Lock()
	n.pending = append(n.pending, "READY=1\nSTATUS="+statusValue(status))
	n.status = ""
	n.mu.Unlock()
	n.wake()
}

// stopping says the supervisor is shutting down.
func (n *systemdNotifier) stopping() {
	n.mu.Lock()
	n.pending = append(n.pending, "STOPPING=1")
	n.status = ""
	n.mu.Unlock()
	n.wake()
}

// event queues the child's state after e as the service's STATUS.
func (n *systemdNotifier) event(e supervise.Event) {
	n.mu.Lock()
	n.status = statusValue(eventStatus(e))
	n.mu.Unlock()
	n.wake()
}

// eventStatus is the one-line state systemd shows for the child after e.
func eventStatus(e supervise.Event) string {
	s := "updater " + string(e.State)
	if e.PID != 0 && e.State == supervise.StateRunning {
		s += " (pid " + strconv.Itoa(e.PID) + ")"
	}
	if e.Detail != "" && e.State != supervise.StateRunning {
		s += ": " + e.Detail
	}
	return s
}

// statusValue keeps a STATUS= value on one line: a newline would start
// another assignment in the datagram (an error text could say READY=1).
func statusValue(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
