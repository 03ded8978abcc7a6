package main

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/opname/opname"
)

// TestOIDCSignIn signs people in through a real OpenID Connect provider
// (started by .ci/run with the users in testdata/oidc-users.json): the
// authorization code flow with PKCE and a nonce, the role mapped from a
// claim, a person with no mapped role refused, and a forged state refused.
func TestOIDCSignIn(t *testing.T) {
	// Side by side with other tests, but never with itself: opname listens
	// on the fixed address the provider redirects to, and its subtests share it.
	t.Parallel()
	issuer, addr := os.Getenv("OPNAME_TEST_OIDC_ISSUER"), os.Getenv("OPNAME_TEST_OIDC_ADDR")
	if issuer == "" || addr == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("CI must test OIDC: OPNAME_TEST_OIDC_ISSUER and OPNAME_TEST_OIDC_ADDR are not set")
		}
		t.Skip("no OIDC provider: set OPNAME_TEST_OIDC_ISSUER and OPNAME_TEST_OIDC_ADDR (see .ci/run)")
	}
	cfg := &config{Addr: addr, Data: t.TempDir(), PublicURL: "http://" + addr}
	s, err := startServer(context.Background(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	_, octx := newOrg(t, s, "idp", "ombudsman", false)
	err = s.db.SetOIDCProvider(octx, &opname.OIDCProvider{
		Issuer: issuer, ClientID: "web", ClientSecret: "secret", RoleClaim: "family_name",
		RoleMap: map[string]opname.Role{"zorgteam": opname.RoleStaff, "leiding": opname.RoleManager},
	})
	if err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		user, role string
		status     int
	}{{"sanne@idp.example", "staff", 303}, {"milan@idp.example", "manager", 303}, {"bo@idp.example", "", 403}} {
		t.Run(c.user, func(t *testing.T) {
			b := newBrowser(t, s.URL)
			code, _, h := b.do("GET", "/aanmelden/oidc?organisatie=idp&terug=/clienten", "", "")
			if code != 303 || !strings.HasPrefix(h.Get("Location"), issuer) {
				t.Fatalf("start = %d to %q; want the provider", code, h.Get("Location"))
			}
			auth, _ := url.Parse(h.Get("Location"))
			q := auth.Query()
			if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" {
				t.Fatalf("the authorization request lacks PKCE, nonce or state: %s", auth.RawQuery)
			}
			callback := provider(t, auth.String(), c.user)
			if !strings.HasPrefix(callback, cfg.PublicURL+"/aanmelden/oidc/terug?") {
				t.Fatalf("the provider sent us to %q", callback)
			}
			path := strings.TrimPrefix(callback, cfg.PublicURL)
			code, body, h := b.do("GET", path, "", "")
			if code != c.status {
				t.Fatalf("callback = %d, want %d\n%s", code, c.status, body)
			}
			if c.status != 303 {
				return
			}
			if h.Get("Location") != "/clienten" {
				t.Errorf("back to %q, want /clienten", h.Get("Location"))
			}
			code, me := b.json("GET", "/api/v1/me", "")
			if code != 200 || me["email"] != c.user || me["role"] != c.role {
				t.Fatalf("me = %d %v; want %s as %s", code, me, c.user, c.role)
			}
			// The state works once.
			if code, _, _ := newBrowser(t, s.URL).do("GET", path, "", ""); code != 401 {
				t.Errorf("a replayed callback = %d, want 401", code)
			}
		})
	}
	if code, _, _ := newBrowser(t, s.URL).do("GET", "/aanmelden/oidc/terug?state=forged&code=x", "", ""); code != 401 {
		t.Errorf("a forged state = %d, want 401", code)
	}
}

// provider walks the provider's own login: from the authorization URL to
// its login form, the credentials, and back; it returns where the provider
// sends the browser (our callback with code and state).
func provider(t *testing.T, authURL, username string) string {
	t.Helper()
	b := newBrowser(t, "")
	next := authURL
	for range 10 {
		code, _, h := b.do("GET", next, "", "")
		loc := h.Get("Location")
		if code != 302 && code != 303 || loc == "" {
			t.Fatalf("provider: GET %s = %d", next, code)
		}
		u, err := url.Parse(next)
		if err != nil {
			t.Fatal(err)
		}
		target, _ := u.Parse(loc)
		if strings.HasPrefix(target.Path, "/login/username") {
			id := target.Query().Get("authRequestID")
			code, body, h := b.form(target.Scheme+"://"+target.Host+"/login/username", url.Values{"id": {id}, "username": {username}, "password": {"verysecure"}})
			if code != 302 && code != 303 {
				t.Fatalf("provider login = %d\n%s", code, body)
			}
			loc, _ := target.Parse(h.Get("Location"))
			next = loc.String()
			continue
		}
		if !strings.Contains(target.Host, "localhost") {
			return target.String()
		}
		next = target.String()
	}
	t.Fatal("provider: too many redirects")
	return ""
}
