package spec

// Dyndns2 is the "dyndns2" provider: the DynDNS update protocol (No-IP,
// Dynu, ddclient-compatible servers). The protocol carries no TTL, so any
// is accepted and the service keeps its own.
func Dyndns2() Spec {
	return Spec{
		Type: "dyndns2",
		Doc:  "the dyndns2 update protocol (No-IP, Dynu, ddclient-compatible servers); write only",
		Keys: []Key{
			{Name: "server", Required: true},
			{Name: "username", Required: true},
			{Name: "password", Required: true, Secret: true},
			{Name: "path"},
			{Name: "hostname"},
		},
		TTL:   TTLLimits{Min: 1, Max: maxTTL},
		Probe: Probe{URLKey: "server"},
	}
}
