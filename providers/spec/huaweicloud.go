package spec

// Huaweicloud is the "huaweicloud" provider: Huawei Cloud DNS (API v2)
// with an AccessKey. Record set TTLs run from 1 s to 2^31-1 (default 300).
// The API host is per region; the probe goes to the default region's.
func Huaweicloud() Spec {
	return Spec{
		Type: "huaweicloud",
		Doc:  "Huawei Cloud DNS with an AccessKey ID and secret access key",
		Keys: []Key{
			{Name: "access_key_id", Required: true},
			{Name: "secret_access_key", Required: true, Secret: true},
			{Name: "region"},
		},
		TTL:   TTLLimits{Min: 1, Max: maxTTL},
		Probe: Probe{API: "https://dns.cn-south-1.myhuaweicloud.com"},
	}
}
