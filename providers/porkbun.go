package providers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ddnsd/ddns/providers/spec"
	"github.com/libdns/libdns"
)

// porkbunAPI is the base URL of Porkbun's API v3.
const porkbunAPI = "https://api.porkbun.com/api/json/v3"

func porkbunSpec() Spec { return adapter(spec.Porkbun(), newPorkbun) }

// newPorkbun builds the Porkbun provider, written against the API v3 here
// rather than on libdns/porkbun v1.1.0: that library builds its own
// http.Client{} with no context (so neither our client, the endpoint
// override nor a deadline reaches it), ends the process with log.Fatal if a
// response body fails to close, and deletes and edits by name and type, so
// every duplicate gets the same change. This client reads the one name and
// type (retrieveByNameType) and creates, edits and deletes by record ID.
func newPorkbun(env Env, p Params) (Provider, error) {
	if err := p.Require("api_key", "secret_api_key"); err != nil {
		return nil, err
	}
	if env.Endpoint != "" {
		if _, err := parseEndpoint(env.Endpoint); err != nil {
			return nil, err
		}
	}
	key, secret := p.String("api_key"), p.String("secret_api_key")
	return &libdnsAdapter{
		kind:       "porkbun",
		lib:        &porkbunClient{http: NewHTTPClient(env), key: key, secret: secret},
		logger:     env.Logger,
		checkReply: porkbunCheckReply,
		minTTL:     600 * time.Second,
		secrets:    []string{key, secret},
	}, nil
}

// porkbunCheckReply classifies one Porkbun answer: {"status": "SUCCESS",
// ...} or {"status": "ERROR", "message": ...}, the latter with HTTP 400
// for credentials as for bad data, so the message tells them apart.
func porkbunCheckReply(status int, body []byte) error {
	var env struct {
		Status  string `json:"status"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Status == "" {
		if status >= 400 {
			return ClassifyHTTP(status, body)
		}
		return fmt.Errorf("the Porkbun API answered something that is not its JSON (HTTP %d: %q): %w", status, excerpt(body), ErrNetwork)
	}
	if env.Status == "SUCCESS" && status < 300 {
		return nil
	}
	class := classOf(ClassifyHTTP(max(status, 400), nil))
	if m := strings.ToLower(env.Message); strings.Contains(m, "api key") || strings.Contains(m, "api access") {
		class = ErrAuth
	}
	//lint:ignore ST1005 the message starts with the provider's name
	return fmt.Errorf("Porkbun answered HTTP %d: %s: %w", status, excerpt([]byte(env.Message)), class)
}

// porkbunClient is the part of the Porkbun API v3 the adapter uses.
type porkbunClient struct {
	http        *http.Client
	key, secret string
}

type pbRequest struct {
	APIKey       string  `json:"apikey"`
	SecretAPIKey string  `json:"secretapikey"`
	Name         *string `json:"name,omitempty"`
	Type         string  `json:"type,omitempty"`
	Content      string  `json:"content,omitempty"`
	TTL          string  `json:"ttl,omitempty"`
}

func (c *porkbunClient) call(ctx context.Context, path string, in pbRequest, out any) error {
	in.APIKey, in.SecretAPIKey = c.key, c.secret
	return jsonCall(ctx, c.http, http.MethodPost, porkbunAPI+path, nil, in, out)
}

func porkbunDomain(zone string) string { return url.PathEscape(strings.TrimSuffix(zone, ".")) }

// GetRecords returns the records of the name and type the adapter is after
// (listFilter), through retrieveByNameType.
func (c *porkbunClient) GetRecords(ctx context.Context, zone string) ([]libdns.Record, error) {
	f, ok := ctx.Value(listFilterKey{}).(listFilter)
	if !ok {
		return nil, fmt.Errorf("listing a whole Porkbun zone is not supported: %w", ErrUnsupported)
	}
	name := relName(libdns.RelativeName(f.fqdn, zone))
	path := "/dns/retrieveByNameType/" + porkbunDomain(zone) + "/" + url.PathEscape(f.typ)
	if name != "@" {
		path += "/" + url.PathEscape(name)
	}
	var out struct {
		Records []struct {
			ID      string `json:"id"`
			Name    string `json:"name"`
			Type    string `json:"type"`
			Content string `json:"content"`
			TTL     string `json:"ttl"`
		} `json:"records"`
	}
	if err := c.call(ctx, path, pbRequest{}, &out); err != nil {
		return nil, err
	}
	recs := make([]libdns.Record, 0, len(out.Records))
	for _, r := range out.Records {
		ttl, err := strconv.Atoi(r.TTL)
		if err != nil {
			return nil, fmt.Errorf("the Porkbun API gave record %s a TTL of %q, not a number: %w", r.ID, excerpt([]byte(r.TTL)), ErrNetwork)
		}
		recs = append(recs, apiRecord{ID: r.ID, Name: relName(libdns.RelativeName(r.Name, zone)), Type: r.Type, Value: r.Content,
			TTL: time.Duration(ttl) * time.Second})
	}
	return recs, nil
}

func porkbunBody(r libdns.Record) pbRequest {
	rr := r.RR()
	sub := relName(rr.Name)
	if sub == "@" {
		sub = "" // Porkbun names the apex with an empty subdomain
	}
	return pbRequest{Name: &sub, Type: rr.Type, Content: rr.Data, TTL: strconv.Itoa(int(rr.TTL / time.Second))}
}

// AppendRecords creates each record (dns/create).
func (c *porkbunClient) AppendRecords(ctx context.Context, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	for i, r := range recs {
		if err := c.call(ctx, "/dns/create/"+porkbunDomain(zone), porkbunBody(r), nil); err != nil {
			return recs[:i], err
		}
	}
	return recs, nil
}

// UpdateRecord edits old into new by its ID (dns/edit).
func (c *porkbunClient) UpdateRecord(ctx context.Context, zone string, old, new libdns.Record) error {
	id, err := recordID(old)
	if err != nil {
		return err
	}
	return c.call(ctx, "/dns/edit/"+porkbunDomain(zone)+"/"+url.PathEscape(id), porkbunBody(new), nil)
}

// DeleteRecords deletes each record by its ID (dns/delete).
func (c *porkbunClient) DeleteRecords(ctx context.Context, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	for i, r := range recs {
		id, err := recordID(r)
		if err != nil {
			return recs[:i], err
		}
		if err := c.call(ctx, "/dns/delete/"+porkbunDomain(zone)+"/"+url.PathEscape(id), pbRequest{}, nil); err != nil {
			return recs[:i], err
		}
	}
	return recs, nil
}

// SetRecords is not used (see recordUpdater).
func (c *porkbunClient) SetRecords(context.Context, string, []libdns.Record) ([]libdns.Record, error) {
	return nil, errNoSetRecords
}
