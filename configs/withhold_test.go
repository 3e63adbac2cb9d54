package configs

import (
	"strings"
	"testing"
)

// A config line that writes a secret badly must not have the parser quote
// the secret back in the error (found by the chaos suite, scenario 7).
func TestDecodeErrorsWithholdSecrets(t *testing.T) {
	cases := []struct {
		name, src, secret, keep string
	}{
		{"bare token", "[providers.cf]\ntype = \"cloudflare\"\napi_token = Zq81726354x\n", "Zq", ""},
		{"bare word token", "[providers.cf]\ntype = \"cloudflare\"\napi_token = abcdefSECRET\n", "abcdefSECRET", ""},
		{"overflowing number", "[providers.cf]\ntype = \"cloudflare\"\napi_token = 918273645546372819283746556473829\n", "91827364", ""},
		{"bad escape", "[providers.cf]\ntype = \"cloudflare\"\napi_token = \"ab\\qcd\"\n", `\q`, ""},
		{"trailing garbage", "[providers.cf]\ntype = \"cloudflare\"\napi_token = 9f3kXy\n", "f", ""},
		{"http token", "[http]\ntoken = tok3nvalue\n", "tok", ""},
		{"notify url", "[[notify]]\nurl = https://hooks.example/abc\n", "https", ""},
		// Messages that quote nothing of the value stay as the parser wrote them.
		{"unterminated", "[providers.cf]\ntype = \"cloudflare\"\napi_token = \"abc", "abc", "expected '\"'"},
		{"duplicate", "[providers.cf]\ntype = \"cloudflare\"\napi_token = \"a1\"\napi_token = \"a2\"\n", "a2", "already been defined"},
		{"not a secret", "[updater]\ninterval = fivemin\n", "", `found "fivemin"`},
		// The first and the last line of a file count too.
		{"first line", "providers.cf.api_token = Xk29firstline\nproviders.cf.type = \"cloudflare\"\n", "Xk29", ""},
		{"last line without a newline", "[providers.cf]\ntype = \"cloudflare\"\napi_token = Yq71lastline", "Yq71", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, tc.src)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "test.toml:") {
				t.Errorf("error is not located: %s", msg)
			}
			if tc.secret != "" && strings.Contains(strings.SplitN(msg, ": ", 2)[1], tc.secret) && !strings.Contains(msg, "withheld") {
				t.Errorf("error quotes the secret %q: %s", tc.secret, msg)
			}
			if tc.keep != "" && !strings.Contains(msg, tc.keep) {
				t.Errorf("error lost the parser's message %q: %s", tc.keep, msg)
			}
			if tc.keep == "" && !strings.Contains(msg, "withheld") {
				t.Errorf("error not withheld: %s", msg)
			}
		})
	}
}

// TestWithheldMessageSaysHowToWriteTheKey: the replacement message names the
// key as written in its table, with its _file form.
func TestWithheldMessageSaysHowToWriteTheKey(t *testing.T) {
	_, err := parse(t, "[providers.cf]\ntype = \"cloudflare\"\napi_token = Zq81726354x\n")
	want := `test.toml:3:13: providers.cf.api_token: the value cannot be read (the parser's message is withheld: it would quote the secret); write it as one quoted string on one line, api_token = "...", or move it to api_token_file`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}
