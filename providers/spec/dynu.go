package spec

// Dynu is the "dynu" provider: Dynu's IP update protocol (dyndns2 at
// api.dynu.com). The protocol carries no TTL; Dynu keeps its own.
func Dynu() Spec {
	return Spec{
		Type: "dynu",
		Doc:  "Dynu dynamic DNS (its dyndns2 IP update protocol); write only",
		Keys: []Key{
			{Name: "username", Required: true},
			{Name: "password", Required: true, Secret: true},
			{Name: "hostname"},
		},
		TTL:   TTLLimits{Min: 1, Max: maxTTL},
		Probe: Probe{API: "https://api.dynu.com"},
	}
}
