package providers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"text/template"

	"github.com/ddnsd/ddns/providers/spec"
	"github.com/ddnsd/ddns/redact"
	"github.com/hashicorp/go-hclog"
)

// webhookSpec describes the "webhook" provider: one HTTP request per change,
// built from Go text/template strings, for any service this project does not
// know by name. It can only write.
//
// Secrets belong in `token` (so they may come from token_file or token_env)
// and reach the request as {{.Token}} in url, headers or body, e.g.
// headers = { Authorization = "Bearer {{.Token}}" }. Error messages show only
// the URL's scheme and host, and any answer the service echoes back has the
// token, the URL's path and query and every header value blanked out.
func webhookSpec() Spec { return adapter(spec.Webhook(), newWebhook) }

// WebhookData is what the webhook's url, headers and body templates see,
// e.g. `{"ip": {{json .Address}}, "ttl": {{.TTL}}}` or
// `Authorization = "Bearer {{.Token}}"`. Besides text/template's own
// functions (urlquery, print, ...), templates may call `json`, which writes
// its argument as a JSON value (a quoted, escaped string for text).
type WebhookData struct {
	Address  string // the new address, e.g. "203.0.113.7" or "2001:db8::7"
	Name     string // the record's full name without a trailing dot: "home.example.com"
	Zone     string // "example.com"
	Type     string // "A" or "AAAA"
	TTL      int64  // seconds
	Provider string // the account's name in the config ([providers.NAME])
	Token    string // the account's `token` secret, "" when none is set
}

const webhookBodyLimit = 64 << 10

type webhook struct {
	name    string
	method  string
	url     *template.Template
	headers []webhookHeader // sorted by name, for a stable request
	body    *template.Template
	token   string
	client  *http.Client
	log     hclog.Logger
}

type webhookHeader struct {
	name  string
	value *template.Template
}

func webhookFuncs() template.FuncMap {
	return template.FuncMap{
		"json": func(v any) (string, error) {
			b, err := json.Marshal(v)
			return string(b), err
		},
	}
}

func newWebhook(env Env, p Params) (Provider, error) {
	if err := checkStringKey(p, "url", true); err != nil {
		return nil, err
	}
	for _, k := range []string{"method", "body", "token"} {
		if err := checkStringKey(p, k, false); err != nil {
			return nil, err
		}
	}
	w := &webhook{name: env.Name, token: p.String("token"), log: env.Logger}
	if w.log == nil {
		w.log = hclog.NewNullLogger()
	}
	sample := WebhookData{
		Address: "192.0.2.1", Name: "host.example.com", Zone: "example.com", Type: "A",
		TTL: 300, Provider: env.Name, Token: w.token,
	}

	w.method = strings.ToUpper(strings.TrimSpace(p.String("method")))
	if w.method == "" {
		w.method = http.MethodPost
	}
	if strings.IndexFunc(w.method, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
		return nil, fmt.Errorf("key %q: %q is not an HTTP method such as \"POST\" or \"GET\"", "method", p.String("method"))
	}

	// Each template is parsed and run once on sample data now, so that a
	// typo such as {{.Adress}} is a config error at start-up, naming its key.
	var err error
	if w.url, err = webhookTemplate("url", p.String("url"), sample); err != nil {
		return nil, err
	}
	var sampleURL bytes.Buffer
	_ = w.url.Execute(&sampleURL, sample)
	if _, err := webhookParseURL(sampleURL.String()); err != nil {
		return nil, fmt.Errorf("key %q: %w", "url", err)
	}
	if w.body, err = webhookTemplate("body", p.String("body"), sample); err != nil {
		return nil, err
	}

	if v, ok := p["headers"]; ok && v != nil {
		raw, isTable := v.(map[string]any)
		if !isTable {
			return nil, fmt.Errorf("key %q must be a table of header names to values, such as headers = { Authorization = \"Bearer {{.Token}}\" }", "headers")
		}
		for name, val := range raw {
			s, isString := val.(string)
			if !isString {
				return nil, fmt.Errorf("key %q: the value of header %q must be a string, not %T", "headers", name, val)
			}
			if name == "" || strings.ContainsAny(name, " \t\r\n:()<>@,;\\\"/[]?={}") {
				return nil, fmt.Errorf("key %q: %q is not a valid header name", "headers", name)
			}
			t, err := webhookTemplate("headers."+name, s, sample)
			if err != nil {
				return nil, err
			}
			w.headers = append(w.headers, webhookHeader{name: name, value: t})
		}
		sort.Slice(w.headers, func(i, j int) bool { return w.headers[i].name < w.headers[j].name })
	}

	w.client = NewHTTPClient(env)
	return w, nil
}

// webhookTemplate parses text as the template for key and runs it once on
// sample, so both syntax errors and unknown fields are reported now.
func webhookTemplate(key, text string, sample WebhookData) (*template.Template, error) {
	t, err := template.New(key).Funcs(webhookFuncs()).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("key %q is not a valid template: %v", key, webhookTemplateError(err))
	}
	if err := t.Execute(io.Discard, sample); err != nil {
		return nil, fmt.Errorf("key %q: template fails on a sample record: %v (fields: .Address .Name .Zone .Type .TTL .Provider .Token)", key, webhookTemplateError(err))
	}
	return t, nil
}

// webhookTemplateError drops the Go type name from text/template's messages
// ("in type providers.WebhookData"), which means nothing to a user.
func webhookTemplateError(err error) string {
	return strings.ReplaceAll(err.Error(), " in type providers.WebhookData", "")
}

// webhookParseURL accepts absolute http and https URLs only. Its errors never
// quote the URL: webhook URLs often carry a secret in their path or query.
func webhookParseURL(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return nil, errors.New("the URL does not parse")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("the URL must be absolute and start with http:// or https://")
	}
	return u, nil
}

// Get is not possible: a webhook has no way to read records back.
func (w *webhook) Get(ctx context.Context, zone, name, typ string) ([]Record, error) {
	return nil, fmt.Errorf("webhook cannot read records back: %w", ErrUnsupported)
}

// Set renders the templates for rec and sends one request. Any 2xx answer is
// success; the service is trusted to keep exactly one record itself.
func (w *webhook) Set(ctx context.Context, rec Record) error {
	typ, addr, err := checkAddressRecord(rec)
	if err != nil {
		return err
	}
	data := WebhookData{
		Address:  addr.String(),
		Name:     strings.TrimSuffix(rec.FQDN(), "."),
		Zone:     strings.TrimSuffix(rec.Zone, "."),
		Type:     typ,
		TTL:      int64(rec.TTL.Seconds()),
		Provider: w.name,
		Token:    w.token,
	}
	render := func(t *template.Template) (string, error) {
		var b bytes.Buffer
		if err := t.Execute(&b, data); err != nil {
			return "", fmt.Errorf("template %q failed for %s %s: %v: %w", t.Name(), data.Name, typ, webhookTemplateError(err), ErrRejected)
		}
		return b.String(), nil
	}

	rawURL, err := render(w.url)
	if err != nil {
		return err
	}
	u, err := webhookParseURL(rawURL)
	if err != nil {
		return fmt.Errorf("webhook for %s %s: key %q renders a bad URL: %v: %w", data.Name, typ, "url", err, ErrRejected)
	}
	// Only scheme and host appear in messages: path and query may hold secrets.
	what := fmt.Sprintf("webhook %s %s://%s for %s %s %s", w.method, u.Scheme, u.Host, data.Name, typ, data.Address)

	body, err := render(w.body)
	if err != nil {
		return err
	}
	var reqBody io.Reader
	if body != "" {
		reqBody = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, w.method, u.String(), reqBody)
	if err != nil {
		return fmt.Errorf("%s: the request cannot be built: %w", what, ErrRejected)
	}
	secrets := []string{w.token, u.RawQuery, u.Path}
	for _, h := range w.headers {
		v, err := render(h.value)
		if err != nil {
			return err
		}
		if strings.ContainsAny(v, "\r\n") {
			return fmt.Errorf("%s: header %q renders a line break: %w", what, h.name, ErrRejected)
		}
		if strings.EqualFold(h.name, "Host") {
			req.Host = v
		} else {
			req.Header.Set(h.name, v)
		}
		secrets = append(secrets, v)
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", updaterUserAgent)
	}

	resp, err := w.client.Do(req)
	if err != nil {
		err = redact.URLError(err) // drop the URL, it may carry a secret
		return fmt.Errorf("%s: %s: %w", what, webhookRedact(err.Error(), secrets), ErrNetwork)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, webhookBodyLimit))
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		w.log.Debug("webhook accepted", "name", data.Name, "type", typ, "address", data.Address, "status", resp.StatusCode)
		return nil
	}
	// A service may echo the request (headers, URL) in its error page.
	answer = []byte(webhookRedact(string(answer), secrets))
	if cerr := ClassifyHTTP(resp.StatusCode, answer); cerr != nil {
		return fmt.Errorf("%s: %w", what, cerr)
	}
	return fmt.Errorf("%s: the service answered HTTP %d, not 2xx: %w", what, resp.StatusCode, ErrRejected)
}

// webhookRedact replaces every secret of at least 4 characters in s.
func webhookRedact(s string, secrets []string) string {
	for _, v := range secrets {
		if len(v) >= 4 {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	return s
}
