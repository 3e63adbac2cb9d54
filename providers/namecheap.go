package providers

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ddnsd/ddns/providers/spec"
	"github.com/libdns/libdns"
)

// namecheapAPI is the one URL of Namecheap's XML API.
const namecheapAPI = "https://api.namecheap.com/xml.response"

func namecheapSpec() Spec { return adapter(spec.Namecheap(), newNamecheap) }

// newNamecheap builds the Namecheap provider, written against the XML API
// here rather than on libdns/namecheap v1.0.0. The API has no call that
// changes one record: setHosts replaces every host record of the domain, so
// an update must send back every other record exactly as it was. The
// library does not: it drops the domain's EmailType (which, for custom MX
// records, is what keeps them), sends no MXPref of 0 (Namecheap then uses
// 10), splits the zone into SLD and TLD by the first suffix in
// Namecheap's TLD list (wrong for co.uk and the like), and, without a
// client_ip, asks an outside service for the address with no context.
// This client reads the hosts, replaces only those of the name and type it
// sets, sends the rest back field for field with the EmailType read, and
// refuses to send a list that would lose one (see namecheapHostsKept).
func newNamecheap(env Env, p Params) (Provider, error) {
	if err := p.Require("api_user", "api_key", "client_ip"); err != nil {
		return nil, err
	}
	ip, err := netip.ParseAddr(p.String("client_ip"))
	if err != nil || !ip.Is4() {
		return nil, fmt.Errorf("key \"client_ip\" must be the IPv4 address whitelisted for the API (Namecheap takes only IPv4), not %q", p.String("client_ip"))
	}
	if env.Endpoint != "" {
		if _, err := parseEndpoint(env.Endpoint); err != nil {
			return nil, err
		}
	}
	user := p.String("api_user")
	username := p.String("username")
	if username == "" {
		username = user
	}
	key := p.String("api_key")
	return &libdnsAdapter{
		kind: "namecheap",
		lib: &namecheapClient{http: NewHTTPClient(env), global: url.Values{
			"ApiUser": {user}, "ApiKey": {key}, "UserName": {username}, "ClientIp": {ip.String()},
		}},
		logger:      env.Logger,
		checkReply:  namecheapCheckReply,
		setReplaces: true,
		minTTL:      60 * time.Second,
		// setHosts rewrites the whole domain: two at once would each send
		// back the other's old records.
		sem:     make(chan struct{}, 1),
		secrets: []string{key},
	}, nil
}

// ncResponse is the envelope of every XML API answer.
type ncResponse struct {
	XMLName xml.Name `xml:"ApiResponse"`
	Status  string   `xml:"Status,attr"`
	Errors  []struct {
		Number string `xml:"Number,attr"`
		Text   string `xml:",chardata"`
	} `xml:"Errors>Error"`
	CommandResponse struct {
		GetHosts *struct {
			EmailType     string   `xml:"EmailType,attr"`
			IsUsingOurDNS string   `xml:"IsUsingOurDNS,attr"`
			Hosts         []ncHost `xml:"host"`
		} `xml:"DomainDNSGetHostsResult"`
		SetHosts *struct {
			IsSuccess string `xml:"IsSuccess,attr"`
		} `xml:"DomainDNSSetHostsResult"`
	} `xml:"CommandResponse"`
}

// ncHost is one host record as getHosts lists it.
type ncHost struct {
	Name    string `xml:"Name,attr"`
	Type    string `xml:"Type,attr"`
	Address string `xml:"Address,attr"`
	MXPref  string `xml:"MXPref,attr"`
	TTL     string `xml:"TTL,attr"`
}

// namecheapCheckReply classifies one XML API answer. Failures come as HTTP
// 200 with Status="ERROR" and numbered errors: 1010000-1019999 are the
// global ones about the user, key and client IP (credentials); 3xxxxxx
// and 4xxxxxx are failures on Namecheap's side.
func namecheapCheckReply(status int, body []byte) error {
	var env ncResponse
	if err := xml.Unmarshal(body, &env); err != nil || env.Status == "" {
		if status >= 400 {
			return ClassifyHTTP(status, body)
		}
		return fmt.Errorf("the Namecheap API answered something that is not its XML (HTTP %d: %q): %w", status, excerpt(body), ErrNetwork)
	}
	if status >= 400 {
		return ClassifyHTTP(status, body)
	}
	if strings.EqualFold(env.Status, "OK") {
		if s := env.CommandResponse.SetHosts; s != nil && !strings.EqualFold(s.IsSuccess, "true") {
			//lint:ignore ST1005 the message starts with the provider's name
			return fmt.Errorf("Namecheap answered setHosts with IsSuccess=%q: %w", excerpt([]byte(s.IsSuccess)), ErrRejected)
		}
		return nil
	}
	class := ErrRejected
	var msgs []string
	for _, e := range env.Errors {
		msgs = append(msgs, e.Number+" "+excerpt([]byte(strings.TrimSpace(e.Text))))
		n, _ := strconv.Atoi(e.Number)
		switch {
		case n >= 1010000 && n <= 1019999:
			class = ErrAuth
		case n >= 3000000 && n <= 4999999 && class != ErrAuth:
			class = ErrNetwork
		}
	}
	if len(msgs) == 0 {
		msgs = append(msgs, "no error details")
	}
	//lint:ignore ST1005 the message starts with the provider's name
	return fmt.Errorf("Namecheap answered Status=%s: %s: %w", excerpt([]byte(env.Status)), strings.Join(msgs, "; "), class)
}

// namecheapClient is the part of the XML API the adapter uses: getHosts
// and setHosts.
type namecheapClient struct {
	http   *http.Client
	global url.Values // ApiUser, ApiKey, UserName, ClientIp
}

// namecheapDomain splits a zone into Namecheap's SLD and TLD: a zone is a
// registered domain, so its first label is the SLD and the rest, however
// many labels (co.uk), the TLD.
func namecheapDomain(zone string) (sld, tld string, err error) {
	sld, tld, ok := strings.Cut(strings.TrimSuffix(zone, "."), ".")
	if !ok || sld == "" || tld == "" {
		return "", "", fmt.Errorf("zone %q is not a registered domain such as example.com: %w", zone, ErrRejected)
	}
	return sld, tld, nil
}

func (c *namecheapClient) call(ctx context.Context, command, zone string, extra url.Values) (*ncResponse, error) {
	sld, tld, err := namecheapDomain(zone)
	if err != nil {
		return nil, err
	}
	form := url.Values{}
	for k, v := range c.global {
		form[k] = v
	}
	for k, v := range extra {
		form[k] = v
	}
	form.Set("Command", command)
	form.Set("SLD", sld)
	form.Set("TLD", tld)
	// POST: setHosts of a domain with many records does not fit a URL.
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, namecheapAPI, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("building the request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, traceBodyLimit))
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	if err := namecheapCheckReply(resp.StatusCode, raw); err != nil {
		return nil, err
	}
	var out ncResponse
	xml.Unmarshal(raw, &out) // checked by namecheapCheckReply
	return &out, nil
}

// hosts reads every host record of zone and its EmailType.
func (c *namecheapClient) hosts(ctx context.Context, zone string) ([]ncHost, string, error) {
	out, err := c.call(ctx, "namecheap.domains.dns.getHosts", zone, nil)
	if err != nil {
		return nil, "", err
	}
	g := out.CommandResponse.GetHosts
	if g == nil {
		return nil, "", fmt.Errorf("the Namecheap API answered getHosts without a host list: %w", ErrNetwork)
	}
	if strings.EqualFold(g.IsUsingOurDNS, "false") {
		return nil, "", fmt.Errorf("zone %s does not use Namecheap's DNS servers, so its host records cannot be set here: %w", zone, ErrRejected)
	}
	return g.Hosts, g.EmailType, nil
}

// GetRecords lists every host record of zone.
func (c *namecheapClient) GetRecords(ctx context.Context, zone string) ([]libdns.Record, error) {
	hosts, _, err := c.hosts(ctx, zone)
	if err != nil {
		return nil, err
	}
	recs := make([]libdns.Record, 0, len(hosts))
	for _, h := range hosts {
		ttl, _ := strconv.Atoi(h.TTL)
		recs = append(recs, apiRecord{Name: relName(h.Name), Type: h.Type, Value: h.Address, TTL: time.Duration(ttl) * time.Second})
	}
	return recs, nil
}

// SetRecords makes each record the only one of its name and type: it reads
// the hosts afresh, keeps every host of another name or type as it is, and
// sends the whole list back with the domain's EmailType.
func (c *namecheapClient) SetRecords(ctx context.Context, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	hosts, emailType, err := c.hosts(ctx, zone)
	if err != nil {
		return nil, err
	}
	replaced := map[[2]string]bool{}
	var add []ncHost
	for _, r := range recs {
		rr := r.RR()
		replaced[[2]string{strings.ToLower(relName(rr.Name)), rr.Type}] = true
		add = append(add, ncHost{Name: relName(rr.Name), Type: rr.Type, Address: rr.Data, TTL: strconv.Itoa(int(rr.TTL / time.Second))})
	}
	var send []ncHost
	for _, h := range hosts {
		if !replaced[[2]string{strings.ToLower(relName(h.Name)), h.Type}] {
			send = append(send, h)
		}
	}
	send = append(send, add...)
	if err := namecheapHostsKept(hosts, send, replaced); err != nil {
		return nil, err
	}
	form := url.Values{}
	if emailType != "" {
		form.Set("EmailType", emailType)
	}
	for i, h := range send {
		n := strconv.Itoa(i + 1)
		form.Set("HostName"+n, h.Name)
		form.Set("RecordType"+n, h.Type)
		form.Set("Address"+n, h.Address)
		if h.TTL != "" {
			form.Set("TTL"+n, h.TTL)
		}
		if h.Type == "MX" && h.MXPref != "" {
			form.Set("MXPref"+n, h.MXPref)
		}
	}
	if _, err := c.call(ctx, "namecheap.domains.dns.setHosts", zone, form); err != nil {
		return nil, err
	}
	return recs, nil
}

// namecheapHostsKept is the guard before a setHosts: every host read whose
// name and type is not being replaced must be in the list sent, with the
// same address, TTL and (for MX) preference. It cannot fail for the lists
// SetRecords builds; it is here so that a change to SetRecords that would
// wipe a user's other records fails loudly instead.
func namecheapHostsKept(read, send []ncHost, replaced map[[2]string]bool) error {
	left := map[ncHost]int{}
	for _, h := range send {
		left[h]++
	}
	for _, h := range read {
		if replaced[[2]string{strings.ToLower(relName(h.Name)), h.Type}] {
			continue
		}
		if left[h] == 0 {
			return fmt.Errorf("refusing to call setHosts: host %s %s %s would be lost or changed: %w", h.Name, h.Type, h.Address, ErrUnsupported)
		}
		left[h]--
	}
	return nil
}

// AppendRecords is only called for a name and type that holds no record,
// where replacing is creating.
func (c *namecheapClient) AppendRecords(ctx context.Context, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	return c.SetRecords(ctx, zone, recs)
}

// DeleteRecords is not used: setReplaces changes records by SetRecords.
func (c *namecheapClient) DeleteRecords(context.Context, string, []libdns.Record) ([]libdns.Record, error) {
	return nil, fmt.Errorf("deleting Namecheap records one by one is not used: %w", ErrUnsupported)
}
