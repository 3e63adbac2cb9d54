package redact

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	tests := []struct {
		name, in, want string
		secrets        []string // must not survive
	}{
		{"plain URL stays", "https://api.ipify.org/", "https://api.ipify.org/", nil},
		{"user info masked whole", "https://user:pw@hc.example/ping/abc", "https://********@hc.example/ping/abc", []string{"user", "pw"}},
		{"every query value masked, order kept", "https://h.example/p?format=json&token=s3cret", "https://h.example/p?format=********&token=********", []string{"json", "s3cret"}},
		{"bare token as query key", "https://h.example/ping?3f1c9e20a7b44d0e", "https://h.example/ping?********=********", []string{"3f1c9e20a7b44d0e"}},
		{"empty query marker", "https://h.example/p?", "https://h.example/p?********", nil},
		{"fragment masked", "https://h.example/p#access_token=abc", "https://h.example/p#********", []string{"abc"}},
		{"healthchecks ping UUID", "https://hc-ping.com/5f7d2c1e-4b0a-4e9b-9a57-0c3f6d8e1a2b/fail", "https://hc-ping.com/********/fail", []string{"5f7d2c1e"}},
		{"a placeholder all of one case without digits is not a token", "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX", "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX", nil},
		{"Slack webhook real-looking secret", "https://hooks.slack.com/services/T01ABCDEF/B02GHIJKL/aB3dE5fG7hI9jK1lM3nO5pQ7", "https://hooks.slack.com/services/T01ABCDEF/B02GHIJKL/********", []string{"aB3dE5fG7hI9jK1lM3nO5pQ7"}},
		{"Discord webhook id and token", "https://discord.com/api/webhooks/123456789012345678/AbCdEfGhIjKlMnOpQrStUvWxYz_0123456789-abcdefghij", "https://discord.com/api/webhooks/********/********", []string{"123456789012345678", "AbCdEf"}},
		{"Telegram bot token", "https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage?chat_id=42", "https://api.telegram.org/********/sendMessage?chat_id=********", []string{"AAHdqTcv", "123456789", "42"}},
		{"escaped token in the path", "https://h.example/hook/abc%2Fdef0123456789xyz", "https://h.example/hook/********", []string{"def0123456789"}},
		{"API words stay", "https://api.cloudflare.com/client/v4/zones", "https://api.cloudflare.com/client/v4/zones", nil},
		{"does not parse", "http://h.example/%zz?token=s3cretTok", Mask, []string{"s3cretTok"}},
		{"user info without a host", "file://user@/x", "file:///x", []string{"user"}},
		{"port kept", "http://127.0.0.1:8080/nic/update", "http://127.0.0.1:8080/nic/update", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := URL(tt.in)
			if got != tt.want {
				t.Errorf("URL(%q) = %q, want %q", tt.in, got, tt.want)
			}
			for _, s := range tt.secrets {
				if strings.Contains(got, s) {
					t.Errorf("URL(%q) = %q still shows %q", tt.in, got, s)
				}
			}
		})
	}
}

func TestToken(t *testing.T) {
	for s, want := range map[string]bool{
		"dns_records": false, "sendMessage": false, "cdn-cgi": false, "v4": false, "T00000000": false,
		"update-records-for-zone": false, "UPDATERECORDSFORZONE": false,
		"5f7d2c1e-4b0a-4e9b-9a57-0c3f6d8e1a2b": true, "023e105f4ecef8ad9ca31a8372d0c353": true,
		"aBcDeFgHiJkLmNoPqR": true, "abcdefghijklmnop1": true,
	} {
		if got := Token(s); got != want {
			t.Errorf("Token(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestURLErrorDropsTheURL(t *testing.T) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, "http://127.0.0.1:1/hook?token=s3cretTok", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = (&http.Client{}).Do(req)
	if err == nil || !strings.Contains(err.Error(), "s3cretTok") {
		t.Fatalf("precondition: net/http's error should repeat the URL, got %v", err)
	}
	wrapped := fmt.Errorf("sending: %w", err)
	got := URLError(wrapped)
	if got == nil || strings.Contains(got.Error(), "s3cretTok") || strings.Contains(got.Error(), "127.0.0.1:1/hook") {
		t.Errorf("URLError(%v) = %v, want the cause without the URL", wrapped, got)
	}
	plain := errors.New("no URL here")
	if URLError(plain) != plain {
		t.Errorf("URLError changed an error without a *url.Error")
	}
	if URLError(nil) != nil {
		t.Errorf("URLError(nil) is not nil")
	}
}
