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

	"github.com/ddnsd/ddns/backoff"
	"github.com/ddnsd/ddns/dnsaddr"
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

// rfc2136AttemptTimeout bounds one message's round trip, so that a lost
// UDP datagram costs a retry, not the whole call's timeout.
const rfc2136AttemptTimeout = 5 * time.Second

type rfc2136 struct {
	server    string // host:port
	transport string // "udp" (falls back to TCP on truncation) or "tcp"
	keyName   string // fully qualified, lower case
	algorithm string // miekg/dns name, e.g. "hmac-sha256."
	key       rfc2136Key
	timeout   time.Duration // one attempt's, at most rfc2136AttemptTimeout
	log       hclog.Logger

	// The retry schedule of one message, as the HTTP transport's (fields so
	// that tests can shorten it): attempts in all, the wait before retry n.
	attempts int
	delay    func(attempt int) time.Duration
	wait     func(ctx context.Context, d time.Duration) error
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
		timeout:   min(timeout, rfc2136AttemptTimeout),
		log:       log,
		attempts:  retryAttempts,
		delay:     backoffDelay,
		wait:      backoff.Sleep,
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
	s = dnsaddr.WithPort(s)
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
	out, _, err := r.get(ctx, zone, name, typ)
	return out, err
}

// get is Get that also returns the CNAME the name holds, if any: a name
// with a CNAME has no address records of its own, and a server may drop
// an update that adds one beside it without saying so.
func (r *rfc2136) get(ctx context.Context, zone, name, typ string) (recs []Record, cname string, err error) {
	qtype, err := rfc2136RRType(typ)
	if err != nil {
		return nil, "", err
	}
	rec := Record{Zone: strings.TrimSuffix(zone, "."), Name: name}
	fqdn := dns.Fqdn(rec.FQDN())

	m := new(dns.Msg)
	m.SetQuestion(fqdn, qtype)
	m.RecursionDesired = false
	resp, signed, err := r.exchange(ctx, m)
	what := fmt.Sprintf("query for %s %s at %s", rec.FQDN(), strings.ToUpper(typ), r.server)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", what, err)
	}
	switch resp.Rcode {
	case dns.RcodeSuccess, dns.RcodeNameError:
	default:
		return nil, "", r.rcodeError(what, resp, signed)
	}

	var out []Record
	for _, rr := range resp.Answer {
		if c, ok := rr.(*dns.CNAME); ok && strings.EqualFold(c.Hdr.Name, fqdn) {
			cname = strings.TrimSuffix(c.Target, ".")
		}
	}
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
	return out, cname, nil
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
		err := r.rcodeError(what, resp, signed)
		if resp.Rcode == dns.RcodeRefused && signed {
			// PowerDNS refuses an address beside a CNAME: say so when it is that.
			if _, cname, gerr := r.get(ctx, rec.Zone, rec.Name, typ); gerr == nil && cname != "" {
				err = fmt.Errorf("%s: the server refused it (REFUSED) because %s is a CNAME (to %s), and a name with a CNAME can hold no other record; remove the CNAME or point the record at the name it aliases: %w",
					what, rec.FQDN(), cname, ErrRejected)
			}
		}
		return err
	}
	// A NOERROR is not proof: BIND and Knot answer NOERROR to an update that
	// adds an address beside a CNAME and drop it. Read the name back.
	if err := r.verify(ctx, rec, typ, addr, what); err != nil {
		return err
	}
	r.log.Debug("rfc2136 update applied and read back", "name", rec.FQDN(), "type", typ, "address", addr.String(), "ttl", ttl, "server", r.server)
	return nil
}

// verify reads rec's name and type back from the server after an update it
// answered NOERROR, and fails with ErrRejected, naming the likely cause,
// when the server does not hold exactly the address that was set.
func (r *rfc2136) verify(ctx context.Context, rec Record, typ string, addr netip.Addr, what string) error {
	have, cname, err := r.get(ctx, rec.Zone, rec.Name, typ)
	if err != nil {
		return fmt.Errorf("%s: the server answered NOERROR, but reading the record back failed: %w", what, err)
	}
	if len(have) == 1 && have[0].Addr == addr {
		return nil
	}
	if cname != "" {
		return fmt.Errorf("%s: the server answered NOERROR but does not serve the address: %s is a CNAME (to %s), and a name with a CNAME can hold no other record, so the server dropped the update; remove the CNAME or point the record at the name it aliases: %w",
			what, rec.FQDN(), cname, ErrRejected)
	}
	got := make([]string, len(have))
	for i, h := range have {
		got[i] = h.Addr.String()
	}
	held := "no " + typ + " record"
	if len(got) > 0 {
		held = strings.Join(got, ", ")
	}
	return fmt.Errorf("%s: the server answered NOERROR but serves %s for the name: it did not apply the update (a policy that ignores it, or another client changing the name at once): %w",
		what, held, ErrRejected)
}

// exchange signs m, sends it and returns a reply whose signature verified;
// an unsigned success is refused.
// A reply that carries an rcode is returned even when its signature did not
// verify (a server that rejects our key cannot sign with it), so that the
// caller can say why; the rcode then decides the error, and signed says
// whether the reply's signature verified.
//
// Transient failures are retried as the HTTP transport retries 5xx: a
// SERVFAIL (BIND for a moment after loading its zones, PowerDNS while its
// database is locked), a timeout and a refused connection, up to attempts
// in all, 100 ms doubling to 10 s between them, never past ctx's deadline.
// An update may be sent twice that way; it deletes the RRset and adds the
// record, so applying it again changes nothing.
func (r *rfc2136) exchange(ctx context.Context, m *dns.Msg) (reply *dns.Msg, signed bool, err error) {
	for attempt := 1; ; attempt++ {
		reply, signed, err = r.exchangeOnce(ctx, m)
		var why string
		switch {
		case err != nil && errors.Is(err, ErrNetwork) && ctx.Err() == nil:
			why = err.Error()
		case err == nil && reply.Rcode == dns.RcodeServerFailure:
			why = "SERVFAIL"
		default:
			return reply, signed, err
		}
		if attempt >= r.attempts {
			return reply, signed, err
		}
		wait := r.delay(attempt)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return reply, signed, err
		}
		r.log.Debug("retrying DNS message", "server", r.server, "attempt", attempt+1, "of", r.attempts, "wait", wait, "reason", why)
		if werr := r.wait(ctx, wait); werr != nil {
			return reply, signed, err
		}
	}
}

// exchangeOnce is one attempt of exchange.
func (r *rfc2136) exchangeOnce(ctx context.Context, m *dns.Msg) (reply *dns.Msg, signed bool, err error) {
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
			// Knot answers NOTAUTH/BADKEY both to a key it does not know
			// and to a known key outside the zone's ACL, so both are named.
			return fmt.Errorf("%s: the server did not accept key %q (%s/BADKEY): the key is not allowed for this zone (Knot answers so for a key outside the zone's ACL) or the server knows no key of that name and algorithm; check the zone's ACL or update-policy, key_name and key_algorithm: %w", what, key, rcode, ErrAuth)
		case dns.RcodeBadTime:
			return fmt.Errorf("%s: the server says this machine's clock is off by more than %d seconds (%s/BADTIME); fix the clock: %w", what, rfc2136TSIGFudge, rcode, ErrAuth)
		default:
			return fmt.Errorf("%s: the server rejected the signature (%s, TSIG error %d): %w", what, rcode, t.Error, ErrAuth)
		}
	}
	switch resp.Rcode {
	case dns.RcodeRefused:
		if signed {
			// The server signed its refusal with our key: it accepted the
			// key, so this is about the zone or the policy, not credentials.
			return fmt.Errorf("%s: the server accepted key %q but refused the change (REFUSED): the zone may be frozen (rndc freeze, knotc zone-freeze), the server may not be a primary for it, the key may not be granted this name (update-policy, TSIG-ALLOW-DNSUPDATE), or the name may be a CNAME (PowerDNS): %w", what, key, ErrRejected)
		}
		// PowerDNS answers an unknown key and a wrong secret with an
		// unsigned REFUSED.
		return fmt.Errorf("%s: the server refused the request without signing its answer (REFUSED): it did not accept key %q (check key_name, key_secret and key_algorithm against the server's key) or takes no updates from this machine: %w", what, key, ErrAuth)
	case dns.RcodeNotAuth:
		if signed || resp.IsTsig() == nil {
			// Signed with our key, or without any TSIG record (Knot's way):
			// the key is not the problem, since a server that rejects a key
			// says so in a TSIG error. RFC 2136 NOTAUTH means it does not
			// serve the zone.
			return fmt.Errorf("%s: the server is not authoritative for the zone (NOTAUTH); check the record's zone and the server address: %w", what, ErrRejected)
		}
		return fmt.Errorf("%s: the server is not authoritative for the zone or did not accept key %q (NOTAUTH): %w", what, key, ErrAuth)
	case dns.RcodeServerFailure:
		return fmt.Errorf("%s: the server failed to process the request (SERVFAIL), also when asked again; it may still be loading the zone or its database may be locked: %w", what, ErrNetwork)
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
