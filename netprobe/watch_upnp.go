package netprobe

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
)

// UPnP eventing (GENA) bounds: the callback listener serves only the
// router, and only small requests, quickly.
const (
	upnpEventTimeout   = 1800 * time.Second // the subscription asked for
	upnpEventRetry     = 30 * time.Second   // after a failed subscription
	upnpEventMaxBody   = 16 << 10           // a NOTIFY's propertyset
	upnpEventMaxHeader = 8 << 10
	upnpEventPath      = "/upnp-event"
)

// WatchUPnPEvents subscribes to the UPnP eventing (GENA) of the router's
// WANIPConnection or WANPPPConnection service and sends on the returned
// channel when a NOTIFY announces an ExternalIPAddress different from the
// last one heard (the first one, sent on subscription, counts). location is
// the device description URL; "" discovers the router with SSDP, as
// NewUPnPSource does. The channel follows WatchAddresses' rules (watch.go).
//
// The callback is an HTTP listener on the LAN address that reaches the
// router; it closes connections from any other address unread and accepts
// only NOTIFY requests for the current subscription's SID, with capped
// headers (8 KiB) and body (16 KiB) and read timeouts, so another LAN device
// cannot make it announce anything. The
// subscription is renewed halfway through its timeout and made anew when
// the router forgets it (a renewal refused) or stops answering (every 30 s
// until it answers). Subscribing changes nothing on the router.
func WatchUPnPEvents(ctx context.Context, logger hclog.Logger, location string) (<-chan struct{}, error) {
	w := newUPnPWatch(logger, location)
	go w.run(ctx)
	return w.ch, nil
}

// upnpWatch is one UPnP event subscription, kept alive by run.
type upnpWatch struct {
	logger   hclog.Logger
	location string
	client   *http.Client
	ch       chan struct{}
	heard    func(netip.Addr)                          // tests: each newly announced address
	renew    func(timeout time.Duration) time.Duration // when to renew a granted timeout
	retry    time.Duration                             // the wait after a failed subscription
	onSub    func(sid string, renewal bool)            // tests: each subscription granted

	mu       sync.Mutex
	router   netip.Addr    // the only address NOTIFYs are accepted from
	sid      string        // the current subscription; "" while none
	pending  chan struct{} // closed when a SUBSCRIBE in flight has its answer
	last     netip.Addr
	callback string // the CALLBACK URL of the current subscription
}

func newUPnPWatch(logger hclog.Logger, location string) *upnpWatch {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	return &upnpWatch{logger: logger, location: location, ch: make(chan struct{}, 1),
		client: boundedHTTPClient(upnpCallTimeout, upnpMaxDescBytes),
		renew:  func(d time.Duration) time.Duration { return d / 2 }, retry: upnpEventRetry}
}

// run keeps a subscription until ctx ends, then closes the channel.
func (w *upnpWatch) run(ctx context.Context) {
	defer close(w.ch)
	for ctx.Err() == nil {
		renewed, err := w.session(ctx)
		if ctx.Err() != nil {
			return
		}
		w.logger.Debug("the UPnP event subscription ended", "error", err)
		if renewed {
			continue // the router forgot a working subscription: subscribe again at once
		}
		t := time.NewTimer(w.retry)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// session finds the router's event URL, serves the callback and subscribes,
// renewing until a renewal fails or ctx ends. renewed reports whether the
// subscription had worked (so a new one is tried at once).
func (w *upnpWatch) session(ctx context.Context) (renewed bool, err error) {
	ev, err := w.eventURL(ctx)
	if err != nil {
		return false, err
	}
	router, err := netip.ParseAddr(ev.Hostname())
	if err != nil {
		return false, fmt.Errorf("the router's event URL %s does not name an IP address", redactURL(ev.String()))
	}
	router = router.Unmap()
	local, err := localAddrTo(ev.Host)
	if err != nil {
		return false, err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(local.String(), "0"))
	if err != nil {
		return false, fmt.Errorf("listening for the router's UPnP events: %w", err)
	}
	srv := &http.Server{Handler: w, ReadHeaderTimeout: 2 * time.Second, ReadTimeout: 5 * time.Second,
		WriteTimeout: 5 * time.Second, IdleTimeout: 30 * time.Second, MaxHeaderBytes: upnpEventMaxHeader,
		ErrorLog: log.New(io.Discard, "", 0)} // a LAN device's bad requests fill no log
	go srv.Serve(&fromListener{Listener: ln, from: router})
	defer srv.Close()
	callback := "http://" + ln.Addr().String() + upnpEventPath

	pending := make(chan struct{})
	w.mu.Lock()
	w.router, w.sid, w.pending, w.callback = router, "", pending, callback
	w.mu.Unlock()
	sid, timeout, err := w.subscribe(ctx, ev, http.Header{"Callback": {"<" + callback + ">"}, "Nt": {"upnp:event"}})
	w.mu.Lock()
	w.sid, w.pending = sid, nil
	w.mu.Unlock()
	close(pending)
	if err != nil {
		return false, err
	}
	w.logger.Info("subscribed to the router's UPnP events", "url", redactURL(ev.String()), "callback", callback, "timeout", timeout)
	if w.onSub != nil {
		w.onSub(sid, false)
	}
	defer func() {
		w.mu.Lock()
		w.sid = ""
		w.mu.Unlock()
		if ctx.Err() != nil {
			uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
			defer cancel()
			w.request(uctx, "UNSUBSCRIBE", ev, http.Header{"Sid": {sid}})
		}
	}()
	for {
		t := time.NewTimer(w.renew(timeout))
		select {
		case <-ctx.Done():
			t.Stop()
			return true, ctx.Err()
		case <-t.C:
		}
		_, timeout, err = w.subscribe(ctx, ev, http.Header{"Sid": {sid}})
		if err != nil {
			return true, fmt.Errorf("renewing the UPnP event subscription: %w", err)
		}
		if w.onSub != nil {
			w.onSub(sid, true)
		}
	}
}

// eventURL reads the router's description (discovering it when no location
// is given) and returns its first WAN connection service's eventSubURL.
func (w *upnpWatch) eventURL(ctx context.Context) (*url.URL, error) {
	locs := []string{w.location}
	if w.location == "" {
		var err error
		if locs, err = ssdpSearch(ctx); err != nil {
			return nil, err
		}
	}
	src := &upnpSource{client: w.client}
	var errs []string
	for _, loc := range locs {
		u, err := url.Parse(loc)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, "a description location is not an http:// URL")
			continue
		}
		root, err := src.description(ctx, u)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		for _, urn := range upnpServices {
			for _, s := range root.Device.FindService(urn) {
				if s.EventSubURL.Ok && s.EventSubURL.Str != "" {
					ev := s.EventSubURL.URL
					return &ev, nil
				}
			}
		}
		errs = append(errs, redactURL(loc)+" offers no WAN connection service with an event URL")
	}
	if len(errs) == 0 {
		return nil, fmt.Errorf("no Internet Gateway Device answered the SSDP search: %w", errNoRouter)
	}
	return nil, errors.New(strings.Join(errs, "; "))
}

// localAddrTo is the local address the route to hostport leaves from (a UDP
// "connection" sends nothing).
func localAddrTo(hostport string) (netip.Addr, error) {
	if _, _, err := net.SplitHostPort(hostport); err != nil {
		hostport = net.JoinHostPort(hostport, "80")
	}
	c, err := net.Dial("udp", hostport)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("finding the LAN address that reaches the router: %w", err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap(), nil
}

// subscribe sends a SUBSCRIBE (a new one with CALLBACK and NT, a renewal
// with SID) and returns the SID and the timeout the router granted.
func (w *upnpWatch) subscribe(ctx context.Context, ev *url.URL, h http.Header) (string, time.Duration, error) {
	h.Set("Timeout", "Second-"+strconv.Itoa(int(upnpEventTimeout/time.Second)))
	resp, err := w.request(ctx, "SUBSCRIBE", ev, h)
	if err != nil {
		return "", 0, err
	}
	sid := resp.Header.Get("Sid")
	if sid == "" {
		return "", 0, errors.New("the router's SUBSCRIBE answer has no SID")
	}
	timeout := upnpEventTimeout
	if v, ok := strings.CutPrefix(strings.ToLower(resp.Header.Get("Timeout")), "second-"); ok {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			timeout = min(time.Duration(n)*time.Second, upnpEventTimeout)
		}
	}
	return sid, max(timeout, 10*time.Second), nil
}

// request sends one GENA request and wants a 200 answer.
func (w *upnpWatch) request(ctx context.Context, method string, ev *url.URL, h http.Header) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, upnpCallTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, ev.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("building the %s request: %w", method, err)
	}
	req.Header = h
	resp, err := w.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, redactURL(ev.String()), err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: the router answered HTTP %s", method, redactURL(ev.String()), resp.Status)
	}
	return resp, nil
}

// ServeHTTP is the event callback: a NOTIFY from the router for the current
// SID, whose propertyset may carry ExternalIPAddress.
func (w *upnpWatch) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.Method != "NOTIFY" || r.URL.Path != upnpEventPath {
		http.Error(rw, "only NOTIFY", http.StatusMethodNotAllowed)
		return
	}
	from, err := netip.ParseAddrPort(r.RemoteAddr)
	w.mu.Lock()
	router, pending := w.router, w.pending
	w.mu.Unlock()
	if err != nil || from.Addr().Unmap() != router {
		http.Error(rw, "not the router", http.StatusForbidden)
		return
	}
	if pending != nil {
		// The first NOTIFY may come before our SUBSCRIBE has read its SID.
		select {
		case <-pending:
		case <-r.Context().Done():
			return
		case <-time.After(upnpCallTimeout):
		}
	}
	w.mu.Lock()
	sid := w.sid
	w.mu.Unlock()
	if sid == "" || r.Header.Get("Sid") != sid {
		http.Error(rw, "unknown subscription", http.StatusPreconditionFailed)
		return
	}
	var set struct {
		Props []struct {
			Vars []struct {
				XMLName xml.Name
				Value   string `xml:",chardata"`
			} `xml:",any"`
		} `xml:"property"`
	}
	if err := xml.NewDecoder(http.MaxBytesReader(rw, r.Body, upnpEventMaxBody)).Decode(&set); err != nil {
		http.Error(rw, "not a propertyset", http.StatusBadRequest)
		return
	}
	rw.WriteHeader(http.StatusOK)
	for _, p := range set.Props {
		for _, v := range p.Vars {
			if v.XMLName.Local != "ExternalIPAddress" {
				continue
			}
			a, err := netip.ParseAddr(strings.TrimSpace(v.Value))
			switch {
			case err != nil:
				continue
			case a.IsUnspecified():
				w.lost()
			default:
				w.announced(a.Unmap())
			}
		}
	}
}

// lost is a NOTIFY of 0.0.0.0: the WAN is between two addresses. It sends
// an event, and forgets the last address so that the next one announced
// counts as new even when it is the same. A router need not send the
// address that follows: miniupnpd sends no NOTIFY of its own for a change
// while one to the subscriber is still in flight, so the 0.0.0.0 one can be
// the last this subscription hears (seen in CI, its log kept in the
// commit). The pass this event runs asks the router itself; one that
// finds no address yet fails as retryable and is followed on the retry
// schedule (5 s, doubling), so the new address is published in seconds
// rather than at the next interval.
func (w *upnpWatch) lost() {
	w.mu.Lock()
	w.last = netip.Addr{}
	w.mu.Unlock()
	w.logger.Debug("the router's UPnP event announced no external address (the WAN is between addresses)")
	notify(w.ch)
}

// announced sends an event for an address different from the last one.
func (w *upnpWatch) announced(a netip.Addr) {
	w.mu.Lock()
	changed := a != w.last
	w.last = a
	w.mu.Unlock()
	if !changed {
		return
	}
	if w.heard != nil {
		w.heard(a)
	}
	w.logger.Debug("the router's UPnP event announced its external address", "address", a)
	notify(w.ch)
}

// fromListener accepts connections only from one address and closes any
// other at once, so another LAN device cannot hold the callback's
// connections (or its header and body read timeouts) at all.
type fromListener struct {
	net.Listener
	from netip.Addr
}

func (l *fromListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if ap, err := netip.ParseAddrPort(c.RemoteAddr().String()); err == nil && ap.Addr().Unmap() == l.from {
			return c, nil
		}
		c.Close()
	}
}
