// Package providertest holds the fake DNS provider APIs that tests run
// against, in the spirit of net/http/httptest, and a conformance suite that
// every provider adapter passes (in the spirit of libdns's libdnstest).
//
// The fakes answer as the real services do, as far as the updater uses
// them: Cloudflare (v4 API), Alibaba Cloud DNS (ACS3-HMAC-SHA256 signed
// actions), Tencent Cloud DNSPod (TC3-HMAC-SHA256 signed actions), deSEC,
// Gandi LiveDNS, Hetzner DNS, GoDaddy, Porkbun, Namecheap (each in its own
// file), a dyndns2 server and a webhook receiver. Each listens on loopback only. Package
// providers' tests, the engine's and the updater binary's tests, the chaos
// suite and the benchmarks all use them.
//
// Package providers' own _test files import this package, so it imports
// nothing from this module (TestImportsNothingFromTheModule guards that):
// doing so could make an import cycle. That is why Conformance is generic
// over the record type instead of naming providers.Provider.
package providertest
