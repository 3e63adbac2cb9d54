package providers

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/ddnsd/ddns/dnsx"
	"github.com/ddnsd/ddns/providers/spec"
	"github.com/hashicorp/go-hclog"
	"github.com/miekg/dns"
)

// rfc2136Spec describes the "rfc2136" provider: dynamic updates (RFC 2136)
// signed with TSIG (RFC 8945), sent straight to an authoritative server such
// as BIND's named.
//
// The account's `endpoint`, when set, replaces `server` (as it replaces the
// API's host for the HTTP providers): "127.0.0.1:5353", or "tcp://HOST:PORT"
// to also force TCP.
func rfc2136Spec() Spec { return adapter(spec.RFC2136(), newRFC2136) }

// rfc2136Algorithms maps the algorithm names a config may use to the names
// miekg/dns signs with. HMAC-MD5 is left out on purpose: it is deprecated by
// RFC 8945 and named's own tsig-keygen no longer defaults to it.
var rfc2136Algorithms = map[string]string{
	"hmac-sha1":   dns.HmacSHA1,
	"hmac-sha224": dns.HmacSHA224,
	"hmac-sha256": dns.HmacSHA256,
	"hmac-sha384": dns.HmacSHA384,
	"hmac-sha512": dns.HmacSHA512,
}

// rfc2136TSIGFudge is the clock skew, in seconds, the server may allow
// between our clock and its own; 300 is the value RFC 8945 recommends.
const rfc2136TSIGFudge = 300

type rfc2136 struct {
	server    string // host:port
	transport string // "udp" (falls back to TCP on truncation) or "tcp"
	keyName   string // fully qualified, lower case
	algorithm string // miekg/dns name, e.g. "hmac-sha256."
	key       rfc2136Key
	timeout   time.Duration
	log       hclog.Logger
}

func newRFC2136(env Env, p Params) (Provider, error) {
	for _, k := range []string{"server", "key_name", "key_secret"} {
		if err := checkStringKey(p, k, true); err != nil {
			return nil, err
		}
	}
	for _, k := range []string{"key_algorithm", "transport"} {
		if err := checkStringKey(p, k, false); err != nil {
			return nil, err
		}
	}

	server, err := rfc2136ServerAddr(p.String("server"))
	if err != nil {
		return nil, err
	}
	forceTCP := false
	if ep := strings.TrimSpace(env.Endpoint); ep != "" {
		if scheme, rest, ok := strings.Cut(ep, "://"); ok {
			switch strings.ToLower(scheme) {
			case "tcp":
				forceTCP = true
			case "udp", "dns":
			default:
				return nil, fmt.Errorf("endpoint %q: an rfc2136 endpoint is HOST:PORT, udp://HOST:PORT or tcp://HOST:PORT", ep)
			}
			ep = strings.TrimSuffix(rest, "/")
		}
		if server, err = rfc2136ServerAddr(ep); err != nil {
			return nil, fmt.Errorf("endpoint replaces server: %w", err)
		}
	}

	keyName := strings.ToLower(dns.Fqdn(strings.TrimSpace(p.String("key_name"))))
	if _, ok := dns.IsDomainName(keyName); !ok || keyName == "." {
		return nil, fmt.Errorf("key %q: %q is not a valid key name (use the name from the server's `key \"NAME\" { ... }` block)", "key_name", p.String("key_name"))
	}

	algName := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(p.String("key_algorithm")), "."))
	if algName == "" {
		algName = "hmac-sha256"
	}
	alg, ok := rfc2136Algorithms[algName]
	if !ok {
		return nil, fmt.Errorf("key %q: unsupported algorithm %q (use hmac-sha256, hmac-sha1, hmac-sha224, hmac-sha384 or hmac-sha512)", "key_algorithm", p.String("key_algorithm"))
	}

	// The secret is checked here so that a typo is a config error at start-up,
	// not an authentication failure on every pass. The decoder's message gives
	// only a byte offset, never the secret itself.
	secret := strings.TrimSpace(p.String("key_secret"))
	raw, err := base64.StdEncoding.DecodeString(secret)
	if err != nil {
		return nil, fmt.Errorf("key %q is not valid base64 (%v); copy the `secret` value from the server's key file", "key_secret", err)
	}
	if len(raw) == 0 {
		return nil, fmt.Errorf("key %q decodes to an empty secret", "key_secret")
	}

	transport := strings.ToLower(p.String("transport"))
	switch transport {
	case "":
		transport = "udp"
	case "udp", "tcp":
	default:
		return nil, fmt.Errorf("key %q: %q is not a transport (use \"udp\" or \"tcp\")", "transport", p.String("transport"))
	}
	if forceTCP {
		transport = "tcp"
	}

	timeout := env.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	log := env.Logger
	if log == nil {
		log = hclog.NewNullLogger()
	}
	return &rfc2136{
		server:    server,
		transport: transport,
		keyName:   keyName,
		algorithm: alg,
		key:       rfc2136Key{name: keyName, secret: raw},
		timeout:   timeout,
		log:       log,
	}, nil
}

// checkStringKey reports a key that is present but not a string, and a
// required key that is missing or empty.
func checkStringKey(p Params, key string, required bool) error {
	v, ok := p[key]
	if !ok || v == nil {
		if required {
			return fmt.Errorf("missing required key %q", key)
		}
		return nil
	}
	s, isString := v.(string)
	if !isString {
		return fmt.Errorf("key %q must be a string, not %T", key, v)
	}
	if required && strings.TrimSpace(s) == "" {
		return fmt.Errorf("missing required key %q (it is empty)", key)
	}
	return nil
}

// rfc2136ServerAddr accepts "host:port", "[v6]:port", a bare host or a bare
// address, and adds port 53 when none is given.
func rfc2136ServerAddr(s string) (string, error) {
	s = dnsx.WithPort(s)
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", fmt.Errorf("key %q: %q is not host:port (%v)", "server", s, err)
	}
	if host == "" {
		return "", fmt.Errorf("key %q: %q has no host", "server", s)
	}
	if n, err := net.LookupPort("udp", port); err != nil || n <= 0 || n > 65535 {
		return "", fmt.Errorf("key %q: %q has no valid port", "server", s)
	}
	return s, nil
}

// rfc2136RRType turns "A"/"AAAA" into the DNS type number.
func rfc2136RRType(typ string) (uint16, error) {
	switch strings.ToUpper(typ) {
	case "A":
		return dns.TypeA, nil
	case "AAAA":
		return dns.TypeAAAA, nil
	}
	return 0, fmt.Errorf("record type %q is not supported (only A and AAAA): %w", typ, ErrRejected)
}

// Get asks the server itself, with a signed query, for the records of one
// name and type. NXDOMAIN and an empty answer both mean "no records".
func (r *rfc2136) Get(ctx context.Context, zone, name, typ string) ([]Record, error) {
	qtype, err := rfc2136RRType(typ)
	if err != nil {
		return nil, err
	}
	rec := Record{Zone: strings.TrimSuffix(zone, "."), Name: name}
	fqdn := dns.Fqdn(rec.FQDN())

	m := new(dns.Msg)
	m.SetQuestion(fqdn, qtype)
	m.RecursionDesired = false
	resp, signed, err := r.exchange(ctx, m)
	what := fmt.Sprintf("query for %s %s at %s", rec.FQDN(), strings.ToUpper(typ), r.server)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	switch resp.Rcode {
	case dns.RcodeSuccess, dns.RcodeNameError:
	default:
		return nil, r.rcodeError(what, resp, signed)
	}

	var out []Record
	for _, rr := range resp.Answer {
		h := rr.Header()
		if !strings.EqualFold(h.Name, fqdn) || h.Rrtype != qtype {
			continue // e.g. a CNAME in front of the name
		}
		var addr netip.Addr
		switch v := rr.(type) {
		case *dns.A:
			addr, _ = netip.AddrFromSlice(v.A.To4())
		case *dns.AAAA:
			addr, _ = netip.AddrFromSlice(v.AAAA.To16())
		}
		if !addr.IsValid() {
			continue
		}
		out = append(out, Record{
			Zone: rec.Zone,
			Name: name,
			Type: strings.ToUpper(typ),
			Addr: addr,
			TTL:  time.Duration(h.Ttl) * time.Second,
		})
	}
	return out, nil
}

// Set sends one UPDATE that deletes the whole RRset for the name and type and
// adds the new record. The server applies both in order, atomically, so exactly
// one record remains and no reader ever sees the name without an address.
func (r *rfc2136) Set(ctx context.Context, rec Record) error {
	typ, addr, err := checkAddressRecord(rec)
	if err != nil {
		return err
	}
	qtype, err := rfc2136RRType(typ)
	if err != nil {
		return err
	}
	rec.Zone = strings.TrimSuffix(rec.Zone, ".")
	fqdn := dns.Fqdn(rec.FQDN())
	ttl := uint32(rec.TTL / time.Second)

	hdr := dns.RR_Header{Name: fqdn, Rrtype: qtype, Class: dns.ClassINET, Ttl: ttl}
	var rr dns.RR
	if qtype == dns.TypeA {
		rr = &dns.A{Hdr: hdr, A: addr.AsSlice()}
	} else {
		rr = &dns.AAAA{Hdr: hdr, AAAA: addr.AsSlice()}
	}

	m := new(dns.Msg)
	m.SetUpdate(dns.Fqdn(rec.Zone))
	m.RemoveRRset([]dns.RR{&dns.ANY{Hdr: dns.RR_Header{Name: fqdn, Rrtype: qtype}}})
	m.Insert([]dns.RR{rr})

	what := fmt.Sprintf("update of %s %s to %s in zone %s at %s", rec.FQDN(), typ, addr, rec.Zone, r.server)
	resp, signed, err := r.exchange(ctx, m)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if resp.Rcode != dns.RcodeSuccess {
		return r.rcodeError(what, resp, signed)
	}
	r.log.Debug("rfc2136 update applied", "name", rec.FQDN(), "type", typ, "address", addr.String(), "ttl", ttl, "server", r.server)
	return nil
}

// exchange signs m, sends it and returns a reply whose signature verified;
// an unsigned success is refused.
// A reply that carries an rcode is returned even when its signature did not
// verify (a server that rejects our key cannot sign with it), so that the
// caller can say why; the rcode then decides the error, and signed says
// whether the reply's signature verified.
func (r *rfc2136) exchange(ctx context.Context, m *dns.Msg) (reply *dns.Msg, signed bool, err error) {
	c := &dns.Client{
		Net:          r.transport,
		Timeout:      r.timeout,
		TsigProvider: r.key,
	}
	// dnsx.Exchange sends a fresh copy per attempt, so the TCP retry of a
	// truncated answer is signed again (signing consumes the TSIG record).
	out := m.Copy()
	out.SetTsig(r.keyName, r.algorithm, rfc2136TSIGFudge, time.Now().Unix())
	resp, err := dnsx.Exchange(ctx, c, out, r.server)
	if resp != nil && resp.Response && resp.Rcode != dns.RcodeSuccess && resp.Rcode != dns.RcodeNameError {
		// Whether the server signed its error with our key matters for
		// NOTAUTH: signed, it is about the zone; unsigned, about the key.
		// miekg/dns refuses to verify any NOTAUTH reply, so this looks at
		// the TSIG record instead: a server that rejects a key answers with
		// an empty MAC and a TSIG error. That only picks which error class
		// to report; no such reply is ever taken as success.
		signed := err == nil
		if t := resp.IsTsig(); t != nil && resp.Rcode == dns.RcodeNotAuth {
			signed = t.Error == dns.RcodeSuccess && t.MAC != "" && strings.EqualFold(t.Hdr.Name, r.keyName)
		}
		return resp, signed && resp.IsTsig() != nil, nil
	}
	if err != nil {
		return nil, false, r.transportError(ctx, err)
	}
	if resp == nil {
		return nil, false, fmt.Errorf("no reply: %w", ErrNetwork)
	}
	if resp.IsTsig() == nil {
		// RFC 8945 5.3: an unsigned answer to a signed request must not be
		// trusted; it could be forged, and a forged "NOERROR" to an update
		// would hide a record that was never set.
		return nil, false, fmt.Errorf("the server's answer is not signed although the request was; it may be forged or the server may not know key %q: %w", strings.TrimSuffix(r.keyName, "."), ErrAuth)
	}
	return resp, true, nil
}

// transportError classifies an error from sending or receiving a message.
func (r *rfc2136) transportError(ctx context.Context, err error) error {
	switch {
	case errors.Is(err, dns.ErrSig), errors.Is(err, dns.ErrSecret), errors.Is(err, dns.ErrKeyAlg):
		return fmt.Errorf("the server's reply is not signed with key %q (%v); check that the server holds the same key: %w", strings.TrimSuffix(r.keyName, "."), err, ErrAuth)
	case errors.Is(err, dns.ErrTime):
		return fmt.Errorf("the server's signature time differs from this machine's clock by more than %d seconds; fix the clock: %w", rfc2136TSIGFudge, ErrAuth)
	case ctx.Err() != nil:
		return fmt.Errorf("gave up waiting (%v): %w", ctx.Err(), ErrNetwork)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("no reply within %s; is the server reachable on %s (%s)?: %w", r.timeout, r.server, r.transport, ErrNetwork)
	}
	return fmt.Errorf("%v: %w", err, ErrNetwork)
}

// rcodeError turns an error reply into a classified error that says what the
// server meant and what the user can do about it. signed says whether the
// reply carried a signature made with our key.
func (r *rfc2136) rcodeError(what string, resp *dns.Msg, signed bool) error {
	rcode := dns.RcodeToString[resp.Rcode]
	if rcode == "" {
		rcode = fmt.Sprintf("RCODE%d", resp.Rcode)
	}
	key := strings.TrimSuffix(r.keyName, ".")
	// The TSIG error field says whether the key itself was the problem.
	if t := resp.IsTsig(); t != nil && t.Error != dns.RcodeSuccess {
		switch t.Error {
		case dns.RcodeBadSig:
			return fmt.Errorf("%s: the server rejected the signature (%s/BADSIG): key_secret or key_algorithm does not match the server's key %q: %w", what, rcode, key, ErrAuth)
		case dns.RcodeBadKey:
			return fmt.Errorf("%s: the server does not know key %q (%s/BADKEY); check key_name and key_algorithm: %w", what, key, rcode, ErrAuth)
		case dns.RcodeBadTime:
			return fmt.Errorf("%s: the server says this machine's clock is off by more than %d seconds (%s/BADTIME); fix the clock: %w", what, rfc2136TSIGFudge, rcode, ErrAuth)
		default:
			return fmt.Errorf("%s: the server rejected the signature (%s, TSIG error %d): %w", what, rcode, t.Error, ErrAuth)
		}
	}
	switch resp.Rcode {
	case dns.RcodeRefused:
		return fmt.Errorf("%s: the server refused (REFUSED): key %q is not allowed to change this name, or the server does not serve this zone; check the zone's update-policy: %w", what, key, ErrAuth)
	case dns.RcodeNotAuth:
		if signed {
			// The server signed its answer with our key, so the key is
			// fine: RFC 2136 NOTAUTH means it does not serve the zone.
			return fmt.Errorf("%s: the server is not authoritative for the zone (NOTAUTH); check the record's zone and the server address: %w", what, ErrRejected)
		}
		return fmt.Errorf("%s: the server is not authoritative for the zone or did not accept key %q (NOTAUTH): %w", what, key, ErrAuth)
	case dns.RcodeServerFailure:
		return fmt.Errorf("%s: the server failed to process the request (SERVFAIL); retry later: %w", what, ErrNetwork)
	case dns.RcodeFormatError:
		return fmt.Errorf("%s: the server could not parse the request (FORMERR): %w", what, ErrRejected)
	case dns.RcodeNotImplemented:
		return fmt.Errorf("%s: the server does not support this operation (NOTIMP): %w", what, ErrRejected)
	case dns.RcodeNotZone:
		return fmt.Errorf("%s: the name is not inside the zone (NOTZONE); check the record's zone: %w", what, ErrRejected)
	case dns.RcodeNameError, dns.RcodeYXDomain, dns.RcodeYXRrset, dns.RcodeNXRrset:
		return fmt.Errorf("%s: the server rejected the change (%s): %w", what, rcode, ErrRejected)
	}
	return fmt.Errorf("%s: the server answered %s: %w", what, rcode, ErrRejected)
}

// rfc2136Key signs and verifies with one TSIG key. It matches the key name
// without regard to case, as DNS names compare, so a server that writes the
// name in another case than the config still verifies.
type rfc2136Key struct {
	name   string // fully qualified, lower case
	secret []byte
}

// Generate returns the MAC of msg for t.
func (k rfc2136Key) Generate(msg []byte, t *dns.TSIG) ([]byte, error) {
	if !strings.EqualFold(t.Hdr.Name, k.name) {
		return nil, dns.ErrSecret
	}
	var h func() hash.Hash
	switch dns.CanonicalName(t.Algorithm) {
	case dns.HmacSHA1:
		h = sha1.New
	case dns.HmacSHA224:
		h = sha256.New224
	case dns.HmacSHA256:
		h = sha256.New
	case dns.HmacSHA384:
		h = sha512.New384
	case dns.HmacSHA512:
		h = sha512.New
	default:
		return nil, dns.ErrKeyAlg
	}
	m := hmac.New(h, k.secret)
	m.Write(msg)
	return m.Sum(nil), nil
}

// Verify checks t's MAC over msg in constant time.
func (k rfc2136Key) Verify(msg []byte, t *dns.TSIG) error {
	want, err := k.Generate(msg, t)
	if err != nil {
		return err
	}
	got, err := hex.DecodeString(t.MAC)
	if err != nil || !hmac.Equal(want, got) {
		return dns.ErrSig
	}
	return nil
}
