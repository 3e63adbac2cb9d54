package spec

// Cloudflare is the "cloudflare" provider: Cloudflare's API v4 with an API
// token. Cloudflare takes TTL 1 as "automatic" (and always serves proxied
// records so); otherwise 60 s to one day on every plan (30 s only on
// Enterprise, which is not assumed).
func Cloudflare() Spec {
	return Spec{
		Type: "cloudflare",
		Doc:  "Cloudflare DNS through its API v4 with an API token (zone DNS edit permission)",
		Keys: []Key{
			{Name: "api_token", Required: true, Secret: true},
			{Name: "proxied"},
			{Name: "zone_id"},
		},
		TTL:   TTLLimits{Min: 60, Max: 86400, Auto: 1},
		Probe: Probe{API: "https://api.cloudflare.com"},
		// A record's proxied overrides the account's.
		RecordKeys: []string{"proxied"},
	}
}
