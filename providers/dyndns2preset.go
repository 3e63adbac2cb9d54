package providers

import (
	"fmt"
	"net/netip"
	"net/url"
	"runtime"
	"strings"

	"github.com/ddnsd/ddns/providers/spec"
)

// dyndns2Preset is a service that speaks dyndns2 with quirks of its own: a
// fixed server, its own query parameters per address family, the user agent
// it demands, and answers beyond the protocol's. A preset is its own
// provider type (`type = "noip"`), so a user names the service and never
// has to know its server, path or quirks.
type dyndns2Preset struct {
	kind  string // the provider type, for messages
	agent string // the User-Agent header the service asks for
	// query builds the update's query for one host name and address.
	query func(host string, addr netip.Addr) url.Values
	// codes are the service's own answers, read before the protocol's.
	codes map[string]dyndns2Code
}

// newDyndns2Preset builds a dyndns2 provider for a service at server whose
// quirks preset describes. The endpoint override replaces the server's
// scheme and host, as for every provider.
func newDyndns2Preset(env Env, p Params, server string, preset *dyndns2Preset) (Provider, error) {
	for _, k := range []string{"username", "password"} {
		if err := checkStringKey(p, k, true); err != nil {
			return nil, err
		}
	}
	if err := checkStringKey(p, "hostname", false); err != nil {
		return nil, err
	}
	prov, err := newDyndns2(env, Params{"server": server, "username": p["username"], "password": p["password"], "hostname": p.String("hostname")})
	if err != nil {
		return nil, err
	}
	d := prov.(*dyndns2)
	d.preset = preset
	return d, nil
}

// noipServer is No-IP's update server (its "Sending an Update" page).
const noipServer = "https://dynupdate.no-ip.com"

func noipSpec() Spec { return adapter(spec.NoIP(), newNoIP) }

// newNoIP builds the No-IP provider: dyndns2 at dynupdate.no-ip.com, the
// address in myip (IPv4) or myipv6 (IPv6), and the user agent No-IP's
// integration guide requires of software clients ("Company
// NameOfProgram/OSVersion-ReleaseVersion maintainer-contact"): clients
// without one are answered badagent or blocked.
func newNoIP(env Env, p Params) (Provider, error) {
	if err := checkStringKey(p, "contact", false); err != nil {
		return nil, err
	}
	contact := strings.TrimSpace(p.String("contact"))
	if strings.ContainsAny(contact, " \t\r\n") {
		return nil, fmt.Errorf("key \"contact\": %q must be one e-mail address without spaces", contact)
	}
	if contact == "" {
		// No-IP user names are e-mail addresses, except a DDNS key's.
		if u := p.String("username"); strings.Contains(u, "@") && !strings.ContainsAny(u, " \t") {
			contact = u
		} else {
			contact = "https://github.com/ddnsd/ddns"
		}
	}
	return newDyndns2Preset(env, p, noipServer, &dyndns2Preset{
		kind:  "noip",
		agent: noipUserAgent(runtime.GOOS, contact),
		query: func(host string, addr netip.Addr) url.Values {
			if addr.Is4() {
				return url.Values{"hostname": {host}, "myip": {addr.String()}}
			}
			return url.Values{"hostname": {host}, "myipv6": {addr.String()}}
		},
		codes: map[string]dyndns2Code{
			"nohost":   {"the host name does not exist under this No-IP account (or DDNS key); fix the record's name or create the host at No-IP", ErrRejected},
			"badagent": {"No-IP disabled this client for its user agent; do not update again before the cause is fixed", ErrRejected},
			"abuse":    {"No-IP blocked this user name for abuse (updates not following its specification, or a terms-of-service violation); stop updating and contact No-IP", ErrRejected},
			"911":      {"No-IP reports a fatal error on its side (such as a database outage); No-IP asks clients to retry no sooner than 30 minutes", ErrNetwork},
		},
	})
}

// noipUserAgent is the user agent No-IP asks of software clients.
func noipUserAgent(goos, contact string) string {
	return "ddnsd ddns-updater/" + goos + "-1 " + contact
}

// dynuServer is Dynu's IP update server (its "IP Update Protocol" page).
const dynuServer = "https://api.dynu.com"

func dynuSpec() Spec { return adapter(spec.Dynu(), newDynu) }

// newDynu builds the Dynu provider: dyndns2 at api.dynu.com. Dynu sets a
// host's IPv4 and IPv6 address in one request and takes an address that is
// missing from the request from the connection, so each update names the
// other family "no" (leave it as it is).
func newDynu(env Env, p Params) (Provider, error) {
	return newDyndns2Preset(env, p, dynuServer, &dyndns2Preset{
		kind:  "dynu",
		agent: updaterUserAgent,
		query: func(host string, addr netip.Addr) url.Values {
			if addr.Is4() {
				return url.Values{"hostname": {host}, "myip": {addr.String()}, "myipv6": {"no"}}
			}
			return url.Values{"hostname": {host}, "myip": {"no"}, "myipv6": {addr.String()}}
		},
		codes: map[string]dyndns2Code{
			"unknown":     {"Dynu did not understand the request", ErrRejected},
			"servererror": {"Dynu's server failed; server-side problem, retry later", ErrNetwork},
		},
	})
}
