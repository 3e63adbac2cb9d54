package spec

// RFC2136 is the "rfc2136" provider: dynamic updates (RFC 2136) signed with
// TSIG, sent straight to an authoritative server. Any TTL DNS allows is
// accepted. The account's endpoint, when set, replaces server and is a
// HOST:PORT as well (udp:// or tcp:// in front chooses the transport).
func RFC2136() Spec {
	return Spec{
		Type: "rfc2136",
		Doc:  "RFC 2136 dynamic updates signed with TSIG, sent to an authoritative server (BIND, Knot, PowerDNS)",
		Keys: []Key{
			{Name: "server", Required: true},
			{Name: "key_name", Required: true},
			{Name: "key_algorithm"},
			{Name: "key_secret", Required: true, Secret: true},
			{Name: "transport"},
		},
		TTL:   TTLLimits{Min: 1, Max: maxTTL},
		Probe: Probe{ServerKey: "server"},
	}
}
