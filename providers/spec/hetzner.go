package spec

// Hetzner is the "hetzner" provider: the Hetzner DNS console's API v1
// (dns.hetzner.com) with an API token. The console offers TTLs from 60 s;
// the API documents no upper bound.
func Hetzner() Spec {
	return Spec{
		Type: "hetzner",
		Doc:  "Hetzner DNS (dns.hetzner.com) through its API v1 with an API token",
		Keys: []Key{
			{Name: "token", Required: true, Secret: true},
		},
		TTL:   TTLLimits{Min: 60, Max: maxTTL},
		Probe: Probe{API: "https://dns.hetzner.com"},
	}
}
