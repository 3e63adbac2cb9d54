package providers

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ddnsd/ddns/providers/spec"
	"github.com/libdns/tencentcloud"
)

func tencentcloudSpec() Spec { return adapter(spec.Tencentcloud(), newTencentcloud) }

// newTencentcloud builds the Tencent Cloud (DNSPod API 3.0) provider on
// libdns/tencentcloud v1.4.3.
//
// Like alidns, the library only knows http.DefaultClient and a fixed host, so
// the endpoint override and retries go through the process-wide
// credentialRouter (see transport.go), keyed by this account's SecretId.
// The library never reads the Error object of an answer (the API reports
// failures with HTTP 200), so tcCheckReply, run by the transport on every
// answer, is what turns them into errors.
func newTencentcloud(env Env, p Params) (Provider, error) {
	if err := p.Require("secret_id", "secret_key"); err != nil {
		return nil, err
	}
	if env.Endpoint != "" {
		if _, err := parseEndpoint(env.Endpoint); err != nil {
			return nil, err
		}
	}
	id, secret := p.String("secret_id"), p.String("secret_key")
	if strings.ContainsAny(id, " ,/") {
		return nil, fmt.Errorf("key \"secret_id\" must not contain spaces, commas or slashes")
	}
	rt := newRetryTransport(env, directTransport())
	rt.callTimeout = env.Timeout
	routeDefaultClient("TC3-HMAC-SHA256", id, func(h string) bool {
		h = strings.ToLower(h)
		return h == "dnspod.tencentcloudapi.com" || (strings.HasPrefix(h, "dnspod.") && strings.HasSuffix(h, ".tencentcloudapi.com"))
	}, rt)
	return &libdnsAdapter{
		kind:       "tencentcloud",
		lib:        &tencentcloud.Provider{SecretId: id, SecretKey: secret, Region: p.String("region")},
		logger:     env.Logger,
		checkReply: tcCheckReply,
		setInPlace: true,
		// The library looks the apex up as an empty subdomain, but the API
		// lists it as "@": its update would add a second record and its
		// delete would find nothing.
		apexReadOnly: "libdns/tencentcloud v1.4.3 cannot find existing apex (\"@\") records to update them; change it in the DNSPod console or use a subdomain",
		secrets:      []string{secret},
	}, nil
}

// tcCheckReply classifies one Tencent Cloud answer:
// {"Response": {"Error": {"Code", "Message"}, "RequestId", ...}}.
func tcCheckReply(status int, body []byte) error {
	var env struct {
		Response *struct {
			Error *struct {
				Code    string `json:"Code"`
				Message string `json:"Message"`
			} `json:"Error"`
			RequestID       string `json:"RequestId"`
			RecordCountInfo *struct {
				ListCount  int `json:"ListCount"`
				TotalCount int `json:"TotalCount"`
			} `json:"RecordCountInfo"`
		} `json:"Response"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Response == nil {
		if status >= 400 {
			return ClassifyHTTP(status, body)
		}
		return fmt.Errorf("the Tencent Cloud API answered something that is not its JSON (HTTP %d: %q): %w", status, excerpt(body), ErrNetwork)
	}
	r := env.Response
	if r.Error == nil {
		if status >= 400 {
			return ClassifyHTTP(status, body)
		}
		if c := r.RecordCountInfo; c != nil && c.TotalCount > c.ListCount {
			return fmt.Errorf("the zone holds %d matching records and libdns/tencentcloud v1.4.3 reads only the first %d: %w",
				c.TotalCount, c.ListCount, ErrUnsupported)
		}
		return nil
	}
	code := r.Error.Code
	if code == "ResourceNotFound.NoDataOfRecord" {
		return nil // an empty list, not a failure
	}
	class := ErrRejected
	switch {
	case strings.HasPrefix(code, "AuthFailure"), strings.HasPrefix(code, "UnauthorizedOperation"):
		class = ErrAuth
	case strings.HasPrefix(code, "RequestLimitExceeded"), strings.HasPrefix(code, "InternalError"),
		strings.HasPrefix(code, "ServiceUnavailable"), status >= 500:
		class = ErrNetwork
	}
	//lint:ignore ST1005 the message starts with the provider's name
	return fmt.Errorf("Tencent Cloud answered %s: %s (request %s): %w",
		excerpt([]byte(code)), excerpt([]byte(r.Error.Message)), excerpt([]byte(r.RequestID)), class)
}
