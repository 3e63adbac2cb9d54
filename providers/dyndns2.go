package providers

import (
	"context"
	"encoding/base64"
	"errors"
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

// dyndns2Spec describes the "dyndns2" provider: the update protocol first
// published by DynDNS and spoken by No-IP, Dynu, Google Domains' successor
// services, ddclient-compatible servers and many routers. It can only write.
func dyndns2Spec() Spec { return adapter(spec.Dyndns2(), newDyndns2) }

// updaterUserAgent names this project, as dyndns2 asks (servers block
// anonymous or generic agents with "badagent"); webhooks send it too.
const updaterUserAgent = "ddnsd-ddns-updater/1 (+https://github.com/ddnsd/ddns)"

// dyndns2BodyLimit bounds how much of an answer is read: real answers are one
// short line per host name.
const dyndns2BodyLimit = 64 << 10

type dyndns2 struct {
	base     *url.URL // server with path appended
	username string
	password string
	hostname string // overrides every record's FQDN when set
	client   *http.Client
	log      hclog.Logger
	// preset is the service whose quirks apply (noip, dynu); nil for the
	// plain protocol.
	preset *dyndns2Preset
}

func newDyndns2(env Env, p Params) (Provider, error) {
	for _, k := range []string{"server", "username", "password"} {
		if err := checkStringKey(p, k, true); err != nil {
			return nil, err
		}
	}
	for _, k := range []string{"path", "hostname"} {
		if err := checkStringKey(p, k, false); err != nil {
			return nil, err
		}
	}

	raw := strings.TrimSpace(p.String("server"))
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("key %q: %q is not a base URL such as \"https://dynupdate.no-ip.com\"", "server", raw)
	}
	if u.User != nil {
		// Never echo the URL here: it carries a password.
		return nil, fmt.Errorf("key %q must not carry a user name or password; use the %q and %q keys", "server", "username", "password")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("key %q: %q must not have a query or fragment; the path goes in key %q", "server", raw, "path")
	}
	path := strings.TrimSpace(p.String("path"))
	if path == "" {
		path = "/nic/update"
	}
	if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, "?# ") {
		return nil, fmt.Errorf("key %q: %q must be a URL path starting with \"/\" such as \"/nic/update\"", "path", path)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	u.RawPath = ""

	hostname := strings.TrimSuffix(strings.TrimSpace(p.String("hostname")), ".")
	if strings.ContainsAny(hostname, " /?#&=") {
		return nil, fmt.Errorf("key %q: %q is not a host name", "hostname", hostname)
	}

	log := env.Logger
	if log == nil {
		log = hclog.NewNullLogger()
	}
	if u.Scheme == "http" && env.Endpoint == "" && !dyndns2Loopback(u.Hostname()) {
		log.Warn("dyndns2 server is plain http: the password crosses the network unencrypted", "provider", env.Name, "server", u.Host)
	}
	return &dyndns2{
		base:     u,
		username: p.String("username"),
		password: p.String("password"),
		hostname: hostname,
		client:   NewHTTPClient(env),
		log:      log,
	}, nil
}

// checkAddressRecord refuses, before anything is sent, a record no provider
// can hold: a type other than A or AAAA, no address, or an address of the
// other family. It returns the type in upper case and the address unmapped.
func checkAddressRecord(rec Record) (typ string, addr netip.Addr, err error) {
	typ = strings.ToUpper(rec.Type)
	addr = rec.Addr.Unmap()
	switch {
	case typ != "A" && typ != "AAAA":
		return "", addr, fmt.Errorf("record %s has type %q; only A and AAAA are supported: %w", rec.FQDN(), rec.Type, ErrRejected)
	case !addr.IsValid():
		return "", addr, fmt.Errorf("record %s %s has no address: %w", rec.FQDN(), typ, ErrRejected)
	case (typ == "A") != addr.Is4():
		return "", addr, fmt.Errorf("address %s does not fit a %s record for %s: %w", addr, typ, rec.FQDN(), ErrRejected)
	}
	return typ, addr, nil
}

func dyndns2Loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// Get is not possible: the dyndns2 protocol has no way to read records.
func (d *dyndns2) Get(ctx context.Context, zone, name, typ string) ([]Record, error) {
	return nil, fmt.Errorf("dyndns2 cannot read records back: %w", ErrUnsupported)
}

// Set sends one update for rec's host name. The server keeps one address per
// host name and type, so this replaces whatever was there; the TTL is the
// server's to choose.
func (d *dyndns2) Set(ctx context.Context, rec Record) error {
	typ, addr, err := checkAddressRecord(rec)
	if err != nil {
		return err
	}
	host := d.hostname
	if host == "" {
		host = strings.TrimSuffix(rec.FQDN(), ".")
	}

	u := *d.base
	query := url.Values{"hostname": {host}, "myip": {addr.String()}}
	kind, agent := "dyndns2", updaterUserAgent
	var extra map[string]dyndns2Code
	if p := d.preset; p != nil {
		query, kind, agent, extra = p.query(host, addr), p.kind, p.agent, p.codes
	}
	u.RawQuery = query.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("%s update of %s: %v: %w", kind, host, err, ErrRejected)
	}
	req.SetBasicAuth(d.username, d.password)
	req.Header.Set("User-Agent", agent)

	what := fmt.Sprintf("%s update of %s to %s at %s", kind, host, addr, d.base.Host)
	resp, err := d.client.Do(req)
	if err != nil {
		err = redact.URLError(err) // the URL is in `what` already
		return fmt.Errorf("%s: %v: %w", what, d.redact(err.Error()), ErrNetwork)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, dyndns2BodyLimit))
	if err != nil {
		return fmt.Errorf("%s: reading the answer: %v: %w", what, err, ErrNetwork)
	}
	body := d.redact(string(raw))

	res, perr := parseDyndns2Reply(body, extra)
	if perr != nil {
		if errors.Is(perr, errDyndns2Unknown) && resp.StatusCode >= 400 {
			// Not a protocol answer: an error page from a proxy or the
			// server's web stack; the HTTP status says more.
			return fmt.Errorf("%s: %w", what, ClassifyHTTP(resp.StatusCode, []byte(body)))
		}
		return fmt.Errorf("%s: %w", what, perr)
	}
	if d.preset != nil && res.Addr.IsValid() && res.Addr.Unmap().Is4() != addr.Is4() {
		// A dual-stack service may report the host's address of the
		// other family; only one of this update's family says anything.
		res.Addr = netip.Addr{}
	}
	if res.Addr.IsValid() && res.Addr.Unmap() != addr {
		if res.Addr == netip.MustParseAddr("127.0.0.1") {
			// Dyn's documented meaning: the update was ignored because the
			// client does not follow the specification.
			return fmt.Errorf("%s: the server answered %q, which means it ignored the update (it judged this client non-conforming); check the server and path keys; do not retry blindly: %w", what, res.Code+" 127.0.0.1", ErrRejected)
		}
		return fmt.Errorf("%s: the server answered %q but holds %s, not the address sent; check that it accepts myip for %s records: %w", what, res.Code, res.Addr, typ, ErrRejected)
	}
	d.log.Debug(kind+" update accepted", "hostname", host, "address", addr.String(), "answer", res.Code)
	return nil
}

// redact removes the password from text that came back from the server, in
// case a server or proxy echoes the request's credentials: as written, and
// as the basic-auth token (base64 of "user:password") that carried it.
func (d *dyndns2) redact(s string) string {
	if len(d.password) >= 3 {
		s = strings.ReplaceAll(s, d.password, "[redacted]")
		s = strings.ReplaceAll(s, base64.StdEncoding.EncodeToString([]byte(d.username+":"+d.password)), "[redacted]")
	}
	return s
}

// Dyndns2Result is a successful dyndns2 answer.
type Dyndns2Result struct {
	// Code is "good" (the address was changed) or "nochg" (it already was).
	Code string
	// Addr is the address the server reports for the host name; the zero
	// Addr when the answer carried none.
	Addr netip.Addr
}

// dyndns2Code is what one failure answer means to a user, and its class.
type dyndns2Code struct {
	meaning string
	class   error
}

// errDyndns2Unknown marks an answer that is not one of the protocol's codes.
var errDyndns2Unknown = errors.New("not a dyndns2 answer")

// dyndns2Codes are the protocol's failure answers: what each means to a user,
// and its class. Rejections must not be retried blindly: the services block
// clients that repeat failing updates.
var dyndns2Codes = map[string]dyndns2Code{
	"badauth":  {"the user name or password is wrong", ErrAuth},
	"!donator": {"the update asked for a feature this account does not have (a paid-only option)", ErrRejected},
	"notfqdn":  {"the host name is not a fully qualified domain name; check the record's name and zone, or the hostname key", ErrRejected},
	"nohost":   {"the host name does not exist in this account; create it at the provider or fix the record's name", ErrRejected},
	"numhost":  {"the request named too many hosts", ErrRejected},
	"abuse":    {"the host name is blocked for update abuse; unblock it at the provider", ErrRejected},
	"badagent": {"the server blocked this client's user agent or judged the request malformed", ErrRejected},
	"!yours":   {"the host name belongs to another account", ErrRejected},
	"badsys":   {"the server does not accept this system parameter", ErrRejected},
	"dnserr":   {"the provider's DNS servers failed; server-side problem, retry later", ErrNetwork},
	"911":      {"the provider has a serious problem or is in maintenance; server-side problem, retry later", ErrNetwork},
}

// ParseDyndns2Reply reads a dyndns2 server's answer to a one-host update:
// "good ADDR" and "nochg ADDR" are success (the address is optional); every
// documented failure code becomes an error classified as ErrAuth (badauth),
// ErrRejected (the request must be fixed before trying again) or ErrNetwork
// (dnserr, 911: a server-side problem, retry later); anything else is an
// ErrRejected error that quotes a sanitized excerpt of body. Only the first
// non-empty line counts: one host name gets one line.
func ParseDyndns2Reply(body string) (Dyndns2Result, error) { return parseDyndns2Reply(body, nil) }

// parseDyndns2Reply is ParseDyndns2Reply with a service's own answers in
// extra, which take precedence over the protocol's.
func parseDyndns2Reply(body string, extra map[string]dyndns2Code) (Dyndns2Result, error) {
	line := ""
	for l := range strings.SplitSeq(body, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			line = l
			break
		}
	}
	if line == "" {
		return Dyndns2Result{}, fmt.Errorf("the server sent an empty answer (%w): %w", errDyndns2Unknown, ErrRejected)
	}
	fields := strings.Fields(line)
	code := strings.ToLower(fields[0])
	switch code {
	case "good", "nochg":
		res := Dyndns2Result{Code: code}
		if len(fields) > 1 {
			// Some servers append more than one address ("good 192.0.2.1,2001:db8::1")
			// for a dual-stack update; the first is the one this update sent.
			first, _, _ := strings.Cut(fields[1], ",")
			if a, err := netip.ParseAddr(first); err == nil {
				res.Addr = a
			}
		}
		return res, nil
	}
	c, ok := extra[code]
	if !ok {
		c, ok = dyndns2Codes[code]
	}
	if ok {
		if c.class == ErrNetwork {
			return Dyndns2Result{}, fmt.Errorf("the server answered %q: %s: %w", code, c.meaning, c.class)
		}
		return Dyndns2Result{}, fmt.Errorf("the server answered %q: %s; fix this before trying again, the client must not retry blindly (repeated failing updates get accounts blocked): %w", code, c.meaning, c.class)
	}
	return Dyndns2Result{}, fmt.Errorf("the server's answer is not a dyndns2 reply (%w): %s; check the server and path keys: %w", errDyndns2Unknown, strconv.Quote(excerpt([]byte(body))), ErrRejected)
}
