package providertest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Alidns is a running fake of Alibaba Cloud DNS API 2015-01-09 serving the
// one zone example.com. It answers the way the real service does: POST /
// with a form body, the action in x-acs-action, ACS3-HMAC-SHA256 signatures
// that it verifies with the account's secret (over the real API host, which
// is what the client signs), JSON answers with RequestId, HTTP 4xx with
// {Code, Message} on failure (a wrong secret: 400 SignatureDoesNotMatch; an
// unknown key ID: 404 InvalidAccessKeyId.NotFound), and
// DescribeDomainRecords paginated with PageSize defaulting to 20. It logs
// each call by action.
type Alidns struct {
	// URL is the endpoint to put in the config: "http://127.0.0.1:PORT".
	URL string
	// KeyID is the access key ID the fake accepts.
	KeyID string

	srv    *httptest.Server
	secret string

	mu      sync.Mutex
	records []*aliRecord // newest first, as the API lists them
	nextID  int
	calls   []string
	fault   ActionFault
	base
}

// ActionFault, when installed with SetFault on the Alidns or Tencent fake,
// sees every request before the signature check; if it returns true it has
// answered the request itself. n counts the fake's requests from 1; action
// is the API action the request names.
type ActionFault func(n int, action string, w http.ResponseWriter, r *http.Request) bool

type aliRecord struct {
	ID, RR, Type, Value string
	TTL                 int
}

// NewAlidns starts a fake that accepts the access key keyID with secret;
// the caller must Close it.
func NewAlidns(keyID, secret string) *Alidns {
	f := &Alidns{KeyID: keyID, secret: secret, nextID: 9000}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	f.URL = f.srv.URL
	return f
}

// Close stops the server.
func (f *Alidns) Close() { f.srv.Close() }

// SetFault installs fault (nil removes it); see ActionFault.
func (f *Alidns) SetFault(fault ActionFault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fault = fault
}

// Add makes a record in example.com as a person editing the zone would: rr
// is the name relative to the zone ("@" for the apex).
func (f *Alidns) Add(rr, typ, value string, ttl int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	f.records = append([]*aliRecord{{ID: strconv.Itoa(f.nextID), RR: rr, Type: typ, Value: value, TTL: ttl}}, f.records...)
}

// State lists every record as "rr type value ttl", sorted.
func (f *Alidns) State() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.records {
		out = append(out, fmt.Sprintf("%s %s %s %d", r.RR, r.Type, r.Value, r.TTL))
	}
	sort.Strings(out)
	return out
}

// Calls returns the actions called since the last Calls, in order.
func (f *Alidns) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls
	f.calls = nil
	return c
}

func aliWrite(w http.ResponseWriter, status int, v map[string]any) {
	v["RequestId"] = "536E9CAD-DB30-4647-AC87-AA5CC38C5382"
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// WriteAlidnsError answers as Alibaba Cloud does when it refuses a request:
// HTTP status and {Code, Message, RequestId}. For ActionFault functions.
func WriteAlidnsError(w http.ResponseWriter, status int, code, msg string) {
	aliWrite(w, status, map[string]any{"Code": code, "Message": msg, "HostId": "alidns.aliyuncs.com", "Recommend": "https://api.aliyun.com/troubleshoot"})
}

// verify checks the ACS3-HMAC-SHA256 signature as the service does.
func (f *Alidns) verify(r *http.Request, body []byte) (status int, code, msg string) {
	auth := r.Header.Get("Authorization")
	rest, ok := strings.CutPrefix(auth, "ACS3-HMAC-SHA256 ")
	if !ok {
		return 400, "IncompleteSignature", "The request signature does not conform to Aliyun standards."
	}
	fields := map[string]string{}
	for _, kv := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		fields[k] = v
	}
	if fields["Credential"] != f.KeyID {
		return 404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."
	}
	if r.Header.Get("x-acs-version") != "2015-01-09" {
		return 400, "InvalidVersion", "Specified parameter Version is not valid."
	}
	sum := sha256.Sum256(body)
	if r.Header.Get("x-acs-content-sha256") != hex.EncodeToString(sum[:]) {
		return 400, "SignatureDoesNotMatch", "The payload hash does not match."
	}
	signed := strings.Split(fields["SignedHeaders"], ";")
	var lines []string
	for _, h := range signed {
		v := r.Header.Get(h)
		if h == "host" {
			v = "alidns.aliyuncs.com" // the client signs the real host
		}
		lines = append(lines, h+":"+v)
	}
	canonical := "POST\n/\n\n" + strings.Join(lines, "\n") + "\n\n" + fields["SignedHeaders"] + "\n" + hex.EncodeToString(sum[:])
	csum := sha256.Sum256([]byte(canonical))
	mac := hmac.New(sha256.New, []byte(f.secret))
	mac.Write([]byte("ACS3-HMAC-SHA256\n" + hex.EncodeToString(csum[:])))
	if !hmac.Equal([]byte(fields["Signature"]), []byte(hex.EncodeToString(mac.Sum(nil)))) {
		return 400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation."
	}
	return 0, "", ""
}

func (f *Alidns) serve(w http.ResponseWriter, r *http.Request) {
	action := r.Header.Get("x-acs-action")
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.calls = append(f.calls, action)
	switch action {
	case "AddDomainRecord", "DeleteDomainRecord", "UpdateDomainRecord":
		f.wrote()
	}
	n := len(f.calls)
	fault := f.fault
	f.mu.Unlock()
	if f.http.serve(w, r) {
		return
	}
	if fault != nil && fault(n, action, w, r) {
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		WriteAlidnsError(w, 404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.")
		return
	}
	if status, code, msg := f.verify(r, body); status != 0 {
		WriteAlidnsError(w, status, code, msg)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		WriteAlidnsError(w, 400, "InvalidParameter", "The request body is malformed.")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch action {
	case "DescribeDomains":
		var domains []map[string]any
		if kw := form.Get("KeyWord"); kw == "example.com" || (kw != "" && form.Get("SearchMode") != "EXACT" && strings.Contains("example.com", kw)) || kw == "" {
			domains = append(domains, map[string]any{
				"DomainId": "00efd71a-770e-4255-b54e-6fe5659baffe", "DomainName": "example.com", "PunyCode": "example.com",
				"VersionCode": "mianfei", "VersionName": "Alibaba Cloud DNS", "AliDomain": true, "RecordCount": len(f.records),
				"DnsServers": map[string]any{"DnsServer": []string{"dns1.hichina.com", "dns2.hichina.com"}},
			})
		}
		aliWrite(w, 200, map[string]any{"TotalCount": len(domains), "PageNumber": 1, "PageSize": 20, "Domains": map[string]any{"Domain": domains}})
	case "DescribeDomainRecords":
		if form.Get("DomainName") != "example.com" {
			WriteAlidnsError(w, 400, "InvalidDomainName.NoExist", "The specified domain name does not exist. Refresh the page and try again.")
			return
		}
		var match []*aliRecord
		for _, rec := range f.records {
			if form.Get("SearchMode") == "COMBINATION" || form.Get("SearchMode") == "ADVANCED" {
				if kw := form.Get("RRKeyWord"); kw != "" && !strings.Contains(strings.ToLower(rec.RR), strings.ToLower(kw)) {
					continue
				}
				if kw := form.Get("TypeKeyWord"); kw != "" && !strings.EqualFold(kw, rec.Type) {
					continue
				}
				if kw := form.Get("ValueKeyWord"); kw != "" && !strings.Contains(rec.Value, kw) {
					continue
				}
			}
			match = append(match, rec)
		}
		page, size := 1, 20
		if p, err := strconv.Atoi(form.Get("PageNumber")); err == nil && p > 0 {
			page = p
		}
		if s, err := strconv.Atoi(form.Get("PageSize")); err == nil && s > 0 {
			size = min(s, 500)
		}
		lo, hi := min((page-1)*size, len(match)), min(page*size, len(match))
		list := []map[string]any{}
		for _, rec := range match[lo:hi] {
			list = append(list, map[string]any{"DomainName": "example.com", "RecordId": rec.ID, "RR": rec.RR, "Type": rec.Type,
				"Value": rec.Value, "TTL": rec.TTL, "Line": "default", "Status": "ENABLE", "Locked": false, "Weight": 1})
		}
		aliWrite(w, 200, map[string]any{"TotalCount": len(match), "PageNumber": page, "PageSize": size, "DomainRecords": map[string]any{"Record": list}})
	case "AddDomainRecord":
		ttl, _ := strconv.Atoi(form.Get("TTL"))
		if ttl == 0 {
			ttl = 600
		}
		rec := &aliRecord{RR: form.Get("RR"), Type: form.Get("Type"), Value: form.Get("Value"), TTL: ttl}
		if rec.RR == "" || rec.Type == "" || rec.Value == "" || form.Get("DomainName") != "example.com" {
			WriteAlidnsError(w, 400, "MissingParameter", "A required parameter is missing.")
			return
		}
		for _, o := range f.records {
			if o.RR == rec.RR && o.Type == rec.Type && o.Value == rec.Value {
				WriteAlidnsError(w, 400, "DomainRecordDuplicate", "The DNS record already exists.")
				return
			}
		}
		f.nextID++
		rec.ID = strconv.Itoa(f.nextID)
		f.records = append([]*aliRecord{rec}, f.records...)
		aliWrite(w, 200, map[string]any{"RecordId": rec.ID})
	case "DeleteDomainRecord", "UpdateDomainRecord":
		id := form.Get("RecordId")
		for i, rec := range f.records {
			if rec.ID != id {
				continue
			}
			if action == "DeleteDomainRecord" {
				f.records = append(f.records[:i], f.records[i+1:]...)
			} else {
				rec.RR, rec.Type, rec.Value = form.Get("RR"), form.Get("Type"), form.Get("Value")
				rec.TTL, _ = strconv.Atoi(form.Get("TTL"))
			}
			aliWrite(w, 200, map[string]any{"RecordId": id})
			return
		}
		WriteAlidnsError(w, 400, "DomainRecordNotBelongToUser", "The DNS record does not exist or does not belong to you.")
	default:
		WriteAlidnsError(w, 404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.")
	}
}

// Endpoint is URL (for Fake).
func (f *Alidns) Endpoint() string { return f.URL }

// Seed is Add with fqdn made relative to example.com (for Fake).
func (f *Alidns) Seed(fqdn, typ, value string, ttl int) {
	f.Add(relative(fqdn, "example.com"), typ, value, ttl)
}

// Values lists fqdn/typ's records as "value ttl", sorted (for Fake).
func (f *Alidns) Values(fqdn, typ string) []string {
	name := relative(fqdn, "example.com")
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []string{}
	for _, r := range f.records {
		if r.RR == name && r.Type == typ {
			out = append(out, fmt.Sprintf("%s %d", r.Value, r.TTL))
		}
	}
	return sorted(out)
}
