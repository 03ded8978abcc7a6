package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/opname/opname"
)

//go:embed templates/*.html
var templateFS embed.FS

// assetFS holds opname's own stylesheet and, after `make assets`, the NL
// Design System stylesheets under vendor/ (installed by npm, not committed).
//
//go:embed all:assets
var assetFS embed.FS

// partials are shared by every page.
var partials = []string{"layout.html", "alert.html", "events.html"}

// pageNames are the pages; each is parsed with the partials at start, so a
// broken or missing template stops the boot, not a request.
var pageNames = []string{"signin", "welcome", "totp", "home", "clients", "client", "people", "tokens", "policy", "accesslog", "error",
	"recordings", "record", "recording", "receipt", "fixity",
	"work", "inbox", "conversations", "conversation", "request", "incident", "printable"}

// parsePages parses every page template.
func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		// t and tf are replaced per request with the request's language.
		"t":  func(key string) string { return key },
		"tf": func(key string, args ...any) string { return key },
	}
	pages := map[string]*template.Template{}
	for _, name := range pageNames {
		files := append([]string{name + ".html"}, partials...)
		for i := range files {
			files[i] = "templates/" + files[i]
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, files...)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// styles are the stylesheets a page links, in order: the NL Design System
// tokens and components when installed, then opname's own.
func styles() []string {
	var out []string
	for _, f := range []string{"vendor/design-tokens.css", "vendor/component-library.css"} {
		if _, err := fs.Stat(assetFS, path.Join("assets", f)); err == nil {
			out = append(out, f)
		}
	}
	return append(out, "opname.css")
}

// can says what the signed-in person's role may reach, for navigation.
type can struct {
	Clients, ManageClients, People, ManagePeople, AccessLog bool
}

func canFor(r opname.Role) can {
	return can{
		Clients:       r == opname.RoleStaff || r == opname.RoleManager || r == opname.RoleAdmin,
		ManageClients: r == opname.RoleManager || r == opname.RoleAdmin,
		People:        r == opname.RoleManager || r == opname.RoleAdmin || r == opname.RolePrivacyOfficer,
		ManagePeople:  r == opname.RoleAdmin,
		AccessLog:     r == opname.RolePrivacyOfficer,
	}
}

// page is what every template gets.
type page struct {
	Lang, Title, Page string
	Styles            []string
	Actor             opname.Actor
	Org               *opname.Organisation
	Can               can
	Form              map[string]string
	Message           string
	MessageOK         bool
	Secret            string
	Status            int
	RequestID         string

	QR template.URL

	PolicyTitle string
	Clients     []opname.Client
	Client      *opname.Client
	StaffNames  []string
	People      []opname.User
	Events      []opname.AccessEvent
	Tokens      []opname.Token
	Names       map[string]string
	Versions    []opname.PolicyVersion
	Shipped     []string
}

// render writes a page with status code.
func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, name string, p *page) {
	s.renderData(w, r, code, name, p, p)
}

// renderData writes a page whose template gets data, which embeds p (a
// page with its own fields).
func (s *Server) renderData(w http.ResponseWriter, r *http.Request, code int, name string, p *page, data any) {
	l := lang(r)
	p.Lang, p.Page, p.Styles, p.RequestID = l, name, styles(), requestID(r.Context())
	if a, ok := opname.ActorFrom(r.Context()); ok {
		p.Actor, p.Can = a, canFor(a.Role)
		if p.Org == nil {
			p.Org, _ = s.Store.Organisation(r.Context())
		}
	}
	if p.Title == "" {
		p.Title = translate(l, map[string]string{"signin": "signin.title", "welcome": "welcome.title", "home": "nav.home", "clients": "clients.title", "client": "clients.title", "people": "people.title", "accesslog": "log.title", "error": "error.title", "totp": "totp.title", "tokens": "tokens.title", "policy": "policy.title"}[name])
	}
	t, err := s.pages[name].Clone()
	if err == nil {
		t = t.Funcs(template.FuncMap{
			"t":  func(key string) string { return translate(l, key) },
			"tf": func(key string, args ...any) string { return fmt.Sprintf(translate(l, key), args...) },
		})
	}
	var buf bytes.Buffer
	if err == nil {
		err = t.ExecuteTemplate(&buf, "layout", data)
	}
	if err != nil {
		s.Logger.ErrorContext(r.Context(), "render", "request_id", p.RequestID, "page", name, "err", err.Error())
		http.Error(w, "internal error "+p.RequestID, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, code int, msg string) {
	if code == http.StatusUnauthorized {
		http.Redirect(w, r, "/aanmelden?terug="+url.QueryEscape(r.URL.Path), http.StatusSeeOther)
		return
	}
	s.render(w, r, code, "error", &page{Status: code, Message: msg})
}

func (s *Server) registerPages(mux *http.ServeMux) {
	s.handle(mux, "GET", "/assets/{file...}", "public", s.assets)
	s.handle(mux, "GET", "/taal", "public", s.setLang)
	s.handle(mux, "GET", "/aanmelden", "public", s.signInPage)
	s.handle(mux, "POST", "/aanmelden", "public", s.signInForm)
	s.handle(mux, "GET", "/aanmelden/oidc", "public", s.oidcStart)
	s.handle(mux, "GET", "/aanmelden/oidc/terug", "public", s.oidcCallback)
	s.handle(mux, "GET", "/welkom", "public", s.welcomePage)
	s.handle(mux, "POST", "/welkom", "public", s.welcomeForm)
	s.handle(mux, "GET", "/tweede-stap", "session", s.secondFactorPage)
	s.handle(mux, "POST", "/tweede-stap", "session", s.secondFactorForm)
	s.handle(mux, "POST", "/afmelden", "signed_in", s.signOutForm)
	s.handle(mux, "GET", "/{$}", "signed_in", s.homePage)
	s.handle(mux, "GET", "/clienten", "staff manager admin", s.clientsPage)
	s.handle(mux, "POST", "/clienten", "manager admin", s.clientsForm)
	s.handle(mux, "GET", "/clienten/{id}", "staff manager admin", s.clientPage)
	s.handle(mux, "GET", "/werk", "staff manager admin", s.workPageHandler)
	s.handle(mux, "GET", "/postvak", "manager admin", s.inboxPage)
	s.handle(mux, "GET", "/clienten/{id}/gesprekken", "staff manager admin", s.clientConversationsPage)
	s.handle(mux, "POST", "/clienten/{id}/gesprekken", "staff manager admin", s.openConversationForm)
	s.handle(mux, "GET", "/gesprekken/{id}", "staff manager admin", s.conversationPage)
	s.handle(mux, "POST", "/gesprekken/{id}/verzoeken", "staff manager admin", s.askForm)
	s.handle(mux, "POST", "/gesprekken/{id}/afzien", "staff manager admin", s.declineForm)
	s.handle(mux, "POST", "/gesprekken/{id}/incidenten", "staff manager admin", s.incidentForm)
	s.handle(mux, "GET", "/verzoeken/{id}", "staff manager admin", s.requestPage)
	s.handle(mux, "POST", "/verzoeken/{id}", "staff manager admin", s.requestForm)
	s.handle(mux, "GET", "/verzoeken/{id}/afspraken", "staff manager admin", s.printablePage)
	s.handle(mux, "GET", "/verzoeken/{id}/besluit", "staff manager admin", s.printablePage)
	s.handle(mux, "GET", "/incidenten/{id}", "staff manager admin", s.incidentPage)
	s.handle(mux, "POST", "/incidenten/{id}/stappen", "staff manager admin", s.stepForm)
	s.handle(mux, "POST", "/clienten/{id}/medewerkers", "manager admin", s.assignForm)
	s.handle(mux, "GET", "/mensen", "manager admin privacy_officer", s.peoplePage)
	s.handle(mux, "POST", "/mensen", "admin", s.peopleForm)
	s.handle(mux, "POST", "/mensen/{id}/link", "admin", s.linkForm)
	s.handle(mux, "GET", "/sleutels", "admin", s.tokensPage)
	s.handle(mux, "POST", "/sleutels", "admin", s.tokensForm)
	s.handle(mux, "POST", "/sleutels/{id}/intrekken", "admin", s.revokeForm)
	s.handle(mux, "GET", "/beleid", "signed_in", s.policyPage)
	s.handle(mux, "POST", "/beleid", "admin", s.policyForm)
	s.handle(mux, "GET", "/toegangslog", "privacy_officer", s.accessLogPage)
	s.handle(mux, "GET", "/clienten/{id}/opnames", "staff manager admin", s.clientRecordingsPage)
	s.handle(mux, "GET", "/clienten/{id}/opnemen", "staff manager admin", s.recordPage)
	s.handle(mux, "GET", "/opnames/{id}", "staff manager admin", s.recordingPage)
	s.handle(mux, "GET", "/opnames/{id}/bewijs", "staff manager admin", s.receiptPage)
	s.handle(mux, "POST", "/opnames/{id}/kopie", "staff manager admin", s.copyForm)
	s.handle(mux, "POST", "/opnames/{id}/wissen", "manager admin", s.eraseForm)
	s.handle(mux, "GET", "/integriteit", "privacy_officer admin", s.fixityPage)
}

func (s *Server) assets(w http.ResponseWriter, r *http.Request) {
	sub, _ := fs.Sub(assetFS, "assets")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.ServeFileFS(w, r, sub, r.PathValue("file"))
}

func (s *Server) setLang(w http.ResponseWriter, r *http.Request) {
	l := "nl"
	if r.URL.Query().Get("lang") == "en" {
		l = "en"
	}
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: l, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, Secure: !s.Insecure})
	back := "/"
	if ref := r.Header.Get("Referer"); ref != "" {
		if u, err := url.Parse(ref); err == nil && u.Host == r.Host {
			back = u.Path
		}
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// local returns a path on this site to go back to, or "/".
func local(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.Contains(p, `\`) {
		return "/"
	}
	return p
}

func (s *Server) signInPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "signin", &page{Form: map[string]string{"organisatie": r.URL.Query().Get("organisatie")}})
}

func (s *Server) signInForm(w http.ResponseWriter, r *http.Request) {
	form := map[string]string{"organisatie": strings.TrimSpace(r.PostFormValue("organisatie")), "email": strings.TrimSpace(r.PostFormValue("email"))}
	secret, sess, err := s.Store.SignIn(r.Context(), form["organisatie"], form["email"], r.PostFormValue("wachtwoord"))
	if err != nil {
		s.formError(w, r, "signin", form, err)
		return
	}
	s.setSession(w, secret)
	if !sess.SecondFactor {
		http.Redirect(w, r, "/tweede-stap", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, local(r.URL.Query().Get("terug")), http.StatusSeeOther)
}

// formError shows a page again with the error and what was typed (never a
// password); an internal error becomes the error page.
func (s *Server) formError(w http.ResponseWriter, r *http.Request, name string, form map[string]string, err error) {
	kind := opname.KindOf(err)
	if kind == opname.Internal {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, status[kind], name, &page{Form: form, Message: localMessage(lang(r), err)})
}

// localMessage is an error's message for a person, in their language where
// opname has a translation.
func localMessage(l string, err error) string {
	msg := opname.Message(err)
	if l == "nl" {
		switch opname.KindOf(err) {
		case opname.Unauthorized:
			if strings.Contains(msg, "e-mail address or the password") {
				return "Het e-mailadres of het wachtwoord klopt niet."
			}
			if strings.Contains(msg, "sign-in link") {
				return "Deze code is onbekend, al gebruikt of verlopen. Vraag de beheerder om een nieuwe."
			}
		case opname.Invalid:
			if nl, ok := dutchTextProblem(msg); ok {
				return nl
			}
		case opname.Forbidden:
			if strings.Contains(msg, "locked") {
				return "Dit account is tijdelijk geblokkeerd na te veel verkeerde wachtwoorden. Probeer het over een kwartier opnieuw, of vraag de beheerder om hulp."
			}
		}
	}
	return msg
}

func (s *Server) welcomePage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "welcome", &page{Form: map[string]string{"code": r.URL.Query().Get("code")}})
}

func (s *Server) welcomeForm(w http.ResponseWriter, r *http.Request) {
	form := map[string]string{"code": strings.TrimSpace(r.PostFormValue("code"))}
	if r.PostFormValue("wachtwoord") != r.PostFormValue("herhaal") {
		s.render(w, r, http.StatusBadRequest, "welcome", &page{Form: form, Message: translate(lang(r), "welcome.mismatch")})
		return
	}
	secret, sess, err := s.Store.Redeem(r.Context(), form["code"], r.PostFormValue("wachtwoord"))
	if err != nil {
		s.formError(w, r, "welcome", form, err)
		return
	}
	s.setSession(w, secret)
	if !sess.SecondFactor {
		http.Redirect(w, r, "/tweede-stap", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) signOutForm(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(s.SessionCookie()); err == nil {
		_ = s.Store.SignOut(r.Context(), c.Value)
	}
	s.clearSession(w)
	http.Redirect(w, r, "/aanmelden", http.StatusSeeOther)
}

// pageActor returns the signed-in person, or sends them to sign in.
func (s *Server) pageActor(w http.ResponseWriter, r *http.Request) (opname.Actor, bool) {
	a, err := signedIn(r)
	if _, pending := opname.ActorFrom(r.Context()); err != nil && pending {
		http.Redirect(w, r, "/tweede-stap", http.StatusSeeOther)
		return a, false
	}
	if err != nil {
		http.Redirect(w, r, "/aanmelden?terug="+url.QueryEscape(r.URL.Path), http.StatusSeeOther)
		return a, false
	}
	return a, true
}

func (s *Server) homePage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.pageActor(w, r); !ok {
		return
	}
	org, err := s.Store.Organisation(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p := &page{Org: org, PolicyTitle: org.Policy.Name}
	if pol, err := s.compiled(org.Policy); err == nil {
		p.PolicyTitle = pol.Title.In(lang(r))
	}
	s.render(w, r, http.StatusOK, "home", p)
}

// rolePage checks the person's role for a page: others get "not found".
func (s *Server) rolePage(w http.ResponseWriter, r *http.Request, ok func(can) bool) (opname.Actor, bool) {
	a, signed := s.pageActor(w, r)
	if !signed {
		return a, false
	}
	if !ok(canFor(a.Role)) {
		s.Error(w, r, &opname.Error{Kind: opname.NotFound, Msg: "page not found"})
		return a, false
	}
	return a, true
}

func (s *Server) clientsPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.rolePage(w, r, func(c can) bool { return c.Clients }); !ok {
		return
	}
	clients, err := s.Store.Clients(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "clients", &page{Clients: clients})
}

func (s *Server) clientsForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.rolePage(w, r, func(c can) bool { return c.ManageClients }); !ok {
		return
	}
	c := &opname.Client{Name: r.PostFormValue("naam"), DossierRef: r.PostFormValue("dossier"), Contact: r.PostFormValue("contact")}
	if err := s.Store.CreateClient(r.Context(), c); err != nil {
		clients, _ := s.Store.Clients(r.Context())
		s.render(w, r, status[opname.KindOf(err)], "clients", &page{Clients: clients, Message: localMessage(lang(r), err)})
		return
	}
	http.Redirect(w, r, "/clienten/"+c.ID, http.StatusSeeOther)
}

func (s *Server) clientPage(w http.ResponseWriter, r *http.Request) {
	a, ok := s.rolePage(w, r, func(c can) bool { return c.Clients })
	if !ok {
		return
	}
	c, err := s.Store.Client(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p := &page{Client: c, Title: c.Name}
	if canFor(a.Role).ManageClients {
		p.People, _ = s.Store.Users(r.Context())
	}
	for _, id := range c.Staff {
		if u, err := s.Store.User(r.Context(), id); err == nil {
			p.StaffNames = append(p.StaffNames, u.Name)
		} else if id == a.UserID {
			p.StaffNames = append(p.StaffNames, a.Name)
		}
	}
	if p.Events, err = s.Store.ClientOverview(r.Context(), c.ID); err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "client", p)
}

func (s *Server) assignForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.rolePage(w, r, func(c can) bool { return c.ManageClients }); !ok {
		return
	}
	if err := s.Store.Assign(r.Context(), r.PathValue("id"), r.PostFormValue("medewerker")); err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/clienten/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
}

func (s *Server) peoplePage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.rolePage(w, r, func(c can) bool { return c.People }); !ok {
		return
	}
	people, err := s.Store.Users(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "people", &page{People: people})
}

func (s *Server) peopleForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.rolePage(w, r, func(c can) bool { return c.ManagePeople }); !ok {
		return
	}
	u := &opname.User{Name: r.PostFormValue("naam"), Email: r.PostFormValue("email"), Role: opname.Role(r.PostFormValue("rol"))}
	p := &page{}
	if err := s.Store.CreateUser(r.Context(), u); err != nil {
		p.Message = localMessage(lang(r), err)
	} else if secret, err := s.Store.CreateOneTime(r.Context(), u.ID, oneTimeTTL); err != nil {
		p.Message = localMessage(lang(r), err)
	} else {
		p.Message, p.MessageOK, p.Secret = fmt.Sprintf(translate(lang(r), "people.link.made"), u.Name), true, secret
	}
	p.People, _ = s.Store.Users(r.Context())
	s.render(w, r, http.StatusOK, "people", p)
}

func (s *Server) linkForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.rolePage(w, r, func(c can) bool { return c.ManagePeople }); !ok {
		return
	}
	u, err := s.Store.User(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	secret, err := s.Store.CreateOneTime(r.Context(), u.ID, oneTimeTTL)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	people, _ := s.Store.Users(r.Context())
	s.render(w, r, http.StatusOK, "people", &page{People: people, Message: fmt.Sprintf(translate(lang(r), "people.link.made"), u.Name), MessageOK: true, Secret: secret})
}

func (s *Server) accessLogPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.rolePage(w, r, func(c can) bool { return c.AccessLog }); !ok {
		return
	}
	clientID := strings.TrimSpace(r.URL.Query().Get("client_id"))
	events, err := s.Store.Search(r.Context(), opname.AccessFilter{ClientID: clientID, Limit: 200})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "accesslog", &page{Events: events, Form: map[string]string{"client_id": clientID}})
}
