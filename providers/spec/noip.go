package spec

// NoIP is the "noip" provider: No-IP's dynamic DNS update protocol (dyndns2
// at dynupdate.no-ip.com), with an account's user name and password or a
// DDNS key's. The protocol carries no TTL; No-IP keeps its own.
func NoIP() Spec {
	return Spec{
		Type: "noip",
		Doc:  "No-IP dynamic DNS (its dyndns2 update protocol); write only",
		Keys: []Key{
			{Name: "username", Required: true},
			{Name: "password", Required: true, Secret: true},
			{Name: "hostname"},
			// contact is the maintainer contact No-IP wants in the user
			// agent; the user name when it is an e-mail address.
			{Name: "contact"},
		},
		TTL:   TTLLimits{Min: 1, Max: maxTTL},
		Probe: Probe{API: "https://dynupdate.no-ip.com"},
	}
}
