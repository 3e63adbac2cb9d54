package providers

import (
	"fmt"
	"net/http"
	"strings"
)

// checkEndpoint refuses an endpoint override that parseEndpoint does not
// take, before anything is built on it; none given is fine.
func checkEndpoint(env Env) error {
	if env.Endpoint == "" {
		return nil
	}
	_, err := parseEndpoint(env.Endpoint)
	return err
}

// tokenParam is how a provider whose one credential is key "token" starts:
// the key is required and the endpoint override checked, then the token
// returned as given.
func tokenParam(env Env, p Params) (string, error) {
	if err := p.Require("token"); err != nil {
		return "", err
	}
	if err := checkEndpoint(env); err != nil {
		return "", err
	}
	return p.String("token"), nil
}

// routeTokenLibrary sends the requests that library kind makes through
// http.DefaultClient to host, with "Authorization: <scheme> <token>", through
// an account transport of env's (its endpoint override, retries and call
// timeout): the keyed route of a libdns provider reached by its token (see
// defaultroute.go).
func routeTokenLibrary(env Env, kind, host, scheme, token string) {
	rt := newRetryTransport(env, directTransport())
	rt.callTimeout = env.Timeout
	routeByCredential(kind, keyedKind{
		host: func(h string) bool { return strings.EqualFold(h, host) },
		credential: func(req *http.Request) (string, *http.Request, bool) {
			tok, ok := strings.CutPrefix(req.Header.Get("Authorization"), scheme+" ")
			return tok, nil, ok
		},
	}, token, rt)
}

// secretParam reads the required string key holding the credential a
// provider written here sends, trimmed of spaces around it; one that still
// holds any character of refused (it would break the header or URL it goes
// in) is an error saying the key must be mustBe.
func secretParam(p Params, key, refused, mustBe string) (string, error) {
	if err := checkStringKey(p, key, true); err != nil {
		return "", err
	}
	v := strings.TrimSpace(p.String(key))
	if strings.ContainsAny(v, refused) {
		return "", fmt.Errorf("key %q must be %s", key, mustBe)
	}
	return v, nil
}
