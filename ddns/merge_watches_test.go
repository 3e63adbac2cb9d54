package ddns

import (
	"testing"
	"time"
)

// TestMergeWatches: no live input is a nil channel, one is returned as it
// is, and several are merged: an event on any comes out, and the merged
// channel closes only when every input has closed.
func TestMergeWatches(t *testing.T) {
	if mergeWatches([]<-chan struct{}{nil, nil}) != nil {
		t.Error("no live input should give a nil channel")
	}
	one := make(chan struct{})
	if mergeWatches([]<-chan struct{}{nil, one}) != (<-chan struct{})(one) {
		t.Error("a single input should be returned as it is")
	}
	a, b := make(chan struct{}, 1), make(chan struct{}, 1)
	m := mergeWatches([]<-chan struct{}{a, nil, b})
	recv := func(wantOpen bool) {
		t.Helper()
		select {
		case _, ok := <-m:
			if ok != wantOpen {
				t.Fatalf("received open=%v, want %v", ok, wantOpen)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("nothing came out of the merged channel within 5s")
		}
	}
	b <- struct{}{}
	recv(true)
	close(a)
	b <- struct{}{}
	recv(true) // still open with b alive
	close(b)
	recv(false)
}
