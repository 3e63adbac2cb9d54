package spec

// Alidns is the "alidns" provider: Alibaba Cloud DNS with an AccessKey.
// Paid editions accept TTLs down to 1 s; the free edition's minimum is 600 s,
// and the adapter raises a lower TTL to 600 rather than fail, so a lower
// TTL is a warning, not an error. The API's maximum is one day.
func Alidns() Spec {
	return Spec{
		Type: "alidns",
		Doc:  "Alibaba Cloud DNS (alidns) with an AccessKey ID and secret",
		Keys: []Key{
			{Name: "access_key_id", Required: true},
			{Name: "access_key_secret", Required: true, Secret: true},
			{Name: "region_id"},
		},
		TTL: TTLLimits{Min: 1, Max: 86400, Floor: 600,
			FloorNote: "Alibaba Cloud DNS's free edition accepts 600 or more, and the updater raises a lower TTL to 600"},
		Probe: Probe{API: "https://alidns.aliyuncs.com"},
	}
}
