package providers

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sync"
)

// Some libraries take neither a client nor a base URL, and do not sign their
// requests with a credential ID that credentialRouter could read: deSEC,
// Gandi and Namecheap call http.DefaultClient with the credential in a
// header or the query. Their endpoint override and retries go through keyed
// routes on credentialRouter: a request to the library's API host is handed
// to an account's retryTransport when the credential the library put in it
// is that account's. Only a hash of the credential is kept as the key.
// Every other request of the process goes where it went before.
//
// Libraries that build an http.Client{} of their own (libdns/hetzner,
// godaddy, porkbun) send through http.DefaultTransport, which is not
// replaced: code in this program and elsewhere asserts it is an
// *http.Transport. Those providers are written against their APIs here
// instead (hetzner.go, godaddy.go, porkbun.go).

var (
	directOnce sync.Once
	direct     http.RoundTripper

	keyedMu    sync.RWMutex
	keyedKinds = map[string]keyedKind{}
	keyedRTs   = map[string]*retryTransport{}
)

// directTransport is http.DefaultTransport as it was first seen, where the
// router and the providers' own transports send.
func directTransport() http.RoundTripper {
	directOnce.Do(func() { direct = http.DefaultTransport })
	return direct
}

// keyedKind is how one library's requests are recognised and keyed.
type keyedKind struct {
	host func(hostname string) bool
	// credential returns the credential the request carries and the request
	// to send on (a copy, when it had to read the body), or ok false.
	credential func(req *http.Request) (cred string, out *http.Request, ok bool)
}

// routeByCredential sends the requests to http.DefaultClient of library
// kind (see keyedKind) that carry credential cred through rt.
func routeByCredential(kind string, k keyedKind, cred string, rt *retryTransport) {
	installClientRouter()
	keyedMu.Lock()
	defer keyedMu.Unlock()
	keyedKinds[kind] = k
	keyedRTs[keyedKey(kind, cred)] = rt
}

func keyedKey(kind, cred string) string {
	sum := sha256.Sum256([]byte(cred))
	return kind + " " + hex.EncodeToString(sum[:])
}

// keyedRouteOf returns the account transport a request belongs to (nil when
// none), and the request to send on: req itself, or a copy when the body had
// to be read.
func keyedRouteOf(req *http.Request) (*retryTransport, *http.Request) {
	keyedMu.RLock()
	defer keyedMu.RUnlock()
	host := req.URL.Hostname()
	for kind, k := range keyedKinds {
		if !k.host(host) {
			continue
		}
		cred, out, ok := k.credential(req)
		if out == nil {
			out = req
		}
		if !ok {
			return nil, out
		}
		return keyedRTs[keyedKey(kind, cred)], out
	}
	return nil, req
}
