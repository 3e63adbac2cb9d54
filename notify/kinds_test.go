package notify

import (
	"slices"
	"testing"

	"github.com/ddnsd/ddns/configs"
)

// TestKindsAreTheConfigEvents: notify's kinds and the events a [[notify]]
// entry may ask for are the same set, so a kind added on one side only (an
// event nobody can subscribe to, or a name configs accepts that notify never
// sends) fails here.
func TestKindsAreTheConfigEvents(t *testing.T) {
	ours := []string{KindAddressChanged, KindUpdateFailed, KindUpdateRecovered, KindCrashLoop, KindChildRestarted, KindConfigInvalid}
	theirs := slices.Clone(configs.NotifyEvents)
	slices.Sort(ours)
	slices.Sort(theirs)
	if !slices.Equal(ours, theirs) {
		t.Fatalf("notify kinds %v, configs.NotifyEvents %v: they must be the same set", ours, theirs)
	}
}
