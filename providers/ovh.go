package providers

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ddnsd/ddns/providers/spec"
	"github.com/ddnsd/ddns/redact"
	"github.com/hashicorp/go-hclog"
)

// ovhAPIs are the OVHcloud API bases by the names OVH's own clients use.
var ovhAPIs = map[string]string{
	"ovh-eu": "https://eu.api.ovh.com/1.0",
	"ovh-ca": "https://ca.api.ovh.com/1.0",
	"ovh-us": "https://api.us.ovhcloud.com/1.0",
}

func ovhSpec() Spec { return adapter(spec.OVH(), newOVH) }

// ovh talks to the OVHcloud API (/domain/zone) directly. libdns/ovh v1.1.0
// builds here, but it creates go-ovh's client inside itself with an
// http.Client of its own on http.DefaultTransport: neither the endpoint
// override, nor the retries, nor the classification by the API's answer
// could reach its calls, and its records are re-read one request each on
// every set. The API is small, so it is written here: signed requests
// (X-Ovh-Signature), the server's clock from /auth/time, records by
// fieldType and subDomain, and the zone refreshed after a change.
type ovh struct {
	base                  string // API base, e.g. "https://eu.api.ovh.com/1.0"
	appKey, appSecret, ck string
	client                *http.Client
	log                   hclog.Logger
	now                   func() time.Time

	mu     sync.Mutex
	delta  time.Duration // server time minus ours
	synced bool
}

func newOVH(env Env, p Params) (Provider, error) {
	if err := p.Require("application_key", "application_secret", "consumer_key"); err != nil {
		return nil, err
	}
	for _, k := range []string{"application_key", "application_secret", "consumer_key", "api_endpoint"} {
		if err := checkStringKey(p, k, false); err != nil {
			return nil, err
		}
	}
	name := strings.ToLower(strings.TrimSpace(p.String("api_endpoint")))
	if name == "" {
		name = "ovh-eu"
	}
	base, ok := ovhAPIs[name]
	if !ok {
		return nil, fmt.Errorf("key \"api_endpoint\": %q is not one of \"ovh-eu\", \"ovh-ca\" or \"ovh-us\"", name)
	}
	if err := checkEndpoint(env); err != nil {
		return nil, err
	}
	return &ovh{
		base:   base,
		appKey: strings.TrimSpace(p.String("application_key")), appSecret: p.String("application_secret"), ck: p.String("consumer_key"),
		client: NewHTTPClient(env), log: env.Logger, now: time.Now,
	}, nil
}

// ovhSignature is X-Ovh-Signature: "$1$" and the SHA-1, in hex, of the
// application secret, consumer key, method, full URL, body and timestamp
// joined by "+".
func ovhSignature(appSecret, ck, method, fullURL, body, ts string) string {
	h := sha1.Sum([]byte(strings.Join([]string{appSecret, ck, method, fullURL, body, ts}, "+")))
	return "$1$" + hex.EncodeToString(h[:])
}

// clock returns the server's time: /auth/time is asked once, then our
// clock plus the difference (OVH refuses timestamps far from its own).
func (o *ovh) clock(ctx context.Context) (time.Time, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.synced {
		return o.now().Add(o.delta), nil
	}
	var ts int64
	if err := o.do(ctx, http.MethodGet, "/auth/time", nil, &ts, false); err != nil {
		return time.Time{}, err
	}
	if ts <= 0 {
		return time.Time{}, fmt.Errorf("ovh: /auth/time answered %d, which is not a time: %w", ts, ErrNetwork)
	}
	o.delta = time.Unix(ts, 0).Sub(o.now())
	o.synced = true
	return o.now().Add(o.delta), nil
}

// call sends one signed request; body (when not nil) goes as JSON and a
// 2xx answer is decoded into out (when not nil).
func (o *ovh) call(ctx context.Context, method, path string, body, out any) error {
	return o.do(ctx, method, path, body, out, true)
}

func (o *ovh) do(ctx context.Context, method, path string, body, out any, signed bool) error {
	what := fmt.Sprintf("ovh %s %s", method, strings.SplitN(path, "?", 2)[0])
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return fmt.Errorf("%s: %v: %w", what, err, ErrRejected)
		}
	}
	full := o.base + path
	req, err := http.NewRequestWithContext(ctx, method, full, bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("%s: %v: %w", what, redact.URLError(err), ErrRejected)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", updaterUserAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json;charset=utf-8")
	}
	req.Header.Set("X-Ovh-Application", o.appKey)
	if signed {
		now, err := o.clock(ctx)
		if err != nil {
			return err
		}
		ts := strconv.FormatInt(now.Unix(), 10)
		req.Header.Set("X-Ovh-Timestamp", ts)
		req.Header.Set("X-Ovh-Consumer", o.ck)
		req.Header.Set("X-Ovh-Signature", ovhSignature(o.appSecret, o.ck, method, full, string(raw), ts))
	}
	_, _, err = directCall(o.client, req, what, o.redact, ovhFailure, out)
	return err
}

// ovhAuthCodes are the errorCode values that mean the keys are wrong, do
// not match, or are not allowed this call, whatever the HTTP status.
var ovhAuthCodes = map[string]bool{
	"INVALID_SIGNATURE": true, "INVALID_KEY": true, "INVALID_CREDENTIAL": true,
	"NOT_CREDENTIAL": true, "NOT_GRANTED_CALL": true, "QUERY_TIME_OUT": true,
}

// ovhFailure classifies an OVHcloud error: {"class": "Client::Forbidden",
// "message": ..., "errorCode": ..., "httpCode": ...}.
func ovhFailure(status int, body []byte) error {
	var e struct {
		Class     string `json:"class"`
		Message   string `json:"message"`
		ErrorCode string `json:"errorCode"`
	}
	if json.Unmarshal(body, &e) != nil || (e.Message == "" && e.ErrorCode == "") {
		return ClassifyHTTP(max(status, 400), body)
	}
	class := classOf(ClassifyHTTP(max(status, 400), nil))
	if ovhAuthCodes[e.ErrorCode] || strings.EqualFold(e.Message, "Invalid signature") {
		class = ErrAuth
	}
	what := e.ErrorCode
	if what == "" {
		what = e.Class
	}
	return fmt.Errorf("OVHcloud answered HTTP %d: %s: %s: %w", status, excerpt([]byte(what)), excerpt([]byte(e.Message)), class)
}

func (o *ovh) redact(s string) string {
	for _, sec := range []string{o.appSecret, o.ck} {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}

type ovhRecord struct {
	ID        int64  `json:"id"`
	Zone      string `json:"zone"`
	SubDomain string `json:"subDomain"`
	FieldType string `json:"fieldType"`
	Target    string `json:"target"`
	TTL       int64  `json:"ttl"`
}

func ovhZonePath(zone string) string {
	return "/domain/zone/" + url.PathEscape(strings.ToLower(strings.TrimSuffix(zone, ".")))
}

func (o *ovh) list(ctx context.Context, zone, name, typ string) ([]byID[int64], error) {
	zone = strings.ToLower(strings.TrimSuffix(zone, "."))
	name = relName(name)
	typ = strings.ToUpper(typ)
	sub := name
	if sub == "@" {
		sub = ""
	}
	q := url.Values{"fieldType": {typ}}
	if sub != "" {
		// The apex is filtered here: an empty subDomain filter is not
		// documented to select it.
		q.Set("subDomain", sub)
	}
	var ids []int64
	if err := o.call(ctx, http.MethodGet, ovhZonePath(zone)+"/record?"+q.Encode(), nil, &ids); err != nil {
		return nil, err
	}
	var out []byID[int64]
	for _, id := range ids {
		var r ovhRecord
		if err := o.call(ctx, http.MethodGet, ovhZonePath(zone)+"/record/"+strconv.FormatInt(id, 10), nil, &r); err != nil {
			return nil, err
		}
		if !strings.EqualFold(r.FieldType, typ) || !strings.EqualFold(r.SubDomain, sub) {
			continue
		}
		addr, err := netip.ParseAddr(r.Target)
		if err != nil {
			return nil, fmt.Errorf("ovh: record %s %s in zone %s holds %q, which is not an address: %w", name, typ, zone, excerpt([]byte(r.Target)), ErrRejected)
		}
		if r.ID != id {
			return nil, fmt.Errorf("ovh: record %d was answered as record %d: %w", id, r.ID, ErrNetwork)
		}
		out = append(out, byID[int64]{id: id, rec: Record{Zone: zone, Name: name, Type: typ, Addr: addr.Unmap(), TTL: time.Duration(r.TTL) * time.Second}})
	}
	return out, nil
}

// Get returns the A or AAAA records of name in zone. A TTL of 0 is the
// zone's default.
func (o *ovh) Get(ctx context.Context, zone, name, typ string) ([]Record, error) {
	return byIDRecords(o.list(ctx, zone, name, typ))
}

// Set makes rec the only record of its name and type (updating the one
// that holds the address, or the first; creating one when none; deleting
// the others), then refreshes the zone so that OVH's name servers serve
// the change.
func (o *ovh) Set(ctx context.Context, rec Record) error {
	rec, err := byIDWanted("ovh", rec)
	if err != nil {
		return err
	}
	if rec.TTL > 0 && rec.TTL < 60*time.Second {
		rec.TTL = 60 * time.Second // OVH's smallest
	}
	cur, err := o.list(ctx, rec.Zone, rec.Name, rec.Type)
	if err != nil {
		return err
	}
	sub := rec.Name
	if sub == "@" {
		sub = ""
	}
	ttl := int64(rec.TTL / time.Second)
	zp := ovhZonePath(rec.Zone)
	changed, err := setOnly(o.log, rec, cur, byIDWrites[int64]{
		// A TTL of 0 is the zone's default: any TTL the record has will do.
		fresh: func(have Record) bool { return ttl == 0 || have.TTL == rec.TTL },
		add: func() error {
			var created ovhRecord
			return o.call(ctx, http.MethodPost, zp+"/record", map[string]any{"fieldType": rec.Type, "subDomain": sub, "target": rec.Addr.String(), "ttl": ttl}, &created)
		},
		update: func(id int64, _ Record) error {
			return o.call(ctx, http.MethodPut, zp+"/record/"+strconv.FormatInt(id, 10), map[string]any{"subDomain": sub, "target": rec.Addr.String(), "ttl": ttl}, nil)
		},
		remove: func(id int64, _ Record) error {
			return o.call(ctx, http.MethodDelete, zp+"/record/"+strconv.FormatInt(id, 10), nil, nil)
		},
	})
	if err != nil || !changed {
		return err
	}
	return o.call(ctx, http.MethodPost, zp+"/refresh", nil, nil)
}
