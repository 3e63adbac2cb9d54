package spec

// Webhook is the "webhook" provider: one templated HTTP request per change.
// The TTL only reaches the templates as .TTL, so any is accepted.
func Webhook() Spec {
	return Spec{
		Type: "webhook",
		Doc:  "one HTTP request per change, built from templates, for any service not known by name; write only",
		Keys: []Key{
			{Name: "url", Required: true},
			{Name: "method"},
			{Name: "headers"},
			{Name: "body"},
			{Name: "token", Secret: true},
		},
		TTL:   TTLLimits{Min: 1, Max: maxTTL},
		Probe: Probe{URLKey: "url"},
	}
}
