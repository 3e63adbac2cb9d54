package providers

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ddnsd/ddns/providers/providertest"
	"github.com/libdns/huaweicloud"
)

const hwSecret = "hw-secret-access-key-5e6f7a8b9c"

func newFakeHuawei(t *testing.T) *providertest.Huaweicloud {
	t.Helper()
	f := providertest.NewHuaweicloud(testKeyID(t, "HPUA"), hwSecret)
	t.Cleanup(f.Close)
	return f
}

func newHuaweiForTest(t *testing.T, f *providertest.Huaweicloud, secret string) Provider {
	t.Helper()
	prov := mustBuild(t)(newHuaweicloud(conformanceEnv("hw", f.URL), Params{"access_key_id": f.KeyID, "secret_access_key": secret}))
	quickRetries(routedTransport(t, "SDK-HMAC-SHA256", f.KeyID))
	return prov
}

func TestHuaweicloudConformance(t *testing.T) {
	const wrong = "hw-wrong-secret-0a1b2c3d4e"
	f := newFakeHuawei(t)
	conformance(t, providertest.Suite[Record]{
		Fake: f, Zone: "example.com",
		New: func(t *testing.T, good bool) providertest.Provider[Record] {
			if good {
				return newHuaweiForTest(t, f, hwSecret)
			}
			return newHuaweiForTest(t, f, wrong)
		},
		Secrets: []string{hwSecret, wrong},
		Reads:   true, SkipsEqual: true, TTL: true, Duplicates: true,
	})
}

// TestHuaweicloudRecordSets: a set holding the wanted value among others
// is cut down to that value (never deleted whole, which would leave the
// name without an address), the apex works, and a listing cut short by the
// API's page size is refused rather than trusted.
func TestHuaweicloudRecordSets(t *testing.T) {
	f := newFakeHuawei(t)
	p := newHuaweiForTest(t, f, hwSecret)
	ctx := context.Background()
	f.Seed("home.example.com", "A", "192.0.2.1", 300)
	f.Seed("home.example.com", "A", "192.0.2.2", 300)
	if err := p.Set(ctx, Record{Zone: "example.com", Name: "home", Type: "A", Addr: netip.MustParseAddr("192.0.2.2"), TTL: 300 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if got := f.Values("home.example.com", "A"); len(got) != 1 || got[0] != "192.0.2.2 300" {
		t.Errorf("home A = %q, want only the value asked for", got)
	}
	if err := p.Set(ctx, Record{Zone: "example.com", Name: "@", Type: "AAAA", Addr: netip.MustParseAddr("2001:db8::9"), TTL: 600 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if got := f.Values("example.com", "AAAA"); len(got) != 1 || got[0] != "2001:db8::9 600" {
		t.Errorf("apex AAAA = %q", got)
	}
	f.Override(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/recordsets") {
			w.Write([]byte(`{"links":{"self":"x","next":"y"},"recordsets":[],"metadata":{"total_count":501}}`))
			return
		}
		w.Write([]byte(`{"zones":[{"id":"ff8080825b8fc86c015b94bc6f8712c3","name":"example.com."}],"metadata":{"total_count":1}}`))
	})
	if _, err := p.Get(ctx, "example.com", "home", "A"); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "501") {
		t.Errorf("a listing cut short: %v, want ErrUnsupported naming the count", err)
	}
	f.Override(nil)
}

// TestHuaweicloudFakeChecksTheSignature: a request the library's signer
// signed passes the fake's own verification (written from the signing
// guide), and the same request with its body, query or date changed after
// signing does not.
func TestHuaweicloudFakeChecksTheSignature(t *testing.T) {
	f := newFakeHuawei(t)
	body := `{"name":"home.example.com.","type":"A","ttl":300,"records":["192.0.2.1"]}`
	send := func(tamper func(r *http.Request)) int {
		t.Helper()
		r, err := http.NewRequest(http.MethodPost, f.URL+"/v2/zones/ff8080825b8fc86c015b94bc6f8712c3/recordsets?b=2&a=1", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if err := (&huaweicloud.Signer{Key: f.KeyID, Secret: hwSecret}).Sign(r); err != nil {
			t.Fatal(err)
		}
		tamper(r)
		resp, err := http.DefaultTransport.RoundTrip(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := send(func(*http.Request) {}); got != http.StatusAccepted {
		t.Fatalf("as signed: HTTP %d, want 202", got)
	}
	for name, tamper := range map[string]func(r *http.Request){
		"body": func(r *http.Request) {
			r.Body = io.NopCloser(strings.NewReader(strings.Replace(body, "192.0.2.1", "192.0.2.9", 1)))
		},
		"query": func(r *http.Request) { r.URL.RawQuery = "a=1&b=3" },
		"date":  func(r *http.Request) { r.Header.Set("X-Sdk-Date", "20260101T000000Z") },
	} {
		if got := send(tamper); got != http.StatusUnauthorized {
			t.Errorf("%s changed after signing: HTTP %d, want 401", name, got)
		}
	}
}

func TestHuaweicloudReplies(t *testing.T) {
	for _, tt := range []struct {
		status int
		body   string
		class  error
	}{
		{401, `{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information","request_id":"r1"}`, ErrAuth},
		{403, `{"code":"DNS.0030","message":"no permission"}`, ErrAuth},
		{429, `{"error_code":"APIGW.0308","error_msg":"throttled"}`, ErrNetwork},
		{400, `{"code":"DNS.0303","message":"bad value"}`, ErrRejected},
		{500, `{"code":"DNS.0001","message":"Internal error."}`, ErrNetwork},
		{200, `{"recordsets":[{"id":"a"}],"metadata":{"total_count":1}}`, nil},
		{200, `<html>`, ErrNetwork},
	} {
		err := hwCheckReply(tt.status, []byte(tt.body))
		if (tt.class == nil) != (err == nil) || (tt.class != nil && !errors.Is(err, tt.class)) {
			t.Errorf("HTTP %d %s: %v, want %v", tt.status, tt.body, err, tt.class)
		}
	}
}
