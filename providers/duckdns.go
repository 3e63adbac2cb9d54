package providers

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/ddnsd/ddns/providers/spec"
	"github.com/ddnsd/ddns/redact"
	"github.com/hashicorp/go-hclog"
)

// duckdnsAPI is Duck DNS's update URL (its "HTTP API Specification" page).
// The API is one GET, so it is written here rather than through
// libdns/duckdns, which adds nothing the updater needs.
const duckdnsAPI = "https://www.duckdns.org/update"

// duckdnsZone is the one zone Duck DNS serves.
const duckdnsZone = "duckdns.org"

func duckdnsSpec() Spec { return adapter(spec.DuckDNS(), newDuckDNS) }

type duckdns struct {
	token  string
	client *http.Client
	log    hclog.Logger
}

// newDuckDNS builds the Duck DNS provider: one account token updates any
// of the account's subdomains of duckdns.org. It can only write.
func newDuckDNS(env Env, p Params) (Provider, error) {
	if err := checkStringKey(p, "token", true); err != nil {
		return nil, err
	}
	token := strings.TrimSpace(p.String("token"))
	if strings.ContainsAny(token, " &?#/") {
		return nil, fmt.Errorf("key \"token\" must be the account token as Duck DNS shows it, without spaces or URL characters")
	}
	if env.Endpoint != "" {
		if _, err := parseEndpoint(env.Endpoint); err != nil {
			return nil, err
		}
	}
	return &duckdns{token: token, client: NewHTTPClient(env), log: env.Logger}, nil
}

// Get is not possible: Duck DNS's API only updates.
func (d *duckdns) Get(ctx context.Context, zone, name, typ string) ([]Record, error) {
	return nil, fmt.Errorf("duckdns cannot read records back: %w", ErrUnsupported)
}

// duckdnsDomain is the subname Duck DNS's domains parameter takes: the one
// label directly below duckdns.org.
func duckdnsDomain(rec Record) (string, error) {
	fqdn := strings.ToLower(strings.TrimSuffix(rec.FQDN(), "."))
	sub, ok := strings.CutSuffix(fqdn, "."+duckdnsZone)
	if !ok || sub == "" || strings.Contains(sub, ".") {
		return "", fmt.Errorf("duckdns: %s is not a Duck DNS domain: write zone = %q and name = the subdomain (\"myhome\" for myhome.duckdns.org): %w",
			fqdn, duckdnsZone, ErrRejected)
	}
	return sub, nil
}

// Set sends one update for rec's subdomain: its IPv4 address in ip, or its
// IPv6 address in ipv6 (which also stops Duck DNS from taking an IPv4
// address from the connection). Duck DNS keeps one address per family and
// its own TTL.
func (d *duckdns) Set(ctx context.Context, rec Record) error {
	typ, addr, err := checkAddressRecord(rec)
	if err != nil {
		return err
	}
	domain, err := duckdnsDomain(rec)
	if err != nil {
		return err
	}
	q := url.Values{"domains": {domain}, "token": {d.token}, "verbose": {"true"}}
	if typ == "A" {
		q.Set("ip", addr.String())
	} else {
		q.Set("ipv6", addr.String())
	}
	what := fmt.Sprintf("duckdns update of %s.%s %s to %s", domain, duckdnsZone, typ, addr)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, duckdnsAPI+"?"+q.Encode(), nil)
	if err != nil {
		return fmt.Errorf("%s: %v: %w", what, d.redact(redact.URLError(err).Error()), ErrRejected)
	}
	req.Header.Set("User-Agent", updaterUserAgent)
	resp, err := d.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %v: %w", what, d.redact(redact.URLError(err).Error()), ErrNetwork)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, dyndns2BodyLimit))
	if err != nil {
		return fmt.Errorf("%s: reading the answer: %v: %w", what, err, ErrNetwork)
	}
	body := d.redact(string(raw))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s: %w", what, ClassifyHTTP(max(resp.StatusCode, 400), []byte(body)))
	}
	res, err := parseDuckDNSReply(body)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	held := res.v4
	if typ == "AAAA" {
		held = res.v6
	}
	if held.IsValid() && held.Unmap() != addr {
		return fmt.Errorf("%s: Duck DNS answered OK but holds %s, not the address sent: %w", what, held, ErrRejected)
	}
	d.log.Debug("duckdns update accepted", "domain", domain, "address", addr.String(), "changed", res.changed)
	return nil
}

// redact removes the token from text that came back, in case a proxy or
// error page echoes the request's URL.
func (d *duckdns) redact(s string) string {
	if len(d.token) >= 4 {
		s = strings.ReplaceAll(s, d.token, "[redacted]")
		s = strings.ReplaceAll(s, url.QueryEscape(d.token), "[redacted]")
	}
	return s
}

type duckdnsResult struct {
	v4, v6  netip.Addr // the addresses Duck DNS now holds (zero when not said)
	changed bool
}

// parseDuckDNSReply reads a verbose answer: "OK", the IPv4 address, the
// IPv6 address (either may be blank) and UPDATED or NOCHANGE, one per line;
// or "KO", which Duck DNS gives for a wrong token and for a domain that is
// not the account's alike.
func parseDuckDNSReply(body string) (duckdnsResult, error) {
	lines := strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n")
	switch strings.TrimSpace(lines[0]) {
	case "KO":
		return duckdnsResult{}, fmt.Errorf("the answer is KO, which Duck DNS gives when the token is wrong or the domain is not one of this account's: %w", ErrAuth)
	case "OK":
	default:
		return duckdnsResult{}, fmt.Errorf("the answer is not Duck DNS's (OK or KO): %q: %w", excerpt([]byte(body)), ErrRejected)
	}
	var res duckdnsResult
	field := func(i int) string {
		if i < len(lines) {
			return strings.TrimSpace(lines[i])
		}
		return ""
	}
	for i, dst := range []*netip.Addr{&res.v4, &res.v6} {
		if v := field(i + 1); v != "" {
			a, err := netip.ParseAddr(v)
			if err != nil {
				return duckdnsResult{}, fmt.Errorf("the answer is OK but has %q where an address belongs: %w", excerpt([]byte(v)), ErrRejected)
			}
			*dst = a
		}
	}
	switch field(3) {
	case "UPDATED":
		res.changed = true
	case "NOCHANGE", "":
	default:
		return duckdnsResult{}, fmt.Errorf("the answer is OK but has %q where UPDATED or NOCHANGE belongs: %w", excerpt([]byte(field(3))), ErrRejected)
	}
	return res, nil
}
