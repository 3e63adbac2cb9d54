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
// on http.DefaultTransport and http.DefaultClient, a request to another
// host, or to the API host with another credential, goes where it went
// before: the request is not rewritten to the account's endpoint.
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
	routeByCredential("test-kind", kind, "mine", true, rt)
	routeByCredential("test-kind", kind, "mine", false, rt)
	for _, c := range []struct {
		client *http.Client
		cred   string
		want   string
	}{
		{&http.Client{}, "mine", "endpoint"},
		{http.DefaultClient, "mine", "endpoint"},
		{&http.Client{}, "theirs", "other theirs"},
		{http.DefaultClient, "theirs", "other theirs"},
		{&http.Client{}, "", "other "},
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
	keyedMu.Lock()
	delete(keyedKinds, "test-kind")
	keyedMu.Unlock()
}
