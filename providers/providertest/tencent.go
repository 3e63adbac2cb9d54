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
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Tencent is a running fake of DNSPod API 3.0 serving the one zone
// example.com. It answers DNSPod API 3.0 (version 2021-03-23) actions the way
// Tencent Cloud does: POST / with a JSON body, the action in X-TC-Action,
// TC3-HMAC-SHA256 signatures it verifies with the account's secret, every
// answer HTTP 200 wrapped in {"Response": {...}} with an Error object on
// failure, DescribeRecordList with Limit defaulting to 100 and the
// "ResourceNotFound.NoDataOfRecord" error for an empty list, and the apex
// listed as "@". It logs each call by action.
type Tencent struct {
	// URL is the endpoint to put in the config: "http://127.0.0.1:PORT".
	URL string
	// SecretID is the secret ID the fake accepts.
	SecretID string

	srv    *httptest.Server
	secret string

	mu      sync.Mutex
	records []*tcRecord
	nextID  int
	calls   []string
	fault   ActionFault
	base
}

type tcRecord struct {
	ID                int
	Name, Type, Value string
	TTL               int
}

// NewTencent starts a fake that accepts the secret ID id with secret; the
// caller must Close it.
func NewTencent(id, secret string) *Tencent {
	f := &Tencent{SecretID: id, secret: secret, nextID: 1000}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	f.URL = f.srv.URL
	return f
}

// Close stops the server.
func (f *Tencent) Close() { f.srv.Close() }

// SetFault installs fault (nil removes it); see ActionFault.
func (f *Tencent) SetFault(fault ActionFault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fault = fault
}

// Add makes a record in example.com as a person editing the zone would:
// name is relative to the zone ("@" for the apex).
func (f *Tencent) Add(name, typ, value string, ttl int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	f.records = append(f.records, &tcRecord{ID: f.nextID, Name: name, Type: typ, Value: value, TTL: ttl})
}

// State lists every record as "name type value ttl", sorted.
func (f *Tencent) State() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.records {
		out = append(out, fmt.Sprintf("%s %s %s %d", r.Name, r.Type, r.Value, r.TTL))
	}
	sort.Strings(out)
	return out
}

// Calls returns the actions called since the last Calls, in order.
func (f *Tencent) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls
	f.calls = nil
	return c
}

func tcWrite(w http.ResponseWriter, v map[string]any) {
	v["RequestId"] = "ab4f1426-ea15-4192-8b3c-3c2a1a1f5d84"
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"Response": v})
}

// WriteTencentError answers as Tencent Cloud does when it refuses a request:
// HTTP 200 with {"Response": {"Error": {Code, Message}, RequestId}}. For
// ActionFault functions.
func WriteTencentError(w http.ResponseWriter, code, msg string) {
	tcWrite(w, map[string]any{"Error": map[string]string{"Code": code, "Message": msg}})
}

func tcHash(s string) string {
	b := sha256.Sum256([]byte(s))
	return hex.EncodeToString(b[:])
}

func tcHMAC(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

// verify checks the TC3-HMAC-SHA256 signature over the real API host.
func (f *Tencent) verify(r *http.Request, action string, body []byte) (code, msg string) {
	rest, ok := strings.CutPrefix(r.Header.Get("Authorization"), "TC3-HMAC-SHA256 ")
	if !ok {
		return "AuthFailure.SignatureFailure", "The provided credentials could not be validated."
	}
	fields := map[string]string{}
	for _, kv := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		fields[k] = v
	}
	cred := strings.Split(fields["Credential"], "/")
	if len(cred) != 4 || cred[2] != "dnspod" || cred[3] != "tc3_request" {
		return "AuthFailure.SignatureFailure", "The Credential field is malformed."
	}
	if cred[0] != f.SecretID {
		return "AuthFailure.SecretIdNotFound", "The SecretId is not found, please ensure that your SecretId is correct."
	}
	ts, err := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
	if err != nil || time.Since(time.Unix(ts, 0)).Abs() > 5*time.Minute {
		return "AuthFailure.SignatureExpire", "Signature expired."
	}
	date := time.Unix(ts, 0).UTC().Format("2006-01-02")
	if cred[1] != date || r.Header.Get("X-TC-Version") != "2021-03-23" {
		return "AuthFailure.SignatureFailure", "The date or version does not match."
	}
	canonical := "POST\n/\n\ncontent-type:" + r.Header.Get("Content-Type") + "\nhost:dnspod.tencentcloudapi.com\nx-tc-action:" +
		strings.ToLower(action) + "\n\n" + fields["SignedHeaders"] + "\n" + tcHash(string(body))
	toSign := "TC3-HMAC-SHA256\n" + strconv.FormatInt(ts, 10) + "\n" + date + "/dnspod/tc3_request\n" + tcHash(canonical)
	key := tcHMAC(tcHMAC(tcHMAC([]byte("TC3"+f.secret), date), "dnspod"), "tc3_request")
	if !hmac.Equal([]byte(fields["Signature"]), []byte(hex.EncodeToString(tcHMAC(key, toSign)))) {
		return "AuthFailure.SignatureFailure", "The provided credentials could not be validated. Please check your signature is correct."
	}
	return "", ""
}

func (f *Tencent) serve(w http.ResponseWriter, r *http.Request) {
	action := r.Header.Get("X-TC-Action")
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.calls = append(f.calls, action)
	switch action {
	case "CreateRecord", "ModifyRecord", "DeleteRecord":
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
	if code, msg := f.verify(r, action, body); code != "" {
		WriteTencentError(w, code, msg)
		return
	}
	var in struct {
		Domain     string
		Subdomain  string
		SubDomain  string
		RecordType string
		RecordLine string
		Value      string
		TTL        int
		RecordId   int
		Limit      int
		Offset     int
	}
	if err := json.Unmarshal(body, &in); err != nil {
		WriteTencentError(w, "InvalidParameter", "The request body is not valid JSON.")
		return
	}
	if in.Domain != "example.com" {
		WriteTencentError(w, "ResourceNotFound.NoDataOfDomain", "The domain does not exist.")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch action {
	case "DescribeRecordList":
		var match []*tcRecord
		for _, rec := range f.records {
			if (in.Subdomain == "" || rec.Name == in.Subdomain) && (in.RecordType == "" || rec.Type == in.RecordType) {
				match = append(match, rec)
			}
		}
		if len(match) == 0 {
			WriteTencentError(w, "ResourceNotFound.NoDataOfRecord", "The record list is empty.")
			return
		}
		limit := 100
		if in.Limit > 0 {
			limit = min(in.Limit, 3000)
		}
		lo, hi := min(in.Offset, len(match)), min(in.Offset+limit, len(match))
		list := []map[string]any{}
		for _, rec := range match[lo:hi] {
			list = append(list, map[string]any{"RecordId": rec.ID, "Value": rec.Value, "Status": "ENABLE", "UpdatedOn": "2026-11-01 12:00:00",
				"Name": rec.Name, "Line": "默认", "LineId": "0", "Type": rec.Type, "Weight": nil, "MonitorStatus": "", "Remark": "",
				"TTL": rec.TTL, "MX": 0, "DefaultNS": false})
		}
		tcWrite(w, map[string]any{"RecordCountInfo": map[string]int{"SubdomainCount": len(match), "ListCount": hi - lo, "TotalCount": len(match)},
			"RecordList": list})
	case "CreateRecord", "ModifyRecord":
		name := in.SubDomain
		if name == "" {
			name = "@"
		}
		if in.RecordType == "" || in.Value == "" || in.RecordLine == "" {
			WriteTencentError(w, "MissingParameter", "The request is missing a required parameter.")
			return
		}
		if in.TTL == 0 {
			in.TTL = 600
		}
		if in.TTL < 600 {
			WriteTencentError(w, "InvalidParameter.InvalidTTL", "TTL below the minimum of your plan.")
			return
		}
		var rec *tcRecord
		if action == "ModifyRecord" {
			for _, r := range f.records {
				if r.ID == in.RecordId {
					rec = r
				}
			}
			if rec == nil {
				WriteTencentError(w, "InvalidParameter.RecordIdInvalid", "The record ID is invalid.")
				return
			}
		}
		for _, o := range f.records {
			if o != rec && o.Name == name && o.Type == in.RecordType && o.Value == in.Value {
				WriteTencentError(w, "InvalidParameter.DomainRecordExist", "The record already exists.")
				return
			}
		}
		if rec == nil {
			f.nextID++
			rec = &tcRecord{ID: f.nextID}
			f.records = append(f.records, rec)
		}
		rec.Name, rec.Type, rec.Value, rec.TTL = name, in.RecordType, in.Value, in.TTL
		tcWrite(w, map[string]any{"RecordId": rec.ID})
	case "DeleteRecord":
		for i, rec := range f.records {
			if rec.ID == in.RecordId {
				f.records = append(f.records[:i], f.records[i+1:]...)
				tcWrite(w, map[string]any{})
				return
			}
		}
		WriteTencentError(w, "InvalidParameter.RecordIdInvalid", "The record ID is invalid.")
	default:
		WriteTencentError(w, "InvalidAction", "The action does not exist.")
	}
}

// Endpoint is URL (for Fake).
func (f *Tencent) Endpoint() string { return f.URL }

// Seed is Add with fqdn made relative to example.com (for Fake).
func (f *Tencent) Seed(fqdn, typ, value string, ttl int) {
	f.Add(relative(fqdn, "example.com"), typ, value, ttl)
}

// Values lists fqdn/typ's records as "value ttl", sorted (for Fake).
func (f *Tencent) Values(fqdn, typ string) []string {
	name := relative(fqdn, "example.com")
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []string{}
	for _, r := range f.records {
		if r.Name == name && r.Type == typ {
			out = append(out, fmt.Sprintf("%s %d", r.Value, r.TTL))
		}
	}
	return sorted(out)
}
