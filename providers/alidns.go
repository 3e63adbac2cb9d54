package providers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ddnsd/ddns/providers/spec"
	"github.com/libdns/alidns"
)

// alidnsHost is the one host libdns/alidns v1.0.7 talks to.
const alidnsHost = "alidns.aliyuncs.com"

func alidnsSpec() Spec { return adapter(spec.Alidns(), newAlidns) }

// newAlidns builds the Alibaba Cloud DNS provider on libdns/alidns v1.0.7.
//
// That library has no client or URL field: it calls http.DefaultClient
// against a fixed host. The endpoint override and the retries therefore go
// through the process-wide credentialRouter (see transport.go), which takes
// over only requests to that host signed with this account's AccessKey ID.
// The library keeps its per-call client in a shared field, so calls into one
// account are serialized; its SetRecords matches by the new value with a
// fuzzy name search, so the adapter never calls it (setInPlace false).
func newAlidns(env Env, p Params) (Provider, error) {
	if err := p.Require("access_key_id", "access_key_secret"); err != nil {
		return nil, err
	}
	if env.Endpoint != "" {
		if _, err := parseEndpoint(env.Endpoint); err != nil {
			return nil, err
		}
	}
	id, secret := p.String("access_key_id"), p.String("access_key_secret")
	if strings.ContainsAny(id, " ,/") {
		return nil, fmt.Errorf("key \"access_key_id\" must not contain spaces, commas or slashes")
	}
	rt := newRetryTransport(env, directTransport())
	rt.callTimeout = env.Timeout
	routeDefaultClient("ACS3-HMAC-SHA256", id, func(h string) bool { return strings.EqualFold(h, alidnsHost) }, rt)
	return &libdnsAdapter{
		kind: "alidns",
		lib: &alidns.Provider{CredentialInfo: alidns.CredentialInfo{
			AccessKeyID: id, AccessKeySecret: secret, RegionID: p.String("region_id"),
		}},
		logger:     env.Logger,
		checkReply: aliCheckReply,
		minTTL:     600 * time.Second, // the smallest TTL Alibaba Cloud DNS's free edition accepts
		sem:        make(chan struct{}, 1),
		secrets:    []string{secret},
	}, nil
}

// aliCheckReply classifies one Alibaba Cloud answer. Failures come as a
// non-200 status with {"Code": ..., "Message": ..., "RequestId": ...}.
func aliCheckReply(status int, body []byte) error {
	var env struct {
		Code      string `json:"Code"`
		Message   string `json:"Message"`
		RequestID string `json:"RequestId"`
		// DescribeDomainRecords' page, to notice a list cut short.
		TotalCount    int `json:"TotalCount"`
		DomainRecords *struct {
			Record []json.RawMessage `json:"Record"`
		} `json:"DomainRecords"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		if status >= 400 {
			return ClassifyHTTP(status, body)
		}
		return fmt.Errorf("the Alibaba Cloud DNS API answered something that is not its JSON (HTTP %d: %q): %w", status, excerpt(body), ErrNetwork)
	}
	if status == http.StatusOK {
		// The library asks for one page (the API's default of 20 records)
		// and never the next: in a bigger zone our record could be on a
		// later page, and creating it again would duplicate it.
		if env.DomainRecords != nil && env.TotalCount > len(env.DomainRecords.Record) {
			return fmt.Errorf("the zone holds %d records and libdns/alidns v1.0.7 reads only the first %d; "+
				"records beyond the first page cannot be managed safely: %w", env.TotalCount, len(env.DomainRecords.Record), ErrUnsupported)
		}
		return nil
	}
	class := classOf(ClassifyHTTP(max(status, 400), nil))
	switch c := env.Code; {
	case strings.HasPrefix(c, "InvalidAccessKeyId"), strings.HasPrefix(c, "SignatureDoesNotMatch"),
		strings.HasPrefix(c, "IncompleteSignature"), strings.HasPrefix(c, "Forbidden"),
		strings.HasPrefix(c, "InvalidSecurityToken"), strings.HasPrefix(c, "NoPermission"):
		class = ErrAuth
	case strings.HasPrefix(c, "Throttling"), strings.HasPrefix(c, "ServiceUnavailable"), strings.HasPrefix(c, "InternalError"):
		class = ErrNetwork
	}
	//lint:ignore ST1005 the message starts with the provider's name
	return fmt.Errorf("Alibaba Cloud DNS answered HTTP %d: %s: %s (request %s): %w",
		status, excerpt([]byte(env.Code)), excerpt([]byte(env.Message)), excerpt([]byte(env.RequestID)), class)
}
