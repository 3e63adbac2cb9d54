package providers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ddnsd/ddns/providers/spec"
	"github.com/libdns/libdns"
)

// godaddyAPI is the base URL of GoDaddy's production API.
const godaddyAPI = "https://api.godaddy.com"

func godaddySpec() Spec { return adapter(spec.GoDaddy(), newGoDaddy) }

// newGoDaddy builds the GoDaddy provider, written against the Domains API v1
// here rather than on libdns/godaddy v1.1.0: that library builds its own
// http.Client{} with no context (so neither our client, the endpoint
// override nor a deadline reaches it), writes every call to the process's
// standard logger, and reads the whole zone for every lookup and delete.
// This client reads and writes the one name and type the
// adapter asks for: GET and PUT /v1/domains/{domain}/records/{type}/{name},
// the PUT replacing every record of that name and type.
func newGoDaddy(env Env, p Params) (Provider, error) {
	if err := p.Require("api_key", "api_secret"); err != nil {
		return nil, err
	}
	key, secret := p.String("api_key"), p.String("api_secret")
	if strings.Contains(key, ":") {
		return nil, fmt.Errorf("key \"api_key\" must not contain a colon")
	}
	if env.Endpoint != "" {
		if _, err := parseEndpoint(env.Endpoint); err != nil {
			return nil, err
		}
	}
	return &libdnsAdapter{
		kind:        "godaddy",
		lib:         &godaddyClient{http: NewHTTPClient(env), auth: "sso-key " + key + ":" + secret},
		logger:      env.Logger,
		checkReply:  godaddyCheckReply,
		setReplaces: true,
		minTTL:      600 * time.Second,
		secrets:     []string{secret},
	}, nil
}

// godaddyCheckReply classifies one GoDaddy answer: JSON on 200 (a PUT's
// body may be empty), 204 for a delete, failures as HTTP statuses with
// {"code", "message", "fields"}. ACCESS_DENIED (403) is how GoDaddy refuses
// API access to accounts that do not qualify for it.
func godaddyCheckReply(status int, body []byte) error {
	switch {
	case status == http.StatusOK:
		if len(body) > 0 && !json.Valid(body) {
			return fmt.Errorf("the GoDaddy API answered something that is not its JSON (HTTP %d: %q): %w", status, excerpt(body), ErrNetwork)
		}
		return nil
	case status < 400:
		return nil
	}
	var env struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &env) != nil || env.Code == "" {
		return ClassifyHTTP(status, body)
	}
	class := classOf(ClassifyHTTP(status, nil))
	if env.Code == "ACCESS_DENIED" || env.Code == "UNABLE_TO_AUTHENTICATE" || env.Code == "MALFORMED_CREDENTIALS" {
		class = ErrAuth
	}
	return fmt.Errorf("GoDaddy answered HTTP %d: %s: %s: %w", status, excerpt([]byte(env.Code)), excerpt([]byte(env.Message)), class)
}

// godaddyClient is the part of the GoDaddy Domains API the adapter uses.
type godaddyClient struct {
	http *http.Client
	auth string
}

type gdRecord struct {
	Data string `json:"data"`
	Name string `json:"name,omitempty"`
	TTL  int    `json:"ttl,omitempty"`
	Type string `json:"type,omitempty"`
}

func (c *godaddyClient) path(zone, typ, name string) string {
	return godaddyAPI + "/v1/domains/" + url.PathEscape(strings.TrimSuffix(zone, ".")) + "/records/" + url.PathEscape(typ) + "/" + url.PathEscape(relName(name))
}

func (c *godaddyClient) call(ctx context.Context, method, u string, in, out any) error {
	return jsonCall(ctx, c.http, method, u, http.Header{"Authorization": {c.auth}}, in, out)
}

// GetRecords returns the records of the name and type the adapter is after
// (listFilter); the API lists them without paging a whole zone.
func (c *godaddyClient) GetRecords(ctx context.Context, zone string) ([]libdns.Record, error) {
	f, ok := ctx.Value(listFilterKey{}).(listFilter)
	if !ok {
		return nil, fmt.Errorf("listing a whole GoDaddy zone is not supported: %w", ErrUnsupported)
	}
	name := relName(libdns.RelativeName(f.fqdn, zone))
	var out []gdRecord
	if err := c.call(ctx, http.MethodGet, c.path(zone, f.typ, name), nil, &out); err != nil {
		return nil, err
	}
	recs := make([]libdns.Record, 0, len(out))
	for _, r := range out {
		recs = append(recs, apiRecord{Name: name, Type: f.typ, Value: r.Data, TTL: time.Duration(r.TTL) * time.Second})
	}
	return recs, nil
}

// SetRecords replaces every record of each record's name and type with it
// (PUT .../records/{type}/{name}).
func (c *godaddyClient) SetRecords(ctx context.Context, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	for i, r := range recs {
		rr := r.RR()
		body := []gdRecord{{Data: rr.Data, TTL: int(rr.TTL / time.Second)}}
		if err := c.call(ctx, http.MethodPut, c.path(zone, rr.Type, rr.Name), body, nil); err != nil {
			return recs[:i], err
		}
	}
	return recs, nil
}

// AppendRecords is only called for a name and type that holds no record,
// where replacing is creating.
func (c *godaddyClient) AppendRecords(ctx context.Context, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	return c.SetRecords(ctx, zone, recs)
}

// DeleteRecords removes every record of each record's name and type.
func (c *godaddyClient) DeleteRecords(ctx context.Context, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	for i, r := range recs {
		rr := r.RR()
		if err := c.call(ctx, http.MethodDelete, c.path(zone, rr.Type, rr.Name), nil, nil); err != nil {
			return recs[:i], err
		}
	}
	return recs, nil
}
