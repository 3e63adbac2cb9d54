package observe

import (
	"embed"
	"net/http"
	"strconv"
)

// The dashboard is three small files embedded in the binary: no CDN, no
// external font, no framework, so it works on a machine without internet
// and adds a few kilobytes to the supervisor.
//
//go:embed web/index.html web/dash.css web/dash.js
var webFiles embed.FS

// pageFile is one file of the dashboard's shell.
type pageFile struct {
	name, contentType string
}

// pageFiles maps the paths the shell is served on to its files.
var pageFiles = map[string]pageFile{
	"/":         {"web/index.html", "text/html; charset=utf-8"},
	"/dash.js":  {"web/dash.js", "text/javascript; charset=utf-8"},
	"/dash.css": {"web/dash.css", "text/css; charset=utf-8"},
}

// contentSecurityPolicy lets the page load only its own script, style and
// JSON: no inline script (an address or error that reads "<script>" could
// not run even if it reached the HTML), no frames around it (clickjacking),
// no form submission anywhere (the token form is handled by the script and
// must never end up in a URL), no <base> rewriting.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// setSecurityHeaders sets the headers every reply carries, JSON included:
// a JSON reply opened as a page gets the same policy as the dashboard.
func setSecurityHeaders(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
}

// servePage answers a request for one of the shell's files; false when
// path is not one. The shell holds no data (the script fetches /status and
// /history, which keep their own checks), so it is served to every client
// that passes the Host check, with or without a token: a browser cannot
// send a bearer token when it opens a page, and the shell is what asks for
// the token and sends it as a header.
func servePage(w http.ResponseWriter, r *http.Request) bool {
	f, ok := pageFiles[r.URL.Path]
	if !ok {
		return false
	}
	b, err := webFiles.ReadFile(f.name)
	if err != nil { // cannot happen: the files are embedded
		writeJSON(w, http.StatusInternalServerError, errBody("the dashboard is missing from this build"))
		return true
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(b)
	}
	return true
}
