package spec

// Porkbun is the "porkbun" provider: Porkbun's API v3 with an API key and
// secret API key (API access switched on for the domain). Porkbun's
// smallest TTL, and its default, is 600 s.
func Porkbun() Spec {
	return Spec{
		Type: "porkbun",
		Doc:  "Porkbun DNS through its API v3 with an API key and secret API key",
		Keys: []Key{
			{Name: "api_key", Required: true, Secret: true},
			{Name: "secret_api_key", Required: true, Secret: true},
		},
		TTL:   TTLLimits{Min: 600, Max: maxTTL},
		Probe: Probe{API: "https://api.porkbun.com"},
	}
}
