package ddns

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/providers"
)

// verifyWrite reads j's record back after its write and applies Verify:
// nil when the state may record the write, else a classified error. With
// verify = "authoritative" the zone's authoritative servers are asked too.
func (e *Engine) verifyWrite(ctx context.Context, j *job) error {
	r := j.rec
	obs := Observed{Read: true}
	if r.Verify != configs.VerifyNone {
		obs.Records, obs.Err = e.providers[r.Provider].Get(ctx, r.Zone, r.Name, r.Type)
	}
	v := Verify(j.want, j.proxied, r, obs)
	switch v.Kind {
	case VerifyFailed:
		return fmt.Errorf("the provider took the change, but reading it back failed, so it is not recorded as done: %w", v.Err)
	case VerifyMissing:
		held := "no " + r.Type + " record"
		if len(v.Held) > 0 {
			held = joinAddrs(v.Held)
		}
		return fmt.Errorf("the provider took the change but serves %s, not %s: the change did not take effect (a CNAME at the name, or a rule of the provider's, can drop it): %w",
			held, j.want, providers.ErrRejected)
	case VerifyProxied:
		return fmt.Errorf("the provider took the change but serves %s with proxied = %t, not proxied = %t as asked: the proxied setting did not take effect (the provider may not proxy this address): %w",
			j.want, v.Proxied, !v.Proxied, providers.ErrRejected)
	}
	if r.Verify == configs.VerifyAuthoritative {
		return e.auth.verify(ctx, r, j.want)
	}
	return nil
}

func joinAddrs(as []netip.Addr) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}
