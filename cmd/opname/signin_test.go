package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb"
)

// browser is an HTTP client with cookies that does not follow redirects.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, path, contentType, body string) (int, string, http.Header) {
	b.t.Helper()
	r, err := http.NewRequest(method, b.base+path, strings.NewReader(body))
	if err != nil {
		b.t.Fatal(err)
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	r.Header.Set("Accept", "text/html")
	resp, err := b.c.Do(r)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data), resp.Header
}

func (b *browser) json(method, path, body string) (int, map[string]any) {
	b.t.Helper()
	code, text, _ := b.do(method, path, "application/json", body)
	var v map[string]any
	_ = json.Unmarshal([]byte(text), &v)
	return code, v
}

func (b *browser) form(path string, v url.Values) (int, string, http.Header) {
	return b.do("POST", path, "application/x-www-form-urlencoded", v.Encode())
}

// secureOrg makes an organisation that requires a second factor, with one
// staff member, and returns a one-time sign-in code for them.
func secureOrg(t *testing.T, s *server) string {
	t.Helper()
	_, octx := newOrg(t, s, "veilig", "ombudsman", true)
	u := &opname.User{Email: "sanne@veilig.nl", Name: "Sanne", Role: opname.RoleStaff}
	if err := s.db.CreateUser(octx, u); err != nil {
		t.Fatal(err)
	}
	secret, _, err := s.db.CreateOneTime(octx, u.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// TestSignInJourneyAPI walks a person through the API: one-time code, the
// second factor set up and used, sign-out, sign-in with a password, a
// replayed code, and the wait after wrong passwords.
func TestSignInJourneyAPI(t *testing.T) {
	t.Parallel()
	dialects(t, testSignInJourneyAPI)
}

func testSignInJourneyAPI(t *testing.T, s *server) {
	once := secureOrg(t, s)
	b := newBrowser(t, s.URL)
	const password = "een lange zin als wachtwoord"

	code, v := b.json("POST", "/api/v1/session/one-time", `{"secret": "`+once+`", "password": "`+password+`"}`)
	if code != 200 || v["second_factor_needed"] != true {
		t.Fatalf("redeem = %d %v; want 200 and a second factor needed", code, v)
	}
	if code, v := b.json("GET", "/api/v1/me", ""); code != 401 || !strings.Contains(v["error"].(map[string]any)["message"].(string), "authenticator") {
		t.Fatalf("me before the second factor = %d %v; want 401", code, v)
	}
	code, v = b.json("POST", "/api/v1/me/totp", "")
	if code != 201 || !strings.HasPrefix(v["uri"].(string), "otpauth://totp/opname:sanne@veilig.nl?") {
		t.Fatalf("begin totp = %d %v", code, v)
	}
	secret := v["secret"].(string)
	if code, _ := b.json("PUT", "/api/v1/me/totp", `{"code": "000000"}`); code != 400 {
		t.Fatalf("a wrong code = %d, want 400", code)
	}
	now, _ := opname.TOTPCode(secret, time.Now())
	if code, v := b.json("PUT", "/api/v1/me/totp", `{"code": "`+now+`"}`); code != 204 {
		t.Fatalf("confirm totp = %d %v", code, v)
	}
	if code, v := b.json("GET", "/api/v1/me", ""); code != 200 || v["totp_enabled"] != true {
		t.Fatalf("me after the second factor = %d %v", code, v)
	}
	if code, _ := b.json("DELETE", "/api/v1/session", ""); code != 204 {
		t.Fatalf("sign out = %d", code)
	}
	if code, _ := b.json("GET", "/api/v1/me", ""); code != 401 {
		t.Fatalf("me after sign-out = %d, want 401", code)
	}

	code, v = b.json("POST", "/api/v1/session", `{"organisation": "veilig", "email": "Sanne@Veilig.nl", "password": "`+password+`"}`)
	if code != 200 || v["second_factor_needed"] != true {
		t.Fatalf("sign in = %d %v", code, v)
	}
	if code, _ := b.json("POST", "/api/v1/session/totp", `{"code": "`+now+`"}`); code != 400 {
		t.Fatalf("a replayed code = %d, want 400", code)
	}
	next, _ := opname.TOTPCode(secret, time.Now().Add(30*time.Second))
	if code, v := b.json("POST", "/api/v1/session/totp", `{"code": "`+next+`"}`); code != 204 {
		t.Fatalf("verify = %d %v", code, v)
	}
	if code, _ := b.json("GET", "/api/v1/me", ""); code != 200 {
		t.Fatalf("me = %d, want 200", code)
	}

	other := newBrowser(t, s.URL)
	// The wrong codes above count too: the wait comes after at most
	// FreeFailures wrong passwords.
	for i := 0; ; i++ {
		code, v := other.json("POST", "/api/v1/session", `{"organisation": "veilig", "email": "sanne@veilig.nl", "password": "not my password"}`)
		if code == 429 && i > 0 {
			break
		}
		if code != 401 || i == sqldb.FreeFailures {
			t.Fatalf("wrong password %d = %d %v; want 401 and then 429", i+1, code, v)
		}
	}
	if code, v := other.json("POST", "/api/v1/session", `{"organisation": "veilig", "email": "sanne@veilig.nl", "password": "`+password+`"}`); code != 429 {
		t.Fatalf("sign in from the failing address during the wait = %d %v, want 429", code, v)
	}
}

// TestSignInJourneyPages walks the same way through the pages: the
// welcome link, the QR code, the code, the home page, and sign-out.
func TestSignInJourneyPages(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	once := secureOrg(t, s)
	b := newBrowser(t, s.URL)

	code, body, _ := b.do("GET", "/welkom?code="+once, "", "")
	if code != 200 || !strings.Contains(body, `value="`+once+`"`) || !strings.Contains(body, `lang="nl"`) {
		t.Fatalf("welcome page = %d", code)
	}
	code, body, _ = b.form("/welkom", url.Values{"code": {once}, "wachtwoord": {"kort"}, "herhaal": {"kort"}})
	if code != 400 || !strings.Contains(body, "minstens 12") && !strings.Contains(body, "at least 12") {
		t.Fatalf("a short password = %d, want 400 with the rule", code)
	}
	code, _, h := b.form("/welkom", url.Values{"code": {once}, "wachtwoord": {"een lange zin als wachtwoord"}, "herhaal": {"een lange zin als wachtwoord"}})
	if code != 303 || h.Get("Location") != "/tweede-stap" {
		t.Fatalf("welcome = %d to %q; want the second step", code, h.Get("Location"))
	}
	if code, _, h := b.do("GET", "/clienten", "", ""); code != 303 || h.Get("Location") != "/tweede-stap" {
		t.Fatalf("a page before the second step = %d to %q", code, h.Get("Location"))
	}
	code, body, _ = b.do("GET", "/tweede-stap", "", "")
	if code != 200 || !strings.Contains(body, `src="data:image/png;base64,`) {
		t.Fatalf("second step page = %d, want a QR code", code)
	}
	m := regexp.MustCompile(`<code class="secret">([A-Z2-7 ]+)</code>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no secret to type over on the page")
	}
	// The page made a new pending secret; a code from it confirms.
	totp, _ := opname.TOTPCode(strings.ReplaceAll(m[1], " ", ""), time.Now())
	code, _, h = b.form("/tweede-stap", url.Values{"code": {totp}})
	if code != 303 || h.Get("Location") != "/" {
		t.Fatalf("second step = %d to %q", code, h.Get("Location"))
	}
	code, body, _ = b.do("GET", "/", "", "")
	if code != 200 || !strings.Contains(body, "Welkom, Sanne") {
		t.Fatalf("home = %d", code)
	}
	code, _, _ = b.do("GET", "/taal?lang=en", "", "")
	if code != 303 {
		t.Fatalf("language switch = %d", code)
	}
	if _, body, _ := b.do("GET", "/", "", ""); !strings.Contains(body, "Welcome, Sanne") || !strings.Contains(body, `lang="en"`) {
		t.Fatal("the English switch did not switch")
	}
	if code, _, h := b.form("/afmelden", nil); code != 303 || h.Get("Location") != "/aanmelden" {
		t.Fatalf("sign out = %d", code)
	}
	if code, _, h := b.do("GET", "/", "", ""); code != 303 || !strings.HasPrefix(h.Get("Location"), "/aanmelden") {
		t.Fatalf("home after sign-out = %d to %q", code, h.Get("Location"))
	}
}

// TestCrossOriginFormRefused checks CSRF protection: a form posted from
// another site is refused.
func TestCrossOriginFormRefused(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	r, _ := http.NewRequest("POST", s.URL+"/aanmelden", strings.NewReader("organisatie=x&email=a@b.nl&wachtwoord=x"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", "https://evil.example")
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site form post = %d, want 403", resp.StatusCode)
	}
}

// TestSessionCookie checks the cookie's attributes on loopback HTTP.
func TestSessionCookie(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	once := secureOrg(t, s)
	b := newBrowser(t, s.URL)
	_, _, h := b.do("POST", "/api/v1/session/one-time", "application/json", `{"secret": "`+once+`", "password": "een lange zin als wachtwoord"}`)
	c := h.Get("Set-Cookie")
	for _, want := range []string{"opname_session=ses_", "Path=/", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(c, want) {
			t.Errorf("Set-Cookie %q lacks %q", c, want)
		}
	}
}

// TestExpiredSession checks that a session nobody used for longer than the
// idle timeout, or one older than the absolute limit, no longer signs in.
func TestExpiredSession(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	once := secureOrg(t, s)
	raw := rawSQLite(t, s.dataDir)
	for _, c := range []struct {
		name, column string
		age          time.Duration
	}{{"idle", "last_seen", sqldb.SessionIdle + time.Minute}, {"absolute", "created_at", sqldb.SessionMax + time.Minute}} {
		t.Run(c.name, func(t *testing.T) {
			secret, _, err := s.db.CreateOneTime(opname.WithActor(context.Background(), systemIn(t, s, "veilig")), userID(t, s, "veilig", "sanne@veilig.nl"), time.Hour)
			if c.name == "idle" {
				secret = once
			}
			if err != nil {
				t.Fatal(err)
			}
			b := newBrowser(t, s.URL)
			if code, _ := b.json("POST", "/api/v1/session/one-time", `{"secret": "`+secret+`", "password": "een lange zin als wachtwoord"}`); code != 200 {
				t.Fatalf("sign in = %d", code)
			}
			if code, _ := b.json("POST", "/api/v1/me/totp", ""); code != 201 {
				t.Fatalf("the fresh session does not work: %d", code)
			}
			old := time.Now().Add(-c.age).UnixMicro()
			if _, err := raw.Exec(`UPDATE sessions SET `+c.column+` = ?`, old); err != nil {
				t.Fatal(err)
			}
			code, v := b.json("POST", "/api/v1/me/totp", "")
			if code != 401 {
				t.Fatalf("an expired session = %d %v, want 401", code, v)
			}
		})
	}
}

func systemIn(t *testing.T, s *server, slug string) opname.Actor {
	t.Helper()
	org, err := s.db.OrganisationBySlug(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	a := opname.System("test")
	a.OrgID = org.ID
	return a
}

func userID(t *testing.T, s *server, slug, email string) string {
	t.Helper()
	users, err := s.db.Users(opname.WithActor(context.Background(), systemIn(t, s, slug)))
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Email == email {
			return u.ID
		}
	}
	t.Fatalf("no user %s", email)
	return ""
}
