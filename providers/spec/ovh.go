package spec

// OVH is the "ovh" provider: the OVHcloud API (/domain/zone) with an
// application key, application secret and consumer key. Its smallest TTL
// is 60 s (a lower one is raised to it); 0 would mean the zone's default.
func OVH() Spec {
	return Spec{
		Type: "ovh",
		Doc:  "OVHcloud DNS through the OVHcloud API with an application key, application secret and consumer key",
		Keys: []Key{
			{Name: "application_key", Required: true},
			{Name: "application_secret", Required: true, Secret: true},
			{Name: "consumer_key", Required: true, Secret: true},
			// api_endpoint is "ovh-eu" (default), "ovh-ca" or "ovh-us".
			{Name: "api_endpoint"},
		},
		TTL:   TTLLimits{Min: 60, Max: maxTTL},
		Probe: Probe{API: "https://eu.api.ovh.com"},
	}
}
