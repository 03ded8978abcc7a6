package main

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname"
)

// proxyServer starts opname as it runs behind a reverse proxy on the same
// machine: plain HTTP on loopback, with public URL and trusted proxies.
func proxyServer(t *testing.T, publicURL string, trusted ...string) *server {
	t.Helper()
	cfg := &config{Addr: "127.0.0.1:0", Data: t.TempDir(), PublicURL: publicURL}
	for _, p := range trusted {
		cfg.TrustedProxies = append(cfg.TrustedProxies, netip.MustParsePrefix(p))
	}
	s, err := startServer(context.Background(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// send makes a request with headers and returns the response, its body
// read.
func send(t testing.TB, method, url, body string, headers map[string]string) (*http.Response, string) {
	t.Helper()
	r, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	resp, err := noRedirect.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(data)
}

// staffWithClient adds an organisation with a staff member and their
// client.
func staffWithClient(t testing.TB, s *server) (ctx context.Context, staff *opname.User, clientID string) {
	t.Helper()
	_, octx := newOrg(t, s, "proxy", "ombudsman", false)
	u := &opname.User{Email: "sanne@proxy.nl", Name: "Sanne", Role: opname.RoleStaff}
	if err := s.db.CreateUser(octx, u); err != nil {
		t.Fatal(err)
	}
	client := &opname.Client{Name: "Anna"}
	if err := s.db.CreateClient(octx, client); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Assign(octx, client.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	return octx, u, client.ID
}

// TestBehindHTTPSProxy checks that with an https:// public URL the session
// cookie is __Host- and Secure although opname listens on plain HTTP, and
// that the addresses it hands out are under the public URL.
func TestBehindHTTPSProxy(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		public, cookie string
		secure         bool
	}{
		{"https://opname.example.nl", "__Host-opname_session", true},
		{"", "opname_session", false}, // plain HTTP on loopback, reached directly
	} {
		s := proxyServer(t, c.public)
		octx, u, clientID := staffWithClient(t, s)
		once, _, err := s.db.CreateOneTime(octx, u.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		resp, body := send(t, "POST", s.URL+"/api/v1/session/one-time", `{"secret": "`+once+`", "password": "een lange zin als wachtwoord"}`, map[string]string{"Content-Type": "application/json"})
		if resp.StatusCode != 200 {
			t.Fatalf("public URL %q: sign in = %d %s", c.public, resp.StatusCode, body)
		}
		var session *http.Cookie
		for _, ck := range resp.Cookies() {
			if strings.HasSuffix(ck.Name, "opname_session") {
				session = ck
			}
		}
		if session == nil || session.Name != c.cookie || session.Secure != c.secure || !session.HttpOnly || session.Path != "/" || session.Domain != "" || session.SameSite != http.SameSiteLaxMode {
			t.Errorf("public URL %q: session cookie = %+v, want %s with Secure %v, HttpOnly, Path=/, no Domain, SameSite=Lax", c.public, session, c.cookie, c.secure)
			continue
		}
		// The proxy passes the cookie on; opname knows it under its name.
		if resp, body := send(t, "GET", s.URL+"/api/v1/me", "", map[string]string{"Cookie": session.Name + "=" + session.Value}); resp.StatusCode != 200 {
			t.Errorf("public URL %q: /api/v1/me with the cookie = %d %s", c.public, resp.StatusCode, body)
		}
		if c.public == "" {
			continue
		}
		// The token is made after the sign-in: setting a password through
		// a one-time link ends the person's earlier tokens.
		token, _, err := s.db.CreateToken(octx, u.ID, "proxy")
		if err != nil {
			t.Fatal(err)
		}
		// A resumable upload's address is under the public URL, not the
		// plain-HTTP address the proxy talks to.
		resp, body = send(t, "POST", s.URL+"/api/v1/uploads", "", map[string]string{
			"Authorization": "Bearer " + token, "Tus-Resumable": "1.0.0", "Upload-Length": "100000",
			"Upload-Metadata": "client_id " + base64.StdEncoding.EncodeToString([]byte(clientID)),
		})
		if loc := resp.Header.Get("Location"); resp.StatusCode != 201 || !strings.HasPrefix(loc, c.public+"/api/v1/uploads/") {
			t.Errorf("new upload = %d, Location %q, want one under %s\n%s", resp.StatusCode, loc, c.public, body)
		}
	}
}

// TestClientAddress checks that X-Forwarded-For names the client in the
// access log only when the peer is a trusted proxy, and then only its
// rightmost untrusted address.
func TestClientAddress(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		trusted []string
		xff     string
		want    string
	}{
		{"no proxy trusted", nil, "203.0.113.9", "127.0.0.1"},
		{"the peer is not a trusted proxy", []string{"10.0.0.0/8"}, "203.0.113.9", "127.0.0.1"},
		{"the peer is a trusted proxy", []string{"127.0.0.1/32", "10.0.0.0/8"}, "192.0.2.66, 203.0.113.9", "203.0.113.9"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := proxyServer(t, "", c.trusted...)
			octx, u, clientID := staffWithClient(t, s)
			token, _, err := s.db.CreateToken(octx, u.ID, "proxy")
			if err != nil {
				t.Fatal(err)
			}
			// A read of client data, and a wrong password (what sign-in
			// throttling counts).
			if resp, body := send(t, "GET", s.URL+"/api/v1/clients/"+clientID, "", map[string]string{"Authorization": "Bearer " + token, "X-Forwarded-For": c.xff}); resp.StatusCode != 200 {
				t.Fatalf("read = %d %s", resp.StatusCode, body)
			}
			if resp, body := send(t, "POST", s.URL+"/api/v1/session", `{"organisation": "proxy", "email": "sanne@proxy.nl", "password": "not the password"}`, map[string]string{"Content-Type": "application/json", "X-Forwarded-For": c.xff}); resp.StatusCode != 401 {
				t.Fatalf("wrong password = %d %s", resp.StatusCode, body)
			}
			events, err := s.db.Search(octx, opname.AccessFilter{UserID: u.ID})
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]string{}
			for _, e := range events {
				seen[string(e.Action)+" "+e.ObjectType+" "+e.Outcome] = e.SourceAddr
			}
			for _, what := range []string{"read client success", "sign_in session failure"} {
				if got, ok := seen[what]; !ok || got != c.want {
					t.Errorf("%s from %q (present %v), want %q", what, got, ok, c.want)
				}
			}
		})
	}
}

// TestMetricsApart checks that /metrics is not on opname's own address,
// where anyone could read it, and is on OPNAME_METRICS_ADDR.
func TestMetricsApart(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	if resp, _ := send(t, "GET", s.URL+"/metrics", "", nil); resp.StatusCode != 404 {
		t.Errorf("/metrics on the main address = %d, want 404", resp.StatusCode)
	}
	if s.MetricsURL != "" {
		t.Errorf("metrics served at %s without OPNAME_METRICS_ADDR", s.MetricsURL)
	}
	cfg := &config{Addr: "127.0.0.1:0", Data: t.TempDir(), MetricsAddr: "127.0.0.1:0"}
	m, err := startServer(context.Background(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	send(t, "GET", m.URL+"/healthz", "", nil)
	if resp, _ := send(t, "GET", m.URL+"/metrics", "", nil); resp.StatusCode != 404 {
		t.Errorf("/metrics on the main address = %d, want 404", resp.StatusCode)
	}
	resp, body := send(t, "GET", m.MetricsURL+"/metrics", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `opname_http_requests_total{code="200",route="GET /healthz"} 1`) {
		t.Errorf("GET %s/metrics = %d\n%s", m.MetricsURL, resp.StatusCode, firstLine([]byte(body)))
	}
}
