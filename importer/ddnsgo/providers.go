package ddnsgo

import "strings"

// param is one key of a [providers.NAME] table.
type param struct {
	key   string
	value any // string, bool or map[string]string
	line  int // the YAML line it came from
}

// mapping is how one ddns-go provider (its dns.name) becomes one of ours.
// Adding a provider is one entry in the table below: when this program has
// no such type yet, or its keys differ, the entry is reported as not yet
// supported and the domains are listed in the notes, so the table can name
// types that other branches are still adding.
type mapping struct {
	// ours is this program's type; "" when there is no equivalent.
	ours string
	// why says what to do instead, when ours is "" (or cannot be used).
	why string
	// ttl is ddns-go's TTL for this provider when its ttl is "" ("Auto").
	ttl int
	// params builds the table's keys from ddns-go's id, secret and extparam.
	params func(a dnsAccount) []param
}

// ddnsgoDefaultTTL is what most of ddns-go's providers send when ttl is "".
const ddnsgoDefaultTTL = 600

func idSecret(idKey, secretKey string) func(a dnsAccount) []param {
	return func(a dnsAccount) []param {
		return []param{{idKey, a.id.s, a.id.line}, {secretKey, a.secret.s, a.secret.line}}
	}
}

func secretOnly(key string) func(a dnsAccount) []param {
	return func(a dnsAccount) []param { return []param{{key, a.secret.s, a.secret.line}} }
}

// mappings is keyed by ddns-go's provider names, as dns/index.go of
// ddns-go (v6) selects them. callback is handled by itself (webhook.go).
var mappings = map[string]mapping{
	"alidns":       {ours: "alidns", ttl: ddnsgoDefaultTTL, params: idSecret("access_key_id", "access_key_secret")},
	"tencentcloud": {ours: "tencentcloud", ttl: ddnsgoDefaultTTL, params: idSecret("secret_id", "secret_key")},
	"cloudflare":   {ours: "cloudflare", ttl: 1, params: secretOnly("api_token")},
	"callback":     {ours: "webhook", ttl: ddnsgoDefaultTTL},
	"dnspod": {why: "ddns-go's dnspod signs in with a DNSPod token (ID and Token), which Tencent Cloud's API 3.0 " +
		"does not accept; create an API key (SecretId and SecretKey) at console.dnspod.cn under API keys " +
		"and use a provider of type \"tencentcloud\", which manages the same DNSPod records"},
	"namecheap": {why: "ddns-go's namecheap uses Namecheap's Dynamic DNS password, which the Namecheap API " +
		"does not accept; enable API access and use an API key instead"},
	// Providers that other work adds to this program: each flips to
	// supported as soon as its spec exists with these keys.
	"huaweicloud": {ours: "huaweicloud", ttl: 300, params: idSecret("access_key_id", "secret_access_key")},
	"porkbun":     {ours: "porkbun", ttl: ddnsgoDefaultTTL, params: idSecret("api_key", "secret_api_key")},
	"godaddy": {ours: "godaddy", ttl: ddnsgoDefaultTTL, params: func(a dnsAccount) []param {
		// GoDaddy's API takes "sso-key KEY:SECRET"; ddns-go keeps the two apart.
		return []param{{"api_token", a.id.s + ":" + a.secret.s, a.secret.line}}
	}},
	"namesilo": {ours: "namesilo", ttl: 3600, params: secretOnly("api_key")},
	"dynv6":    {ours: "dynv6", ttl: ddnsgoDefaultTTL, params: secretOnly("token")},
	"desec":    {ours: "desec", ttl: 3600, params: secretOnly("token")},
}

// unsupported are ddns-go's other providers: no equivalent here.
var unsupported = []string{"aliesa", "baiducloud", "cloudns", "dnsla", "dynadot", "edgeone", "eranet", "gcore",
	"hipmdnsmgr", "name_com", "nowcn", "nsone", "rainyun", "spaceship", "tnethk", "trafficroute", "vercel"}

// lookupMapping finds ddns-go's provider name; ok is false for a name
// ddns-go does not know either.
func lookupMapping(name string) (m mapping, ok bool) {
	if m, ok := mappings[name]; ok {
		return m, true
	}
	for _, u := range unsupported {
		if u == name {
			return mapping{why: "this program has no provider for it yet"}, true
		}
	}
	return mapping{}, false
}

// knownNames lists every provider name ddns-go accepts, for a message.
func knownNames() string {
	names := append([]string(nil), unsupported...)
	for k := range mappings {
		names = append(names, k)
	}
	return strings.Join(sortedStrings(names), ", ")
}

func sortedStrings(s []string) []string {
	m := make(map[string]bool, len(s))
	for _, v := range s {
		m[v] = true
	}
	return sortedKeys(m)
}

// usable tells whether this program has type typ with every key in ps:
// "" when it has, else why not.
func usable(schema Schema, typ string, ps []param) string {
	keys, _, ok := schema.Keys(typ)
	if !ok {
		return "not yet supported: this build has no provider of type \"" + typ + "\""
	}
	have := map[string]bool{}
	for _, k := range keys {
		have[k] = true
	}
	for _, p := range ps {
		if !have[p.key] {
			return "not yet supported: this build's \"" + typ + "\" provider takes " + strings.Join(keys, ", ") +
				", not " + p.key + " (the import's mapping table needs updating)"
		}
	}
	return ""
}

// isSecret tells whether key is a secret of typ.
func isSecret(schema Schema, typ, key string) bool {
	_, secrets, _ := schema.Keys(typ)
	for _, s := range secrets {
		if s == key {
			return true
		}
	}
	return false
}
