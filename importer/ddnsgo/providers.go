package ddnsgo

import "strings"

// param is one key of a [providers.NAME] table.
type param struct {
	key   string
	value any // string, bool or map[string]string
	line  int // the YAML line it came from
	// field is the YAML field it came from ("dns.id"), for a message
	// saying which one is empty; "" when it is not one of dns's.
	field string
}

// mapping is how one ddns-go provider (its dns.name) becomes one of ours.
// Adding a provider is one entry in the table below. An entry whose type
// this build lacks, or whose keys differ from the type's, is reported as
// not yet supported with its domains listed in the notes (and
// TestMappingTableAgreesWithSpecs fails), rather than written as a table
// that check would refuse.
type mapping struct {
	// ours is this program's type; "" when there is no equivalent.
	ours string
	// why says what to do instead, when ours is "" (or cannot be used).
	why string
	// ttl is ddns-go's TTL for this provider when its ttl is "" ("Auto").
	ttl int
	// fixedTTL is set where ddns-go sends ttl whatever the config says.
	fixedTTL bool
	// params builds the table's keys from ddns-go's id, secret and extparam.
	params func(a dnsAccount) []param
}

// ddnsgoDefaultTTL is what most of ddns-go's providers send when ttl is "".
const ddnsgoDefaultTTL = 600

func idSecret(idKey, secretKey string) func(a dnsAccount) []param {
	return func(a dnsAccount) []param {
		return []param{{idKey, a.id.s, a.id.line, "dns.id"}, {secretKey, a.secret.s, a.secret.line, "dns.secret"}}
	}
}

func secretOnly(key string) func(a dnsAccount) []param {
	return func(a dnsAccount) []param { return []param{{key, a.secret.s, a.secret.line, "dns.secret"}} }
}

// mappings is keyed by ddns-go's provider names, as dns/index.go of
// ddns-go (v6) selects them; the TTLs are each provider's Init there when
// ttl is empty. callback is handled by itself (webhook.go).
var mappings = map[string]mapping{
	"alidns":       {ours: "alidns", ttl: ddnsgoDefaultTTL, params: idSecret("access_key_id", "access_key_secret")},
	"tencentcloud": {ours: "tencentcloud", ttl: ddnsgoDefaultTTL, params: idSecret("secret_id", "secret_key")},
	"cloudflare":   {ours: "cloudflare", ttl: 1, params: secretOnly("api_token")},
	"callback":     {ours: "webhook", ttl: ddnsgoDefaultTTL},
	// ddns-go signs Huawei Cloud's API with dns.id as the AccessKey ID and
	// dns.secret as its secret, at the global endpoint: our default region
	// serves the same public zones.
	"huaweicloud": {ours: "huaweicloud", ttl: 300, params: idSecret("access_key_id", "secret_access_key")},
	// ddns-go sends dns.id as "apikey" and dns.secret as "secretapikey".
	"porkbun": {ours: "porkbun", ttl: ddnsgoDefaultTTL, params: idSecret("api_key", "secret_api_key")},
	// ddns-go sends "sso-key ID:SECRET"; the two are kept apart here too.
	"godaddy": {ours: "godaddy", ttl: ddnsgoDefaultTTL, params: idSecret("api_key", "api_secret")},
	// ddns-go puts dns.secret in key= and writes rrttl=3600 on every call.
	"namesilo": {ours: "namesilo", ttl: 3600, fixedTTL: true, params: secretOnly("api_key")},
	// ddns-go sends dns.secret as the bearer token of dynv6's REST API.
	"dynv6": {ours: "dynv6", ttl: ddnsgoDefaultTTL, params: secretOnly("token")},
	// ddns-go sends "Token SECRET"; it raises a TTL below 3600 to 3600.
	"desec": {ours: "desec", ttl: 3600, params: secretOnly("token")},
	"dnspod": {why: "ddns-go's dnspod signs in with a DNSPod token (ID and Token), which Tencent Cloud's API 3.0 " +
		"does not accept; create an API key (SecretId and SecretKey) at console.dnspod.cn under API keys " +
		"and use a provider of type \"tencentcloud\", which manages the same DNSPod records"},
	"namecheap": {why: "ddns-go's namecheap sends the domain's Dynamic DNS password, which the Namecheap API " +
		"does not accept; enable API access in the Namecheap account, whitelist this machine's IPv4 address, " +
		"and use a provider of type \"namecheap\" with api_user, api_key and client_ip"},
}

// unsupported are ddns-go's other providers, each with the service it
// speaks to: this program has no equivalent.
var unsupported = map[string]string{
	"aliesa":       "Alibaba Cloud ESA",
	"baiducloud":   "Baidu AI Cloud DNS",
	"cloudns":      "ClouDNS",
	"dnsla":        "DNS.LA",
	"dynadot":      "Dynadot",
	"edgeone":      "Tencent Cloud EdgeOne",
	"eranet":       "Eranet",
	"gcore":        "Gcore DNS",
	"hipmdnsmgr":   "HiPM DNSMgr",
	"name_com":     "Name.com",
	"nowcn":        "Now.cn (Todaynic)",
	"nsone":        "IBM NS1 Connect",
	"rainyun":      "Rainyun",
	"spaceship":    "Spaceship",
	"tnethk":       "Tnet.hk",
	"trafficroute": "Volcengine TrafficRoute",
	"vercel":       "Vercel",
}

// lookupMapping finds ddns-go's provider name; ok is false for a name
// ddns-go does not know either.
func lookupMapping(name string) (m mapping, ok bool) {
	if m, ok := mappings[name]; ok {
		return m, true
	}
	if service, ok := unsupported[name]; ok {
		return mapping{why: "this program has no provider for " + service + " yet"}, true
	}
	return mapping{}, false
}

// knownNames lists every provider name ddns-go accepts, for a message.
func knownNames() string {
	names := map[string]bool{}
	for k := range unsupported {
		names[k] = true
	}
	for k := range mappings {
		names[k] = true
	}
	return strings.Join(sortedKeys(names), ", ")
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
