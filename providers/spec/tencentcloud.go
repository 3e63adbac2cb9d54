package spec

// Tencentcloud is the "tencentcloud" provider: DNSPod through Tencent
// Cloud's API 3.0. The API takes TTLs of 1 s to 7 days; each DNSPod plan has
// its own minimum (600 s on the free plan), below which the API refuses the
// record, so a lower TTL is a warning.
func Tencentcloud() Spec {
	return Spec{
		Type: "tencentcloud",
		Doc:  "Tencent Cloud DNSPod through API 3.0 with a SecretId and SecretKey",
		Keys: []Key{
			{Name: "secret_id", Required: true},
			{Name: "secret_key", Required: true, Secret: true},
			{Name: "region"},
		},
		TTL: TTLLimits{Min: 1, Max: 604800, Floor: 600,
			FloorNote: "DNSPod's free plan refuses TTLs below 600 (InvalidParameter.InvalidTTL); paid plans go lower"},
		Probe: Probe{API: "https://dnspod.tencentcloudapi.com"},
	}
}
