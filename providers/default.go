package providers

// Default returns a registry holding every provider type this program
// knows. It is built on each call, so callers (and tests) never share or
// mutate one registry by accident.
func Default() *Registry {
	return NewRegistry(
		cloudflareSpec(),
		alidnsSpec(),
		tencentcloudSpec(),
		rfc2136Spec(),
		dyndns2Spec(),
		webhookSpec(),
		dryrunSpec(),
		// Services that people use for dynamic DNS at home.
		noipSpec(),
		dynuSpec(),
		duckdnsSpec(),
		namesiloSpec(),
		dynv6Spec(),
		huaweicloudSpec(),
		ovhSpec(),
		// libdns providers added with the reach issue (pv1).
		desecSpec(),
		gandiSpec(),
		hetznerSpec(),
		godaddySpec(),
		porkbunSpec(),
		namecheapSpec(),
	)
}
