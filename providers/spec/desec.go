package spec

// Desec is the "desec" provider: deSEC's DNS API v1 with a token. deSEC
// takes TTLs up to one day and, by default, no lower than the domain's
// minimum_ttl of 3600 s (lowered for some domains on request); the library
// raises anything lower to 3600, so a lower TTL is a warning.
func Desec() Spec {
	return Spec{
		Type: "desec",
		Doc:  "deSEC (desec.io) through its DNS API v1 with a token",
		Keys: []Key{
			{Name: "token", Required: true, Secret: true},
		},
		TTL: TTLLimits{Min: 1, Max: 86400, Floor: 3600,
			FloorNote: "deSEC's default minimum_ttl is 3600, and libdns/desec v1.1.1 raises lower TTLs to it"},
		Probe: Probe{API: "https://desec.io"},
	}
}
