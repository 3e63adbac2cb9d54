package providertest

import (
	"encoding/json"
	"fmt"
	"go/parser"
	"go/token"
	"net/http"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestImportsNothingFromTheModule keeps the package importable by package
// providers' own _test files: importing anything of this module from here
// could close an import cycle.
func TestImportsNothingFromTheModule(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if path, _ := strconv.Unquote(imp.Path.Value); strings.HasPrefix(path, "github.com/ddnsd/ddns") {
				t.Errorf("%s imports %s; this package must import nothing from the module", name, path)
			}
		}
	}
}

type reply struct {
	status  int
	Success bool `json:"success"`
	Errors  []struct {
		Code int `json:"code"`
	} `json:"errors"`
	Result     json.RawMessage `json:"result"`
	ResultInfo map[string]int  `json:"result_info"`
}

func call(t *testing.T, s *Cloudflare, method, path, auth, body string) reply {
	t.Helper()
	r, err := try(s, method, path, auth, body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// try is call for goroutines other than the test's, which may not t.Fatal.
func try(s *Cloudflare, method, path, auth, body string) (reply, error) {
	var r reply
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		return r, err
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return r, err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return r, fmt.Errorf("%s %s: %w", method, path, err)
	}
	r.status = resp.StatusCode
	return r, nil
}

func code(r reply) int {
	if len(r.Errors) == 0 {
		return 0
	}
	return r.Errors[0].Code
}

func TestCloudflareAnswers(t *testing.T) {
	s := NewCloudflare("tok", "example.com", "example.net")
	t.Cleanup(s.Close)
	id := s.Add("home.example.com", "A", "192.0.2.1", 300, false)
	s.Add("home.example.net", "A", "192.0.2.2", 300, false)
	z := "/client/v4/zones/" + s.ZoneID("example.com") + "/dns_records"
	tests := []struct {
		name, method, path, auth, body string
		status, code                   int
	}{
		{"no token", "GET", "/client/v4/zones", "", "", 400, 9106},
		{"wrong token", "GET", "/client/v4/zones", "Bearer nope", "", 403, 9109},
		{"zones", "GET", "/client/v4/zones?name=example.com", "Bearer tok", "", 200, 0},
		{"unknown zone", "GET", "/client/v4/zones/ffff/dns_records", "Bearer tok", "", 400, 7003},
		{"no such route", "GET", "/client/v4/accounts", "Bearer tok", "", 404, 7000},
		{"outside the API", "GET", "/v3/zones", "Bearer tok", "", 404, 7000},
		{"bad TTL", "POST", z, "Bearer tok", `{"type":"A","name":"x","content":"192.0.2.9","ttl":30}`, 400, 9021},
		{"IPv6 in A", "POST", z, "Bearer tok", `{"type":"A","name":"x","content":"2001:db8::1"}`, 400, 9005},
		{"IPv4 in AAAA", "POST", z, "Bearer tok", `{"type":"AAAA","name":"x","content":"192.0.2.1"}`, 400, 9006},
		{"identical", "POST", z, "Bearer tok", `{"type":"A","name":"home","content":"192.0.2.1"}`, 400, 81058},
		{"no name", "POST", z, "Bearer tok", `{"type":"A","content":"192.0.2.1"}`, 400, 9000},
		{"bad body", "POST", z, "Bearer tok", `{`, 400, 9207},
		{"patch absent", "PATCH", z + "/ffff", "Bearer tok", `{"content":"192.0.2.3"}`, 404, 81044},
		{"delete absent", "DELETE", z + "/ffff", "Bearer tok", "", 404, 81044},
		{"wrong method", "PUT", z, "Bearer tok", "{}", 405, 10405},
		{"patch", "PATCH", z + "/" + id, "Bearer tok", `{"content":"192.0.2.3","proxied":true}`, 200, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, s, tt.method, tt.path, tt.auth, tt.body)
			if r.status != tt.status || code(r) != tt.code || r.Success != (tt.status == 200) {
				t.Errorf("HTTP %d code %d success %v, want HTTP %d code %d", r.status, code(r), r.Success, tt.status, tt.code)
			}
		})
	}
	want := []string{"home.example.com A 192.0.2.3 1 proxied", "home.example.net A 192.0.2.2 300"}
	if got := s.State(); !reflect.DeepEqual(got, want) {
		t.Errorf("state %q, want %q (refused writes must change nothing)", got, want)
	}
	c := s.Calls()
	if Total(c) != len(tests) || Writes(c) != 9 || c["POST records"] != 6 || c["GET ?"] != 2 || c["PUT records"] != 1 {
		t.Errorf("calls %v: want %d in all, 9 writes of which 6 POSTs, 2 to unknown paths, 1 PUT", c, len(tests))
	}
}

func TestCloudflarePages(t *testing.T) {
	s := NewCloudflare("tok", "example.com")
	t.Cleanup(s.Close)
	for i := range 250 {
		s.Add("h.example.com", "A", "198.51.100."+strconv.Itoa(i%250+1), 60, false)
	}
	s.Add("other.example.com", "A", "192.0.2.1", 60, false)
	base := "/client/v4/zones/" + s.ZoneID("example.com") + "/dns_records?name=h.example.com&type=A"
	for _, tt := range []struct {
		query       string
		count, page int
		perPage     int
	}{
		{"", 100, 1, 100},
		{"&page=3", 50, 3, 100},
		{"&page=4", 0, 4, 100},
		{"&per_page=9999", 250, 1, 5000},
	} {
		r := call(t, s, "GET", base+tt.query, "Bearer tok", "")
		var recs []map[string]any
		json.Unmarshal(r.Result, &recs)
		info := r.ResultInfo
		if len(recs) != tt.count || info["count"] != tt.count || info["page"] != tt.page || info["per_page"] != tt.perPage ||
			info["total_count"] != 250 || info["total_pages"] != (250+tt.perPage-1)/tt.perPage {
			t.Errorf("%q: %d records, result_info %v", tt.query, len(recs), info)
		}
	}
	r := call(t, s, "GET", base+"&content.exact=198.51.100.7", "Bearer tok", "")
	if r.ResultInfo["total_count"] != 1 {
		t.Errorf("content.exact: result_info %v", r.ResultInfo)
	}
	if got := s.CallSequence(); len(got) != 5 || got[0] != "GET records" {
		t.Errorf("calls %q", got)
	}
}

func TestCloudflareKnobs(t *testing.T) {
	s := NewCloudflare("tok", "example.com")
	t.Cleanup(s.Close)
	z := "/client/v4/zones/" + s.ZoneID("example.com") + "/dns_records"
	post := `{"type":"A","name":"home","content":"192.0.2.1","ttl":300}`

	s.RejectWrites(true)
	if r := call(t, s, "POST", z, "Bearer tok", post); r.status != 400 || code(r) != 9005 {
		t.Errorf("RejectWrites: HTTP %d code %d", r.status, code(r))
	}
	s.RejectWrites(false)

	s.SetFault(func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n == 2 { // the first request of this test was the rejected POST
			WriteError(w, http.StatusTooManyRequests, 971, "Please wait")
			return true
		}
		return false
	})
	if r := call(t, s, "GET", "/client/v4/zones", "Bearer tok", ""); r.status != 429 || code(r) != 971 {
		t.Errorf("fault: HTTP %d code %d", r.status, code(r))
	}
	s.SetFault(nil)

	gate := make(chan struct{})
	s.Gate(gate)
	done := make(chan reply, 1)
	go func() {
		r, err := try(s, "POST", z, "Bearer tok", post)
		if err != nil {
			r.status = -1 // reported below as a failed write
		}
		done <- r
	}()
	// Reads pass while the write is held.
	if r := call(t, s, "GET", z, "Bearer tok", ""); r.status != 200 {
		t.Errorf("GET during a held write: HTTP %d", r.status)
	}
	select {
	case r := <-done:
		t.Fatalf("write answered (HTTP %d) before the gate let it through", r.status)
	case gate <- struct{}{}:
	case <-time.After(10 * time.Second): // failure guard only
		t.Fatal("the write never reached the gate")
	}
	if r := <-done; r.status != 200 {
		t.Errorf("gated write: HTTP %d", r.status)
	}
	s.Put("home.example.com", "A", "192.0.2.9")
	if got := s.Lookup("home.example.com", "A"); !reflect.DeepEqual(got, []string{"192.0.2.9"}) {
		t.Errorf("after Put: %q", got)
	}
	want := map[string]int{"POST records": 2, "GET zones": 1, "GET records": 1}
	if got := s.Calls(); !reflect.DeepEqual(got, want) {
		t.Errorf("calls %v, want %v", got, want)
	}
	if got := s.Calls(); len(got) != 0 {
		t.Errorf("Calls did not start over: %v", got)
	}
}
