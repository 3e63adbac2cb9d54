package providers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/ddnsd/ddns/providers/spec"
	"github.com/ddnsd/ddns/redact"
	"github.com/hashicorp/go-hclog"
)

// dynv6API is the base of dynv6's REST API (its OpenAPI specification,
// "REST API for dynv6", servers: /api/v2). No libdns module for dynv6 is
// served, and the calls are few, so it is written directly, on the REST API
// rather than the update URL so that records can be read back.
const dynv6API = "https://dynv6.com/api/v2"

func dynv6Spec() Spec { return adapter(spec.Dynv6(), newDynv6) }

type dynv6 struct {
	token  string
	client *http.Client
	log    hclog.Logger
}

// newDynv6 builds the dynv6 provider on an HTTP token (bearer). A zone's
// own address ("@") is a field of the zone (ipv4address, ipv6prefix);
// every other name is a record of the zone.
func newDynv6(env Env, p Params) (Provider, error) {
	token, err := secretParam(p, "token", " \t\r\n", "the HTTP token as dynv6 shows it, without spaces")
	if err != nil {
		return nil, err
	}
	if err := checkEndpoint(env); err != nil {
		return nil, err
	}
	return &dynv6{token: token, client: NewHTTPClient(env), log: env.Logger}, nil
}

type dynv6Zone struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	IPv4Address string `json:"ipv4address"`
	IPv6Prefix  string `json:"ipv6prefix"`
}

type dynv6Record struct {
	ID           int64  `json:"id"`
	ZoneID       int64  `json:"zoneID"`
	Name         string `json:"name"`
	Type         string `json:"type"`
	Data         string `json:"data"`
	ExpandedData string `json:"expandedData"`
}

// call sends one request (body, when not nil, as JSON) and decodes a 2xx
// answer into out (when not nil).
func (d *dynv6) call(ctx context.Context, method, path string, body, out any) error {
	what := fmt.Sprintf("dynv6 %s %s", method, path)
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%s: %v: %w", what, err, ErrRejected)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, dynv6API+path, rd)
	if err != nil {
		return fmt.Errorf("%s: %v: %w", what, redact.URLError(err), ErrRejected)
	}
	req.Header.Set("Authorization", "Bearer "+d.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", updaterUserAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	_, _, err = directCall(d.client, req, what, d.redact, dynv6Failure, out)
	return err
}

// dynv6Failure classifies a dynv6 error: {"error": {"name", "message",
// "fields": [{"name", "message"}]}}, or any other body by its status.
func dynv6Failure(status int, body []byte) error {
	var e struct {
		Error *struct {
			Name    string `json:"name"`
			Message string `json:"message"`
			Fields  []struct {
				Name    string `json:"name"`
				Message string `json:"message"`
			} `json:"fields"`
		} `json:"error"`
	}
	class := classOf(ClassifyHTTP(max(status, 400), nil))
	if json.Unmarshal(body, &e) == nil && e.Error != nil {
		msg := e.Error.Name + ": " + e.Error.Message
		for _, f := range e.Error.Fields {
			msg += "; " + f.Name + " " + f.Message
		}
		return fmt.Errorf("dynv6 answered HTTP %d: %s: %w", status, excerpt([]byte(msg)), class)
	}
	return ClassifyHTTP(max(status, 400), body)
}

func (d *dynv6) redact(s string) string {
	if len(d.token) >= 4 {
		s = strings.ReplaceAll(s, d.token, "[redacted]")
	}
	return s
}

func (d *dynv6) zone(ctx context.Context, name string) (dynv6Zone, error) {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	var z dynv6Zone
	if err := d.call(ctx, http.MethodGet, "/zones/by-name/"+url.PathEscape(name), nil, &z); err != nil {
		return z, err
	}
	if z.ID == 0 || !strings.EqualFold(strings.TrimSuffix(z.Name, "."), name) {
		return z, fmt.Errorf("dynv6: the lookup of zone %s answered zone %q (ID %d): %w", name, excerpt([]byte(z.Name)), z.ID, ErrNetwork)
	}
	return z, nil
}

// list returns the addresses of name: records (id > 0), or for the apex
// the zone's own field (id 0).
func (d *dynv6) list(ctx context.Context, zone, name, typ string) (dynv6Zone, []byID[int64], error) {
	z, err := d.zone(ctx, zone)
	if err != nil {
		return z, nil, err
	}
	zone = strings.ToLower(strings.TrimSuffix(zone, "."))
	name = relName(name)
	typ = strings.ToUpper(typ)
	if name == "@" {
		v := z.IPv4Address
		if typ == "AAAA" {
			v = z.IPv6Prefix
		}
		if v == "" {
			return z, nil, nil
		}
		addr, err := parseDynv6Addr(v)
		if err != nil || (typ == "A") != addr.Is4() {
			return z, nil, fmt.Errorf("dynv6: zone %s holds %q for its %s address, which is not one: %w", zone, excerpt([]byte(v)), typ, ErrRejected)
		}
		return z, []byID[int64]{{rec: Record{Zone: zone, Name: "@", Type: typ, Addr: addr}}}, nil
	}
	var all []dynv6Record
	if err := d.call(ctx, http.MethodGet, "/zones/"+strconv.FormatInt(z.ID, 10)+"/records", nil, &all); err != nil {
		return z, nil, err
	}
	var out []byID[int64]
	for _, r := range all {
		if !strings.EqualFold(r.Type, typ) || !strings.EqualFold(strings.TrimSuffix(r.Name, "."), name) {
			continue
		}
		v := r.ExpandedData
		if v == "" {
			v = r.Data
		}
		addr, err := netip.ParseAddr(v)
		if err != nil {
			return z, nil, fmt.Errorf("dynv6: record %s.%s %s holds %q, which is not an address: %w", name, zone, typ, excerpt([]byte(v)), ErrRejected)
		}
		if r.ID == 0 {
			return z, nil, fmt.Errorf("dynv6: record %s.%s %s was listed without an id: %w", name, zone, typ, ErrNetwork)
		}
		out = append(out, byID[int64]{id: r.ID, rec: Record{Zone: zone, Name: name, Type: typ, Addr: addr.Unmap()}})
	}
	return z, out, nil
}

// parseDynv6Addr reads a zone's address field: an address, or for IPv6
// possibly a prefix ("2001:db8::/64"), whose address is the one served.
func parseDynv6Addr(v string) (netip.Addr, error) {
	if p, err := netip.ParsePrefix(v); err == nil {
		return p.Addr().Unmap(), nil
	}
	a, err := netip.ParseAddr(v)
	return a.Unmap(), err
}

// Get returns the A or AAAA records of name in zone. dynv6 publishes no
// TTL per record, so the TTL is 0.
func (d *dynv6) Get(ctx context.Context, zone, name, typ string) ([]Record, error) {
	_, cur, err := d.list(ctx, zone, name, typ)
	return byIDRecords(cur, err)
}

// Set makes rec the only address of its name and type: for the apex it
// sets the zone's ipv4address or ipv6prefix (which dynv6 also uses to
// expand records written relative to the prefix); for other names it
// updates the record that holds the address (or the first), creates one
// when there is none, and deletes the others. The TTL is dynv6's.
func (d *dynv6) Set(ctx context.Context, rec Record) error {
	rec, err := byIDWanted("dynv6", rec)
	if err != nil {
		return err
	}
	z, cur, err := d.list(ctx, rec.Zone, rec.Name, rec.Type)
	if err != nil {
		return err
	}
	zid := strconv.FormatInt(z.ID, 10)
	if rec.Name == "@" {
		if len(cur) == 1 && cur[0].rec.Addr == rec.Addr {
			return nil
		}
		field := "ipv4address"
		if rec.Type == "AAAA" {
			field = "ipv6prefix"
		}
		d.log.Debug("updating zone address", "zone", rec.Zone, "type", rec.Type, "address", rec.Addr)
		return d.call(ctx, http.MethodPatch, "/zones/"+zid, map[string]string{field: rec.Addr.String()}, nil)
	}
	rp := "/zones/" + zid + "/records"
	_, err = setOnly(d.log, rec, cur, byIDWrites[int64]{
		add: func() error {
			var created dynv6Record
			return d.call(ctx, http.MethodPost, rp, map[string]string{"name": rec.Name, "type": rec.Type, "data": rec.Addr.String()}, &created)
		},
		update: func(id int64, _ Record) error {
			var updated dynv6Record
			return d.call(ctx, http.MethodPatch, rp+"/"+strconv.FormatInt(id, 10), map[string]string{"data": rec.Addr.String()}, &updated)
		},
		remove: func(id int64, _ Record) error {
			return d.call(ctx, http.MethodDelete, rp+"/"+strconv.FormatInt(id, 10), nil, nil)
		},
	})
	return err
}
