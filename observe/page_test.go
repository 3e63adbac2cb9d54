package observe

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// pageGet performs one request with the given Host header and token and
// returns the response (body read) for header checks.
func pageGet(t *testing.T, method, url, host, token string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestPageShellServedWithStrictHeaders: the three files of the dashboard
// come with their content types and a policy that allows no inline script,
// no framing and no form submission; JSON replies carry the same headers.
func TestPageShellServedWithStrictHeaders(t *testing.T) {
	f := &fakeSupervisor{st: healthyStatus(t0), now: t0}
	_, base := startServer(t, Options{}, f)
	for _, tc := range []struct{ path, ctype, contains string }{
		{"/", "text/html; charset=utf-8", `<script src="dash.js" defer></script>`},
		{"/dash.js", "text/javascript; charset=utf-8", "textContent"},
		{"/dash.css", "text/css; charset=utf-8", "#timeline"},
		{"/status", "application/json", `"records"`},
	} {
		resp, body := pageGet(t, "GET", base+tc.path, "", "")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tc.ctype || !strings.Contains(body, tc.contains) {
			t.Errorf("GET %s: %d %q, want 200 %q holding %q", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), tc.ctype, tc.contains)
		}
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "form-action 'none'", "object-src 'none'", "base-uri 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("GET %s: Content-Security-Policy %q lacks %q", tc.path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "http:") {
			t.Errorf("GET %s: Content-Security-Policy %q allows inline or remote code", tc.path, csp)
		}
		for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY", "Cache-Control": "no-store"} {
			if got := h.Get(k); got != want {
				t.Errorf("GET %s: %s %q, want %q", tc.path, k, got, want)
			}
		}
	}
	if resp, body := pageGet(t, "HEAD", base+"/", "", ""); resp.StatusCode != 200 || body != "" || resp.ContentLength <= 0 {
		t.Errorf("HEAD /: %d, length %d, body %q; want 200, the page's length, no body", resp.StatusCode, resp.ContentLength, body)
	}
	if resp, _ := pageGet(t, "POST", base+"/", "", ""); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %d, want 405", resp.StatusCode)
	}
	if resp, _ := pageGet(t, "GET", base+"/index.html", "", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /index.html: %d, want 404 (the shell has three paths)", resp.StatusCode)
	}
}

// TestPageShellNeedsHostButNotToken: the shell holds no data, so with a
// token configured it is served without one (a browser cannot send a
// bearer token when it opens a page; the shell asks for it), while the
// data stays behind the token; the Host check applies to the shell too.
func TestPageShellNeedsHostButNotToken(t *testing.T) {
	const token = "tok-page-5c1d"
	f := &fakeSupervisor{st: healthyStatus(t0), now: t0}
	_, base := startServer(t, Options{Listen: "127.0.0.1:0", Token: token}, f)
	tests := []struct {
		path, host, token string
		code              int
	}{
		{"/", "", "", 200},
		{"/dash.js", "", "", 200},
		{"/dash.css", "localhost:1", "", 200},
		{"/status", "", "", 401},
		{"/history", "", "", 401},
		{"/healthz", "", "", 401},
		{"/status", "", token, 200},
		{"/", "rebind.example.com", "", http.StatusMisdirectedRequest},
		{"/dash.js", "rebind.example.com", "", http.StatusMisdirectedRequest},
		{"/status", "rebind.example.com", token, http.StatusMisdirectedRequest},
	}
	for _, tc := range tests {
		resp, body := pageGet(t, "GET", base+tc.path, tc.host, tc.token)
		if resp.StatusCode != tc.code {
			t.Errorf("GET %s (Host %q, token %v): %d, want %d: %s", tc.path, tc.host, tc.token != "", resp.StatusCode, tc.code, body)
		}
	}
	if resp, _ := pageGet(t, "POST", base+"/", "", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST / without the token: %d, want 401 as on every path", resp.StatusCode)
	}
}

// TestPageCodeInsertsNoMarkup guards the page's rules that data never
// reaches an HTML parser and the token never a URL: the script uses none
// of the APIs that parse strings as HTML or code, builds no "token=" and
// does not touch location, and the HTML has no inline script or style
// (which the policy would block anyway, breaking the page).
func TestPageCodeInsertsNoMarkup(t *testing.T) {
	js, err := webFiles.ReadFile("web/dash.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "createContextualFragment", "DOMParser", "setAttribute('style'", ".style.", "token=", "location"} {
		if strings.Contains(string(js), bad) {
			t.Errorf("dash.js uses %s", bad)
		}
	}
	html, err := webFiles.ReadFile("web/index.html")
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`<script(?: [^>]*)?>[^<]|<script>|\sstyle=|\son[a-z]+=|<style`).Find(html); m != nil {
		t.Errorf("index.html holds inline code or style: %q", m)
	}
	if regexp.MustCompile(`(?i)(https?:)?//[a-z0-9]`).Match(html) {
		t.Error("index.html loads something from another site")
	}
}
