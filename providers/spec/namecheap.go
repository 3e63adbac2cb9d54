package spec

// Namecheap is the "namecheap" provider: Namecheap's XML API with an API
// user and key, called from a whitelisted IPv4 address. Host records take
// TTLs of 60 s to 60000 s.
func Namecheap() Spec {
	return Spec{
		Type: "namecheap",
		Doc:  "Namecheap BasicDNS through its XML API (API access enabled, the calling IPv4 address whitelisted)",
		Keys: []Key{
			{Name: "api_user", Required: true},
			{Name: "api_key", Required: true, Secret: true},
			{Name: "client_ip", Required: true},
			{Name: "username"},
		},
		TTL:   TTLLimits{Min: 60, Max: 60000},
		Probe: Probe{API: "https://api.namecheap.com"},
	}
}
