package providers

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"path"
	"strings"
	"sync"

	"github.com/ddnsd/ddns/providers/spec"
	"github.com/libdns/cloudflare"
)

func cloudflareSpec() Spec { return adapter(spec.Cloudflare(), newCloudflare) }

// newCloudflare builds the Cloudflare provider on libdns/cloudflare. The
// library covers the API calls; cfDoer, its HTTP client, adds what the
// library lacks: the proxied flag, an optional fixed zone ID, and a check
// that keeps a malformed list reply from reaching code that would panic on it.
func newCloudflare(env Env, p Params) (Provider, error) {
	if err := p.Require("api_token"); err != nil {
		return nil, err
	}
	// proxied stays nil when the account does not say: a record that says
	// nothing either is then left as Cloudflare has it (proxied or not in
	// the dashboard), as ddns-go does; only a stated value is enforced.
	var proxied *bool
	if v, ok := p["proxied"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return nil, fmt.Errorf("key \"proxied\" must be true or false, not %v", v)
		}
		proxied = &b
	}
	if v, ok := p["zone_id"]; ok {
		if _, isString := v.(string); !isString {
			return nil, fmt.Errorf("key \"zone_id\" must be a string")
		}
	}
	if env.Endpoint != "" {
		if _, err := parseEndpoint(env.Endpoint); err != nil {
			return nil, err
		}
	}
	token := p.String("api_token")
	doer := &cfDoer{client: NewHTTPClient(env), zoneID: p.String("zone_id"), proxied: proxied}
	return &libdnsAdapter{
		kind:       "cloudflare",
		lib:        &cloudflare.Provider{APIToken: token, HTTPClient: doer},
		logger:     env.Logger,
		checkReply: cfCheckReply,
		setInPlace: true,
		prepare: func(ctx context.Context) context.Context {
			return context.WithValue(ctx, cfSeenKey{}, &cfSeen{proxied: map[string]bool{}, byID: map[string]bool{}})
		},
		annotate: func(ctx context.Context, rec *Record) {
			if p, known := cfSeenFrom(ctx).lookup(*rec); known {
				rec.Proxied = &p
			}
		},
		prepareSet: func(ctx context.Context, rec Record) context.Context {
			if rec.Proxied == nil {
				return ctx
			}
			return context.WithValue(ctx, cfProxiedKey{}, *rec.Proxied)
		},
		same: func(ctx context.Context, have, want Record) bool {
			if have.Addr != want.Addr {
				return false
			}
			wanted := cmp.Or(want.Proxied, proxied)
			p, known := cfSeenFrom(ctx).lookup(have)
			if wanted != nil && (!known || p != *wanted) {
				return false
			}
			// Cloudflare keeps proxied records at TTL 1 ("automatic"), so a
			// proxied record's TTL says nothing about the one asked.
			return (known && p) || want.TTL == 0 || have.TTL == want.TTL
		},
		secrets: []string{token},
	}, nil
}

// Cloudflare error codes that mean the token is wrong, expired or lacks a
// permission, whatever HTTP status carries them.
var cfAuthCodes = map[int]bool{
	6003: true, 6111: true, 9103: true, 9106: true, 9109: true, 10000: true, 10001: true,
}

type cfEnvelope struct {
	Success bool `json:"success"`
	Errors  []struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
	ResultInfo *struct {
		PerPage int `json:"per_page"`
	} `json:"result_info"`
}

// cfCheckReply classifies one Cloudflare answer: a failure is an HTTP status
// of 400 or more, success=false, or a non-empty errors array.
func cfCheckReply(status int, body []byte) error {
	var env cfEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		if status >= 400 {
			return ClassifyHTTP(status, body)
		}
		return fmt.Errorf("the Cloudflare API answered something that is not its JSON (HTTP %d: %q): %w", status, excerpt(body), ErrNetwork)
	}
	if status < 400 && env.Success && len(env.Errors) == 0 {
		return nil
	}
	var msgs []string
	class := classOf(ClassifyHTTP(max(status, 400), nil))
	for _, e := range env.Errors {
		msgs = append(msgs, fmt.Sprintf("%d %s", e.Code, excerpt([]byte(e.Message))))
		if cfAuthCodes[e.Code] {
			class = ErrAuth
		}
	}
	if len(msgs) == 0 {
		msgs = append(msgs, "no error details")
	}
	//lint:ignore ST1005 the message starts with the provider's name
	return fmt.Errorf("Cloudflare answered HTTP %d: %s: %w", status, strings.Join(msgs, "; "), class)
}

// cfDoer is the libdns/cloudflare HTTPClient.
type cfDoer struct {
	client  *http.Client
	zoneID  string
	proxied *bool // the account's; nil: not said
}

// Do sends req after adjusting it for what the library cannot express.
func (d *cfDoer) Do(req *http.Request) (*http.Response, error) {
	path := strings.TrimSuffix(req.URL.Path, "/")
	if d.zoneID != "" && req.Method == http.MethodGet && strings.HasSuffix(path, "/zones") && req.URL.Query().Has("name") {
		// The zone ID is known: answer the library's zone lookup here, so a
		// token without Zone:Read permission works and a call is saved.
		return d.zoneReply(req), nil
	}
	if (req.Method == http.MethodPost && strings.HasSuffix(path, "/dns_records")) ||
		(req.Method == http.MethodPatch && strings.Contains(path, "/dns_records/")) {
		if err := d.addProxied(req, d.proxiedFor(req.Context()), req.Method == http.MethodPatch); err != nil {
			return nil, err
		}
	}
	if f, ok := req.Context().Value(listFilterKey{}).(listFilter); ok && req.Method == http.MethodGet &&
		strings.HasSuffix(path, "/dns_records") && req.URL.Query().Has("page") && !req.URL.Query().Has("name") {
		// The library's GetRecords lists the whole zone; ask only for the
		// name and type the adapter will keep.
		q := req.URL.Query()
		q.Set("name", f.fqdn)
		q.Set("type", f.typ)
		req.URL.RawQuery = q.Encode()
	}
	resp, err := d.client.Do(req)
	if err != nil || req.Method != http.MethodGet || !strings.HasSuffix(path, "/dns_records") || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	return d.checkList(req.Context(), resp)
}

func (d *cfDoer) zoneReply(req *http.Request) *http.Response {
	name := strings.TrimSuffix(req.URL.Query().Get("name"), ".")
	body, _ := json.Marshal(map[string]any{
		"success":     true,
		"errors":      []any{},
		"messages":    []any{},
		"result":      []map[string]string{{"id": d.zoneID, "name": name, "status": "active"}},
		"result_info": map[string]int{"page": 1, "per_page": 20, "count": 1, "total_count": 1},
	})
	return &http.Response{
		Status:        "200 OK",
		StatusCode:    http.StatusOK,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}

// cfProxiedKey carries one record's proxied setting, when it has one, to
// the requests that write it.
type cfProxiedKey struct{}

// proxiedFor is the proxied setting of the record ctx writes: its own, else
// the account's, else nil (leave it as Cloudflare has it).
func (d *cfDoer) proxiedFor(ctx context.Context) *bool {
	if p, ok := ctx.Value(cfProxiedKey{}).(bool); ok {
		return &p
	}
	return d.proxied
}

// addProxied writes the record's proxied setting into an address record's
// body: the library never sends it (and its PATCH omits false values).
// With none asked (nil), a new record (POST) gets Cloudflare's default,
// unproxied, and a change of an existing one (PATCH) leaves proxied out, so
// Cloudflare keeps what the record has; its TTL is then sent as 1 only if
// the record, as Cloudflare listed it, is proxied.
func (d *cfDoer) addProxied(req *http.Request, proxied *bool, patch bool) error {
	if req.Body == nil {
		return nil
	}
	raw, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return fmt.Errorf("reading the record to send: %w", err)
	}
	var rec map[string]any
	if err := json.Unmarshal(raw, &rec); err == nil && (rec["type"] == "A" || rec["type"] == "AAAA") {
		on := false
		switch {
		case proxied != nil:
			on = *proxied
			rec["proxied"] = on
		case patch:
			delete(rec, "proxied") // the library omits false; never send one here
			on = cfSeenFrom(req.Context()).lookupID(path.Base(req.URL.Path))
		default:
			rec["proxied"] = false
		}
		if on {
			rec["ttl"] = 1 // Cloudflare serves proxied records with its own TTL
		}
		if b, err := json.Marshal(rec); err == nil {
			raw = b
		}
	}
	req.Body = io.NopCloser(bytes.NewReader(raw))
	req.ContentLength = int64(len(raw))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil }
	return nil
}

type cfListItem struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Type    string `json:"type"`
	Content string `json:"content"`
	Proxied bool   `json:"proxied"`
}

// checkList refuses a record list the library would crash on (no
// result_info, or per_page 0: it divides by it) and remembers each address
// record's proxied flag for the "already up to date" test.
func (d *cfDoer) checkList(ctx context.Context, resp *http.Response) (*http.Response, error) {
	body, err := io.ReadAll(io.LimitReader(resp.Body, traceBodyLimit))
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("reading Cloudflare's record list: %v: %w", err, ErrNetwork)
	}
	var env cfEnvelope
	if json.Unmarshal(body, &env) == nil && env.Success {
		if env.ResultInfo == nil || env.ResultInfo.PerPage <= 0 {
			return nil, fmt.Errorf("the Cloudflare API sent a record list without valid result_info (page information): %w", ErrNetwork)
		}
		var items struct {
			Result []cfListItem `json:"result"`
		}
		if json.Unmarshal(body, &items) == nil {
			seen := cfSeenFrom(ctx)
			for _, it := range items.Result {
				seen.add(it)
			}
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// cfSeen holds the proxied flags of the records listed during one
// operation, by name, type and address and by record ID.
type cfSeen struct {
	mu      sync.Mutex
	proxied map[string]bool
	byID    map[string]bool
}

type cfSeenKey struct{}

func cfSeenFrom(ctx context.Context) *cfSeen {
	s, _ := ctx.Value(cfSeenKey{}).(*cfSeen)
	return s
}

func cfSeenKeyOf(fqdn, typ string, addr netip.Addr) string {
	return strings.ToLower(strings.TrimSuffix(fqdn, ".")) + " " + strings.ToUpper(typ) + " " + addr.String()
}

func (s *cfSeen) add(it cfListItem) {
	addr, err := netip.ParseAddr(it.Content)
	if s == nil || err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.proxied[cfSeenKeyOf(it.Name, it.Type, addr.Unmap())] = it.Proxied
	if it.ID != "" {
		s.byID[it.ID] = it.Proxied
	}
}

// lookupID is the proxied flag of the listed record with that ID (false
// when it was not listed).
func (s *cfSeen) lookupID(id string) bool {
	if s == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byID[id]
}

func (s *cfSeen) lookup(r Record) (proxied, known bool) {
	if s == nil {
		return false, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	proxied, known = s.proxied[cfSeenKeyOf(r.FQDN(), r.Type, r.Addr)]
	return proxied, known
}
