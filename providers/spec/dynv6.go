package spec

// Dynv6 is the "dynv6" provider: dynv6's REST API with an HTTP token. The
// API carries no TTL (dynv6 serves its own), so any is accepted.
func Dynv6() Spec {
	return Spec{
		Type: "dynv6",
		Doc:  "dynv6 through its REST API (v2) with an HTTP token",
		Keys: []Key{
			{Name: "token", Required: true, Secret: true},
		},
		TTL:   TTLLimits{Min: 1, Max: maxTTL},
		Probe: Probe{API: "https://dynv6.com"},
	}
}
