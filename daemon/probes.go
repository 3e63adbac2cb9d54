package daemon

import (
	"strings"

	"github.com/ddnsd/ddns/configs"
)

// providerProbeTarget is the one place the supervisor knows where a
// provider's API lives, for readiness probes: an HTTP(S) URL, or a DNS
// server (host or host:port, with or without udp:// or tcp://) that the
// caller puts on port 53 when none is given. Both are empty for a provider
// that needs no network (dryrun) or whose target is not known before a
// pass (a templated webhook URL). An endpoint override replaces the real
// API; an RFC 2136 endpoint, like its server, is HOST:PORT, never a URL.
func providerProbeTarget(p configs.Provider) (url, dnsServer string) {
	param := func(k string) string { s, _ := p.Params[k].(string); return s }
	switch {
	case p.Type == "rfc2136":
		if p.Endpoint != "" {
			return "", p.Endpoint
		}
		return "", param("server")
	case p.Endpoint != "":
		return p.Endpoint, ""
	case p.Type == "cloudflare":
		return "https://api.cloudflare.com", ""
	case p.Type == "alidns":
		return "https://alidns.aliyuncs.com", ""
	case p.Type == "tencentcloud":
		return "https://dnspod.tencentcloudapi.com", ""
	case p.Type == "dyndns2":
		return param("server"), ""
	case p.Type == "webhook":
		if u := param("url"); !strings.Contains(u, "{{") {
			return u, ""
		}
	}
	return "", ""
}
