package spec

// NameSilo is the "namesilo" provider: NameSilo's API (version 1, JSON)
// with an API key. NameSilo's smallest TTL is 3600 s (a lower one is raised
// to it, with a warning here); its largest 30 days.
func NameSilo() Spec {
	return Spec{
		Type: "namesilo",
		Doc:  "NameSilo DNS through its API with an API key",
		Keys: []Key{
			{Name: "api_key", Required: true, Secret: true},
		},
		TTL: TTLLimits{Min: 1, Max: 2592000, Floor: 3600,
			FloorNote: "NameSilo's smallest TTL is 3600, and the updater raises a lower TTL to 3600"},
		Probe: Probe{API: "https://www.namesilo.com"},
	}
}
