package providers

import (
	"strings"
	"testing"
)

// TestSecretParam checks secretParam trims the credential, requires it, and
// refuses one holding a refused character with the key named.
func TestSecretParam(t *testing.T) {
	tests := []struct {
		name    string
		p       Params
		want    string
		wantErr string
	}{
		{name: "trimmed", p: Params{"token": "  abc\n"}, want: "abc"},
		{name: "refused character", p: Params{"token": "a b"}, wantErr: `key "token" must be the token, without spaces`},
		{name: "missing", p: Params{}, wantErr: "token"},
		{name: "not a string", p: Params{"token": 5}, wantErr: "token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := secretParam(tt.p, "token", " \t", "the token, without spaces")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
