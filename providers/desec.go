package providers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/ddnsd/ddns/providers/spec"
	"github.com/libdns/desec"
)

// desecHost is the one host libdns/desec v1.1.1 talks to.
const desecHost = "desec.io"

func desecSpec() Spec { return adapter(spec.Desec(), newDesec) }

// newDesec builds the deSEC provider on libdns/desec v1.1.1.
//
// The library calls http.DefaultClient against a fixed host with our
// context, so the endpoint override and the retries go through a keyed
// route (see defaultroute.go) chosen by the token in its Authorization
// header. It writes whole RRsets (SetRecords replaces every record of the
// name and type) and raises TTLs below 3600 to 3600. Its writes are
// serialized process-wide by the library itself.
func newDesec(env Env, p Params) (Provider, error) {
	token, err := tokenParam(env, p)
	if err != nil {
		return nil, err
	}
	routeTokenLibrary(env, "desec", desecHost, "Token", token)
	return &libdnsAdapter{
		kind:        "desec",
		lib:         &desec.Provider{Token: token},
		logger:      env.Logger,
		checkReply:  desecCheckReply,
		setReplaces: true,
		minTTL:      3600 * time.Second,
		secrets:     []string{token},
	}, nil
}

// desecCheckReply classifies one deSEC answer. Failures are HTTP statuses
// with a JSON body: {"detail": "..."} for auth, throttling and not-found,
// per-field lists for a refused write. A 404 for one RRset is how the
// library learns it is absent, so it is not a failure.
func desecCheckReply(status int, body []byte) error {
	if status == http.StatusOK {
		if !json.Valid(body) {
			return fmt.Errorf("the deSEC API answered something that is not its JSON (HTTP %d: %q): %w", status, excerpt(body), ErrNetwork)
		}
		return nil
	}
	if status == http.StatusNotFound {
		var env struct {
			Detail string `json:"detail"`
		}
		if json.Unmarshal(body, &env) == nil && env.Detail == "Not found." {
			return nil
		}
	}
	return ClassifyHTTP(status, body)
}
