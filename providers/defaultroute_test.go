package providers

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// keyedTransport is the account transport a keyed route hands kind's
// requests carrying cred to.
func keyedTransport(t testing.TB, kind, cred string) *retryTransport {
	t.Helper()
	keyedMu.RLock()
	defer keyedMu.RUnlock()
	rt := keyedRTs[keyedKey(kind, cred)]
	if rt == nil {
		t.Fatalf("no keyed route for %s", kind)
	}
	return rt
}

// TestKeyedRoutesLeaveOtherRequestsAlone: once a keyed route is installed
// on http.DefaultClient, only its requests carrying the account's
// credential go to the account's endpoint; one with another credential or
// none, or sent through another client, goes where it went before, and
// http.DefaultTransport stays an *http.Transport.
func TestKeyedRoutesLeaveOtherRequestsAlone(t *testing.T) {
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("endpoint"))
	}))
	defer fake.Close()
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("other " + r.Header.Get("X-Cred")))
	}))
	defer other.Close()
	otherHost := strings.TrimPrefix(other.URL, "http://")
	kind := keyedKind{
		host: func(h string) bool { return h == "127.0.0.1" },
		credential: func(req *http.Request) (string, *http.Request, bool) {
			c := req.Header.Get("X-Cred")
			return c, nil, c != ""
		},
	}
	rt := newRetryTransport(Env{Endpoint: fake.URL}, directTransport())
	routeByCredential("test-kind", kind, "mine", rt)
	for _, c := range []struct {
		client *http.Client
		cred   string
		want   string
	}{
		{http.DefaultClient, "mine", "endpoint"},
		{&http.Client{}, "mine", "other mine"}, // http.DefaultTransport is never replaced
		{http.DefaultClient, "theirs", "other theirs"},
		{http.DefaultClient, "", "other "},
	} {
		req, _ := http.NewRequest(http.MethodGet, "http://"+otherHost+"/x", nil)
		if c.cred != "" {
			req.Header.Set("X-Cred", c.cred)
		}
		resp, err := c.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		buf := make([]byte, 64)
		n, _ := resp.Body.Read(buf)
		b.Write(buf[:n])
		resp.Body.Close()
		if b.String() != c.want {
			t.Errorf("credential %q: answered %q, want %q", c.cred, b.String(), c.want)
		}
	}
	if _, ok := http.DefaultTransport.(*http.Transport); !ok {
		t.Errorf("http.DefaultTransport is a %T, not an *http.Transport", http.DefaultTransport)
	}
	keyedMu.Lock()
	delete(keyedKinds, "test-kind")
	keyedMu.Unlock()
}
