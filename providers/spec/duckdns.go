package spec

// DuckDNS is the "duckdns" provider: Duck DNS's update URL with the
// account token. Records live in zone duckdns.org; the API carries no TTL
// (Duck DNS serves its own, 60 s), so any is accepted.
func DuckDNS() Spec {
	return Spec{
		Type: "duckdns",
		Doc:  "Duck DNS (subdomains of duckdns.org) with the account token; write only",
		Keys: []Key{
			{Name: "token", Required: true, Secret: true},
		},
		TTL:   TTLLimits{Min: 1, Max: maxTTL},
		Probe: Probe{API: "https://www.duckdns.org"},
	}
}
