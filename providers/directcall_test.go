package providers

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestDirectCallClassifiesAnswers checks what directCall makes of an answer:
// the secret hidden from the body and errors, a status of 300 or more
// classified (by the provider's failure or ClassifyHTTP), a 2xx decoded or
// refused as not JSON, and every error starting with the call's name.
func TestDirectCallClassifiesAnswers(t *testing.T) {
	const secret = "s3cr3t-token"
	hide := func(s string) string { return strings.ReplaceAll(s, secret, "[redacted]") }
	custom := func(status int, body []byte) error {
		return fmt.Errorf("custom %d %s: %w", status, body, ErrAuth)
	}
	tests := []struct {
		name     string
		status   int
		body     string
		failure  func(int, []byte) error
		out      bool
		wantErr  error
		wantText string
		wantBody string
	}{
		{name: "2xx without out: body as sent, secret hidden", status: 200, body: `{"k":"` + secret + `"}`, wantBody: `{"k":"[redacted]"}`},
		{name: "2xx decoded", status: 201, body: `{"k":"v"}`, out: true, wantBody: `{"k":"v"}`},
		{name: "2xx not JSON", status: 200, body: "<html>", out: true, wantErr: ErrNetwork, wantText: "not its JSON (HTTP 200"},
		{name: "401 by ClassifyHTTP", status: 401, body: "no", wantErr: ErrAuth},
		{name: "3xx counted as 4xx", status: 302, body: "moved", wantErr: ErrRejected},
		{name: "503 by ClassifyHTTP", status: 503, body: "busy", wantErr: ErrNetwork},
		{name: "provider's failure, body hidden", status: 400, body: secret, failure: custom, wantErr: ErrAuth, wantText: "custom 400 [redacted]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.status/100 == 3 {
					w.Header().Set("Location", "/elsewhere")
				}
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			}))
			defer srv.Close()
			req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			var out map[string]string
			var into any
			if tt.out {
				into = &out
			}
			status, body, err := directCall(c, req, "test GET /", hide, tt.failure, into)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("error %v, want none", err)
				}
				if status != tt.status || string(body) != tt.wantBody {
					t.Errorf("got %d %q, want %d %q", status, body, tt.status, tt.wantBody)
				}
				if tt.out && out["k"] != "v" {
					t.Errorf("decoded %v", out)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if !strings.HasPrefix(err.Error(), "test GET /: ") || !strings.Contains(err.Error(), tt.wantText) || strings.Contains(err.Error(), secret) {
				t.Errorf("error %q: want it to start with the call, contain %q and not the secret", err, tt.wantText)
			}
		})
	}
}
