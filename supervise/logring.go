package supervise

import (
	"strings"
	"sync"
)

// MaxLogRingBytes bounds the bytes a LogRing keeps, whatever its line count:
// a child printing lines of the longest kept length (64 KB) into a ring of
// many lines must not grow the supervisor without limit. The oldest lines go
// first when it is reached.
const MaxLogRingBytes = 16 << 20

// LogRing keeps the last lines a child printed, for `supervisor logs`, and
// feeds followers (`logs -f`). It is safe for concurrent use.
type LogRing struct {
	mu     sync.Mutex
	lines  []string
	head   int // index of the oldest line once full
	capa   int
	bytes  int // sum of the kept lines' lengths
	budget int // MaxLogRingBytes, or less in tests
	subs   map[int]chan string
	nextID int
}

// NewLogRing returns a ring keeping the last capacity lines (default 1000
// when capacity <= 0).
func NewLogRing(capacity int) *LogRing {
	if capacity <= 0 {
		capacity = 1000
	}
	return &LogRing{capa: capacity, budget: MaxLogRingBytes, subs: map[int]chan string{}}
}

// Append stores a line and hands it to every subscriber. A subscriber that
// does not keep up misses lines rather than stalling the child's output.
// The line is copied, so a short line never pins the larger buffer it was
// cut from.
func (r *LogRing) Append(line string) {
	line = strings.Clone(line)
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.lines) < r.capa {
		r.lines = append(r.lines, line)
	} else {
		r.bytes -= len(r.lines[r.head])
		r.lines[r.head] = line
		r.head = (r.head + 1) % r.capa
	}
	r.bytes += len(line)
	for r.bytes > r.budget && len(r.lines) > 1 {
		r.dropOldest()
	}
	for _, ch := range r.subs {
		select {
		case ch <- line:
		default:
		}
	}
}

// dropOldest forgets the oldest line, keeping the ring's order: the lines are
// rotated so that the oldest is at index 0 and then cut off.
func (r *LogRing) dropOldest() {
	if r.head != 0 {
		rotated := make([]string, 0, len(r.lines))
		rotated = append(rotated, r.lines[r.head:]...)
		rotated = append(rotated, r.lines[:r.head]...)
		r.lines, r.head = rotated, 0
	}
	r.bytes -= len(r.lines[0])
	r.lines[0] = ""
	r.lines = r.lines[1:]
}

// Bytes returns the total length of the lines kept.
func (r *LogRing) Bytes() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bytes
}

// Last returns up to n of the newest lines, oldest first; n <= 0 means all.
func (r *LogRing) Last(n int) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	all := make([]string, 0, len(r.lines))
	all = append(all, r.lines[r.head:]...)
	all = append(all, r.lines[:r.head]...)
	if n > 0 && n < len(all) {
		all = all[len(all)-n:]
	}
	return all
}

// Subscribe returns a channel receiving every line appended from now on, and
// a cancel function that ends the subscription and closes the channel.
func (r *LogRing) Subscribe() (<-chan string, func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	id := r.nextID
	r.nextID++
	ch := make(chan string, 256)
	r.subs[id] = ch
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			r.mu.Lock()
			defer r.mu.Unlock()
			delete(r.subs, id)
			close(ch)
		})
	}
}
