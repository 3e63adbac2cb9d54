package spec

// Dryrun is the "dryrun" provider: it changes nothing, logs what it would
// set, and talks to nobody, so it needs no probe.
func Dryrun() Spec {
	return Spec{
		Type: "dryrun",
		Doc:  "changes nothing anywhere and logs what it would set",
		Keys: []Key{{Name: "log_level"}},
		TTL:  TTLLimits{Min: 1, Max: maxTTL},
	}
}
