package main

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"html"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname"
	xhtml "golang.org/x/net/html"
)

// pinChecked finds the PIN checkbox ticked.
var pinChecked = regexp.MustCompile(`id="pincode"[^>]* checked`)

// pageCaller is someone signed in who reads and sends pages in a language.
type pageCaller struct {
	s      *server
	secret string
	lang   string
}

// signedIn makes a person of org with role and signs them in.
func signedIn(t *testing.T, s *server, octx context.Context, email, name string, role opname.Role) (*opname.User, *pageCaller) {
	t.Helper()
	u := &opname.User{Email: email, Name: name, Role: role}
	if err := s.db.CreateUser(octx, u); err != nil {
		t.Fatal(err)
	}
	once, _, err := s.db.CreateOneTime(octx, u.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := s.db.Redeem(context.Background(), once, "een lange zin als wachtwoord")
	if err != nil {
		t.Fatal(err)
	}
	return u, &pageCaller{s: s, secret: secret, lang: "nl"}
}

// do sends a request (a form when form is not nil) and returns the status,
// the body and where a redirect leads.
func (c *pageCaller) do(t *testing.T, method, path string, form url.Values) (int, string, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r, err := http.NewRequest(method, c.s.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	r.Header.Set("Accept", "text/html")
	r.AddCookie(&http.Cookie{Name: "lang", Value: c.lang})
	r.AddCookie(&http.Cookie{Name: c.s.web.SessionCookie(), Value: c.secret})
	resp, err := noRedirect.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data), resp.Header.Get("Location")
}

// text is a page's text as a person reads it, markup and escapes gone.
func text(page string) string {
	doc, err := xhtml.Parse(strings.NewReader(page))
	if err != nil {
		return page
	}
	_, texts := pageText(doc)
	return strings.Join(texts, " ")
}

// TestLinkSettingsPage: the administrator finds the page for client links
// and complaints from the home and policy pages; it shows the policy's
// defaults; bad input is refused with the field named in Dutch and what was
// typed kept; a change is stored, logged and made once when sent twice;
// another organisation's administrator sees only their own settings, and
// staff do not reach the page.
func TestLinkSettingsPage(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, s *server) {
		org, octx, admin, staff, officer, otherAdmin := settingsPeople(t, s, "opvang", "blijf-groep")

		for _, path := range []string{"/", "/beleid"} {
			if _, body, _ := admin.do(t, "GET", path, nil); !strings.Contains(body, `href="/clientlinks"`) {
				t.Errorf("%s does not lead the administrator to /clientlinks", path)
			}
		}
		code, body, _ := admin.do(t, "GET", "/clientlinks", nil)
		if code != 200 || !strings.Contains(body, `value="90"`) || !pinChecked.MatchString(body) ||
			!strings.Contains(body, opname.OmbudsmanComplaintsURL) || !strings.Contains(text(body), "Cliëntlinks en klachten") {
			t.Fatalf("GET /clientlinks = %d; want the defaults of blijf-groep (90 days, a PIN) and the Ombudsman:\n%s", code, text(body))
		}

		typed := url.Values{"versie": {"0"}, "dagen": {"30"}, "klachten_nl": {"Bel de klachtenfunctionaris."}, "klachten_en": {"Call the complaints officer."}, "klachten_adres": {"https://www.opvang.nl/klachten"}}
		long := strings.Repeat("lang ", 401)
		for _, c := range []struct {
			field, value string
			want         []string // in the page's text
		}{
			{"dagen", "0", []string{"Hoe lang werkt een link: \"0\" kan niet. Kies een aantal dagen van 1 tot en met 365."}},
			{"dagen", "400", []string{"Hoe lang werkt een link: \"400\" kan niet."}},
			{"dagen", "dertig", []string{"Hoe lang werkt een link: \"dertig\" kan niet."}},
			{"klachten_adres", "http://www.opvang.nl/klachten", []string{"Webadres van uw klachtenregeling: \"http://www.opvang.nl/klachten\" is niet veilig. Gebruik een adres dat begint met https://"}},
			{"klachten_adres", "www.opvang.nl", []string{"Webadres van uw klachtenregeling: \"www.opvang.nl\" is geen webadres."}},
			{"klachten_nl", long, []string{"Uitleg in het Nederlands: de tekst mag ten hoogste 2000 tekens hebben; dit zijn er 2004."}},
		} {
			form := url.Values{}
			for k, v := range typed {
				form[k] = v
			}
			form.Set(c.field, c.value)
			code, body, _ := admin.do(t, "POST", "/clientlinks", form)
			page := text(body)
			if code != http.StatusBadRequest {
				t.Errorf("%s=%.20q: status %d, want 400", c.field, c.value, code)
			}
			for _, w := range c.want {
				if !strings.Contains(page, w) {
					t.Errorf("%s=%.20q: the page does not say %q:\n%s", c.field, c.value, w, page)
				}
			}
			// What was typed is still there, this field and the others.
			for name, kept := range map[string]string{c.field: html.EscapeString(strings.TrimSpace(c.value)), "klachten_nl": "Bel de klachtenfunctionaris.", "klachten_en": "Call the complaints officer."} {
				if name == c.field {
					kept = html.EscapeString(strings.TrimSpace(c.value))
				}
				if !strings.Contains(body, kept) {
					t.Errorf("%s=%.20q: the page lost %.40q", c.field, c.value, kept)
				}
			}
		}
		if got, err := s.db.LinkSettings(octx); err != nil || got.Version != 0 {
			t.Fatalf("after refused changes: %+v, %v", got, err)
		}

		for range 2 {
			code, _, at := admin.do(t, "POST", "/clientlinks", typed)
			if code != http.StatusSeeOther || at != "/clientlinks?bewaard=1" {
				t.Fatalf("POST /clientlinks = %d to %q", code, at)
			}
		}
		got, err := s.db.LinkSettings(octx)
		if err != nil || got.Version != 1 || got.LinkDays != 30 || got.RequirePIN || got.ComplaintsURL != "https://www.opvang.nl/klachten" || got.ComplaintsEN != "Call the complaints officer." {
			t.Fatalf("stored = %+v, %v; want the change, once", got, err)
		}
		_, body, _ = admin.do(t, "GET", "/clientlinks?bewaard=1", nil)
		if page := text(body); !strings.Contains(page, "De instellingen zijn bewaard.") || !strings.Contains(page, "Laatst gewijzigd door Bea Beheer") || pinChecked.MatchString(body) {
			t.Errorf("after the change:\n%s", page)
		}
		if events := changesLogged(t, s, actorCtxOf(t, s, octx, officer), "link_settings"); len(events) != 1 || events[0].UserName != "Bea Beheer" || !strings.Contains(events[0].Purpose, "link_days 90 -> 30") {
			t.Errorf("logged %+v, want one change by Bea Beheer", events)
		}
		// A form shown before the change is not sent over it.
		stale := url.Values{"versie": {"0"}, "dagen": {"14"}}
		if code, body, _ := admin.do(t, "POST", "/clientlinks", stale); code != http.StatusConflict || !strings.Contains(text(body), "Iemand anders heeft de instellingen net gewijzigd") {
			t.Errorf("a change on version 0 after version 1 = %d:\n%s", code, text(body))
		}

		code, body, _ = otherAdmin.do(t, "GET", "/clientlinks", nil)
		if code != 200 || !strings.Contains(body, `value="90"`) || strings.Contains(body, "klachtenfunctionaris") || pinChecked.MatchString(body) {
			t.Errorf("the other organisation's administrator sees %d:\n%s", code, text(body))
		}
		if code, _, _ := otherAdmin.do(t, "POST", "/clientlinks", url.Values{"versie": {"1"}, "dagen": {"7"}}); code != http.StatusConflict {
			t.Errorf("the other organisation's administrator changed version 1: %d", code)
		}
		if got, _ := s.db.LinkSettings(octx); got.LinkDays != 30 {
			t.Errorf("org opvang's settings changed by another organisation: %+v", got)
		}
		if code, _, _ := staff.do(t, "GET", "/clientlinks", nil); code != http.StatusNotFound {
			t.Errorf("staff reach the page: %d", code)
		}

		admin.lang = "en"
		_, body, _ = admin.do(t, "POST", "/clientlinks", url.Values{"versie": {"1"}, "dagen": {"0"}})
		if page := text(body); !strings.Contains(page, "How long does a link work: \"0\" is not possible.") {
			t.Errorf("in English:\n%s", page)
		}
		_ = org
	})
}

// settingsPeople makes an organisation with slug under a shipped policy,
// signs in its administrator (Bea Beheer), a staff member and a privacy
// officer, and the administrator of another organisation.
func settingsPeople(t *testing.T, s *server, slug, policy string) (org *opname.Organisation, octx context.Context, admin, staff, officer, otherAdmin *pageCaller) {
	t.Helper()
	org, octx = newOrg(t, s, slug, policy, false)
	_, admin = signedIn(t, s, octx, "beheer@"+slug+".nl", "Bea Beheer", opname.RoleAdmin)
	_, staff = signedIn(t, s, octx, "staf@"+slug+".nl", "Stijn Staf", opname.RoleStaff)
	_, officer = signedIn(t, s, octx, "privacy@"+slug+".nl", "Pim Privacy", opname.RolePrivacyOfficer)
	_, other := newOrg(t, s, "ander-"+slug, "ombudsman", false)
	_, otherAdmin = signedIn(t, s, other, "beheer@ander-"+slug+".nl", "Ada Ander", opname.RoleAdmin)
	return org, octx, admin, staff, officer, otherAdmin
}

// changesLogged are the access log's records of changes to objects of
// objectType, as the privacy officer of ctx finds them.
func changesLogged(t *testing.T, s *server, ctx context.Context, objectType string) []opname.AccessEvent {
	t.Helper()
	events, err := s.db.Search(ctx, opname.AccessFilter{Action: opname.AccessUpdate})
	if err != nil {
		t.Fatal(err)
	}
	var out []opname.AccessEvent
	for _, e := range events {
		if e.ObjectType == objectType {
			out = append(out, e)
		}
	}
	return out
}

// actorCtxOf is the context of the person c is signed in as.
func actorCtxOf(t *testing.T, s *server, octx context.Context, c *pageCaller) context.Context {
	t.Helper()
	a, _, err := s.db.Authenticate(context.Background(), c.secret)
	if err != nil {
		t.Fatal(err)
	}
	return opname.WithActor(context.Background(), a)
}

// objectTypesInSource reads the object types of access events in the
// source, as the web's TestObjectTypesSaid does.
func objectTypesInSource(t *testing.T) []string {
	t.Helper()
	seen := map[string]bool{}
	fset := token.NewFileSet()
	for _, dir := range []string{"../..", "../../vault", "../../sqldb", "../../web"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, file, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				var v ast.Expr
				switch n := n.(type) {
				case *ast.KeyValueExpr:
					if k, ok := n.Key.(*ast.Ident); ok && k.Name == "ObjectType" {
						v = n.Value
					}
				case *ast.CallExpr:
					if sel, ok := n.Fun.(*ast.SelectorExpr); ok && (sel.Sel.Name == "logRead" || sel.Sel.Name == "logList") && len(n.Args) > 2 {
						v = n.Args[2]
					}
				}
				if b, ok := v.(*ast.BasicLit); ok && b.Kind == token.STRING {
					s, _ := strconv.Unquote(b.Value)
					seen[s] = true
				}
				return true
			})
		}
	}
	var out []string
	for typ := range seen {
		out = append(out, typ)
	}
	slices.Sort(out)
	if len(out) < 15 {
		t.Fatalf("found %d object types; the reading of the source is broken", len(out))
	}
	return out
}

// TestWhoLookedInPlainWords: the client's page shows staff who looked at
// the client's data as the client will read it, with every action on every
// object type the source logs said in Dutch and in English (no word of
// the other language, no message key), and reading it is itself logged.
func TestWhoLookedInPlainWords(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, s *server) {
		org, octx := newOrg(t, s, "wiekeek", "veilig-thuis-utrecht", false)
		staffUser, staff := signedIn(t, s, octx, "petra@wiekeek.nl", "Petra Smit", opname.RoleStaff)
		_, officer := signedIn(t, s, octx, "privacy@wiekeek.nl", "Pim Privacy", opname.RolePrivacyOfficer)
		c := &opname.Client{Name: "Anna de Vries", DossierRef: "D-7", Contact: "anna@example.nl"}
		if err := s.db.CreateClient(octx, c); err != nil {
			t.Fatal(err)
		}
		if err := s.db.Assign(octx, c.ID, staffUser.ID); err != nil {
			t.Fatal(err)
		}
		types := objectTypesInSource(t)
		var events []opname.AccessEvent
		for _, typ := range types {
			for _, a := range opname.AccessActions {
				events = append(events, opname.AccessEvent{Action: a, ClientID: c.ID, ObjectType: typ, ObjectID: "x"})
			}
		}
		for _, p := range []string{"playback", "download", "printable", "audit", "participants", "list of 3", "list of 2; printable", "copy handed to Kees", "decision.pdf", "recording page", "erase", "receipt"} {
			events = append(events, opname.AccessEvent{Action: opname.AccessRead, ClientID: c.ID, ObjectType: "recording", Purpose: p})
		}
		events = append(events, opname.AccessEvent{Action: opname.AccessCopy, Outcome: "failure", ClientID: c.ID, ObjectType: "recording"},
			opname.AccessEvent{Action: opname.AccessCopy, ClientID: c.ID, ObjectType: "recording", Purpose: "download"})
		if err := s.db.Record(actorCtx(org, staffUser), events...); err != nil {
			t.Fatal(err)
		}
		if err := s.db.Record(octx, opname.AccessEvent{Action: opname.AccessUpdate, ClientID: c.ID, ObjectType: "recording"}); err != nil {
			t.Fatal(err)
		}
		data := []string{"Anna de Vries", "Petra Smit", "Kees", "D-7", "anna@example.nl", org.Name, "Test"}
		// The overview comes a page at a time: every page is read.
		seenNext := regexp.MustCompile(`href="(/clienten/[^"]*\?gezien=[^"]*)" rel="next"`)
		pages := 0
		for _, lang := range []string{"nl", "en"} {
			staff.lang = lang
			var texts []string
			n := 0
			for path := "/clienten/" + c.ID; path != ""; {
				code, body, _ := staff.do(t, "GET", path, nil)
				if code != 200 {
					t.Fatalf("GET %s (%s) = %d", path, lang, code)
				}
				pages++
				n += strings.Count(body, `class="seen__item"`)
				doc, err := xhtml.Parse(strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				_, pageTexts := pageText(doc)
				texts = append(texts, pageTexts...)
				path = ""
				if m := seenNext.FindStringSubmatch(body); m != nil {
					path = html.UnescapeString(m[1])
				}
			}
			if n < len(events)+1 {
				t.Errorf("%s: %d lines, want at least %d", lang, n, len(events)+1)
			}
			for _, p := range langProblems(lang, texts, data) {
				t.Errorf("%s: %s", lang, p)
			}
			page := strings.Join(texts, " ")
			for _, want := range map[string][]string{
				"nl": {"Wie keek er in het dossier", "Petra Smit (medewerker) speelde uw opname af.", "Het systeem veranderde uw opname.", "Waarom: kopie gegeven aan Kees", "CEST", "(dat lukte niet)"},
				"en": {"Who looked at the file", "Petra Smit (staff member) downloaded your recording.", "The system changed your recording.", "Why: to print it"},
			}[lang] {
				if !strings.Contains(page, want) && !(want == "CEST" && strings.Contains(page, "CET")) {
					t.Errorf("%s: the page does not say %q", lang, want)
				}
			}
		}
		// Each reading of the page is a logged read of the overview.
		logged, err := s.db.Search(actorCtxOf(t, s, octx, officer), opname.AccessFilter{ClientID: c.ID, UserID: staffUser.ID, Action: opname.AccessRead, Limit: opname.AccessPageMax})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range logged {
			if e.ObjectType == "access_overview" && e.ObjectID == "" {
				n++
			}
		}
		if n != pages {
			t.Errorf("%d reads of the overview logged, want %d (one a page)", n, pages)
		}
	})
}
