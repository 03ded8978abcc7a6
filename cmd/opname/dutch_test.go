package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/vault"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// The language test reads every page as every kind of person does, in Dutch,
// with the demo organisations filled with conversations, requests in each
// state, incidents and recordings, and sends every form it finds empty and
// with bad input. A page that shows an English word or a message key as it
// is fails it. It finds the pages by following links from the pages every
// route without parameters shows, and fails when a route of the table was
// never reached, so that a new page is read as soon as it is linked.

// langPassword is the password of every person of the language test.
const langPassword = "een lange zin als wachtwoord"

// langCaller is someone who reads the pages: a person of a demo
// organisation, someone not signed in, or someone halfway through signing
// in.
type langCaller struct {
	name    string // "demo-axiehuis/staff"
	secret  string // session secret; "" for anonymous
	renew   func() string
	entries []string // where to start besides the routes without parameters
	org     string
	// link is the session secret of a client's link, for a link holder;
	// renewLink opens the link anew when the scan stopped it.
	link      string
	renewLink func() string
}

// langSite is a server with demo data and who reads it.
type langSite struct {
	s       *server
	callers []*langCaller
	// data are texts people entered, which the check leaves alone.
	data []string
	// mux finds the route of a path.
	mux *http.ServeMux
	// access is each route's access, by key.
	access map[string]string
}

// newLangSite seeds the demo organisations and gives each more to show: a
// second conversation with a parent and a child, requests waiting, decided,
// agreed, refused for weighty reasons, a staff member who declines,
// incidents, recordings (an edit, an erased one, one whose check failed), a
// second client, an API token.
func newLangSite(t *testing.T, s *server) *langSite {
	t.Helper()
	ctx := context.Background()
	if err := seedDemo(ctx, io.Discard, s.db, s.URL); err != nil {
		t.Fatal(err)
	}
	site := &langSite{s: s, mux: http.NewServeMux(), access: map[string]string{}}
	for _, r := range s.web.Routes() {
		site.mux.HandleFunc(r.Key(), func(http.ResponseWriter, *http.Request) {})
		site.access[r.Key()] = r.Access.String()
	}
	site.data = []string{"Anna de Vries", "Bram Jansen", "D-1001", "D-1002", "Kennismaking en afspraken",
		"Het verslag van de kennismaking", "Mijn adres klopt niet. Het is Dorpsstraat 1."}
	for _, p := range demoPeople {
		site.data = append(site.data, p.name)
	}
	slugs := []string{"demo-ombudsman", "demo-maatschappelijke-opvang", "demo-veilig-thuis-utrecht", "demo-axiehuis", "demo-blijf-groep"}
	for _, slug := range slugs {
		org, err := s.db.OrganisationBySlug(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		site.data = append(site.data, org.Name, slug)
		sys := opname.System("test")
		sys.OrgID = org.ID
		octx := opname.WithActor(ctx, sys)
		users, err := s.db.Users(octx)
		if err != nil {
			t.Fatal(err)
		}
		byRole := map[opname.Role]*opname.User{}
		for i := range users {
			u := &users[i]
			byRole[u.Role] = u
			site.data = append(site.data, u.Email)
			c := &langCaller{name: slug + "/" + string(u.Role), org: slug}
			c.renew = func() string {
				once, _, err := s.db.CreateOneTime(octx, u.ID, time.Hour)
				if err != nil {
					t.Fatal(err)
				}
				secret, _, err := s.db.Redeem(ctx, once, langPassword)
				if err != nil {
					t.Fatal(err)
				}
				return secret
			}
			c.secret = c.renew()
			site.callers = append(site.callers, c)
		}
		site.enrich(t, org, octx, byRole)
	}
	site.callers = append(site.callers, &langCaller{name: "anonymous", entries: []string{"/aanmelden/oidc/terug"}})
	pending := secureOrg(t, s)
	secret, _, err := s.db.Redeem(ctx, pending, langPassword)
	if err != nil {
		t.Fatal(err)
	}
	site.callers = append(site.callers, &langCaller{name: "second step", secret: secret, entries: []string{"/tweede-stap"}})
	return site
}

// enrich gives an organisation something on every page.
func (site *langSite) enrich(t *testing.T, org *opname.Organisation, octx context.Context, people map[opname.Role]*opname.User) {
	t.Helper()
	s := site.s
	staff, manager := actorCtx(org, people[opname.RoleStaff]), actorCtx(org, people[opname.RoleManager])
	clients, err := s.db.Clients(octx)
	if err != nil || len(clients) < 2 {
		t.Fatalf("demo clients: %v %v", clients, err)
	}
	anna, bram := clients[0], clients[1]
	if anna.Name != "Anna de Vries" {
		anna, bram = bram, anna
	}
	if err := s.db.Assign(octx, bram.ID, people[opname.RoleStaff].ID); err != nil {
		t.Fatal(err)
	}
	// Some steps depend on the policy: a request that needs no manager
	// cannot be sent to one. Those are left out, and say so.
	step := func(what string, err error) bool {
		if err != nil {
			t.Logf("%s: %s: %v", org.Slug, what, err)
			return false
		}
		return true
	}
	texts := []string{"Veiligheidsplan bespreken", "Petra de Vries", "Kees", "Cliënte wil het gesprek later terugkijken.", "Team Noord",
		"Akkoord, met de afspraken over bewaren.", "Er is gevaar voor een ander in het gezin.", "Een collega neemt het gesprek over.",
		"Een telefoon op tafel nam stiekem op.", "Gevraagd om te stoppen.", "De afspraken over delen zijn niet nagekomen.",
		"Het eerste deel is weggeknipt.", "Voor de klachtencommissie.", "De cliënt, per brief.", "De bewaartermijn is voorbij.", "Dossiersysteem", "mr. De Boer"}
	site.data = append(site.data, texts...)
	w := s.web.Workflow
	c := &opname.Conversation{ClientID: anna.ID, At: time.Now().Add(-time.Hour).Truncate(time.Minute), Location: "office", Topic: texts[0],
		Participants: []opname.Participant{{Role: "client", Name: anna.Name}, {Role: "staff", Name: people[opname.RoleStaff].Name, UserID: people[opname.RoleStaff].ID},
			{Role: "parent", Name: texts[1]}, {Role: "child", Name: texts[2], Age: ptr(9)}, {Role: "staff", Name: "Tweede collega"}}}
	site.data = append(site.data, "Tweede collega")
	if err := w.Open(staff, c); err != nil {
		t.Fatal(err)
	}
	audio := opname.Act{Action: "record", Medium: "audio", By: "client", Recorder: ptr(0)}
	if _, err := w.Ask(staff, c.ID, audio); err != nil {
		t.Fatal(err)
	}
	video := opname.Act{Action: "record", Medium: "video", By: "client", Recorder: ptr(0)}
	if r, err := w.Ask(staff, c.ID, video); step("ask video", err) {
		if _, err := w.AskManager(staff, r.ID, texts[3], texts[4]); step("ask the manager", err) {
			if _, err := w.Decide(manager, r.ID, true, texts[5]); step("decide", err) {
				step("agree", func() error { _, err := w.Agree(staff, r.ID, "printed", true, false); return err }())
			}
		}
	}
	if r, err := w.Ask(staff, c.ID, video); step("ask video again", err) {
		step("ask the manager again", func() error { _, err := w.AskManager(staff, r.ID, texts[3], texts[4]); return err }())
	}
	byStaff := opname.Act{Action: "record", Medium: "audio", By: "organisation", Recorder: ptr(1)}
	if r, err := w.Ask(staff, c.ID, byStaff); step("ask as staff", err) {
		if _, err := w.Answer(staff, r.ID, 0, true, "in_person"); step("answer", err) {
			step("answer no", func() error { _, err := w.Answer(staff, r.ID, 2, false, "on_paper"); return err }())
		}
	}
	if r, err := w.Ask(staff, c.ID, audio); step("ask for weighty reasons", err) {
		if _, err := w.Weighty(staff, r.ID, texts[6], "written_report"); step("weighty", err) {
			step("choose", func() error { _, err := w.Choose(staff, r.ID, "written_report"); return err }())
		}
	}
	shared, err := s.web.Vault.Ingest(staff, vault.Upload{ClientID: anna.ID, ConversationID: c.ID, Source: "organisation", Body: bytes.NewReader(wav(1, 9))})
	if err != nil {
		t.Fatal(err)
	}
	share := opname.Act{Action: "share", Medium: "audio", By: "client", Recorder: ptr(0), Recipient: "lawyer", Share: &opname.Share{What: "recording", ID: shared.ID, To: texts[16], Why: texts[12]}}
	step("ask to share", func() error { _, err := w.Ask(staff, c.ID, share); return err }())
	// The organisation gives the recording to a lawyer: the staff's
	// forms to give and stop a recipient's link, the client's to stop
	// one, and the recipient's pages, with and without a code.
	give := opname.Act{Action: "share", Medium: "audio", By: "organisation", Recipient: "lawyer", Share: &opname.Share{What: "recording", ID: shared.ID, To: texts[16], Why: texts[12]}}
	if r, err := w.Ask(staff, c.ID, give); step("ask to give", err) {
		if v, err := w.ViewOne(staff, c, r); step("view the share", err) {
			for _, p := range v.Next.Ask {
				step("consent to share", func() error { _, err := w.Answer(staff, r.ID, p.Participant, true, "in_person"); return err }())
			}
		}
		// The staff member opens its page first: a conversation's many
		// requests would leave it out of the walk.
		for _, caller := range site.callers {
			if caller.name == org.Slug+"/"+string(opname.RoleStaff) {
				caller.entries = append(caller.entries, "/verzoeken/"+r.ID)
			}
		}
		for _, code := range []bool{false, true} {
			if secret, _, err := s.db.CreateRecipientLink(staff, &opname.RecipientLink{RequestID: r.ID}, opname.RecipientOptions{WithCode: code}); step("give a recipient link", err) {
				site.callers = append(site.callers, &langCaller{name: org.Slug + "/recipient", org: org.Slug, entries: []string{"/d/" + secret}})
			}
		}
	}
	step("decline", func() error { _, err := w.Decline(staff, c.ID, 4, texts[7]); return err }())
	inc := &opname.Incident{ClientID: anna.ID, ConversationID: c.ID, Kind: "covert_recording", Description: texts[8]}
	if err := w.OpenIncident(staff, inc); err != nil {
		t.Fatal(err)
	}
	step("step", func() error { _, err := w.TakeStep(staff, inc.ID, inc.Ladder[0], texts[9]); return err }())
	broken := &opname.Incident{ClientID: anna.ID, ConversationID: c.ID, Kind: "agreements_broken", Description: texts[10]}
	if err := w.OpenIncident(staff, broken); err != nil {
		t.Fatal(err)
	}
	step("close", func() error { _, err := w.TakeStep(staff, broken.ID, "close", ""); return err }())

	rec, err := s.web.Vault.Ingest(staff, vault.Upload{ClientID: anna.ID, Source: "client_copy", Body: bytes.NewReader(wav(2, 40))})
	if err != nil {
		t.Fatal(err)
	}
	edit, err := s.web.Vault.Ingest(staff, vault.Upload{ClientID: anna.ID, Source: "organisation", Body: bytes.NewReader(wav(1, 41)), DerivedFrom: rec.ID,
		Edit: &opname.EditStatement{Changed: texts[11], Reason: texts[12], Told: texts[13]}})
	if err != nil {
		t.Fatal(err)
	}
	gone, err := s.web.Vault.Ingest(staff, vault.Upload{ClientID: anna.ID, Source: "organisation", Body: bytes.NewReader(wav(1, 42))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.web.Vault.Erase(manager, gone.ID, texts[14]); err != nil {
		t.Fatal(err)
	}
	if err := s.db.SetFixity(octx, edit.ID, opname.FixityCheck{CheckedAt: time.Now(), Problem: "it does not decrypt: a byte was changed"}); err != nil {
		t.Fatal(err)
	}
	// A recording of the conversation with a transcript beside it: the
	// link holders who took part see it and may add one of their own.
	talked, err := s.web.Vault.Ingest(staff, vault.Upload{ClientID: anna.ID, Source: "organisation", ConversationID: c.ID, Body: bytes.NewReader(wav(1, 43))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.web.Vault.IngestTranscript(staff, vault.Upload{DerivedFrom: talked.ID, Source: "organisation", Body: strings.NewReader("Medewerker: Goedemorgen.\n")}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.db.CreateToken(octx, people[opname.RoleStaff].ID, texts[15]); err != nil {
		t.Fatal(err)
	}
	// Retention: Anna's care ended long ago, so her agreements and
	// decisions are due and the privacy officer's form to destroy them
	// shows; Bram's records are on hold, with the form to release it.
	site.data = append(site.data, "Het dossier is gesloten.", "Er loopt een klacht.")
	if err := s.db.SetCareEnded(manager, anna.ID, time.Date(2005, 1, 1, 0, 0, 0, 0, time.UTC), "Het dossier is gesloten."); err != nil {
		t.Fatal(err)
	}
	if err := s.db.PlaceHold(manager, &opname.LegalHold{ClientID: bram.ID, Reason: "Er loopt een klacht."}); err != nil {
		t.Fatal(err)
	}
	site.linkHolders(t, org, staff, anna.ID)
}

// linkHolders adds the people of a client's links to the callers: the
// client and a parent, and someone who still has to choose a PIN; and a
// link whose PIN was chosen, for staff to clear.
func (site *langSite) linkHolders(t *testing.T, org *opname.Organisation, staff context.Context, client string) {
	t.Helper()
	db := site.s.db
	addr := opname.WithAddr(context.Background(), "192.0.2.7")
	open := func(party string, pin bool) (string, string) {
		code, err := db.CreateLink(staff, &opname.ClientLink{ClientID: client, Party: party, PINRequired: pin})
		if err != nil {
			t.Fatal(err)
		}
		secret, _, err := db.OpenLink(addr, code)
		if err != nil {
			t.Fatal(err)
		}
		return code, secret
	}
	_, chosen := open("client", true)
	if err := db.SetLinkPIN(addr, chosen, "24680"); err != nil {
		t.Fatal(err)
	}
	for _, party := range []string{"client", "parent"} {
		code, secret := open(party, false)
		c := &langCaller{name: org.Slug + "/link " + party, org: org.Slug, link: secret, entries: []string{"/l/gesprekken", "/l/" + code}}
		c.renewLink = func() string { _, secret := open(party, false); return secret }
		site.callers = append(site.callers, c)
	}
	_, pending := open("client", true)
	site.callers = append(site.callers, &langCaller{name: org.Slug + "/link pin", org: org.Slug, link: pending, entries: []string{"/l/pin"}})
}

func ptr[T any](v T) *T { return &v }

// langFinding is one problem on one kind of page.
type langFinding struct {
	where, problem string
}

// langScan is a walk of the pages in one language.
type langScan struct {
	site *langSite
	lang string
	// found holds each problem once per route, with the first page and
	// caller it was seen on.
	found map[langFinding]string
	// reached holds the routes read with an HTML answer.
	reached map[string]bool
	// forms are the forms found, once per caller and kind.
	forms []foundForm
	seen  map[string]bool
}

type foundForm struct {
	caller *langCaller
	method string
	action string
	fields []formField
	page   string
}

type formField struct {
	name, kind string // kind: hidden, text, textarea, select, radio, checkbox, password, email, number, datetime-local, submit
	value      string // hidden and submit values; the default of text
	options    []string
}

func newLangScan(site *langSite, lang string) *langScan {
	return &langScan{site: site, lang: lang, found: map[langFinding]string{}, reached: map[string]bool{}, seen: map[string]bool{}}
}

// route returns the route key of a request, or "".
func (sc *langScan) route(method, path string) string {
	r, err := http.NewRequest(method, sc.site.s.URL+path, nil)
	if err != nil {
		return ""
	}
	_, pattern := sc.site.mux.Handler(r)
	return pattern
}

// fetch sends a request as c and returns the answer, following redirects
// within the site, and renewing c's session once if it ended (a new
// sign-in link ends it).
func (sc *langScan) fetch(t *testing.T, c *langCaller, method, path string, form url.Values) (int, string, string, string) {
	t.Helper()
	for attempt := 0; ; attempt++ {
		code, body, ctype, at := sc.send(t, c, method, path, form)
		if c.renew != nil && attempt == 0 && strings.HasPrefix(at, "/aanmelden") && !strings.HasPrefix(path, "/aanmelden") {
			c.secret = c.renew()
			continue
		}
		if c.renewLink != nil && attempt == 0 && at == "/l" && path != "/l" {
			c.link = c.renewLink()
			continue
		}
		return code, body, ctype, at
	}
}

func (sc *langScan) send(t *testing.T, c *langCaller, method, path string, form url.Values) (code int, body, ctype, at string) {
	t.Helper()
	for range 5 {
		var r *http.Request
		var err error
		if method == "POST" {
			r, err = http.NewRequest(method, sc.site.s.URL+path, strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			r, err = http.NewRequest(method, sc.site.s.URL+path, nil)
		}
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Accept", "text/html")
		r.AddCookie(&http.Cookie{Name: "lang", Value: sc.lang})
		if c.secret != "" {
			r.AddCookie(&http.Cookie{Name: sc.site.s.web.SessionCookie(), Value: c.secret})
		}
		if c.link != "" {
			r.AddCookie(&http.Cookie{Name: sc.site.s.web.LinkCookie(), Value: c.link})
		}
		resp, err := noRedirect.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		at = path
		if resp.StatusCode/100 != 3 {
			return resp.StatusCode, string(data), resp.Header.Get("Content-Type"), at
		}
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || loc.Host != "" && sc.site.s.URL != "http://"+loc.Host {
			return resp.StatusCode, "", "", at
		}
		method, path, form = "GET", loc.RequestURI(), nil
		at = path
	}
	t.Fatalf("%s: too many redirects", path)
	return
}

// read fetches a page and scans it; it returns the links and forms on it.
func (sc *langScan) read(t *testing.T, c *langCaller, method, path string, form url.Values, what string) []string {
	t.Helper()
	code, body, ctype, at := sc.fetch(t, c, method, path, form)
	if code >= 500 {
		sc.note(sc.route(method, path), c, what, fmt.Sprintf("status %d", code))
	}
	if !strings.HasPrefix(ctype, "text/html") {
		return nil
	}
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	route := sc.route("GET", at)
	if method == "POST" && at == path {
		route = sc.route(method, path)
	}
	sc.reached[route] = true
	if method == "GET" && path != at {
		sc.reached[sc.route(method, path)] = true
	}
	lang, texts := pageText(doc)
	if lang != sc.lang {
		sc.note(route, c, what, "the page says lang="+lang)
	}
	for _, p := range langProblems(sc.lang, texts, sc.site.data) {
		sc.note(route, c, what, p)
	}
	return sc.collect(c, at, doc)
}

func (sc *langScan) note(route string, c *langCaller, what, problem string) {
	f := langFinding{route, problem}
	if _, ok := sc.found[f]; !ok {
		sc.found[f] = c.name + ": " + what
	}
}

// collect returns the links of a page that lead to other pages of the site,
// and keeps its forms.
func (sc *langScan) collect(c *langCaller, page string, doc *html.Node) []string {
	var links []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.A:
				if href := attr(n, "href"); strings.HasPrefix(href, "/") && !strings.HasPrefix(href, "//") {
					links = append(links, href)
				}
			case atom.Form:
				sc.keepForm(c, page, n)
				return
			}
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch)
		}
	}
	walk(doc)
	return links
}

func (sc *langScan) keepForm(c *langCaller, page string, n *html.Node) {
	f := foundForm{caller: c, method: strings.ToUpper(attr(n, "method")), action: attr(n, "action"), page: page}
	if f.method == "" {
		f.method = "GET"
	}
	if f.action == "" {
		f.action = page
	}
	radios := map[string]int{}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			name := attr(n, "name")
			switch n.DataAtom {
			case atom.Input:
				kind := attr(n, "type")
				if kind == "" {
					kind = "text"
				}
				if attr(n, "inputmode") == "numeric" && kind == "text" {
					kind = "number"
				}
				switch {
				case name == "" || kind == "file":
				case kind == "radio":
					if i, ok := radios[name]; ok {
						f.fields[i].options = append(f.fields[i].options, attr(n, "value"))
					} else {
						radios[name] = len(f.fields)
						f.fields = append(f.fields, formField{name: name, kind: kind, options: []string{attr(n, "value")}})
					}
				default:
					f.fields = append(f.fields, formField{name: name, kind: kind, value: attr(n, "value")})
				}
			case atom.Select:
				ff := formField{name: name, kind: "select"}
				var opts func(n *html.Node)
				opts = func(n *html.Node) {
					if n.DataAtom == atom.Option {
						ff.options = append(ff.options, attr(n, "value"))
					}
					for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
						opts(ch)
					}
				}
				opts(n)
				f.fields = append(f.fields, ff)
				return
			case atom.Textarea:
				f.fields = append(f.fields, formField{name: name, kind: "textarea"})
				return
			case atom.Button:
				if name != "" {
					f.fields = append(f.fields, formField{name: name, kind: "submit", value: attr(n, "value")})
				}
			}
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch)
		}
	}
	walk(n)
	// One form of each kind per caller: the same route with the same
	// fields and hidden values.
	key := []string{c.name, f.method, sc.route(f.method, strings.Split(f.action, "?")[0])}
	for _, ff := range f.fields {
		key = append(key, ff.name)
		if ff.kind == "hidden" && ff.name != "deelnemer" && ff.name != "verzoek" {
			key = append(key, ff.value)
		}
	}
	if k := strings.Join(key, "|"); !sc.seen[k] {
		sc.seen[k] = true
		sc.forms = append(sc.forms, f)
	}
}

// crawl reads the pages c reaches from the routes without parameters and
// c's entries, following links; each route's pages at most a few times.
func (sc *langScan) crawl(t *testing.T, c *langCaller) {
	t.Helper()
	queue := slices.Clone(c.entries)
	for _, r := range sc.site.s.web.Routes() {
		if r.Method == "GET" && !strings.Contains(r.Pattern, "{") && !strings.HasPrefix(r.Pattern, "/api/") && r.Pattern != "/taal" {
			queue = append(queue, strings.Replace(r.Pattern, "{$}", "", 1))
		}
	}
	visited := map[string]bool{}
	perRoute := map[string]int{}
	for len(queue) > 0 {
		path := queue[0]
		queue = queue[1:]
		route := sc.route("GET", path)
		if visited[path] || route == "" || strings.HasPrefix(route, "GET /api/") || strings.HasPrefix(route, "GET /assets/") || route == "GET /taal" || perRoute[route] >= 4 {
			continue
		}
		// A link that asks for the other language (a framed page's
		// switch, which has no cookie to set) leads to a page in that
		// language, which the other walk reads.
		if u, err := url.Parse(path); err == nil && u.Query().Get("lang") != "" && u.Query().Get("lang") != sc.lang {
			continue
		}
		visited[path] = true
		perRoute[route]++
		queue = append(queue, sc.read(t, c, "GET", path, nil, "GET "+path)...)
	}
}

// plausible and bad are values for a field of kind: one a person could
// enter, and one the server must refuse.
func plausible(f formField) string {
	switch f.kind {
	case "hidden", "submit":
		return f.value
	case "select", "radio":
		for _, o := range f.options {
			if o != "" {
				return o
			}
		}
		return ""
	case "checkbox":
		return ""
	case "password":
		return langPassword
	case "email":
		return "proef@voorbeeld.nl"
	case "number":
		return "9"
	case "datetime-local":
		return "2030-01-02T10:00"
	case "textarea":
		return "Een korte proeftekst."
	}
	if f.value != "" {
		return f.value
	}
	return "Proef"
}

func bad(f formField) string {
	switch f.kind {
	case "select", "radio":
		return "onbekend"
	case "number":
		return "abc"
	case "datetime-local":
		return "gisteren"
	case "checkbox":
		return "1"
	}
	return strings.Repeat("x", 6000)
}

// variants are the inputs a form is sent with: everything empty, each
// field in turn bad (the others plausible), and a control character.
func variants(f foundForm) (names []string, values []url.Values) {
	empty := url.Values{}
	for _, ff := range f.fields {
		if ff.kind == "hidden" || ff.kind == "submit" {
			empty.Add(ff.name, ff.value)
		}
	}
	names, values = append(names, "empty"), append(values, empty)
	for i, target := range f.fields {
		if target.kind == "hidden" || target.kind == "submit" {
			continue
		}
		for _, v := range []string{bad(target), "a\x01b"} {
			if v == "a\x01b" && target.kind != "text" && target.kind != "textarea" {
				continue
			}
			vals := url.Values{}
			for j, ff := range f.fields {
				switch {
				case i == j:
					vals.Add(ff.name, v)
				case plausible(ff) != "":
					vals.Add(ff.name, plausible(ff))
				}
			}
			names, values = append(names, fmt.Sprintf("%s=%.12q", target.name, v)), append(values, vals)
		}
	}
	return names, values
}

// sendForms sends every form found with each variant and scans the answer.
// Forms that only sign out are left out: they would end the walk.
func (sc *langScan) sendForms(t *testing.T) {
	t.Helper()
	for _, f := range sc.forms {
		path := strings.Split(f.action, "?")[0]
		route := sc.route(f.method, path)
		if route == "POST /afmelden" || route == "" {
			continue
		}
		if sc.site.access[route] == "public" && f.caller.secret != "" {
			continue // the public forms are sent by someone not signed in
		}
		names, values := variants(f)
		for i, v := range values {
			what := fmt.Sprintf("%s %s (from %s) %s", f.method, path, f.page, names[i])
			if f.method == "GET" {
				sc.read(t, f.caller, "GET", path+"?"+v.Encode(), nil, what)
			} else {
				sc.read(t, f.caller, "POST", path, v, what)
			}
			sc.reached[route] = true
		}
	}
}

// specials are the errors no form sent empty or with bad input brings
// about: a policy text with several findings, and sign-in after too many
// wrong passwords.
func (sc *langScan) specials(t *testing.T) {
	t.Helper()
	var admin, anonymous *langCaller
	for _, c := range sc.site.callers {
		switch c.name {
		case "demo-ombudsman/admin":
			admin = c
		case "anonymous":
			anonymous = c
		}
	}
	policy := url.Values{"tekst": {"name: Eigen beleid\nversion: 1\ncolour: blue\nrules: 7\n"}}
	sc.read(t, admin, "POST", "/beleid", policy, "a policy text with several findings")
	wrong := url.Values{"organisatie": {"demo-ombudsman"}, "email": {"medewerker@demo-ombudsman.example"}, "wachtwoord": {"niet het wachtwoord"}}
	for i := 0; ; i++ {
		code, _, _, _ := sc.fetch(t, anonymous, "POST", "/aanmelden", wrong)
		if code == http.StatusTooManyRequests {
			break
		}
		if i == 30 {
			t.Fatalf("sign-in with a wrong password %d times: no wait", i)
		}
	}
	sc.read(t, anonymous, "POST", "/aanmelden", wrong, "sign-in after too many wrong passwords")
}

// walk reads the pages as callers: the people of each organisation in a
// parallel subtest of their own, those of none together in another. With
// forms, each group then sends the forms it found, again in parallel; every
// group has read its pages before any form is sent, as in one walk. It
// returns a scan holding what all groups found and reached.
func (site *langSite) walk(t *testing.T, lang string, callers []*langCaller, forms bool) *langScan {
	t.Helper()
	var groups [][]*langCaller
	index := map[string]int{}
	for _, c := range callers {
		i, ok := index[c.org]
		if !ok {
			i = len(groups)
			index[c.org] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], c)
	}
	name := func(g []*langCaller) string { return cmp.Or(g[0].org, "others") }
	scans := make([]*langScan, len(groups))
	t.Run("read", func(t *testing.T) {
		for i, g := range groups {
			scans[i] = newLangScan(site, lang)
			t.Run(name(g), func(t *testing.T) {
				t.Parallel()
				for _, c := range g {
					scans[i].crawl(t, c)
				}
			})
		}
	})
	if forms {
		t.Run("forms", func(t *testing.T) {
			for i, g := range groups {
				t.Run(name(g), func(t *testing.T) {
					t.Parallel()
					scans[i].sendForms(t)
				})
			}
		})
	}
	all := newLangScan(site, lang)
	for _, sc := range scans {
		for f, where := range sc.found {
			if _, ok := all.found[f]; !ok {
				all.found[f] = where
			}
		}
		maps.Copy(all.reached, sc.reached)
	}
	return all
}

// report fails the test with each problem once per route.
func (sc *langScan) report(t *testing.T) {
	t.Helper()
	var lines []string
	for f, where := range sc.found {
		lines = append(lines, fmt.Sprintf("%s: %s\n\t(%s)", f.where, f.problem, where))
	}
	sort.Strings(lines)
	for _, l := range lines {
		t.Error(l)
	}
}

// TestNoEnglishOnDutchPages reads every page and every error of every form
// in Dutch, as each role of each demo organisation, someone not signed in
// and someone halfway through signing in, and fails on English text or a
// message key shown as it is. Every page route must be reached.
func TestNoEnglishOnDutchPages(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	site := newLangSite(t, s)
	sc := site.walk(t, "nl", site.callers, true)
	sc.specials(t)
	sc.report(t)
	for _, r := range s.web.Routes() {
		key := r.Key()
		switch {
		case strings.HasPrefix(r.Pattern, "/api/"), strings.HasPrefix(r.Pattern, "/assets/"), r.Pattern == "/healthz", r.Pattern == "/readyz", r.Pattern == "/favicon.ico",
			// A recording's content and receipt are media and JSON, not pages.
			r.Pattern == "/l/opnames/{id}/inhoud", r.Pattern == "/l/opnames/{id}/bewijs", r.Pattern == "/l/verzoeken/{id}/afspraken.pdf",
			// The evidence bundle is a zip (TestEvidenceBundle).
			r.Pattern == "/verzoeken/{id}/bewijsmap.zip",
			// So is a client's data (TestClientDataDownload).
			r.Pattern == "/clienten/{id}/gegevens.zip", r.Pattern == "/l/mijn-gegevens/gegevens.zip",
			// So are a transcript's file and receipt.
			r.Pattern == "/l/transcripten/{id}/inhoud", r.Pattern == "/l/transcripten/{id}/bewijs",
			// The client's copy arrives over the tus protocol, answered in
			// JSON like the API's uploads (TestLinkGivesCopy).
			r.Pattern == "/l/kopie", strings.HasPrefix(r.Pattern, "/l/kopie/"),
			// A recipient's download and receipt are a file and JSON.
			r.Pattern == "/d/{token}/opname", r.Pattern == "/d/{token}/bewijs",
			// The policy an organisation publishes, as YAML and JSON
			// (TestPublicPolicyChange reads them).
			r.Pattern == "/o/{slug}/policy.yaml", r.Pattern == "/o/{slug}/policy.json",
			// Printed matter as PDF (TestPrintedMatter reads its text).
			strings.HasPrefix(r.Pattern, "/o/{slug}/") && strings.HasSuffix(r.Pattern, ".pdf"),
			key == "GET /taal", key == "POST /afmelden":
			continue
		}
		if !sc.reached[key] {
			t.Errorf("%s: no page of the walk reaches it; link it from a page, or give the walk an entry", key)
		}
	}
}

// TestNoDutchOnEnglishPages reads the pages of two demo organisations in
// English, as each of their people, and fails on Dutch words or a message
// key shown as it is.
func TestNoDutchOnEnglishPages(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	site := newLangSite(t, s)
	var callers []*langCaller
	for _, c := range site.callers {
		if c.org == "demo-blijf-groep" || c.org == "demo-axiehuis" || c.secret == "" {
			callers = append(callers, c)
		}
	}
	sc := site.walk(t, "en", callers, false)
	sc.report(t)
}

// TestUploadRefusalsInDutch sends recordings the vault refuses — not
// sound or video, empty, too large, another hash than declared, an edit
// without its statement — as the recording page's script does, asking for
// Dutch, and checks that each refusal says why in Dutch; without asking,
// the API answers in English as before.
func TestUploadRefusalsInDutch(t *testing.T) {
	t.Parallel()
	s := startConfigured(t, &config{Addr: "127.0.0.1:0", Data: t.TempDir(), MaxRecording: 20000})
	org, octx := newOrg(t, s, "weigeren", "ombudsman", false)
	staff, _ := member(t, s, octx, "weigeren", opname.RoleStaff)
	c := &opname.Client{Name: "Anna de Vries"}
	if err := s.db.CreateClient(octx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Assign(octx, c.ID, staff.ID); err != nil {
		t.Fatal(err)
	}
	token, _, err := s.db.CreateToken(octx, staff.ID, "proef")
	if err != nil {
		t.Fatal(err)
	}
	orig, err := s.web.Vault.Ingest(actorCtx(org, staff), vault.Upload{ClientID: c.ID, Source: "organisation", Body: bytes.NewReader(wav(1, 9))})
	if err != nil {
		t.Fatal(err)
	}
	send := func(method, path string, header map[string]string, body []byte, lang string) (int, string) {
		t.Helper()
		r, _ := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+token)
		for k, v := range header {
			r.Header.Set(k, v)
		}
		if lang != "" {
			r.Header.Set("Accept-Language", lang)
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v struct{ Error struct{ Message string } }
		data, _ := io.ReadAll(resp.Body)
		_ = json.Unmarshal(data, &v)
		return resp.StatusCode, v.Error.Message
	}
	tus := func(extra map[string]string) map[string]string {
		h := map[string]string{"Tus-Resumable": "1.0.0"}
		for k, v := range extra {
			h[k] = v
		}
		return h
	}
	meta := "client_id " + base64.StdEncoding.EncodeToString([]byte(c.ID))
	upload := "/api/v1/clients/" + c.ID + "/recordings"
	for _, r := range []struct {
		name, method, path string
		header             map[string]string
		body               []byte
		nl, en             string
	}{
		{"not sound", "POST", upload, nil, []byte(strings.Repeat("gewoon tekst ", 100)), "Het bestand is geen geluid of beeld, maar text/plain.", "the file is not audio or video but text/plain"},
		{"empty", "POST", upload, nil, nil, "Het bestand is leeg.", "the file is empty"},
		{"too large", "POST", upload, nil, wav(3, 9), "Het bestand is groter dan de grens van 20000 bytes.", "the file is larger than the limit of 20000 bytes"},
		{"hash", "POST", upload, map[string]string{"X-Content-SHA256": strings.Repeat("ab", 32)}, wav(1, 8), "De vingerafdruk van het bestand is anders dan opgegeven.", "sha256: the file's hash is"},
		{"edit statement", "POST", upload + "?derived_from=" + orig.ID, nil, wav(1, 7), "Wat is veranderd: schrijf op wat er is weggeknipt of veranderd.", "what_changed: say what was cut or changed"},
		{"resumable, empty", "POST", "/api/v1/uploads", tus(map[string]string{"Upload-Length": "0", "Upload-Metadata": meta}), nil, "Het bestand is leeg.", "Upload-Length: the file is empty"},
	} {
		for _, lang := range []string{"nl", "en", ""} {
			code, msg := send(r.method, r.path, r.header, r.body, lang)
			want := r.en
			if lang == "nl" {
				want = r.nl
			}
			if code != 400 || !strings.Contains(msg, want) {
				t.Errorf("%s (Accept-Language %q) = %d %q, want 400 with %q", r.name, lang, code, msg, want)
			}
			if lang == "nl" {
				for _, p := range langProblems("nl", []string{msg}, []string{"text/plain"}) {
					t.Errorf("%s: %s", r.name, p)
				}
			}
		}
	}
	// A resumable upload whose first bytes are not sound or video.
	for _, lang := range []string{"nl", "en"} {
		r, _ := http.NewRequest("POST", s.URL+"/api/v1/uploads", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		r.Header.Set("Tus-Resumable", "1.0.0")
		r.Header.Set("Upload-Length", "1300")
		r.Header.Set("Upload-Metadata", meta)
		resp, err := http.DefaultClient.Do(r)
		if err != nil || resp.StatusCode != 201 {
			t.Fatalf("new upload: %v %v", resp, err)
		}
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		code, msg := send("PATCH", loc[strings.Index(loc, "/api/"):], tus(map[string]string{"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}), []byte(strings.Repeat("gewoon tekst ", 100)), lang)
		want := map[string]string{"nl": "Het bestand is geen geluid of beeld, maar text/plain.", "en": "the file is not audio or video but text/plain"}[lang]
		if code != 400 || !strings.Contains(msg, want) {
			t.Errorf("resumable, not sound (%s) = %d %q, want 400 with %q", lang, code, msg, want)
		}
	}
}

// TestPolicyPageShowsEveryFinding sends a policy text with several
// problems from the policy page and checks that the page lists each, with
// its line, and says in Dutch that the policy was not used. The findings
// themselves are the check's words, marked as English.
func TestPolicyPageShowsEveryFinding(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	_, octx := newOrg(t, s, "eigen", "ombudsman", false)
	_, secret := member(t, s, octx, "eigen", opname.RoleAdmin)
	b := signedInBrowser(t, s, secret, "nl")
	text := "name: Eigen beleid\nversion: 1\ncolour: blue\nrules: 7\n"
	code, body, _ := b.form("/beleid/voorbeeld", url.Values{"tekst": {text}})
	lib := s.web.Policies
	findings := lib.Lint("policy.yaml", []byte(text))
	if code != 400 || len(findings) < 2 {
		t.Fatalf("POST /beleid/voorbeeld = %d with %d findings", code, len(findings))
	}
	if want := fmt.Sprintf("Het beleid is niet gebruikt. De controle vond %d problemen.", len(findings)); !strings.Contains(body, want) {
		t.Errorf("the page does not say %q", want)
	}
	if strings.Contains(body, "more findings") {
		t.Error("the page says “more findings” instead of showing them")
	}
	for _, f := range findings {
		if want := fmt.Sprintf("Regel %d van het bestand", f.Line); !strings.Contains(body, want) || !strings.Contains(body, html.EscapeString(f.Msg)) {
			t.Errorf("the page does not show the finding at line %d: %s", f.Line, f.Msg)
		}
	}
}
