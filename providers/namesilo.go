package providers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ddnsd/ddns/providers/spec"
	"github.com/ddnsd/ddns/redact"
	"github.com/hashicorp/go-hclog"
)

// namesiloAPI is the base of NameSilo's API: GET {base}/{operation} with
// version=1, type=json and key=API_KEY in the query (its "API Reference").
// No libdns module for NameSilo is served at a version that builds here,
// and the three operations the updater needs are small, so it is written
// directly.
const namesiloAPI = "https://www.namesilo.com/api"

// namesiloMinTTL is the smallest TTL NameSilo accepts for a record.
const namesiloMinTTL = 3600 * time.Second

func namesiloSpec() Spec { return adapter(spec.NameSilo(), newNameSilo) }

type namesilo struct {
	key    string
	client *http.Client
	log    hclog.Logger
}

// newNameSilo builds the NameSilo provider on its API key. It reads
// records back (dnsListRecords), so a write is verified like Cloudflare's.
func newNameSilo(env Env, p Params) (Provider, error) {
	key, err := secretParam(p, "api_key", " &?#/", "the API key as NameSilo's API Manager shows it, without spaces or URL characters")
	if err != nil {
		return nil, err
	}
	if err := checkEndpoint(env); err != nil {
		return nil, err
	}
	return &namesilo{key: key, client: NewHTTPClient(env), log: env.Logger}, nil
}

// nsString is a value NameSilo sends as a string or as a number (its JSON
// is converted from its XML, so numbers come either way).
type nsString string

func (s *nsString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = nsString(v)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("%s is neither a string nor a number", excerpt(b))
	}
	*s = nsString(n.String())
	return nil
}

type nsRecord struct {
	ID    nsString `json:"record_id"`
	Type  nsString `json:"type"`
	Host  nsString `json:"host"` // the full name: "www.example.com", the apex "example.com"
	Value nsString `json:"value"`
	TTL   nsString `json:"ttl"`
}

// nsRecords is resource_record: a list, or a single object when the zone
// holds one record (an artefact of the XML conversion).
type nsRecords []nsRecord

func (r *nsRecords) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) > 0 && b[0] == '[':
		var list []nsRecord
		if err := json.Unmarshal(b, &list); err != nil {
			return err
		}
		*r = list
	case len(b) > 0 && b[0] == '{':
		var one nsRecord
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*r = nsRecords{one}
	case string(b) == "null", string(b) == `""`:
		*r = nil
	default:
		return fmt.Errorf("resource_record is %s, not a record or a list", excerpt(b))
	}
	return nil
}

type nsReply struct {
	Reply *struct {
		Code     nsString  `json:"code"`
		Detail   nsString  `json:"detail"`
		Records  nsRecords `json:"resource_record"`
		RecordID nsString  `json:"record_id"`
	} `json:"reply"`
}

// namesiloAuthCodes are the reply codes that mean the key is wrong or may
// not be used from here: 109 no key, 110 invalid key, 111 invalid user,
// 112 API not available to sub-accounts, 113 not allowed from this IP.
var namesiloAuthCodes = map[string]bool{"109": true, "110": true, "111": true, "112": true, "113": true}

// namesiloTransientCodes are server-side failures worth retrying later: 115
// the central registry is not responding, 201 internal system error.
var namesiloTransientCodes = map[string]bool{"115": true, "201": true}

// call runs one operation and returns its reply; any reply code but 300
// (success) is an error.
func (n *namesilo) call(ctx context.Context, op string, args url.Values) (*nsReply, error) {
	q := url.Values{"version": {"1"}, "type": {"json"}, "key": {n.key}}
	for k, v := range args {
		q[k] = v
	}
	what := "namesilo " + op
	if d := args.Get("domain"); d != "" {
		what += " for " + d
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, namesiloAPI+"/"+op+"?"+q.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %v: %w", what, n.redact(redact.URLError(err).Error()), ErrRejected)
	}
	req.Header.Set("User-Agent", updaterUserAgent)
	status, body, err := directCall(n.client, req, what, n.redact, nil, nil)
	if err != nil {
		return nil, err
	}
	var r nsReply
	if err := json.Unmarshal(body, &r); err != nil || r.Reply == nil {
		return nil, fmt.Errorf("%s: the API answered something that is not its JSON reply (HTTP %d: %q): %w", what, status, excerpt(body), ErrNetwork)
	}
	code := string(r.Reply.Code)
	if code == "300" {
		return &r, nil
	}
	class := ErrRejected
	switch {
	case namesiloAuthCodes[code]:
		class = ErrAuth
	case namesiloTransientCodes[code]:
		class = ErrNetwork
	}
	return nil, fmt.Errorf("%s: NameSilo answered code %s: %s: %w", what, excerpt([]byte(code)), excerpt([]byte(r.Reply.Detail)), class)
}

func (n *namesilo) redact(s string) string {
	if len(n.key) >= 4 {
		s = strings.ReplaceAll(s, n.key, "[redacted]")
		s = strings.ReplaceAll(s, url.QueryEscape(n.key), "[redacted]")
	}
	return s
}

func (n *namesilo) list(ctx context.Context, zone, name, typ string) ([]byID[string], error) {
	zone = strings.ToLower(strings.TrimSuffix(zone, "."))
	r, err := n.call(ctx, "dnsListRecords", url.Values{"domain": {zone}})
	if err != nil {
		return nil, err
	}
	want := Record{Zone: zone, Name: relName(name)}
	fqdn := want.FQDN()
	var out []byID[string]
	for _, it := range r.Reply.Records {
		if !strings.EqualFold(string(it.Type), typ) || !strings.EqualFold(strings.TrimSuffix(string(it.Host), "."), fqdn) {
			continue
		}
		addr, err := netip.ParseAddr(string(it.Value))
		if err != nil {
			return nil, fmt.Errorf("namesilo: record %s %s holds %q, which is not an address: %w", fqdn, typ, excerpt([]byte(it.Value)), ErrRejected)
		}
		ttl, err := strconv.Atoi(string(it.TTL))
		if err != nil || ttl < 0 {
			return nil, fmt.Errorf("namesilo: record %s %s has TTL %q, which is not a number of seconds: %w", fqdn, typ, excerpt([]byte(it.TTL)), ErrNetwork)
		}
		if it.ID == "" {
			return nil, fmt.Errorf("namesilo: record %s %s was listed without a record_id: %w", fqdn, typ, ErrNetwork)
		}
		out = append(out, byID[string]{id: string(it.ID), rec: Record{Zone: zone, Name: want.Name, Type: strings.ToUpper(typ), Addr: addr.Unmap(), TTL: time.Duration(ttl) * time.Second}})
	}
	return out, nil
}

// Get returns the A or AAAA records of name in zone.
func (n *namesilo) Get(ctx context.Context, zone, name, typ string) ([]Record, error) {
	return byIDRecords(n.list(ctx, zone, name, typ))
}

// Set makes rec the only record of its name and type: it updates the one
// that holds the address (or the first) with dnsUpdateRecord, adds one with
// dnsAddRecord when there is none, and deletes the others.
func (n *namesilo) Set(ctx context.Context, rec Record) error {
	rec, err := byIDWanted("namesilo", rec)
	if err != nil {
		return err
	}
	if rec.TTL < namesiloMinTTL {
		n.log.Debug("raising TTL to NameSilo's minimum", "record", rec.FQDN(), "ttl", rec.TTL, "min", namesiloMinTTL)
		rec.TTL = namesiloMinTTL
	}
	cur, err := n.list(ctx, rec.Zone, rec.Name, rec.Type)
	if err != nil {
		return err
	}
	host := rec.Name
	if host == "@" {
		host = ""
	}
	ttl := strconv.Itoa(int(rec.TTL / time.Second))
	_, err = setOnly(n.log, rec, cur, byIDWrites[string]{
		fresh: func(have Record) bool { return have.TTL == rec.TTL },
		add: func() error {
			_, err := n.call(ctx, "dnsAddRecord", url.Values{"domain": {rec.Zone}, "rrtype": {rec.Type}, "rrhost": {host}, "rrvalue": {rec.Addr.String()}, "rrttl": {ttl}})
			return err
		},
		update: func(id string, _ Record) error {
			_, err := n.call(ctx, "dnsUpdateRecord", url.Values{"domain": {rec.Zone}, "rrid": {id}, "rrhost": {host}, "rrvalue": {rec.Addr.String()}, "rrttl": {ttl}})
			return err
		},
		remove: func(id string, _ Record) error {
			_, err := n.call(ctx, "dnsDeleteRecord", url.Values{"domain": {rec.Zone}, "rrid": {id}})
			return err
		},
	})
	return err
}
