package ddnsgo

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// ddns-go's callback provider fills #{name} variables into its URL (dns.id)
// and request body (dns.secret) once per domain; this program's webhook
// provider runs Go templates on the record. The variables, and what each
// becomes (config/webhook.go and dns/callback.go of ddns-go v6):
var callbackVars = map[string]string{
	"#{ip}":         "{{.Address}}",
	"#{domain}":     "{{.Name}}",
	"#{recordType}": "{{.Type}}",
	"#{ttl}":        "{{.TTL}}",
	// Each request here is for one record, so only that record's family
	// is known: the other one's address is empty.
	"#{ipv4Addr}": `{{if eq .Type "A"}}{{.Address}}{{end}}`,
	"#{ipv6Addr}": `{{if eq .Type "AAAA"}}{{.Address}}{{end}}`,
}

// notifyVars are ddns-go's webhook (notification) variables, as this
// program's [[notify]] templates write them. ddns-go sends one request per
// run with both families; here one goes per record and event.
var notifyVars = map[string]string{
	"#{ipv4Addr}":    `{{if eq .Type "A"}}{{.NewAddress}}{{end}}`,
	"#{ipv6Addr}":    `{{if eq .Type "AAAA"}}{{.NewAddress}}{{end}}`,
	"#{ipv4Domains}": `{{if eq .Type "A"}}{{.Record}}{{end}}`,
	"#{ipv6Domains}": `{{if eq .Type "AAAA"}}{{.Record}}{{end}}`,
	"#{ipv4Result}":  `{{if eq .Type "A"}}{{if eq .Event "update-failed"}}failed{{else}}success{{end}}{{end}}`,
	"#{ipv6Result}":  `{{if eq .Type "AAAA"}}{{if eq .Event "update-failed"}}failed{{else}}success{{end}}{{end}}`,
	"#{timestamp}":   "{{.Time}}",
}

var varPattern = regexp.MustCompile(`#\{([A-Za-z0-9_]+)\}`)

// translate rewrites text's ddns-go variables by vars (and by params, the
// domain's own ?key=value, written literally), escaping any "{{" already
// in the text; unknown lists the variables it could not translate.
func translate(text string, vars map[string]string, params map[string]string) (out string, unknown []string) {
	text = strings.ReplaceAll(text, "{{", "\x00")
	text = varPattern.ReplaceAllStringFunc(text, func(v string) string {
		if t, ok := vars[v]; ok {
			return t
		}
		name := v[2 : len(v)-1]
		if p, ok := params[name]; ok {
			return strings.ReplaceAll(p, "{{", "\x00")
		}
		if !slices.Contains(unknown, v) {
			unknown = append(unknown, v)
		}
		return v
	})
	return strings.ReplaceAll(text, "\x00", `{{"{{"}}`), unknown
}

// sampleFill replaces every variable with a digit, to tell whether a body
// is JSON as ddns-go does after filling it in ("ttl":#{ttl} is a number).
func sampleFill(text string) string {
	return varPattern.ReplaceAllString(text, "0")
}

// callback converts a ddns-go callback entry to webhook providers: one per
// distinct set of domain parameters its templates use (ddns-go fills a
// domain's ?key=value into #{key}; a webhook here has no per-record
// parameters, so the values are written into the provider's templates).
func (c *converter) callback(e *entry, m mapping, recs []pendingRecord) error {
	rawURL, body := strings.TrimSpace(e.dns.id.s), e.dns.secret.s
	if rawURL == "" {
		c.r.note(e.dns.line, e.key("dns.id"), "a callback needs its URL in dns.id, and it is empty: not converted, with its domains %s", listPending(recs))
		return nil
	}
	if u, err := url.Parse(sampleFill(rawURL)); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// Not quoted: a callback URL often carries a token.
		c.r.note(e.dns.id.line, e.key("dns.id"), "the callback URL is not an http:// or https:// URL: not converted, with its domains %s", listPending(recs))
		return nil
	}
	used := map[string]bool{}
	for _, mm := range varPattern.FindAllStringSubmatch(rawURL+body, -1) {
		used[mm[1]] = true
	}
	groups := map[string][]pendingRecord{}
	vals := map[string]map[string]string{}
	var order []string
	for _, pr := range recs {
		ps := map[string]string{}
		var sig []string
		for k, vs := range pr.d.params {
			if !used[k] || len(vs) != 1 {
				c.r.note(pr.d.line, pr.key, "parameter %s of %q ignored: the callback's URL and body do not use #{%s}", k, pr.d.raw, k)
				continue
			}
			ps[k] = vs[0]
			sig = append(sig, k+"="+vs[0])
		}
		slices.Sort(sig)
		g := strings.Join(sig, "&")
		if _, ok := groups[g]; !ok {
			order = append(order, g)
			vals[g] = ps
		}
		groups[g] = append(groups[g], pr)
	}
	noted := map[string]bool{}
	for i, g := range order {
		u, unknownU := translate(rawURL, callbackVars, vals[g])
		b, unknownB := translate(body, callbackVars, vals[g])
		for _, v := range append(unknownU, unknownB...) {
			if !noted[v] {
				noted[v] = true
				line := e.dns.secret.line
				if strings.Contains(rawURL, v) {
					line = e.dns.id.line
				}
				c.r.note(line, e.key("dns"), "callback variable %s has no equivalent in a webhook's templates (.Address .Name .Zone .Type .TTL); it is sent as written", v)
			}
		}
		ps := []param{{key: "url", value: u, line: e.dns.id.line}}
		var comments []string
		if body == "" {
			ps = append(ps, param{key: "method", value: "GET"})
		} else {
			ps = append(ps, param{key: "method", value: "POST"}, param{key: "body", value: b, line: e.dns.secret.line})
		}
		ctype := "application/x-www-form-urlencoded"
		if body != "" && jsonish(sampleFill(body), nil) {
			ctype = "application/json"
		}
		ps = append(ps, param{key: "headers", value: map[string]string{"Content-Type": ctype}})
		comments = append(comments, "from ddns-go's callback: the URL was dns.id, the body dns.secret; a secret in the URL or body may move to token_file, written there as {{.Token}}")
		if g != "" {
			comments = append(comments, "with the domain parameters "+g+" written in")
		}
		suffix := ""
		if len(order) > 1 && i > 0 {
			suffix = fmt.Sprintf("-%d", i+1)
		}
		pname := c.provider(e, "webhook", suffix, ps, comments)
		c.records(e, m, "webhook", pname, groups[g])
	}
	return nil
}

// topLevel converts the file's top-level settings: the notification
// webhook, and notes for the web UI's.
func (c *converter) topLevel(doc *document) {
	if doc.user.username.s != "" || doc.user.password.s != "" {
		line := doc.user.username.line
		if line == 0 {
			line = doc.user.password.line
		}
		c.r.note(line, "user", "not converted: ddns-go's web UI login; this program has no configuration UI (its optional [http] endpoint serves status with a token)")
	}
	if doc.notAllowWANAccess.s == "false" {
		c.r.note(doc.notAllowWANAccess.line, "notallowwanaccess", "not converted: ddns-go's web UI was reachable from outside; this program's [http] endpoint is off unless configured, and needs a token beyond loopback")
	}
	if l := strings.ToLower(doc.lang.s); l != "" && l != "en" {
		c.r.note(doc.lang.line, "lang", "not converted: messages here are in English")
	}
	w := doc.webhook
	if strings.TrimSpace(w.url.s) == "" {
		return
	}
	raw := strings.TrimSpace(w.url.s)
	if varPattern.MatchString(raw) {
		c.r.note(w.url.line, "webhook.webhookurl", "the notification webhook is not converted: its URL uses variables, and a notification URL here is sent as written; move them into the request body")
		return
	}
	if u, err := url.Parse(raw); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		c.r.note(w.url.line, "webhook.webhookurl", "the notification webhook is not converted: its URL is not an http:// or https:// URL")
		return
	}
	n := outNotify{url: raw, line: w.line}
	if c.o.SecretsDir != "" {
		// A notification URL often carries its token (Telegram, Gotify,
		// Discord).
		path := filepath.Join(c.o.SecretsDir, "notify.url")
		c.secrets = append(c.secrets, Secret{Path: path, Value: raw})
		n.urlFile = path
	} else {
		c.inline++
	}
	var unknown []string
	if w.body.s != "" {
		n.method = "POST"
		n.body, unknown = translate(w.body.s, notifyVars, nil)
	} else {
		n.method = "GET"
	}
	n.headers = map[string]string{}
	for i, l := range strings.Split(strings.ReplaceAll(w.headers.s, "\r\n", "\n"), "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		k, v, ok := strings.Cut(l, ":")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || strings.ContainsAny(k, " \t\"") {
			c.r.note(w.headers.line+i, "webhook.webhookheaders", "header line %q skipped: not \"Name: value\" (ddns-go skips it too)", l)
			continue
		}
		tv, u := translate(v, notifyVars, nil)
		unknown = append(unknown, u...)
		n.headers[k] = tv
	}
	if _, ok := n.headers["Content-Type"]; !ok && w.body.s != "" {
		n.headers["Content-Type"] = "application/x-www-form-urlencoded"
		if jsonish(sampleFill(w.body.s), nil) {
			n.headers["Content-Type"] = "application/json"
		}
	}
	for _, v := range unknown {
		c.r.note(w.body.line, "webhook", "variable %s has no equivalent in a notification's templates; it is sent as written", v)
	}
	c.r.note(w.line, "webhook", "converted to [[notify]]: it is sent once per record and event (address-changed, update-failed), not once per ddns-go run with both families; #{timestamp} becomes an RFC 3339 time")
	c.out.notify = append(c.out.notify, n)
}
