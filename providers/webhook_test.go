package providers

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ddnsd/ddns/providers/providertest"
)

// newWebhookServer starts the shared fake webhook receiver, closed when the
// test ends.
func newWebhookServer(t *testing.T) *providertest.Webhook {
	t.Helper()
	s := providertest.NewWebhook("")
	t.Cleanup(s.Close)
	return s
}

func newWebhookForTest(t *testing.T, env Env, p Params) *webhook {
	t.Helper()
	prov, err := webhookSpec().New(env, p)
	if err != nil {
		t.Fatalf("new webhook: %v", err)
	}
	w := prov.(*webhook)
	if rt, ok := w.client.Transport.(*retryTransport); ok {
		rt.delay = func(int) time.Duration { return time.Millisecond }
	}
	return w
}

const webhookTestToken = "tok-7f3a9c1e5b"

func TestWebhookRendersRequest(t *testing.T) {
	srv := newWebhookServer(t)
	w := newWebhookForTest(t, quietEnv("myhook"), Params{
		"url":    srv.URL + "/dns/{{.Zone}}/{{.Type}}?host={{urlquery .Name}}&ip={{urlquery .Address}}",
		"method": "put",
		"headers": map[string]any{
			"Authorization": "Bearer {{.Token}}",
			"Content-Type":  "application/json",
			"X-Provider":    "{{.Provider}}",
		},
		"body":  `{"name":{{json .Name}},"type":{{json .Type}},"ttl":{{.TTL}},"ip":{{json .Address}},"via":{{json .Provider}}}`,
		"token": webhookTestToken,
	})

	err := w.Set(context.Background(), Record{Zone: "example.com", Name: "home", Type: "AAAA", Addr: netip.MustParseAddr("2001:db8::7"), TTL: 300 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("server saw %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != "PUT" {
		t.Errorf("method = %q, want PUT", r.Method)
	}
	if r.Path != "/dns/example.com/AAAA" {
		t.Errorf("path = %q", r.Path)
	}
	if r.RawQuery != "host=home.example.com&ip=2001%3Adb8%3A%3A7" {
		t.Errorf("query = %q", r.RawQuery)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+webhookTestToken {
		t.Errorf("Authorization = %q", got)
	}
	if got := r.Header.Get("X-Provider"); got != "myhook" {
		t.Errorf("X-Provider = %q", got)
	}
	if got := r.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q", got)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
		t.Fatalf("body %q is not JSON: %v", r.Body, err)
	}
	want := map[string]any{"name": "home.example.com", "type": "AAAA", "ttl": float64(300), "ip": "2001:db8::7", "via": "myhook"}
	for k, v := range want {
		if body[k] != v {
			t.Errorf("body[%q] = %v, want %v (body %s)", k, body[k], v, r.Body)
		}
	}
	if len(body) != len(want) {
		t.Errorf("body has %d fields, want %d: %s", len(body), len(want), r.Body)
	}
}

func TestWebhookDefaultsAndApex(t *testing.T) {
	srv := newWebhookServer(t)
	w := newWebhookForTest(t, quietEnv("plain"), Params{"url": srv.URL + "/hook?name={{.Name}}&ip={{.Address}}"})
	if err := w.Set(context.Background(), Record{Zone: "example.com", Name: "@", Type: "A", Addr: netip.MustParseAddr("203.0.113.7"), TTL: time.Minute}); err != nil {
		t.Fatal(err)
	}
	r := srv.Requests()[0]
	if r.Method != "POST" || r.Body != "" || r.RawQuery != "name=example.com&ip=203.0.113.7" {
		t.Errorf("request = %+v, want POST with no body and name=example.com", r)
	}
	if !strings.Contains(r.Header.Get("User-Agent"), "ddns") {
		t.Errorf("User-Agent = %q", r.Header.Get("User-Agent"))
	}
}

func TestWebhookStatuses(t *testing.T) {
	srv := newWebhookServer(t)
	w := newWebhookForTest(t, quietEnv("h"), Params{
		"url":     srv.URL + "/h/{{.Token}}",
		"headers": map[string]any{"X-Api-Key": "{{.Token}}"},
		"token":   webhookTestToken,
	})
	rec := Record{Zone: "example.com", Name: "home", Type: "A", Addr: netip.MustParseAddr("192.0.2.1"), TTL: time.Minute}
	tests := []struct {
		status int
		answer string
		class  error
	}{
		{200, "ok", nil},
		{201, "", nil},
		{204, "", nil},
		{401, "unauthorized", ErrAuth},
		{403, "forbidden: key " + webhookTestToken + " is revoked", ErrAuth},
		{400, `{"error":"bad ip"}`, ErrRejected},
		{404, "no such hook /h/" + webhookTestToken, ErrRejected},
		{422, "", ErrRejected},
		{302, "", ErrRejected}, // no Location: the client cannot follow it
		{429, "slow down", ErrNetwork},
		{503, "maintenance", ErrNetwork},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			srv.Reply(tt.status, tt.answer)
			err := w.Set(context.Background(), rec)
			if tt.class == nil {
				if err != nil {
					t.Fatalf("HTTP %d: %v, want success", tt.status, err)
				}
				return
			}
			if !errors.Is(err, tt.class) {
				t.Fatalf("HTTP %d: %v, want %v", tt.status, err, tt.class)
			}
			if !strings.Contains(err.Error(), strconv.Itoa(tt.status)) {
				t.Errorf("error %q does not name the status", err)
			}
			if strings.Contains(err.Error(), webhookTestToken) {
				t.Errorf("error %q contains the token", err)
			}
		})
	}
}

func TestWebhookUnreachableHidesURL(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	w := newWebhookForTest(t, quietEnv("gone"), Params{"url": "http://" + addr + "/services/{{.Token}}?key={{.Token}}", "token": webhookTestToken})
	err = w.Set(context.Background(), Record{Zone: "example.com", Name: "home", Type: "A", Addr: netip.MustParseAddr("192.0.2.1")})
	if !errors.Is(err, ErrNetwork) {
		t.Fatalf("Set to a closed port: %v, want ErrNetwork", err)
	}
	if strings.Contains(err.Error(), webhookTestToken) || strings.Contains(err.Error(), "/services") {
		t.Errorf("error %q leaks the URL's path or token", err)
	}
	if !strings.Contains(err.Error(), addr) {
		t.Errorf("error %q does not say which host failed", err)
	}
}

func TestWebhookConstructor(t *testing.T) {
	tests := []struct {
		name    string
		p       Params
		wantKey string // "" = valid
	}{
		{"valid", Params{"url": "https://hooks.example/x?ip={{.Address}}"}, ""},
		{"missing url", Params{"body": "x"}, "url"},
		{"url syntax error", Params{"url": "https://hooks.example/{{.Address"}, "url"},
		{"url unknown field", Params{"url": "https://hooks.example/{{.IP}}"}, "url"},
		{"url not absolute", Params{"url": "/relative/{{.Address}}"}, "url"},
		{"url not http", Params{"url": "ftp://hooks.example/"}, "url"},
		{"body unknown field", Params{"url": "https://h.example/", "body": `{"ip":"{{.Adress}}"}`}, "body"},
		{"body unknown function", Params{"url": "https://h.example/", "body": `{{yaml .Address}}`}, "body"},
		{"header unknown field", Params{"url": "https://h.example/", "headers": map[string]any{"X-Key": "{{.Secret}}"}}, "headers.X-Key"},
		{"header value not a string", Params{"url": "https://h.example/", "headers": map[string]any{"X-N": int64(5)}}, "headers"},
		{"headers not a table", Params{"url": "https://h.example/", "headers": "Authorization: x"}, "headers"},
		{"bad header name", Params{"url": "https://h.example/", "headers": map[string]any{"Bad Name": "x"}}, "headers"},
		{"bad method", Params{"url": "https://h.example/", "method": "PO ST"}, "method"},
		{"token not a string", Params{"url": "https://h.example/", "token": int64(1)}, "token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := webhookSpec().New(quietEnv("x"), tt.p)
			if tt.wantKey == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), strconv.Quote(tt.wantKey)) {
				t.Fatalf("error %v does not name key %q", err, tt.wantKey)
			}
		})
	}
}

func TestWebhookRefusesBadRecordsAndGet(t *testing.T) {
	srv := newWebhookServer(t)
	w := newWebhookForTest(t, quietEnv("h"), Params{"url": srv.URL})
	for _, rec := range []Record{
		{Zone: "example.com", Name: "home", Type: "AAAA", Addr: netip.MustParseAddr("192.0.2.1")},
		{Zone: "example.com", Name: "home", Type: "MX", Addr: netip.MustParseAddr("192.0.2.1")},
		{Zone: "example.com", Name: "home", Type: "A"},
	} {
		if err := w.Set(context.Background(), rec); !errors.Is(err, ErrRejected) {
			t.Errorf("Set(%+v) = %v, want ErrRejected", rec, err)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d bad records reached the server", n)
	}
	if _, err := w.Get(context.Background(), "example.com", "home", "A"); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("Get = %v, want ErrUnsupported", err)
	}
}
