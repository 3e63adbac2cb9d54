package providertest

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
)

// Namecheap is a running fake of the Namecheap XML API's DNS host calls
// (namecheap.com/support/api/methods/domains-dns/get-hosts and set-hosts)
// for one domain. It answers as the real API does: one endpoint,
// /xml.response, taking GET or POST (form) parameters; every call carries
// ApiUser, ApiKey, UserName and ClientIp, and the client IP must be the
// whitelisted one; answers are HTTP 200 with <ApiResponse Status="OK"> or
// Status="ERROR" and numbered <Error>s (a wrong or missing key: 1011102; a
// missing user: 1010101; a client IP not whitelisted: 1011150; another
// domain: 2019166). namecheap.domains.dns.getHosts (SLD, TLD) lists every
// host with HostId, Name, Type, Address, MXPref and TTL, and the domain's
// EmailType. namecheap.domains.dns.setHosts replaces ALL hosts of the
// domain with HostName1..N, RecordType1..N, Address1..N, MXPref1..N and
// TTL1..N (60 to 60000, default 1800); EmailType sets the domain's mail
// mode, and MX hosts are kept only with EmailType=MX (the API's mail
// setting otherwise replaces them). A host without a name, type or
// address, a bad A/AAAA address or a TTL out of range is error 2050900
// and nothing changes.
type Namecheap struct {
	httpFake
	zoneStore
	base
	user, key, clientIP string
	emailType           string
}

// NewNamecheap starts a fake that accepts user with key from clientIP and
// serves domain (its SLD being the first label); the caller must Close it.
func NewNamecheap(user, key, clientIP, domain string) *Namecheap {
	f := &Namecheap{user: user, key: key, clientIP: clientIP, zoneStore: zoneStore{zone: domain}, emailType: "NONE"}
	f.start(f.serve)
	return f
}

// SeedHost makes a host of any type, as a person editing the domain would;
// mxPref matters for MX hosts.
func (f *Namecheap) SeedHost(name, typ, address string, mxPref, ttl int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.add(name, typ, address, ttl)
	if typ == "MX" {
		r.Extra = strconv.Itoa(mxPref)
	}
}

// SetEmailType sets the domain's mail mode ("MX" for custom MX hosts).
func (f *Namecheap) SetEmailType(t string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.emailType = t
}

// Hosts lists every host as "NAME TYPE ADDRESS MXPREF TTL", in order, and
// the domain's EmailType.
func (f *Namecheap) Hosts() ([]string, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.records {
		out = append(out, fmt.Sprintf("%s %s %s %s %d", r.Name, r.Type, r.Value, r.Extra, r.TTL))
	}
	return out, f.emailType
}

func (f *Namecheap) answer(w http.ResponseWriter, command, inner string, errs ...string) {
	status := "OK"
	var eb strings.Builder
	if len(errs) > 0 {
		status = "ERROR"
		eb.WriteString("<Errors>")
		for i := 0; i+1 < len(errs); i += 2 {
			fmt.Fprintf(&eb, `<Error Number="%s">%s</Error>`, errs[i], xmlEscape(errs[i+1]))
		}
		eb.WriteString("</Errors>")
		inner = ""
	} else {
		eb.WriteString("<Errors />")
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?>
<ApiResponse Status="%s" xmlns="http://api.namecheap.com/xml.response">
  %s
  <Warnings />
  <RequestedCommand>%s</RequestedCommand>
  <CommandResponse Type="%s">%s</CommandResponse>
  <Server>FAKE-API</Server>
  <GMTTimeDifference>--5:00</GMTTimeDifference>
  <ExecutionTime>0.01</ExecutionTime>
</ApiResponse>`, status, eb.String(), xmlEscape(command), xmlEscape(command), inner)
}

func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

func (f *Namecheap) serve(w http.ResponseWriter, r *http.Request) {
	if f.http.serve(w, r) {
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	cmd := strings.ToLower(r.Form.Get("Command"))
	f.logCall(cmd)
	if r.URL.Path != "/xml.response" {
		http.Error(w, "404 - File or directory not found.", http.StatusNotFound)
		return
	}
	switch {
	case r.Form.Get("ApiUser") == "":
		f.answer(w, cmd, "", "1010101", "Parameter APIUser is missing")
		return
	case r.Form.Get("ApiKey") != f.key || r.Form.Get("ApiUser") != f.user:
		f.answer(w, cmd, "", "1011102", "API Key is invalid or API access has not been enabled")
		return
	case r.Form.Get("UserName") != f.user:
		f.answer(w, cmd, "", "1016103", "UserName has no access to this API")
		return
	case r.Form.Get("ClientIp") != f.clientIP:
		f.answer(w, cmd, "", "1011150", "Invalid request IP: "+r.Form.Get("ClientIp"))
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	sld, tld, _ := strings.Cut(f.zone, ".")
	switch cmd {
	case "namecheap.domains.dns.gethosts", "namecheap.domains.dns.sethosts":
		if r.Form.Get("SLD") != sld || r.Form.Get("TLD") != tld {
			f.answer(w, cmd, "", "2019166", "Domain not found")
			return
		}
	default:
		f.answer(w, cmd, "", "1010900", "Invalid command "+r.Form.Get("Command"))
		return
	}
	if cmd == "namecheap.domains.dns.gethosts" {
		var b strings.Builder
		fmt.Fprintf(&b, `<DomainDNSGetHostsResult Domain="%s" EmailType="%s" IsUsingOurDNS="true">`, f.zone, f.emailType)
		for _, h := range f.records {
			pref := h.Extra
			if pref == "" {
				pref = "10"
			}
			fmt.Fprintf(&b, `<host HostId="%s" Name="%s" Type="%s" Address="%s" MXPref="%s" TTL="%d" AssociatedAppTitle="" FriendlyName="" IsActive="true" IsDDNSEnabled="false" />`,
				h.ID, xmlEscape(h.Name), h.Type, xmlEscape(h.Value), pref, h.TTL)
		}
		b.WriteString(`</DomainDNSGetHostsResult>`)
		f.answer(w, cmd, b.String())
		return
	}
	// setHosts: read every numbered host; all or nothing.
	var hosts []storedRecord
	for i := 1; ; i++ {
		n := strconv.Itoa(i)
		name, typ, addr := r.Form.Get("HostName"+n), r.Form.Get("RecordType"+n), r.Form.Get("Address"+n)
		if name == "" && typ == "" && addr == "" {
			break
		}
		if name == "" || typ == "" || addr == "" {
			f.answer(w, cmd, "", "2050900", "HostName"+n+", RecordType"+n+" and Address"+n+" are required")
			return
		}
		ttl := 1800
		if v := r.Form.Get("TTL" + n); v != "" {
			t, err := strconv.Atoi(v)
			if err != nil || t < 60 || t > 60000 {
				f.answer(w, cmd, "", "2050900", "TTL"+n+" must be 60 to 60000")
				return
			}
			ttl = t
		}
		a, err := netip.ParseAddr(addr)
		if (typ == "A" && (err != nil || !a.Is4())) || (typ == "AAAA" && (err != nil || !a.Is6() || a.Is4In6())) {
			f.answer(w, cmd, "", "2050900", "Address"+n+" is not a valid "+typ+" address")
			return
		}
		pref := ""
		if typ == "MX" {
			pref = r.Form.Get("MXPref" + n)
			if pref == "" {
				pref = "10"
			}
		}
		hosts = append(hosts, storedRecord{Name: name, Type: typ, Value: addr, TTL: ttl, Extra: pref})
	}
	email := r.Form.Get("EmailType")
	if email == "" {
		email = "NONE"
	}
	f.emailType = email
	f.records = nil
	for _, h := range hosts {
		if h.Type == "MX" && email != "MX" {
			continue
		}
		f.add(h.Name, h.Type, h.Value, h.TTL).Extra = h.Extra
	}
	f.wrote()
	f.answer(w, cmd, fmt.Sprintf(`<DomainDNSSetHostsResult Domain="%s" IsSuccess="true"><Warnings /></DomainDNSSetHostsResult>`, f.zone))
}
