package providers

import (
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

// TestSetOnly checks the calls setOnly makes, in order: the surviving record
// written before any other is deleted, nothing when the record is already
// exactly right, and a failure stopping the calls where it happened.
func TestSetOnly(t *testing.T) {
	a1 := netip.MustParseAddr("192.0.2.1")
	a2 := netip.MustParseAddr("192.0.2.2")
	a3 := netip.MustParseAddr("192.0.2.3")
	rec := Record{Zone: "example.com", Name: "www", Type: "A", Addr: a1, TTL: 300 * time.Second}
	have := func(id int, a netip.Addr, ttl time.Duration) byID[int] {
		return byID[int]{id: id, rec: Record{Zone: "example.com", Name: "www", Type: "A", Addr: a, TTL: ttl}}
	}
	sameTTL := func(h Record) bool { return h.TTL == rec.TTL }
	boom := errors.New("boom")
	tests := []struct {
		name    string
		cur     []byID[int]
		fresh   func(Record) bool
		failOn  string
		want    []string
		changed bool
		err     error
	}{
		{name: "none: add", want: []string{"add"}, changed: true},
		{name: "exactly right: nothing", cur: []byID[int]{have(7, a1, 300*time.Second)}, fresh: sameTTL},
		{name: "address is all: TTL ignored", cur: []byID[int]{have(7, a1, time.Hour)}},
		{name: "TTL differs: update", cur: []byID[int]{have(7, a1, time.Hour)}, fresh: sameTTL, want: []string{"update 7"}, changed: true},
		{name: "other address: update the first", cur: []byID[int]{have(7, a2, 300*time.Second), have(8, a3, 300*time.Second)}, fresh: sameTTL,
			want: []string{"update 7", "remove 8"}, changed: true},
		{name: "address held by a later record: it stays, others go in order", cur: []byID[int]{have(7, a2, 0), have(8, a1, 300*time.Second), have(9, a3, 0)}, fresh: sameTTL,
			want: []string{"remove 7", "remove 9"}, changed: true},
		{name: "update and delete: write first", cur: []byID[int]{have(7, a2, 0), have(8, a1, 0), have(9, a3, 0)}, fresh: sameTTL,
			want: []string{"update 8", "remove 7", "remove 9"}, changed: true},
		{name: "update fails: nothing deleted", cur: []byID[int]{have(7, a2, 0), have(8, a3, 0)}, failOn: "update 7",
			want: []string{"update 7"}, err: boom},
		{name: "add fails", failOn: "add", want: []string{"add"}, err: boom},
		{name: "delete fails: later ones left, the address stays", cur: []byID[int]{have(7, a2, 0), have(8, a3, 0), have(9, a3, 0)}, failOn: "remove 8",
			want: []string{"update 7", "remove 8"}, changed: true, err: boom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls []string
			call := func(what string) error {
				calls = append(calls, what)
				if what == tt.failOn {
					return boom
				}
				return nil
			}
			changed, err := setOnly(hclog.NewNullLogger(), rec, tt.cur, byIDWrites[int]{
				fresh:  tt.fresh,
				add:    func() error { return call("add") },
				update: func(id int, _ Record) error { return call(fmt.Sprint("update ", id)) },
				remove: func(id int, _ Record) error { return call(fmt.Sprint("remove ", id)) },
			})
			if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Errorf("error = %v, want %v", err, tt.err)
			}
			if changed != tt.changed {
				t.Errorf("changed = %v, want %v", changed, tt.changed)
			}
			if !reflect.DeepEqual(calls, tt.want) {
				t.Errorf("calls = %q, want %q", calls, tt.want)
			}
		})
	}
}
