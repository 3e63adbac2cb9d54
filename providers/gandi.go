package providers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/ddnsd/ddns/providers/spec"
	"github.com/libdns/gandi"
)

// gandiHost is the one host libdns/gandi v1.1.0 talks to.
const gandiHost = "api.gandi.net"

func gandiSpec() Spec { return adapter(spec.Gandi(), newGandi) }

// newGandi builds the Gandi LiveDNS provider on libdns/gandi v1.1.0.
//
// The library calls http.DefaultClient with our context against a fixed
// host (then against the records URL the API gives), with the token as a
// bearer token: the endpoint override and retries go through a keyed route
// (see defaultroute.go). Its SetRecords adds the value to the RRset rather
// than replacing it, and its delete removes one value, so changes are made
// by adding the new record and deleting the old ones (the default mode).
func newGandi(env Env, p Params) (Provider, error) {
	token, err := tokenParam(env, p)
	if err != nil {
		return nil, err
	}
	routeTokenLibrary(env, "gandi", gandiHost, "Bearer", token)
	return &libdnsAdapter{
		kind:       "gandi",
		lib:        &gandi.Provider{BearerToken: token},
		logger:     env.Logger,
		checkReply: gandiCheckReply,
		minTTL:     300 * time.Second,
		secrets:    []string{token},
	}, nil
}

// gandiCheckReply classifies one LiveDNS answer: 200 carries JSON, 201 and
// 204 a write done; failures are HTTP statuses with {"code", "message",
// "cause", ...}. A 404 for one RRset is how the library learns it is
// absent, so it is not a failure.
func gandiCheckReply(status int, body []byte) error {
	switch {
	case status == http.StatusOK:
		if !json.Valid(body) {
			return fmt.Errorf("the Gandi LiveDNS API answered something that is not its JSON (HTTP %d: %q): %w", status, excerpt(body), ErrNetwork)
		}
		return nil
	case status < 400:
		return nil
	}
	var env struct {
		Object string `json:"object"`
	}
	if status == http.StatusNotFound && json.Unmarshal(body, &env) == nil && env.Object == "dns-record" {
		return nil
	}
	return ClassifyHTTP(status, body)
}
