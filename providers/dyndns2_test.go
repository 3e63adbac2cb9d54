package providers

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ddnsd/ddns/providers/providertest"
)

// newDyndns2Server starts the shared fake dyndns2 server with the test's
// credentials, closed when the test ends.
func newDyndns2Server(t *testing.T) *providertest.Dyndns2 {
	t.Helper()
	s := providertest.NewDyndns2("alice", "s3cret-pa55")
	t.Cleanup(s.Close)
	return s
}

// newDyndns2ForTest builds the provider with the transport's retry waits
// shortened, so 5xx retries do not slow the test down.
func newDyndns2ForTest(t *testing.T, env Env, p Params) *dyndns2 {
	t.Helper()
	prov, err := dyndns2Spec().New(env, p)
	if err != nil {
		t.Fatalf("new dyndns2: %v", err)
	}
	d := prov.(*dyndns2)
	if rt, ok := d.client.Transport.(*retryTransport); ok {
		rt.delay = func(int) time.Duration { return time.Millisecond }
	}
	return d
}

func TestDyndns2Replies(t *testing.T) {
	srv := newDyndns2Server(t)
	d := newDyndns2ForTest(t, quietEnv("noip"), Params{"server": srv.URL, "username": srv.User, "password": srv.Password})
	rec := Record{Zone: "example.com", Name: "home", Type: "A", Addr: netip.MustParseAddr("203.0.113.7"), TTL: 5 * time.Minute}

	tests := []struct {
		status int
		body   string
		class  error    // nil = success
		says   []string // words the error must contain
	}{
		{200, "good 203.0.113.7", nil, nil},
		{200, "nochg 203.0.113.7\n", nil, nil},
		{200, "good", nil, nil},
		{200, "\r\n  nochg 203.0.113.7\r\n", nil, nil},
		{200, "good 127.0.0.1", ErrRejected, []string{"ignored the update", "retry blindly"}},
		{200, "good 198.51.100.1", ErrRejected, []string{"198.51.100.1"}},
		{200, "badauth", ErrAuth, []string{"user name or password"}},
		{200, "!donator", ErrRejected, []string{"does not have", "retry blindly"}},
		{200, "notfqdn", ErrRejected, []string{"fully qualified", "retry blindly"}},
		{200, "nohost", ErrRejected, []string{"does not exist", "retry blindly"}},
		{200, "numhost", ErrRejected, []string{"too many hosts", "retry blindly"}},
		{200, "abuse", ErrRejected, []string{"abuse", "retry blindly"}},
		{200, "badagent", ErrRejected, []string{"user agent", "retry blindly"}},
		{200, "!yours", ErrRejected, []string{"another account"}},
		{200, "dnserr", ErrNetwork, []string{"server-side problem, retry later"}},
		{200, "911", ErrNetwork, []string{"server-side problem, retry later"}},
		{200, "<html><body>Welcome to nginx!</body></html>", ErrRejected, []string{`"<html><body>Welcome to nginx!</body></html>"`}},
		{200, "", ErrRejected, []string{"empty answer"}},
		{502, "<html>Bad Gateway</html>", ErrNetwork, []string{"502"}},
		{404, "no such page", ErrRejected, []string{"404"}},
		{403, "", ErrAuth, []string{"403"}},
		{500, "911", ErrNetwork, []string{"911"}},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status)+" "+strconv.Quote(tt.body), func(t *testing.T) {
			srv.Answer(tt.status, tt.body)
			err := d.Set(context.Background(), rec)
			if tt.class == nil {
				if err != nil {
					t.Fatalf("Set: %v, want success", err)
				}
			} else {
				if !errors.Is(err, tt.class) {
					t.Fatalf("Set: %v, want %v", err, tt.class)
				}
				for _, w := range tt.says {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
				if strings.Contains(err.Error(), srv.Password) {
					t.Errorf("error %q contains the password", err)
				}
			}
			r := srv.Last(t)
			if got := r.URL.Query().Get("hostname"); got != "home.example.com" {
				t.Errorf("hostname = %q, want home.example.com", got)
			}
			if got := r.URL.Query().Get("myip"); got != "203.0.113.7" {
				t.Errorf("myip = %q, want 203.0.113.7", got)
			}
		})
	}
}

func TestDyndns2Request(t *testing.T) {
	srv := newDyndns2Server(t)
	srv.Answer(200, "good 2001:db8::7")

	t.Run("AAAA, hostname override, endpoint override", func(t *testing.T) {
		env := quietEnv("dynu")
		env.Endpoint = srv.URL // the real server name below is never contacted
		d := newDyndns2ForTest(t, env, Params{
			"server": "https://dyndns.example.invalid", "username": srv.User, "password": srv.Password,
			"hostname": "myhost.ddns.example.net",
		})
		err := d.Set(context.Background(), Record{Zone: "example.com", Name: "@", Type: "AAAA", Addr: netip.MustParseAddr("2001:db8::7"), TTL: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		r := srv.Last(t)
		if u, p, _ := r.BasicAuth(); u != srv.User || p != srv.Password {
			t.Errorf("basic auth = %q/%q", u, p)
		}
		if !strings.Contains(r.UserAgent(), "github.com/ddnsd/ddns") {
			t.Errorf("User-Agent %q does not name the project", r.UserAgent())
		}
		if r.URL.Path != "/nic/update" {
			t.Errorf("path = %q", r.URL.Path)
		}
		q := r.URL.Query()
		if q.Get("hostname") != "myhost.ddns.example.net" || q.Get("myip") != "2001:db8::7" || len(q) != 2 {
			t.Errorf("query = %v", q)
		}
	})

	t.Run("wrong password is ErrAuth without the password in the error", func(t *testing.T) {
		d := newDyndns2ForTest(t, quietEnv("noip"), Params{"server": srv.URL, "username": srv.User, "password": "wrong-password"})
		err := d.Set(context.Background(), Record{Zone: "example.com", Name: "home", Type: "A", Addr: netip.MustParseAddr("192.0.2.1")})
		if !errors.Is(err, ErrAuth) {
			t.Fatalf("Set with a wrong password: %v, want ErrAuth", err)
		}
		if strings.Contains(err.Error(), "wrong-password") {
			t.Errorf("error %q contains the password", err)
		}
	})

	t.Run("password echoed by the server is redacted", func(t *testing.T) {
		srv.Answer(200, "unexpected: your password is "+srv.Password)
		defer srv.Answer(200, "good 2001:db8::7")
		d := newDyndns2ForTest(t, quietEnv("noip"), Params{"server": srv.URL, "username": srv.User, "password": srv.Password})
		err := d.Set(context.Background(), Record{Zone: "example.com", Name: "home", Type: "A", Addr: netip.MustParseAddr("192.0.2.1")})
		if err == nil || strings.Contains(err.Error(), srv.Password) || !strings.Contains(err.Error(), "[redacted]") {
			t.Fatalf("error %v: want a redacted excerpt", err)
		}
	})

	t.Run("bad records are refused before sending", func(t *testing.T) {
		d := newDyndns2ForTest(t, quietEnv("noip"), Params{"server": srv.URL, "username": srv.User, "password": srv.Password})
		before := srv.Count()
		for _, rec := range []Record{
			{Zone: "example.com", Name: "home", Type: "A", Addr: netip.MustParseAddr("2001:db8::1")},
			{Zone: "example.com", Name: "home", Type: "TXT", Addr: netip.MustParseAddr("192.0.2.1")},
			{Zone: "example.com", Name: "home", Type: "A"},
		} {
			if err := d.Set(context.Background(), rec); !errors.Is(err, ErrRejected) {
				t.Errorf("Set(%+v) = %v, want ErrRejected", rec, err)
			}
		}
		if srv.Count() != before {
			t.Error("a bad record reached the server")
		}
	})

	t.Run("Get is unsupported", func(t *testing.T) {
		d := newDyndns2ForTest(t, quietEnv("noip"), Params{"server": srv.URL, "username": srv.User, "password": srv.Password})
		if _, err := d.Get(context.Background(), "example.com", "home", "A"); !errors.Is(err, ErrUnsupported) {
			t.Fatalf("Get = %v, want ErrUnsupported", err)
		}
	})

	t.Run("unreachable server is ErrNetwork", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		d := newDyndns2ForTest(t, quietEnv("gone"), Params{"server": "http://" + addr, "username": "u", "password": "p4ssw0rd"})
		err = d.Set(context.Background(), Record{Zone: "example.com", Name: "home", Type: "A", Addr: netip.MustParseAddr("192.0.2.1")})
		if !errors.Is(err, ErrNetwork) {
			t.Fatalf("Set to a closed port: %v, want ErrNetwork", err)
		}
	})
}

func TestDyndns2Constructor(t *testing.T) {
	tests := []struct {
		name    string
		p       Params
		wantKey string
	}{
		{"valid", Params{"server": "https://dynupdate.no-ip.com", "username": "u", "password": "p"}, ""},
		{"custom path", Params{"server": "https://x.example/api/", "username": "u", "password": "p", "path": "/update"}, ""},
		{"missing server", Params{"username": "u", "password": "p"}, "server"},
		{"server not a URL", Params{"server": "dynupdate.no-ip.com", "username": "u", "password": "p"}, "server"},
		{"ftp server", Params{"server": "ftp://x.example", "username": "u", "password": "p"}, "server"},
		{"credentials in URL", Params{"server": "https://u:hunter22@x.example", "username": "u", "password": "p"}, "server"},
		{"missing username", Params{"server": "https://x.example", "password": "p"}, "username"},
		{"missing password", Params{"server": "https://x.example", "username": "u"}, "password"},
		{"relative path", Params{"server": "https://x.example", "username": "u", "password": "p", "path": "nic/update"}, "path"},
		{"bad hostname", Params{"server": "https://x.example", "username": "u", "password": "p", "hostname": "a b"}, "hostname"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := dyndns2Spec().New(quietEnv("x"), tt.p)
			if tt.wantKey == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), strconv.Quote(tt.wantKey)) {
				t.Fatalf("error %v does not name key %q", err, tt.wantKey)
			}
			if strings.Contains(err.Error(), "hunter22") {
				t.Errorf("error %q contains a password", err)
			}
		})
	}
}

func TestParseDyndns2Reply(t *testing.T) {
	tests := []struct {
		body string
		want Dyndns2Result
	}{
		{"good 192.0.2.1", Dyndns2Result{Code: "good", Addr: netip.MustParseAddr("192.0.2.1")}},
		{"NOCHG 2001:db8::1", Dyndns2Result{Code: "nochg", Addr: netip.MustParseAddr("2001:db8::1")}},
		{"good 192.0.2.1,2001:db8::1", Dyndns2Result{Code: "good", Addr: netip.MustParseAddr("192.0.2.1")}},
		{"good\n", Dyndns2Result{Code: "good"}},
		{"nochg not-an-address", Dyndns2Result{Code: "nochg"}},
	}
	for _, tt := range tests {
		got, err := ParseDyndns2Reply(tt.body)
		if err != nil || got != tt.want {
			t.Errorf("ParseDyndns2Reply(%q) = %+v, %v; want %+v", tt.body, got, err, tt.want)
		}
	}
}

func FuzzParseDyndns2Reply(f *testing.F) {
	for _, s := range []string{
		"good 192.0.2.1", "nochg 2001:db8::1", "good", "badauth", "!donator", "notfqdn", "nohost",
		"numhost", "abuse", "badagent", "dnserr", "911", "good 127.0.0.1", "\n\n nochg \n", "",
		"<html>\x00\xff</html>", "good 192.0.2.1\nbadauth", "GOOD 1.2.3.4,::1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		res, err := ParseDyndns2Reply(body)
		if err == nil {
			if res.Code != "good" && res.Code != "nochg" {
				t.Fatalf("success with code %q", res.Code)
			}
			first := strings.Fields(body)
			if len(first) == 0 || !strings.EqualFold(first[0], res.Code) {
				t.Fatalf("success %q for a body that does not start with it: %q", res.Code, body)
			}
			return
		}
		if res != (Dyndns2Result{}) {
			t.Fatalf("error %v with a non-empty result %+v", err, res)
		}
		n := 0
		for _, c := range []error{ErrAuth, ErrRejected, ErrNetwork} {
			if errors.Is(err, c) {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("error %q is in %d classes, want exactly one", err, n)
		}
		msg := err.Error()
		if !utf8.ValidString(msg) {
			t.Fatalf("error is not valid UTF-8: %q", msg)
		}
		for _, r := range msg {
			if r < 0x20 || r == 0x7f {
				t.Fatalf("error contains a control character: %q", msg)
			}
		}
		if len(msg) > 600 {
			t.Fatalf("error is %d bytes long; the excerpt must stay short", len(msg))
		}
	})
}
