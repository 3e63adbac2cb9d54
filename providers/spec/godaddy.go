package spec

// GoDaddy is the "godaddy" provider: GoDaddy's Domains API v1 with an API
// key and secret. Its records take TTLs of 600 s up to 7 days (604800); the
// adapter raises a lower TTL (such as the default 300) to 600, so that is a
// warning, not an error.
func GoDaddy() Spec {
	return Spec{
		Type: "godaddy",
		Doc:  "GoDaddy DNS through its Domains API v1 with a production API key and secret",
		Keys: []Key{
			{Name: "api_key", Required: true},
			{Name: "api_secret", Required: true, Secret: true},
		},
		TTL: TTLLimits{Min: 1, Max: 604800, Floor: 600,
			FloorNote: "GoDaddy accepts 600 or more, and the updater raises a lower TTL to 600"},
		Probe: Probe{API: "https://api.godaddy.com"},
	}
}
