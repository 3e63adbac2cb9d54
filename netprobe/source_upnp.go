package netprobe

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/huin/goupnp"
	"github.com/huin/goupnp/ssdp"
)

// UPnP discovery bounds: a device on the LAN is not trusted, so every answer
// it gives is limited in count, size and time.
const (
	upnpSearchWait   = 2 * time.Second // how long SSDP answers are collected
	upnpMaxAnswers   = 8               // SSDP answers (locations) looked at
	upnpMaxDescBytes = 256 << 10       // a device description or SOAP reply
	upnpCallTimeout  = 3 * time.Second // one HTTP request to a device
)

// The IGD search targets and the WAN connection services that answer
// GetExternalIPAddress, IGD v2 first.
var (
	upnpSearchTargets = []string{
		"urn:schemas-upnp-org:device:InternetGatewayDevice:2",
		"urn:schemas-upnp-org:device:InternetGatewayDevice:1",
	}
	upnpServices = []string{
		"urn:schemas-upnp-org:service:WANIPConnection:2",
		"urn:schemas-upnp-org:service:WANIPConnection:1",
		"urn:schemas-upnp-org:service:WANPPPConnection:1",
	}
)

// ErrDoubleNAT: the router answered with a WAN address that is not public
// (private, carrier-grade NAT, documentation...), or said it has no public
// address at all (an empty or 0.0.0.0 UPnP answer, NAT-PMP's "network
// failure", which is how miniupnpd answers when its WAN is private): the
// router itself sits behind another NAT (or is not connected), so it cannot
// tell this network's public address. The source's error wraps it.
var ErrDoubleNAT = errors.New("the router is behind another NAT")

// upnpSource asks an Internet Gateway Device for its external address.
type upnpSource struct {
	location string // "" = discover with SSDP
	client   *http.Client
	search   func(ctx context.Context) ([]string, error)

	mu    sync.Mutex
	found string // the discovered location that answered last; asked first next time
}

// NewUPnPSource returns a Source that asks the LAN's router through UPnP IGD
// (WANIPConnection v1/v2 or WANPPPConnection) for its external IPv4 address.
// location is the device description URL ("http://192.168.1.1:5000/rootDesc.xml");
// "" discovers the router with an SSDP search on the LAN (on the interface
// of the multicast route; the router that answered is asked first next
// time, without a search, until it stops answering). It only reads:
// no port mapping is ever created. Every step is bounded: the SSDP wait
// (2 s), the answers looked at (8), each HTTP request (3 s) and each body
// (256 KiB), so a hostile LAN device answering with garbage or a huge
// description costs at most a few seconds.
//
// A WAN address that Validate rejects (private, 100.64.0.0/10, documentation)
// means the router is behind another NAT: Detect says so with an error
// wrapping ErrDoubleNAT, whatever allow_private says, so the next source is
// asked.
func NewUPnPSource(location string) Source {
	s := &upnpSource{location: location, client: boundedHTTPClient(upnpCallTimeout, upnpMaxDescBytes)}
	s.search = ssdpSearch
	return s
}

func (s *upnpSource) Name() string {
	if s.location == "" {
		return "upnp (SSDP discovery)"
	}
	return "upnp " + redactURL(s.location)
}

// redactURL leaves user info and the query out of a URL for messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}

func (s *upnpSource) Detect(ctx context.Context, fam Family) (netip.Addr, error) {
	if fam != IPv4 {
		return netip.Addr{}, fmt.Errorf("%s: UPnP IGD reports only the router's IPv4 address, not %v", s.Name(), fam)
	}
	locs := []string{s.location}
	if s.location == "" {
		s.mu.Lock()
		found := s.found
		s.mu.Unlock()
		if found != "" {
			// The router found last time answers without a 2 s search.
			if a, err := s.ask(ctx, found); err == nil {
				return checkRouterAddr(s.Name(), a, fam)
			}
			s.mu.Lock()
			s.found = ""
			s.mu.Unlock()
		}
		var err error
		locs, err = s.search(ctx)
		if err != nil {
			return netip.Addr{}, fmt.Errorf("%s: SSDP search failed: %w", s.Name(), err)
		}
		if len(locs) == 0 {
			return netip.Addr{}, fmt.Errorf("%s: no Internet Gateway Device answered the SSDP search within %v: %w", s.Name(), upnpSearchWait, errNoRouter)
		}
	}
	var errs []string
	var netErrs []error
	var lastErr error
	for _, loc := range locs {
		a, err := s.ask(ctx, loc)
		lastErr = err
		if err == nil {
			if s.location == "" {
				s.mu.Lock()
				s.found = loc
				s.mu.Unlock()
			}
			return checkRouterAddr(s.Name(), a, fam)
		}
		if errors.Is(err, errNoExternal) {
			return netip.Addr{}, noPublicAddr(s.Name(), err)
		}
		errs = append(errs, fmt.Sprintf("%s: %v", redactURL(loc), err))
		if IsNetworkError(err) {
			netErrs = append(netErrs, err)
		}
	}
	if len(locs) == 1 {
		return netip.Addr{}, fmt.Errorf("%s: no external address from %s: %w", s.Name(), redactURL(locs[0]), lastErr)
	}
	err := fmt.Errorf("%s: no gateway gave its external address (%s)", s.Name(), strings.Join(errs, "; "))
	if len(netErrs) == len(locs) {
		// Every device was unreachable: a network failure (IsNetworkError).
		err = &net.OpError{Op: "ask", Net: "tcp", Err: err}
	}
	return netip.Addr{}, err
}

// errNoRouter: nothing on the LAN answered; a network failure for the
// detector's purposes (the network may be down).
var errNoRouter = &net.OpError{Op: "discover", Net: "udp", Err: errors.New("no router answered")}

// ask reads one device description and asks each WAN connection service in
// it for the external address.
func (s *upnpSource) ask(ctx context.Context, loc string) (netip.Addr, error) {
	u, err := url.Parse(loc)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return netip.Addr{}, fmt.Errorf("the description location is not an http:// URL")
	}
	root, err := s.description(ctx, u)
	if err != nil {
		return netip.Addr{}, err
	}
	var tried []string
	for _, urn := range upnpServices {
		clients, err := goupnp.NewServiceClientsFromRootDevice(root, u, urn)
		if err != nil {
			continue // the device has no such service
		}
		for _, c := range clients {
			c.SOAPClient.HTTPClient = *s.client
			var out struct{ NewExternalIPAddress string }
			cctx, cancel := context.WithTimeout(ctx, upnpCallTimeout)
			err := c.SOAPClient.PerformActionCtx(cctx, urn, "GetExternalIPAddress", nil, &out)
			cancel()
			if err != nil {
				tried = append(tried, fmt.Sprintf("%s GetExternalIPAddress: %v", shortURN(urn), err))
				continue
			}
			ext := strings.TrimSpace(out.NewExternalIPAddress)
			if ext == "" || ext == "0.0.0.0" {
				return netip.Addr{}, fmt.Errorf("%s answered %q: %w", shortURN(urn), ext, errNoExternal)
			}
			a, perr := netip.ParseAddr(ext)
			if perr != nil {
				tried = append(tried, fmt.Sprintf("%s answered %q, not an address", shortURN(urn), clip(out.NewExternalIPAddress)))
				continue
			}
			return a.Unmap(), nil
		}
	}
	if len(tried) == 0 {
		return netip.Addr{}, fmt.Errorf("the device offers no WANIPConnection or WANPPPConnection service")
	}
	return netip.Addr{}, errors.New(strings.Join(tried, "; "))
}

// description fetches and parses a root device description, bounded in time
// and size (goupnp's own fetch reads without a limit).
func (s *upnpSource) description(ctx context.Context, u *url.URL) (*goupnp.RootDevice, error) {
	ctx, cancel := context.WithTimeout(ctx, upnpCallTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("building the description request: %w", err)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching the device description: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching the device description: HTTP %s", resp.Status)
	}
	root := new(goupnp.RootDevice)
	dec := xml.NewDecoder(resp.Body)
	dec.DefaultSpace = goupnp.DeviceXMLNamespace
	if err := dec.Decode(root); err != nil {
		return nil, fmt.Errorf("the device description is not a UPnP description: %w", err)
	}
	base := u
	if root.URLBaseStr != "" {
		if b, err := url.Parse(root.URLBaseStr); err == nil {
			base = b
		}
	}
	root.SetURLBase(base)
	return root, nil
}

// shortURN is the service name and version of a service URN.
func shortURN(urn string) string {
	return strings.TrimPrefix(urn, "urn:schemas-upnp-org:service:")
}

// clip shortens a device's text for a message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// errNoExternal: the router answered, but with no external address.
var errNoExternal = errors.New("the router has no external address")

// noPublicAddr is the error for a router that says it has no public
// address: what miniupnpd answers when its own WAN address is private.
func noPublicAddr(name string, err error) error {
	return fmt.Errorf("%s: the router reports no public address of its own (%w), so it is behind another NAT (double NAT) or not connected; trying the next source: %w", name, err, ErrDoubleNAT)
}

// checkRouterAddr turns a router's non-public WAN address into a double-NAT
// error in words, so the detector passes the turn instead of publishing it.
func checkRouterAddr(name string, a netip.Addr, fam Family) (netip.Addr, error) {
	if err := Validate(a, fam, false); err != nil {
		if Validate(a, fam, true) == nil {
			where := "outside the public ranges"
			for _, r := range specialRanges {
				if r.prefix.Contains(a) {
					where = fmt.Sprintf("in the %s range %s", r.what, r.prefix)
					break
				}
			}
			// allow_private is no help here: the router's own address is
			// not where this network is reached from, whatever it is.
			return netip.Addr{}, fmt.Errorf("%s: the router's WAN address %s is %s, so the router is behind another NAT (double NAT) and its address is not this network's public one; trying the next source: %w (%w)", name, a, where, ErrDoubleNAT, ErrBadAddress)
		}
		return netip.Addr{}, fmt.Errorf("%s: the router answered %w", name, err)
	}
	return a, nil
}

// ssdpSearch sends an SSDP M-SEARCH for IGDs on the LAN and returns the
// distinct description locations, at most upnpMaxAnswers of them.
func ssdpSearch(ctx context.Context) ([]string, error) {
	conn, err := net.ListenPacket("udp4", ":0")
	if err != nil {
		return nil, fmt.Errorf("opening a UDP socket: %w", err)
	}
	defer conn.Close()
	c := &cappedHTTPU{conn: conn, maxKeep: upnpMaxAnswers, maxRead: 16 * upnpMaxAnswers}
	seen := map[string]bool{}
	var locs []string
	for _, st := range upnpSearchTargets {
		sctx, cancel := context.WithTimeout(ctx, upnpSearchWait)
		resps, err := ssdp.RawSearch(sctx, c, st, 2)
		cancel()
		if err != nil && ctx.Err() != nil {
			return locs, ctx.Err()
		}
		for _, r := range resps {
			loc, err := r.Location()
			if err != nil || seen[loc.String()] {
				continue
			}
			seen[loc.String()] = true
			locs = append(locs, loc.String())
			if len(locs) >= upnpMaxAnswers {
				return locs, nil
			}
		}
		if len(locs) > 0 {
			return locs, nil // the v2 search found one: no need to wait for v1
		}
	}
	return locs, nil
}

// cappedHTTPU is goupnp's HTTP-over-UDP client, bounded: it reads at most
// maxRead datagrams and keeps at most maxKeep well-formed answers (then
// stops waiting), and logs nothing, so a flood of garbage on the LAN costs
// neither memory nor log lines.
type cappedHTTPU struct {
	conn             net.PacketConn
	maxKeep, maxRead int
}

// DoWithContext sends req numSends times and collects the answers until
// req's context ends or a cap is reached.
func (c *cappedHTTPU) DoWithContext(req *http.Request, numSends int) ([]*http.Response, error) {
	var msg strings.Builder
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	fmt.Fprintf(&msg, "%s %s HTTP/1.1\r\n", method, req.URL.RequestURI())
	if err := req.Header.Write(&msg); err != nil {
		return nil, err
	}
	msg.WriteString("\r\n")
	dest, err := net.ResolveUDPAddr("udp4", req.Host)
	if err != nil {
		return nil, err
	}
	ctx := req.Context()
	if dl, ok := ctx.Deadline(); ok {
		c.conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { c.conn.SetDeadline(time.Now()) })
	defer stop()
	for range numSends {
		if _, err := c.conn.WriteTo([]byte(msg.String()), dest); err != nil {
			return nil, err
		}
	}
	var out []*http.Response
	buf := make([]byte, 2048)
	for read := 0; read < c.maxRead && len(out) < c.maxKeep; read++ {
		n, _, err := c.conn.ReadFrom(buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				break
			}
			return out, err
		}
		resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(buf[:n])), req)
		if err != nil {
			continue // garbage: ignored, not logged
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			continue // goupnp would log these; a LAN device must not fill our log
		}
		out = append(out, resp)
	}
	return out, nil
}

// boundedHTTPClient is an HTTP client for LAN devices: a timeout per request
// and a cap on every response body (reading past it is an error, so a huge
// description fails instead of being parsed half).
func boundedHTTPClient(timeout time.Duration, maxBody int64) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil // the router is on the LAN: never through a proxy
	tr.ResponseHeaderTimeout = timeout
	tr.MaxResponseHeaderBytes = 16 << 10
	return &http.Client{Timeout: timeout, Transport: cappedTransport{tr, maxBody},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// cappedTransport caps the size of every response body.
type cappedTransport struct {
	rt  http.RoundTripper
	max int64
}

func (c cappedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.rt.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > c.max {
		resp.Body.Close()
		return nil, fmt.Errorf("the device announced a %d-byte reply, more than the %d bytes accepted", resp.ContentLength, c.max)
	}
	resp.Body = &cappedBody{rc: resp.Body, left: c.max, max: c.max}
	return resp, nil
}

// cappedBody fails a read past its limit.
type cappedBody struct {
	rc   io.ReadCloser
	left int64
	max  int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, fmt.Errorf("the device's reply is longer than the %d bytes accepted", b.max)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error { return b.rc.Close() }
