package supervise

import "sync"

// LogRing keeps the last lines a child printed, for `supervisor logs`, and
// feeds followers (`logs -f`). It is safe for concurrent use.
type LogRing struct {
	mu     sync.Mutex
	lines  []string
	head   int // index of the oldest line once full
	capa   int
	subs   map[int]chan string
	nextID int
}

// NewLogRing returns a ring keeping the last capacity lines (default 1000
// when capacity <= 0).
func NewLogRing(capacity int) *LogRing {
	if capacity <= 0 {
		capacity = 1000
	}
	return &LogRing{capa: capacity, subs: map[int]chan string{}}
}

// Append stores a line and hands it to every subscriber. A subscriber that
// does not keep up misses lines rather than stalling the child's output.
func (r *LogRing) Append(line string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.lines) < r.capa {
		r.lines = append(r.lines, line)
	} else {
		r.lines[r.head] = line
		r.head = (r.head + 1) % r.capa
	}
	for _, ch := range r.subs {
		select {
		case ch <- line:
		default:
		}
	}
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
