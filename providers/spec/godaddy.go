package spec

// GoDaddy is the "godaddy" provider: GoDaddy's Domains API v1 with an API
// key and secret. Its records take TTLs of 600 s up to 7 days (604800).
func GoDaddy() Spec {
	return Spec{
		Type: "godaddy",
		Doc:  "GoDaddy DNS through its Domains API v1 with a production API key and secret",
		Keys: []Key{
			{Name: "api_key", Required: true},
			{Name: "api_secret", Required: true, Secret: true},
		},
		TTL:   TTLLimits{Min: 600, Max: 604800},
		Probe: Probe{API: "https://api.godaddy.com"},
	}
}
