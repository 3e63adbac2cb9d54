package spec

// Porkbun is the "porkbun" provider: Porkbun's API v3 with an API key and
// secret API key (API access switched on for the domain). Porkbun's
// smallest TTL, and its default, is 600 s; the adapter raises a lower TTL
// (such as the default 300) to 600, so that is a warning, not an error.
func Porkbun() Spec {
	return Spec{
		Type: "porkbun",
		Doc:  "Porkbun DNS through its API v3 with an API key and secret API key",
		Keys: []Key{
			{Name: "api_key", Required: true, Secret: true},
			{Name: "secret_api_key", Required: true, Secret: true},
		},
		TTL: TTLLimits{Min: 1, Max: maxTTL, Floor: 600,
			FloorNote: "Porkbun's smallest TTL is 600, and the updater raises a lower TTL to 600"},
		Probe: Probe{API: "https://api.porkbun.com"},
	}
}
