package providers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/ddnsd/ddns/providers/spec"
	"github.com/libdns/huaweicloud"
)

func huaweicloudSpec() Spec { return adapter(spec.Huaweicloud(), newHuaweicloud) }

// huaweiRegion is what a region ID looks like ("cn-south-1", "ap-southeast-1"):
// it becomes part of the API's host name.
var huaweiRegion = regexp.MustCompile(`^[a-z]{2,}(-[a-z0-9]+)+$`)

// newHuaweicloud builds the Huawei Cloud DNS provider on libdns/huaweicloud
// v1.0.1.
//
// The library signs each request (SDK-HMAC-SHA256 with the AccessKey) and
// sends it through http.DefaultClient to dns.REGION.myhuaweicloud.com, so
// the endpoint override and the retries go through the process-wide
// credentialRouter (see transport.go), keyed by this account's AccessKey ID.
// Huawei Cloud keeps a name and type as ONE record set with a list of
// values, and the library's DeleteRecords removes the whole set whatever
// value it is given, so the adapter changes a set only by replacing it
// (oneSet). The library reads one page of record sets (500, the API's
// default) and never the next: hwCheckReply refuses a listing cut short.
func newHuaweicloud(env Env, p Params) (Provider, error) {
	if err := p.Require("access_key_id", "secret_access_key"); err != nil {
		return nil, err
	}
	for _, k := range []string{"access_key_id", "secret_access_key", "region"} {
		if err := checkStringKey(p, k, false); err != nil {
			return nil, err
		}
	}
	if env.Endpoint != "" {
		if _, err := parseEndpoint(env.Endpoint); err != nil {
			return nil, err
		}
	}
	id, secret := strings.TrimSpace(p.String("access_key_id")), p.String("secret_access_key")
	if strings.ContainsAny(id, " ,/=") {
		return nil, fmt.Errorf("key \"access_key_id\" must not contain spaces, commas, slashes or equals signs")
	}
	region := strings.TrimSpace(p.String("region"))
	if region == "" {
		region = "cn-south-1" // the library's default, said here so the probe host matches
	}
	if !huaweiRegion.MatchString(region) {
		return nil, fmt.Errorf("key \"region\": %q is not a Huawei Cloud region ID such as \"cn-south-1\" or \"ap-southeast-1\"", region)
	}
	rt := newRetryTransport(env, http.DefaultTransport)
	rt.callTimeout = env.Timeout
	routeDefaultClient("SDK-HMAC-SHA256", id, func(h string) bool {
		h = strings.ToLower(h)
		return strings.HasPrefix(h, "dns.") && strings.HasSuffix(h, ".myhuaweicloud.com")
	}, rt)
	return &libdnsAdapter{
		kind:       "huaweicloud",
		lib:        &huaweicloud.Provider{AccessKeyId: id, SecretAccessKey: secret, RegionId: region},
		logger:     env.Logger,
		checkReply: hwCheckReply,
		setInPlace: true,
		oneSet:     true,
		secrets:    []string{secret},
	}, nil
}

// hwCheckReply classifies one Huawei Cloud answer. The DNS service fails
// with {"code": "DNS.xxxx", "message": ...}; the API gateway in front of it
// (signatures, credentials, throttling) with {"error_code": "APIGW.xxxx",
// "error_msg": ..., "request_id": ...}.
func hwCheckReply(status int, body []byte) error {
	var env struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		ErrorCode string `json:"error_code"`
		ErrorMsg  string `json:"error_msg"`
		RequestID string `json:"request_id"`
		// A record set listing, to notice one cut short.
		RecordSets *[]json.RawMessage `json:"recordsets"`
		Metadata   *struct {
			TotalCount int `json:"total_count"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		if status >= 400 {
			return ClassifyHTTP(status, body)
		}
		return fmt.Errorf("the Huawei Cloud DNS API answered something that is not its JSON (HTTP %d: %q): %w", status, excerpt(body), ErrNetwork)
	}
	if status < 400 {
		if env.RecordSets != nil && env.Metadata != nil && env.Metadata.TotalCount > len(*env.RecordSets) {
			return fmt.Errorf("the zone holds %d record sets and libdns/huaweicloud v1.0.1 reads only the first %d; "+
				"records beyond the first page cannot be managed safely: %w", env.Metadata.TotalCount, len(*env.RecordSets), ErrUnsupported)
		}
		return nil
	}
	class := classOf(ClassifyHTTP(status, nil))
	code, msg := env.Code, env.Message
	if env.ErrorCode != "" {
		code, msg = env.ErrorCode, env.ErrorMsg
	}
	switch {
	case code == "APIGW.0301", code == "APIGW.0101", code == "APIGW.0303", code == "APIGW.0305":
		// Incorrect IAM authentication information; the key or the
		// project is not allowed.
		class = ErrAuth
	case strings.HasPrefix(code, "APIGW.0308"):
		class = ErrNetwork // throttled
	}
	if code == "" {
		return ClassifyHTTP(status, body)
	}
	//lint:ignore ST1005 the message starts with the provider's name
	return fmt.Errorf("Huawei Cloud answered HTTP %d: %s: %s%s: %w", status, excerpt([]byte(code)), excerpt([]byte(msg)),
		requestSuffix(env.RequestID), class)
}

// requestSuffix names a request ID for support, when there is one.
func requestSuffix(id string) string {
	if id == "" {
		return ""
	}
	return " (request " + excerpt([]byte(id)) + ")"
}
