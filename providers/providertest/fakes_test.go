package providertest

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func get(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestDyndns2AnswersLikeAServer(t *testing.T) {
	s := NewDyndns2("alice", "pw-1234")
	defer s.Close()
	update := func(user, pass, query string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/nic/update?"+query, nil)
		req.SetBasicAuth(user, pass)
		req.Header.Set("User-Agent", "ddns-test")
		return get(t, req)
	}
	steps := []struct {
		user, pass, query string
		status            int
		body              string
	}{
		{"alice", "pw-1234", "hostname=h.example.com&myip=192.0.2.1", 200, "good 192.0.2.1"},
		{"alice", "pw-1234", "hostname=h.example.com&myip=192.0.2.1", 200, "nochg 192.0.2.1"},
		{"alice", "pw-1234", "hostname=h.example.com&myip=2001:db8::1", 200, "good 2001:db8::1"},
		{"alice", "wrong", "hostname=h.example.com&myip=192.0.2.9", 401, "badauth"},
		{"alice", "pw-1234", "hostname=h.example.com&myip=nonsense", 200, "notfqdn"},
	}
	for _, st := range steps {
		if code, body := update(st.user, st.pass, st.query); code != st.status || body != st.body {
			t.Errorf("%s as %s: %d %q, want %d %q", st.query, st.pass, code, body, st.status, st.body)
		}
	}
	if got := s.Values("h.example.com", "A"); !slices.Equal(got, []string{"192.0.2.1 0"}) {
		t.Errorf("A = %q", got)
	}
	if got := s.Values("h.example.com", "AAAA"); !slices.Equal(got, []string{"2001:db8::1 0"}) {
		t.Errorf("AAAA = %q", got)
	}
	if n := s.Writes(); n != 3 {
		t.Errorf("Writes = %d, want the 3 authenticated, well-formed updates", n)
	}
	s.Answer(200, "911")
	if _, body := update("alice", "pw-1234", "hostname=h.example.com&myip=192.0.2.5"); body != "911" {
		t.Errorf("fixed answer = %q, want 911", body)
	}
	if got := s.Values("h.example.com", "A"); !slices.Equal(got, []string{"192.0.2.1 0"}) {
		t.Errorf("a fixed answer changed the record: %q", got)
	}
}

func TestWebhookRecordsRoute(t *testing.T) {
	s := NewWebhook("tok-abc")
	defer s.Close()
	put := func(auth, path, body string) int {
		req, _ := http.NewRequest(http.MethodPut, s.URL+path, strings.NewReader(body))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		code, _ := get(t, req)
		return code
	}
	if c := put("Bearer tok-abc", WebhookRecordsPath+"h.example.com/A", `{"address":"192.0.2.1","ttl":300}`); c != 200 {
		t.Fatalf("PUT = %d", c)
	}
	if c := put("Bearer nope", WebhookRecordsPath+"h.example.com/A", `{"address":"192.0.2.2","ttl":300}`); c != 401 {
		t.Errorf("PUT with a wrong token = %d, want 401", c)
	}
	if c := put("Bearer tok-abc", WebhookRecordsPath+"h.example.com/A", `not json`); c != 400 {
		t.Errorf("PUT of a bad body = %d, want 400", c)
	}
	if c := put("", "/elsewhere", ""); c != 200 {
		t.Errorf("a request outside the records route = %d, want 200", c)
	}
	if got := s.Values("h.example.com", "A"); !slices.Equal(got, []string{"192.0.2.1 300"}) {
		t.Errorf("A = %q", got)
	}
	if n := s.Writes(); n != 1 {
		t.Errorf("Writes = %d, want 1", n)
	}
	if n := len(s.Requests()); n != 4 {
		t.Errorf("Requests = %d, want every one of the 4 recorded", n)
	}
}

func TestOverrideAnswersEveryRequestAndCounts(t *testing.T) {
	fakes := map[string]HTTPFake{
		"cloudflare": NewCloudflare("t", "example.com"), "alidns": NewAlidns("id", "s"), "tencent": NewTencent("id", "s"),
		"dyndns2": NewDyndns2("u", "p"), "webhook": NewWebhook(""),
	}
	for name, f := range fakes {
		t.Run(name, func(t *testing.T) {
			defer f.(interface{ Close() }).Close()
			f.Override(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusTeapot) })
			for range 2 {
				req, _ := http.NewRequest(http.MethodPost, f.Endpoint()+"/client/v4/zones", nil)
				if code, _ := get(t, req); code != http.StatusTeapot {
					t.Errorf("overridden answer = %d, want 418", code)
				}
			}
			if n := f.Overridden(); n != 2 {
				t.Errorf("Overridden = %d, want 2", n)
			}
			f.Override(nil)
			req, _ := http.NewRequest(http.MethodPost, f.Endpoint()+"/client/v4/zones", nil)
			if code, _ := get(t, req); code == http.StatusTeapot {
				t.Errorf("Override(nil) did not restore the fake")
			}
			if n := f.Overridden(); n != 0 {
				t.Errorf("Overridden after Override(nil) = %d, want 0", n)
			}
		})
	}
}
