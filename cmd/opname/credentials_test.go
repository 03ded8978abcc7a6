package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb"
)

// The tests in this file cover what happens to a person's credentials:
// sessions and tokens that end when a password changes or an administrator
// resets it, throttling of wrong passwords and codes that an outsider cannot
// turn against the owner, and sign-in answers that do not tell which
// accounts exist.

const (
	oldPassword = "een lange zin als wachtwoord"
	newPassword = "een andere lange zin als wachtwoord"
)

// newBrowserFrom is a browser whose connections come from ip, another
// loopback address, so the server sees another source address.
func newBrowserFrom(t *testing.T, base, ip string) *browser {
	b := newBrowser(t, base)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	b.c.Transport = &http.Transport{DialContext: d.DialContext}
	return b
}

// bearer calls the API with an API token.
func bearer(t *testing.T, s *server, token, method, path, body string) (int, map[string]any) {
	t.Helper()
	r, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Authorization", "Bearer "+token)
	r.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	data, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(data, &v)
	return resp.StatusCode, v
}

func signInBody(org, email, password string) string {
	return fmt.Sprintf(`{"organisation": %q, "email": %q, "password": %q}`, org, email, password)
}

// hashCost returns the parameters of a password hash: "m=…,t=…,p=…".
func hashCost(hash string) string {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 {
		return "no PHC string"
	}
	return parts[3]
}

// TestDefaultPasswordCost: opname started from its settings, as in
// production, hashes passwords at the default cost, and checks a sign-in
// for an unknown account at the same cost as for a real one. No setting
// lowers it.
func TestDefaultPasswordCost(t *testing.T) {
	t.Parallel()
	env := map[string]string{"OPNAME_ADDR": "127.0.0.1:0", "OPNAME_DATA": t.TempDir()}
	m := &Main{Getenv: func(k string) string { return env[k] }}
	fs, cfg := m.configFlags("serve")
	if _, err := fs.parse(nil); err != nil {
		t.Fatal(err)
	}
	if cfg.passwordCost != (opname.PasswordCost{}) {
		t.Fatalf("the settings' password cost = %+v, want the default", cfg.passwordCost)
	}
	s, err := startServer(t.Context(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	org, octx := newOrg(t, s, "sterk", "ombudsman", false)
	real, _ := member(t, s, octx, org.Slug, opname.RoleStaff)
	var costs []string
	var mu sync.Mutex
	check := s.db.PasswordMatches
	s.db.PasswordMatches = func(hash, password string) bool {
		mu.Lock()
		costs = append(costs, hashCost(hash))
		mu.Unlock()
		return check(hash, password)
	}
	for _, email := range []string{real.Email, "niemand@sterk.nl"} {
		if code, body, _ := newBrowser(t, s.URL).do("POST", "/api/v1/session", "application/json", signInBody(org.Slug, email, "not the password")); code != 401 {
			t.Fatalf("%s: %d %s, want 401", email, code, body)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if got, want := strings.Join(costs, " "), "m=65536,t=3,p=2 m=65536,t=3,p=2"; got != want {
		t.Errorf("costs of the hashes checked = %s, want %s", got, want)
	}
}

// TestPasswordChangeEndsOtherSessions: a password change ends the person's
// other sessions and revokes their API tokens, keeps the session that made
// the change, and says so in the answer. An API token cannot change the
// password.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	t.Parallel()
	dialects(t, testPasswordChangeEndsOtherSessions)
}

func testPasswordChangeEndsOtherSessions(t *testing.T, s *server) {
	_, octx := newOrg(t, s, "wissel", "ombudsman", false)
	u, secret := member(t, s, octx, "wissel", opname.RoleStaff)
	here := signedInBrowser(t, s, secret, "nl")
	there := newBrowser(t, s.URL)
	if code, v := there.json("POST", "/api/v1/session", signInBody("wissel", u.Email, oldPassword)); code != 200 {
		t.Fatalf("sign in on another device = %d %v", code, v)
	}
	token, _, err := s.db.CreateToken(octx, u.ID, "dossier")
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := there.json("GET", "/api/v1/me", ""); code != 200 {
		t.Fatalf("the other session before the change = %d, want 200", code)
	}

	code, v := here.json("PUT", "/api/v1/me/password", `{"password": "`+newPassword+`"}`)
	if code != 200 || v["other_sessions_ended"] != 1.0 || v["tokens_revoked"] != 1.0 {
		t.Fatalf("change password = %d %v; want 200 with 1 other session ended and 1 token revoked", code, v)
	}
	if code, _ := there.json("GET", "/api/v1/me", ""); code != 401 {
		t.Errorf("the other session after the change = %d, want 401", code)
	}
	if code, _ := bearer(t, s, token, "GET", "/api/v1/me", ""); code != 401 {
		t.Errorf("the person's API token after the change = %d, want 401", code)
	}
	if code, _ := here.json("GET", "/api/v1/me", ""); code != 200 {
		t.Errorf("the session that made the change = %d, want 200", code)
	}
	fresh := newBrowser(t, s.URL)
	if code, _ := fresh.json("POST", "/api/v1/session", signInBody("wissel", u.Email, oldPassword)); code != 401 {
		t.Errorf("sign in with the old password = %d, want 401", code)
	}
	if code, _ := fresh.json("POST", "/api/v1/session", signInBody("wissel", u.Email, newPassword)); code != 200 {
		t.Errorf("sign in with the new password = %d, want 200", code)
	}

	// A token acts for an integration: it may not take over the person's
	// password (and with it their sign-in).
	token, _, err = s.db.CreateToken(octx, u.ID, "dossier")
	if err != nil {
		t.Fatal(err)
	}
	if code, v := bearer(t, s, token, "PUT", "/api/v1/me/password", `{"password": "een wachtwoord van de koppeling"}`); code != 403 {
		t.Errorf("change password with an API token = %d %v, want 403", code, v)
	}
	if code, _ := bearer(t, s, token, "GET", "/api/v1/me", ""); code != 200 {
		t.Errorf("the token after its refused change = %d, want 200", code)
	}
}

// TestAdminResetEndsSessions: a new sign-in link made by an administrator
// ends every session of the person, revokes their API tokens and replaces
// their password; the answer and the people page say so.
func TestAdminResetEndsSessions(t *testing.T) {
	t.Parallel()
	dialects(t, testAdminResetEndsSessions)
}

func testAdminResetEndsSessions(t *testing.T, s *server) {
	_, octx := newOrg(t, s, "herstel", "ombudsman", false)
	u, secret := member(t, s, octx, "herstel", opname.RoleStaff)
	person := signedInBrowser(t, s, secret, "nl")
	token, _, err := s.db.CreateToken(octx, u.ID, "dossier")
	if err != nil {
		t.Fatal(err)
	}
	admin, adminSecret := member(t, s, octx, "herstel", opname.RoleAdmin)
	adminToken, _, err := s.db.CreateToken(octx, admin.ID, "beheer")
	if err != nil {
		t.Fatal(err)
	}

	code, v := bearer(t, s, adminToken, "POST", "/api/v1/users/"+u.ID+"/one-time", "")
	if code != 200 || v["sessions_ended"] != 1.0 || v["tokens_revoked"] != 1.0 {
		t.Fatalf("reset = %d %v; want 200 with 1 session ended and 1 token revoked", code, v)
	}
	if code, _ := person.json("GET", "/api/v1/me", ""); code != 401 {
		t.Errorf("the person's session after the reset = %d, want 401", code)
	}
	if code, _ := bearer(t, s, token, "GET", "/api/v1/me", ""); code != 401 {
		t.Errorf("the person's API token after the reset = %d, want 401", code)
	}
	if code, _ := newBrowser(t, s.URL).json("POST", "/api/v1/session", signInBody("herstel", u.Email, oldPassword)); code != 401 {
		t.Errorf("sign in with the password from before the reset = %d, want 401", code)
	}
	if code, _ := bearer(t, s, adminToken, "GET", "/api/v1/me", ""); code != 200 {
		t.Errorf("the administrator's own token = %d, want 200", code)
	}

	// The person uses the link; the administrator resets once more on the
	// people page, which says what ended.
	if code, v := person.json("POST", "/api/v1/session/one-time", `{"secret": "`+v["secret"].(string)+`", "password": "`+newPassword+`"}`); code != 200 {
		t.Fatalf("redeem = %d %v", code, v)
	}
	adminPage := signedInBrowser(t, s, adminSecret, "nl")
	code, body, _ := adminPage.form("/mensen/"+u.ID+"/link", nil)
	if code != 200 || !strings.Contains(body, "op alle apparaten afgemeld") || !strings.Contains(body, "Beëindigde sessies: 1") {
		t.Errorf("the people page after a reset = %d, want it to say the person was signed out of 1 session", code)
	}
	if code, _ := person.json("GET", "/api/v1/me", ""); code != 401 {
		t.Errorf("the person's session after the second reset = %d, want 401", code)
	}
}

// enrolled redeems the secure organisation's sign-in code in b, sets up the
// second factor and returns its secret.
func enrolled(t *testing.T, s *server, b *browser) string {
	t.Helper()
	once := secureOrg(t, s)
	if code, v := b.json("POST", "/api/v1/session/one-time", `{"secret": "`+once+`", "password": "`+oldPassword+`"}`); code != 200 {
		t.Fatalf("redeem = %d %v", code, v)
	}
	code, v := b.json("POST", "/api/v1/me/totp", "")
	if code != 201 {
		t.Fatalf("begin totp = %d %v", code, v)
	}
	secret := v["secret"].(string)
	now, _ := opname.TOTPCode(secret, time.Now())
	if code, v := b.json("PUT", "/api/v1/me/totp", `{"code": "`+now+`"}`); code != 204 {
		t.Fatalf("confirm totp = %d %v", code, v)
	}
	return secret
}

// TestOutsiderCannotLockOwnerOut: wrong passwords and wrong codes from an
// outsider's address are throttled with a growing wait, and do not stop the
// owner's correct password and code from an address that has not failed.
func TestOutsiderCannotLockOwnerOut(t *testing.T) {
	t.Parallel()
	dialects(t, testOutsiderCannotLockOwnerOut)
}

func testOutsiderCannotLockOwnerOut(t *testing.T, s *server) {
	owner := newBrowser(t, s.URL) // 127.0.0.1
	totp := enrolled(t, s, owner)
	if code, _ := owner.json("DELETE", "/api/v1/session", ""); code != 204 {
		t.Fatalf("sign out = %d", code)
	}

	outsider := newBrowserFrom(t, s.URL, "127.0.0.2")
	var code int
	var body string
	var h http.Header
	for range 3 * sqldb.FreeFailures {
		code, body, h = outsider.do("POST", "/api/v1/session", "application/json", signInBody("veilig", "sanne@veilig.nl", "not my password"))
	}
	if code != 429 || !strings.Contains(body, "try again in") || h.Get("Retry-After") == "" {
		t.Errorf("the outsider after %d wrong passwords = %d %s (Retry-After %q); want 429 saying when to try again", 3*sqldb.FreeFailures, code, body, h.Get("Retry-After"))
	}

	// Someone who knows the password but not the second factor tries codes
	// from yet another address.
	knows := newBrowserFrom(t, s.URL, "127.0.0.3")
	if code, v := knows.json("POST", "/api/v1/session", signInBody("veilig", "sanne@veilig.nl", oldPassword)); code != 200 {
		t.Fatalf("the password from a fresh address = %d %v, want 200", code, v)
	}
	for i := range sqldb.FreeFailures + 2 {
		code, v := knows.json("POST", "/api/v1/session/totp", `{"code": "000000"}`)
		if code == 429 {
			break
		}
		if code != 400 || i == sqldb.FreeFailures+1 {
			t.Fatalf("wrong code %d = %d %v; want 400 and then 429", i+1, code, v)
		}
	}

	if code, v := owner.json("POST", "/api/v1/session", signInBody("veilig", "sanne@veilig.nl", oldPassword)); code != 200 || v["second_factor_needed"] != true {
		t.Fatalf("the owner's correct password = %d %v; want 200 and the second step", code, v)
	}
	next, _ := opname.TOTPCode(totp, time.Now().Add(30*time.Second))
	if code, v := owner.json("POST", "/api/v1/session/totp", `{"code": "`+next+`"}`); code != 204 {
		t.Fatalf("the owner's correct code = %d %v, want 204", code, v)
	}
	if code, _ := owner.json("GET", "/api/v1/me", ""); code != 200 {
		t.Fatalf("the owner after signing in = %d, want 200", code)
	}
}

// TestSignInSameAnswerForEveryone: a wrong password for a real person, a
// person without a password yet, an unknown e-mail address and an unknown
// organisation get the same answers, throttling included, and each checked
// attempt computes exactly one password hash, at the same cost.
func TestSignInSameAnswerForEveryone(t *testing.T) {
	t.Parallel()
	dialects(t, testSignInSameAnswerForEveryone)
}

func testSignInSameAnswerForEveryone(t *testing.T, s *server) {
	org, octx := newOrg(t, s, "gelijk", "ombudsman", false)
	real, _ := member(t, s, octx, org.Slug, opname.RoleStaff)
	if err := s.db.CreateUser(octx, &opname.User{Email: "nieuw@gelijk.nl", Role: opname.RoleStaff}); err != nil {
		t.Fatal(err)
	}
	var hashes atomic.Int64
	var cost atomic.Value // the parameters of the hashes checked in an attempt
	check := s.db.PasswordMatches
	s.db.PasswordMatches = func(hash, password string) bool {
		hashes.Add(1)
		cost.Store(cost.Load().(string) + " at " + hashCost(hash))
		return check(hash, password)
	}
	cases := []struct{ name, org, email, addr string }{
		{"a wrong password", "gelijk", real.Email, "127.0.0.2"},
		{"no password yet", "gelijk", "nieuw@gelijk.nl", "127.0.0.3"},
		{"an unknown e-mail address", "gelijk", "niemand@gelijk.nl", "127.0.0.4"},
		{"an unknown organisation", "bestaat-niet", real.Email, "127.0.0.5"},
	}
	var want []string
	for _, c := range cases {
		b := newBrowserFrom(t, s.URL, c.addr)
		var got []string
		for range sqldb.FreeFailures + 1 {
			before := hashes.Load()
			cost.Store("")
			code, body, h := b.do("POST", "/api/v1/session", "application/json", signInBody(c.org, c.email, "not the password"))
			var v apiErrorBody
			if err := json.Unmarshal([]byte(body), &v); err != nil {
				t.Fatalf("%s: %d %s", c.name, code, body)
			}
			got = append(got, fmt.Sprintf("%d %s %q, Retry-After given: %t, hashes: %d%s", code, v.Error.Kind, v.Error.Message, h.Get("Retry-After") != "", hashes.Load()-before, cost.Load()))
		}
		if want == nil {
			want = got
			if !strings.HasPrefix(got[0], "401 ") || !strings.HasSuffix(got[0], "hashes: 1 at m=64,t=1,p=1") || !strings.HasPrefix(got[len(got)-1], "429 ") {
				t.Errorf("%s: answers %q; want 401 with one hash at the server's cost, and 429 at the end", c.name, got)
			}
			continue
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s, attempt %d: %s\nwant (as for %s): %s", c.name, i+1, got[i], cases[0].name, want[i])
			}
		}
	}
}

type apiErrorBody struct {
	Error struct {
		Kind    string `json:"kind"`
		Message string `json:"message"`
	} `json:"error"`
}

// TestAdminUnlocks: an administrator clears a person's throttle, over the
// API and on the people page.
func TestAdminUnlocks(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	_, octx := newOrg(t, s, "slot", "ombudsman", false)
	u, _ := member(t, s, octx, "slot", opname.RoleStaff)
	admin, adminSecret := member(t, s, octx, "slot", opname.RoleAdmin)
	adminToken, _, err := s.db.CreateToken(octx, admin.ID, "beheer")
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowserFrom(t, s.URL, "127.0.0.2")
	throttle := func() {
		t.Helper()
		for range sqldb.FreeFailures {
			if code, _ := b.json("POST", "/api/v1/session", signInBody("slot", u.Email, "typed it wrong")); code != 401 {
				t.Fatalf("a wrong password = %d, want 401", code)
			}
		}
		if code, _ := b.json("POST", "/api/v1/session", signInBody("slot", u.Email, oldPassword)); code != 429 {
			t.Fatalf("the right password from the failing address = %d, want 429", code)
		}
	}
	throttle()
	code, body, h := b.form("/aanmelden", url.Values{"organisatie": {"slot"}, "email": {u.Email}, "wachtwoord": {oldPassword}})
	if code != 429 || !strings.Contains(body, "Probeer het over 1 minuut opnieuw") || h.Get("Retry-After") == "" {
		t.Errorf("the sign-in page during the wait = %d (Retry-After %q), want 429 saying in Dutch when to try again", code, h.Get("Retry-After"))
	}
	if code, v := bearer(t, s, adminToken, "POST", "/api/v1/users/"+u.ID+"/unlock", ""); code != 204 {
		t.Fatalf("unlock = %d %v, want 204", code, v)
	}
	if code, v := b.json("POST", "/api/v1/session", signInBody("slot", u.Email, oldPassword)); code != 200 {
		t.Fatalf("sign in after the unlock = %d %v, want 200", code, v)
	}

	throttle()
	code, body, _ = signedInBrowser(t, s, adminSecret, "en").form("/mensen/"+u.ID+"/ontgrendelen", nil)
	if code != 200 || !strings.Contains(body, "can sign in again") {
		t.Fatalf("unlock on the people page = %d, want 200 saying so", code)
	}
	if code, v := b.json("POST", "/api/v1/session", signInBody("slot", u.Email, oldPassword)); code != 200 {
		t.Fatalf("sign in after the unlock on the page = %d %v, want 200", code, v)
	}
}
