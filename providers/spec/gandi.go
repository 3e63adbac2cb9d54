package spec

// Gandi is the "gandi" provider: Gandi's LiveDNS API v5 with a personal
// access token. LiveDNS takes TTLs of 300 s to 30 days.
func Gandi() Spec {
	return Spec{
		Type: "gandi",
		Doc:  "Gandi LiveDNS through its API v5 with a personal access token (Domains: manage DNS records)",
		Keys: []Key{
			{Name: "token", Required: true, Secret: true},
		},
		TTL:   TTLLimits{Min: 300, Max: 2592000},
		Probe: Probe{API: "https://api.gandi.net"},
	}
}
