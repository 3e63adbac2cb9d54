package providers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ddnsd/ddns/providers/spec"
	"github.com/libdns/libdns"
)

// hetznerAPI is the base URL of the Hetzner DNS API v1.
const hetznerAPI = "https://dns.hetzner.com/api/v1"

func hetznerSpec() Spec { return adapter(spec.Hetzner(), newHetzner) }

// newHetzner builds the Hetzner DNS provider, written against the API here
// rather than on libdns/hetzner v1.0.0: that library builds its own
// http.Client{} (so neither our client nor the endpoint override can reach
// it without replacing http.DefaultTransport for the whole process), finds
// records to delete or update by name and type only (the first one, whatever
// its value), and indexes the zone lookup's answer without checking it (an
// empty list panics). This client uses record IDs, our HTTP client (retries,
// endpoint) and our context.
func newHetzner(env Env, p Params) (Provider, error) {
	token, err := tokenParam(env, p)
	if err != nil {
		return nil, err
	}
	return &libdnsAdapter{
		kind:       "hetzner",
		lib:        &hetznerClient{http: NewHTTPClient(env), token: token, zones: map[string]string{}},
		logger:     env.Logger,
		checkReply: hetznerCheckReply,
		secrets:    []string{token},
	}, nil
}

// hetznerCheckReply classifies one Hetzner DNS answer: JSON on 200 (a
// DELETE's may be empty), failures as HTTP statuses with {"message"} or
// {"error": {"message", "code"}}.
func hetznerCheckReply(status int, body []byte) error {
	if status == http.StatusOK {
		if len(body) > 0 && !json.Valid(body) {
			return fmt.Errorf("the Hetzner DNS API answered something that is not its JSON (HTTP %d: %q): %w", status, excerpt(body), ErrNetwork)
		}
		return nil
	}
	return ClassifyHTTP(status, body)
}

// hetznerClient is the part of the Hetzner DNS API v1 the adapter uses.
type hetznerClient struct {
	http  *http.Client
	token string

	mu    sync.Mutex
	zones map[string]string // zone name -> ID, looked up once
}

type hzRecord struct {
	ID     string `json:"id,omitempty"`
	ZoneID string `json:"zone_id"`
	Type   string `json:"type"`
	Name   string `json:"name"`
	Value  string `json:"value"`
	TTL    int    `json:"ttl,omitempty"`
}

func (c *hetznerClient) call(ctx context.Context, method, path string, in, out any) error {
	return jsonCall(ctx, c.http, method, hetznerAPI+path, http.Header{"Auth-Api-Token": {c.token}}, in, out)
}

// zoneID looks the zone's ID up (GET /zones?name=), once per zone.
func (c *hetznerClient) zoneID(ctx context.Context, zone string) (string, error) {
	zone = strings.TrimSuffix(zone, ".")
	c.mu.Lock()
	id, ok := c.zones[zone]
	c.mu.Unlock()
	if ok {
		return id, nil
	}
	var out struct {
		Zones []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"zones"`
	}
	if err := c.call(ctx, http.MethodGet, "/zones?name="+url.QueryEscape(zone), nil, &out); err != nil {
		return "", err
	}
	for _, z := range out.Zones {
		if strings.EqualFold(z.Name, zone) && z.ID != "" {
			c.mu.Lock()
			c.zones[zone] = z.ID
			c.mu.Unlock()
			return z.ID, nil
		}
	}
	return "", fmt.Errorf("zone %s is not in this Hetzner DNS account (%d zones matched the lookup): %w", zone, len(out.Zones), ErrRejected)
}

// GetRecords lists every record of zone, page by page.
func (c *hetznerClient) GetRecords(ctx context.Context, zone string) ([]libdns.Record, error) {
	id, err := c.zoneID(ctx, zone)
	if err != nil {
		return nil, err
	}
	var all []libdns.Record
	for page := 1; ; page++ {
		var out struct {
			Records []hzRecord `json:"records"`
			Meta    *struct {
				Pagination struct {
					LastPage int `json:"last_page"`
				} `json:"pagination"`
			} `json:"meta"`
		}
		q := url.Values{"zone_id": {id}}
		if page > 1 {
			q.Set("page", fmt.Sprint(page))
		}
		if err := c.call(ctx, http.MethodGet, "/records?"+q.Encode(), nil, &out); err != nil {
			return nil, err
		}
		for _, r := range out.Records {
			all = append(all, apiRecord{ID: r.ID, Name: r.Name, Type: r.Type, Value: r.Value, TTL: time.Duration(r.TTL) * time.Second})
		}
		// An empty page ends the listing whatever last_page says, and
		// the pages are bounded: an answer claiming a billion pages (a
		// broken or hostile API) would otherwise keep the pass asking,
		// and growing the list, until its deadline.
		if out.Meta == nil || page >= out.Meta.Pagination.LastPage || len(out.Records) == 0 {
			return all, nil
		}
		if page >= hetznerMaxPages {
			return nil, fmt.Errorf("the zone %s lists more than %d pages of records, more than any zone this program manages holds: %w", zone, hetznerMaxPages, ErrRejected)
		}
	}
}

// hetznerMaxPages bounds a zone's listing: 100 records a page, so 100,000
// records.
const hetznerMaxPages = 1000

func (c *hetznerClient) body(ctx context.Context, zone string, r libdns.Record) (hzRecord, error) {
	id, err := c.zoneID(ctx, zone)
	if err != nil {
		return hzRecord{}, err
	}
	rr := r.RR()
	return hzRecord{ZoneID: id, Type: rr.Type, Name: relName(rr.Name), Value: rr.Data, TTL: int(rr.TTL / time.Second)}, nil
}

// AppendRecords creates each record (POST /records).
func (c *hetznerClient) AppendRecords(ctx context.Context, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	for i, r := range recs {
		in, err := c.body(ctx, zone, r)
		if err != nil {
			return recs[:i], err
		}
		if err := c.call(ctx, http.MethodPost, "/records", in, nil); err != nil {
			return recs[:i], err
		}
	}
	return recs, nil
}

// UpdateRecord changes old into new in place (PUT /records/{id}).
func (c *hetznerClient) UpdateRecord(ctx context.Context, zone string, old, new libdns.Record) error {
	id, err := recordID(old)
	if err != nil {
		return err
	}
	in, err := c.body(ctx, zone, new)
	if err != nil {
		return err
	}
	return c.call(ctx, http.MethodPut, "/records/"+url.PathEscape(id), in, nil)
}

// DeleteRecords deletes each record by its ID (DELETE /records/{id}).
func (c *hetznerClient) DeleteRecords(ctx context.Context, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	for i, r := range recs {
		id, err := recordID(r)
		if err != nil {
			return recs[:i], err
		}
		if err := c.call(ctx, http.MethodDelete, "/records/"+url.PathEscape(id), nil, nil); err != nil {
			return recs[:i], err
		}
	}
	return recs, nil
}

// SetRecords is not used (see recordUpdater).
func (c *hetznerClient) SetRecords(context.Context, string, []libdns.Record) ([]libdns.Record, error) {
	return nil, errNoSetRecords
}
