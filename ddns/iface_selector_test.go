package ddns

import (
	"net/netip"
	"testing"

	"github.com/ddnsd/ddns/configs"
)

// TestInterfaceSelectorFromConfig: the selector keys of an interface source
// reach netprobe as written.
func TestInterfaceSelectorFromConfig(t *testing.T) {
	two := 2
	sel, err := interfaceSelector(configs.Source{Type: "interface", Index: &two, Match: "^2001:", Prefix: "2001:db8::/32", Suffix: "::1234", PrefixLength: 56})
	if err != nil {
		t.Fatal(err)
	}
	if sel.Index != 2 || sel.Match.String() != "^2001:" || sel.Prefix != netip.MustParsePrefix("2001:db8::/32") ||
		sel.Suffix != netip.MustParseAddr("::1234") || sel.PrefixLength != 56 {
		t.Errorf("selector %+v does not carry the config's keys", sel)
	}
	sel, err = interfaceSelector(configs.Source{Type: "interface"})
	if err != nil || sel.Index != 0 || sel.Match != nil || sel.Prefix.IsValid() || sel.Suffix.IsValid() {
		t.Errorf("no keys: %+v, %v; want the zero selector", sel, err)
	}
}
