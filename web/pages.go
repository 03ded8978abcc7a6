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
	"sync"
	"time"

	"github.com/opname/opname"
)

//go:embed templates/*.html
var templateFS embed.FS

// assetFS holds opname's own stylesheet and scripts, and under vendor/ the
// NL Design System stylesheets and the bundled browser libraries, which
// `make assets` makes from the locked npm packages and which are committed,
// so that a plain `go build` is complete.
//
//go:embed all:assets
var assetFS embed.FS

// partials are shared by every page.
var partials = []string{"layout.html", "linklayout.html", "publiclayout.html", "recipientlayout.html", "alert.html", "events.html", "inboxrequests.html", "person.html", "receiptcheck.html", "seen.html", "next.html", "avgparts.html"}

// pageNames are the pages. Each page's file is parsed at start, so a broken
// or missing template stops the boot, not a request; it is put together
// with the partials when it is first shown (page).
var pageNames = []string{"signin", "welcome", "totp", "home", "clients", "client", "people", "tokens", "policy", "policychange", "linksettings", "accesslog", "error",
	"recordings", "record", "recording", "receipt", "fixity", "privacyreport", "retention",
	"work", "inbox", "conversations", "conversation", "request", "incident", "printable", "linkprint", "public", "publictexts", "printed",
	"l_code", "l_pin", "l_home", "l_conversation", "l_stopped", "l_recordings", "l_recording", "l_seen", "l_complaints", "d_recipient", "d_gone",
	"l_data", "avg_client", "avg_requests"}

// pageSet is every page template. Copying the partials into each of 40
// pages was most of start-up's work; a page is copied when first shown.
type pageSet struct {
	base  *template.Template // the partials
	pages map[string]*lazyPage
}

type lazyPage struct {
	once sync.Once
	t    *template.Template
	err  error
}

// page returns the template of page name: the partials and the page's file.
func (ps *pageSet) page(name string) (*template.Template, error) {
	p, ok := ps.pages[name]
	if !ok {
		return nil, fmt.Errorf("web: no page %q", name)
	}
	p.once.Do(func() {
		p.t, p.err = ps.base.Clone()
		if p.err == nil {
			p.t, p.err = p.t.ParseFS(templateFS, "templates/"+name+".html")
		}
		if p.err != nil {
			p.err = fmt.Errorf("web: template %s: %w", name, p.err)
		}
	})
	return p.t, p.err
}

// parsePages checks the stylesheets every page links, parses the partials
// and parses every page's file on its own (page puts them together).
func parsePages() (*pageSet, error) {
	assets, _ := fs.Sub(assetFS, "assets")
	if err := checkStyles(assets); err != nil {
		return nil, err
	}
	funcs := template.FuncMap{
		// t, tf, tn and when are replaced per request with the request's
		// language and the organisation's time zone.
		"t":    func(key string) string { return key },
		"tf":   func(key string, args ...any) string { return key },
		"tn":   func(key string, n int) string { return key },
		"when": func(t time.Time) string { return "" },
		// person gives the fields of one person of a conversation: ids
		// start with id, names end with suffix, and the role except is
		// not offered.
		"person": func(id, suffix string, roles []choice, required bool, except string) personFields {
			return personFields{id, suffix, roles, required, except}
		},
	}
	files := make([]string, len(partials))
	for i, f := range partials {
		files[i] = "templates/" + f
	}
	base, err := template.New("partials").Funcs(funcs).ParseFS(templateFS, files...)
	if err != nil {
		return nil, fmt.Errorf("web: templates %s: %w", strings.Join(partials, ", "), err)
	}
	ps := &pageSet{base: base, pages: make(map[string]*lazyPage, len(pageNames))}
	for _, name := range pageNames {
		if _, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/"+name+".html"); err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		ps.pages[name] = &lazyPage{}
	}
	return ps, nil
}

// personFields is what the person-fields template shows.
type personFields struct {
	ID, Suffix string
	Roles      []choice
	Required   bool
	Except     string
}

// styleFiles are the stylesheets a page links, in order: the NL Design
// System tokens and components, then opname's own.
var styleFiles = []string{"vendor/design-tokens.css", "vendor/component-library.css", "opname.css"}

// styles are the stylesheets a page links.
func styles() []string { return styleFiles }

// bundleFiles are the browser libraries that `make assets` bundles; the
// scripts of the pages import them.
var bundleFiles = []string{"vendor/tus.js", "vendor/sha256.js", "vendor/ed25519.js"}

// checkStyles reports a stylesheet or bundle that is missing or empty in
// fsys (the assets folder), so that a build without them fails at start
// instead of serving pages without their design or their scripts.
func checkStyles(fsys fs.FS) error {
	for _, f := range append(append([]string{}, styleFiles...), bundleFiles...) {
		info, err := fs.Stat(fsys, f)
		if err != nil || info.Size() == 0 {
			return fmt.Errorf("web: asset assets/%s is missing or empty: run 'make assets'", f)
		}
	}
	return nil
}

// can says what the signed-in person's role may reach, for navigation.
type can struct {
	Clients, ManageClients, People, ManagePeople, AccessLog bool
	// ClientList is the list of clients: their data for those who see
	// clients, names and dossier references for the privacy officer.
	ClientList bool
	// Retention is the retention page: rules, holds, what is due.
	Retention bool
}

func canFor(r opname.Role) can {
	return can{
		Clients:       r == opname.RoleStaff || r == opname.RoleManager || r == opname.RoleAdmin,
		ManageClients: r == opname.RoleManager || r == opname.RoleAdmin,
		People:        r == opname.RoleManager || r == opname.RoleAdmin || r == opname.RolePrivacyOfficer,
		ManagePeople:  r == opname.RoleAdmin,
		AccessLog:     r == opname.RolePrivacyOfficer,
		ClientList:    r.Valid(),
		Retention:     r == opname.RoleAdmin || r == opname.RolePrivacyOfficer || r == opname.RoleManager,
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
	// Note is said after the secret: what else was done with it.
	Note      string
	Status    int
	RequestID string
	// Here is the address of the page, for the language switch to come
	// back to.
	Here string
	// Layout, when set, is the layout the page is shown in instead of the
	// one its name or reader chooses.
	Layout string
	// Cache lets a page that is the same for everyone be cached by its
	// ETag (see cached) instead of never.
	Cache bool

	QR template.URL

	PolicyTitle string
	Clients     []opname.Client
	Client      *opname.Client
	StaffNames  []string
	People      []opname.User
	Events      []opname.AccessEvent
	Tokens      []opname.Token
	Names       map[string]string
	TimeZones   []string
	// FormToken is the one-time token of the page's forms that create
	// something (see once).
	FormToken string
	// Findings are a policy check's problems, each shown.
	Findings []finding
	// Links are a client's personal links, LinkParties who can get one,
	// and LinkMessage why giving one did not work.
	Links       []linkRow
	LinkParties []choice
	LinkMessage string
	// Next is the address of the next page of the page's list, and
	// NextIncidents of its list of incidents; "" on the last page.
	Next, NextIncidents string
}

// render writes a page with status code.
func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, name string, p *page) {
	s.renderData(w, r, code, name, p, p)
}

// renderData writes a page whose template gets data, which embeds p (a
// page with its own fields).
func (s *Server) renderData(w http.ResponseWriter, r *http.Request, code int, name string, p *page, data any) {
	l := lang(r)
	// A page's own stylesheets come after those of every page.
	p.Lang, p.Page, p.Styles, p.RequestID = l, name, append(styles(), p.Styles...), requestID(r.Context())
	if p.Here == "" {
		p.Here = r.URL.RequestURI()
	}
	if name == "printable" || name == "receipt" {
		// Printed pages are numbered in the reader's language.
		p.Styles = append(p.Styles, printStyle(l))
	}
	if p.FormToken == "" {
		p.FormToken = newFormToken()
	}
	if a, ok := opname.ActorFrom(r.Context()); ok {
		p.Actor, p.Can = a, canFor(a.Role)
		if p.Org == nil {
			org, err := s.Store.Organisation(r.Context())
			if err != nil && name != "error" {
				s.Error(w, r, err)
				return
			}
			p.Org = org
		}
	}
	if p.Title == "" {
		p.Title = translate(l, map[string]string{"signin": "signin.title", "welcome": "welcome.title", "home": "nav.home", "clients": "clients.title", "client": "clients.title", "people": "people.title", "accesslog": "log.title", "error": "error.title", "totp": "totp.title", "tokens": "tokens.title", "policy": "policy.title"}[name])
	}
	t, err := s.pages.page(name)
	if err == nil {
		t, err = t.Clone()
	}
	if err == nil {
		zone := s.zone(r)
		t = t.Funcs(template.FuncMap{
			"t":    func(key string) string { return translate(l, key) },
			"tf":   func(key string, args ...any) string { return fmt.Sprintf(translate(l, key), args...) },
			"tn":   func(key string, n int) string { return counted(l, key, n) },
			"when": func(t time.Time) string { return formatTime(t, zone, l) },
		})
	}
	var buf bytes.Buffer
	if err == nil {
		layout := "layout"
		switch {
		case strings.HasPrefix(name, "d_") || p.Actor.Role == opname.RoleRecipient:
			layout = "recipientlayout"
		case strings.HasPrefix(name, "l_") || p.Actor.Role == opname.RoleLinkHolder:
			layout = "linklayout"
		}
		if p.Layout != "" {
			layout = p.Layout
		}
		err = t.ExecuteTemplate(&buf, layout, data)
	}
	if err != nil {
		s.Logger.ErrorContext(r.Context(), "render", "request_id", p.RequestID, "page", name, "err", err.Error())
		http.Error(w, "internal error "+p.RequestID, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if p.Cache && code == http.StatusOK {
		cached(w, r, buf.Bytes())
		return
	}
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
	s.handle(mux, "GET", "/assets/{file...}", Public, s.assets)
	s.handle(mux, "GET", "/favicon.ico", Public, s.favicon)
	s.handle(mux, "GET", "/taal", Public, s.setLang)
	s.handle(mux, "GET", "/aanmelden", Public, s.signInPage)
	s.handle(mux, "POST", "/aanmelden", Public, s.signInForm)
	s.handle(mux, "GET", "/aanmelden/oidc", Public, s.oidcStart)
	s.handle(mux, "GET", "/aanmelden/oidc/terug", Public, s.oidcCallback)
	s.handle(mux, "GET", "/welkom", Public, s.welcomePage)
	s.handle(mux, "POST", "/welkom", Public, s.welcomeForm)
	s.handle(mux, "GET", "/tweede-stap", SecondFactorStep, s.secondFactorPage)
	s.handle(mux, "POST", "/tweede-stap", SecondFactorStep, s.secondFactorForm)
	s.handle(mux, "POST", "/afmelden", Public, s.signOutForm)
	s.handle(mux, "GET", "/{$}", SignedIn, s.homePage)
	s.handle(mux, "GET", "/clienten", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin, opname.RolePrivacyOfficer), s.clientsPage)
	s.handle(mux, "POST", "/clienten", Roles(opname.RoleManager, opname.RoleAdmin), s.clientsForm)
	s.handle(mux, "GET", "/clienten/{id}", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.clientPage)
	s.handle(mux, "GET", "/werk", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.workPageHandler)
	s.handle(mux, "GET", "/postvak", Roles(opname.RoleManager, opname.RoleAdmin), s.inboxPage)
	s.handle(mux, "GET", "/clienten/{id}/gesprekken", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.clientConversationsPage)
	s.handle(mux, "POST", "/clienten/{id}/gesprekken", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.openConversationForm)
	s.handle(mux, "GET", "/gesprekken/{id}", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.conversationPage)
	s.handle(mux, "POST", "/gesprekken/{id}/verzoeken", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.askForm)
	s.handle(mux, "POST", "/gesprekken/{id}/deelnemers", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.addParticipantForm)
	s.handle(mux, "POST", "/gesprekken/{id}/afzien", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.declineForm)
	s.handle(mux, "POST", "/gesprekken/{id}/incidenten", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.incidentForm)
	s.handle(mux, "GET", "/verzoeken/{id}", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.requestPage)
	s.handle(mux, "POST", "/verzoeken/{id}", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.requestForm)
	s.handle(mux, "GET", "/verzoeken/{id}/afspraken", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.printablePage)
	s.handle(mux, "GET", "/verzoeken/{id}/besluit", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.printablePage)
	s.handle(mux, "GET", "/verzoeken/{id}/bewijsmap.zip", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.evidenceBundle)
	s.handle(mux, "GET", "/incidenten/{id}", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.incidentPage)
	s.handle(mux, "POST", "/incidenten/{id}/stappen", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.stepForm)
	s.handle(mux, "POST", "/clienten/{id}/medewerkers", Roles(opname.RoleManager, opname.RoleAdmin), s.assignForm)
	s.handle(mux, "GET", "/mensen", Roles(opname.RoleManager, opname.RoleAdmin, opname.RolePrivacyOfficer), s.peoplePage)
	s.handle(mux, "POST", "/mensen", Roles(opname.RoleAdmin), s.peopleForm)
	s.handle(mux, "POST", "/mensen/{id}/link", Roles(opname.RoleAdmin), s.linkForm)
	s.handle(mux, "POST", "/mensen/{id}/ontgrendelen", Roles(opname.RoleAdmin), s.unlockForm)
	s.handle(mux, "GET", "/sleutels", Roles(opname.RoleAdmin), s.tokensPage)
	s.handle(mux, "POST", "/sleutels", Roles(opname.RoleAdmin), s.tokensForm)
	s.handle(mux, "POST", "/sleutels/{id}/intrekken", Roles(opname.RoleAdmin), s.revokeForm)
	// The client's side (links.go): a person's own link, not an account.
	staffRoles := Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin)
	s.handle(mux, "POST", "/clienten/{id}/links", staffRoles, s.linkGive)
	s.handle(mux, "POST", "/clienten/{id}/links/{link}/stoppen", staffRoles, s.linkRevoke)
	s.handle(mux, "POST", "/clienten/{id}/links/{link}/pin", staffRoles, s.linkResetPIN)
	s.handle(mux, "GET", "/l", Public, s.linkStart)
	s.handle(mux, "POST", "/l", Public, s.linkOpen)
	s.handle(mux, "GET", "/l/{code}", Public, s.linkOpen)
	s.handle(mux, "POST", "/l/weg", Public, s.linkLeave)
	s.handle(mux, "GET", "/l/pin", LinkPIN, s.linkPIN)
	s.handle(mux, "POST", "/l/pin", LinkPIN, s.linkPIN)
	s.handle(mux, "GET", "/l/gesprekken", LinkHolder, s.linkHome)
	s.handle(mux, "GET", "/l/gesprekken/{id}", LinkHolder, s.linkConversationPage)
	s.handle(mux, "POST", "/l/gesprekken/{id}/aankondigen", LinkHolder, s.linkAnnounce)
	s.handle(mux, "POST", "/l/verzoeken/{id}/antwoord", LinkHolder, s.linkAnswer)
	s.handle(mux, "POST", "/l/verzoeken/{id}/afspraken", LinkHolder, s.linkAgree)
	s.handle(mux, "GET", "/l/verzoeken/{id}/afspraken.pdf", LinkHolder, s.apiAgreementPDF)
	s.handle(mux, "POST", "/l/stoppen", LinkHolder, s.linkStop)
	s.handle(mux, "GET", "/l/opnames", LinkHolder, s.linkRecordings)
	s.handle(mux, "GET", "/l/opnames/{id}", LinkHolder, s.linkRecordingPage)
	s.handle(mux, "GET", "/l/wie-keek", LinkHolder, s.linkSeen)
	s.handle(mux, "GET", "/l/klacht", LinkHolder, s.linkComplaints)
	s.handle(mux, "GET", "/l/opnames/{id}/inhoud", LinkHolder, s.apiRecordingContent)
	s.handle(mux, "GET", "/l/opnames/{id}/bewijs", LinkHolder, s.apiRecordingReceipt)
	s.handle(mux, "POST", "/l/opnames/{id}/delen", LinkHolder, s.linkShare)
	s.handle(mux, "POST", "/l/ontvangers/{id}/stoppen", LinkHolder, s.linkStopRecipient)
	// A share's recipient (recipients.go): staff give the link, either
	// side stops it, the recipient opens it.
	s.handle(mux, "POST", "/verzoeken/{id}/ontvanger", staffRoles, s.deliverForm)
	s.handle(mux, "POST", "/verzoeken/{id}/ontvanger/{link}/stoppen", staffRoles, s.stopRecipientForm)
	s.handle(mux, "GET", "/d/{token}", RecipientLink, s.recipientLandingPage)
	s.handle(mux, "POST", "/d/{token}", RecipientLink, s.recipientLandingPage)
	s.handle(mux, "POST", "/d/{token}/opname", RecipientLink, s.recipientDownload)
	s.handle(mux, "POST", "/d/{token}/bewijs", RecipientLink, s.recipientReceipt)
	s.handle(mux, "POST", "/l/opnames/{id}/transcripten", LinkHolder, s.linkTranscriptForm)
	s.handle(mux, "GET", "/l/transcripten/{id}/inhoud", LinkHolder, s.apiTranscriptContent)
	s.handle(mux, "GET", "/l/transcripten/{id}/bewijs", LinkHolder, s.apiTranscriptReceipt)
	// The client hands over a copy of their own recording, resumably.
	s.tusRoutes(mux, linkUploads, LinkHolder)
	s.handle(mux, "GET", "/beleid", SignedIn, s.policyPage)
	s.handle(mux, "GET", "/beleid/voorbeeld", Roles(opname.RoleAdmin), s.previewForm)
	s.handle(mux, "POST", "/beleid/voorbeeld", Roles(opname.RoleAdmin), s.previewForm)
	s.handle(mux, "POST", "/beleid", Roles(opname.RoleAdmin), s.policyForm)
	s.handle(mux, "POST", "/beleid/tijdzone", Roles(opname.RoleAdmin), s.timeZoneForm)
	s.handle(mux, "GET", "/clientlinks", Roles(opname.RoleAdmin), s.linkSettingsPage)
	s.handle(mux, "POST", "/clientlinks", Roles(opname.RoleAdmin), s.linkSettingsForm)
	s.handle(mux, "GET", "/toegangslog", Roles(opname.RolePrivacyOfficer), s.accessLogPage)
	s.handle(mux, "GET", "/clienten/{id}/opnames", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.clientRecordingsPage)
	s.handle(mux, "GET", "/clienten/{id}/opnemen", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.recordPage)
	s.handle(mux, "GET", "/opnames/{id}", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.recordingPage)
	s.handle(mux, "GET", "/opnames/{id}/bewijs", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.receiptPage)
	s.handle(mux, "POST", "/opnames/{id}/kopie", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.copyForm)
	s.handle(mux, "POST", "/opnames/{id}/transcripten", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.transcriptForm)
	s.handle(mux, "POST", "/opnames/{id}/wissen", Roles(opname.RoleManager, opname.RoleAdmin), s.eraseForm)
	s.handle(mux, "GET", "/integriteit", Roles(opname.RolePrivacyOfficer, opname.RoleAdmin), s.fixityPage)
	// What an organisation publishes (public.go): for anyone, made from
	// its policy, with no client data.
	s.handle(mux, "GET", "/o/{slug}", Public, s.publicPage)
	s.handle(mux, "GET", "/o/{slug}/inbedden", Public, s.publicEmbed)
	s.handle(mux, "GET", "/o/{slug}/policy.yaml", Public, s.publicYAML)
	s.handle(mux, "GET", "/o/{slug}/policy.json", Public, s.publicJSON)
	s.handle(mux, "GET", "/openbare-pagina", Roles(opname.RoleAdmin), s.publicTextsPage)
	s.handle(mux, "POST", "/openbare-pagina", Roles(opname.RoleAdmin), s.publicTextsForm)
	// An organisation's printed matter (printed.go): for anyone, made
	// from its policy, with no client data.
	for _, kind := range printedKinds {
		s.handle(mux, "GET", "/o/{slug}/"+kind, Public, s.printedPage(kind))
		s.handle(mux, "GET", "/o/{slug}/"+kind+".pdf", Public, s.printedPDF(kind))
	}
}

func (s *Server) assets(w http.ResponseWriter, r *http.Request) {
	sub, _ := fs.Sub(assetFS, "assets")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.ServeFileFS(w, r, sub, r.PathValue("file"))
}

// favicon answers browsers and tools that ask for /favicon.ico without
// reading the page's link to the icon.
func (s *Server) favicon(w http.ResponseWriter, r *http.Request) {
	icon, err := assetFS.ReadFile("assets/favicon.svg")
	if err != nil {
		s.Error(w, r, fmt.Errorf("web: favicon: %w", err))
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write(icon)
}

func (s *Server) setLang(w http.ResponseWriter, r *http.Request) {
	l := "nl"
	if r.URL.Query().Get("lang") == "en" {
		l = "en"
	}
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: l, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, Secure: !s.Insecure})
	http.Redirect(w, r, s.pageAt(local(r.URL.Query().Get("terug"))), http.StatusSeeOther)
}

// pageAt is the page to show again at the same-site address back: back
// itself when it is a page, or else the nearest page above it, so that a
// page shown after a form was sent (the form's address takes only a POST)
// comes back as the page the form belongs to.
func (s *Server) pageAt(back string) string {
	for {
		r, err := http.NewRequest("GET", back, nil)
		if err != nil {
			return "/"
		}
		if _, pattern := s.mux.Handler(r); pattern != "" || back == "/" {
			return back
		}
		back = path.Dir(r.URL.Path)
	}
}

// local returns the same-site path p names, cleaned, or "/" when p could
// lead anywhere else: a scheme or host, a protocol-relative "//", a
// backslash, or a control character (browsers drop tabs and newlines, so
// "/\t/evil.example" would become "//evil.example").
func local(p string) string {
	bad := func(s string) bool {
		return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' })
	}
	if bad(p) {
		return "/"
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") || bad(u.Path) {
		return "/"
	}
	clean := path.Clean(u.Path)
	if strings.HasPrefix(clean, "//") {
		return "/"
	}
	return (&url.URL{Path: clean, RawQuery: u.RawQuery}).String()
}

func (s *Server) signInPage(w http.ResponseWriter, r *http.Request) {
	slug := r.URL.Query().Get("organisatie")
	p := &page{Form: map[string]string{"organisatie": slug}}
	if slug != "" {
		// Where the organisation is known, its public page is a link away.
		if org, err := s.Store.OrganisationBySlug(r.Context(), slug); err == nil {
			p.Org = org
		}
	}
	s.render(w, r, http.StatusOK, "signin", p)
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
	setRetryAfter(w, err)
	s.render(w, r, status[kind], name, &page{Form: form, Message: localMessage(lang(r), err)})
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

func (s *Server) homePage(w http.ResponseWriter, r *http.Request) {
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

// clientsPage lists the clients the person may see, with ?q= those whose
// name or dossier reference holds q; the privacy officer's list leads to
// each client's access log.
func (s *Server) clientsPage(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	p, err := listPage(r, "cursor")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	clients, next, err := s.Store.FindClients(r.Context(), q, p)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "clients", &page{Clients: clients, Form: map[string]string{"q": q}, Next: nextHref(r, "cursor", next)})
}

func (s *Server) clientsForm(w http.ResponseWriter, r *http.Request) {
	s.once(w, r, func() (string, bool) {
		c := &opname.Client{Name: r.PostFormValue("naam"), DossierRef: r.PostFormValue("dossier"), Contact: r.PostFormValue("contact")}
		if err := s.Store.CreateClient(r.Context(), c); err != nil {
			clients, lerr := s.Store.Clients(r.Context())
			if lerr != nil {
				s.Error(w, r, lerr)
				return "", false
			}
			s.render(w, r, status[opname.KindOf(err)], "clients", &page{Clients: clients, Message: localMessage(lang(r), err)})
			return "", false
		}
		return "/clienten/" + c.ID, false
	})
}

func (s *Server) clientPage(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	c, err := s.Store.Client(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p := &page{Client: c, Title: c.Name}
	if canFor(a.Role).ManageClients {
		if p.People, err = s.Store.Users(r.Context()); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	for _, id := range c.Staff {
		// A staff member may not look up colleagues (not found): they
		// see their own name only.
		u, err := s.Store.User(r.Context(), id)
		switch {
		case err == nil:
			p.StaffNames = append(p.StaffNames, u.Name)
		case opname.KindOf(err) != opname.NotFound:
			s.Error(w, r, err)
			return
		case id == a.UserID:
			p.StaffNames = append(p.StaffNames, a.Name)
		}
	}
	// The overview is read through the store, which logs the reading.
	seen, err := s.seenPage(r, c.ID, "/clienten/"+c.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	links, err := s.Store.ClientLinks(r.Context(), c.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p.Links, p.LinkMessage = s.linkRows(r, links), r.URL.Query().Get("link")
	for _, party := range opname.LinkParties {
		p.LinkParties = append(p.LinkParties, choice{party, translate(lang(r), "wf.role."+party)})
	}
	seen.Seen = seenLines(seen.events, nil, s.zone(r), lang(r))
	kept, err := s.clientRetention(r, c.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.renderData(w, r, http.StatusOK, "client", p, &clientData{page: p, seenPaged: seen, Retention: kept})
}

// clientData is what the client's page shows besides the page: who
// looked at the client's data, as the client will read it.
type clientData struct {
	*page
	*seenPaged
	// Retention is the end of care and the legal holds.
	Retention *clientRetention
}

func (s *Server) assignForm(w http.ResponseWriter, r *http.Request) {
	if err := s.Store.Assign(r.Context(), r.PathValue("id"), r.PostFormValue("medewerker")); err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/clienten/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
}

func (s *Server) peoplePage(w http.ResponseWriter, r *http.Request) {
	lp, err := listPage(r, "cursor")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	people, next, err := s.Store.ListUsers(r.Context(), lp)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p := &page{People: people, Next: nextHref(r, "cursor", next)}
	if r.URL.Query().Get("al") == "1" {
		p.Message, p.MessageOK = translate(lang(r), "people.made.already"), true
	}
	s.render(w, r, http.StatusOK, "people", p)
}

// peopleForm adds a person and shows their sign-in code, once: the same
// form sent again says that the person was added.
func (s *Server) peopleForm(w http.ResponseWriter, r *http.Request) {
	s.once(w, r, func() (string, bool) {
		u := &opname.User{Name: r.PostFormValue("naam"), Email: r.PostFormValue("email"), Role: opname.Role(r.PostFormValue("rol"))}
		p, next := &page{}, ""
		if err := s.Store.CreateUser(r.Context(), u); err != nil {
			p.Message = localMessage(lang(r), err)
		} else if secret, _, err := s.Store.CreateOneTime(r.Context(), u.ID, oneTimeTTL); err != nil {
			p.Message, next = localMessage(lang(r), err), "/mensen?al=1"
		} else {
			link := s.signInLink(r, secret)
			p.Message, p.MessageOK, p.Secret, next = fmt.Sprintf(translate(lang(r), "people.link.made"), u.Name), true, link, "/mensen?al=1"
			p.Note = s.invite(r, u, link)
		}
		people, more, err := s.Store.ListUsers(r.Context(), opname.Page{})
		if err != nil {
			s.Error(w, r, err)
			return next, true
		}
		p.People, p.Next = people, nextHref(&http.Request{URL: &url.URL{Path: "/mensen"}}, "cursor", more)
		s.render(w, r, http.StatusOK, "people", p)
		return next, true
	})
}

func (s *Server) linkForm(w http.ResponseWriter, r *http.Request) {
	u, ok := s.managedPerson(w, r)
	if !ok {
		return
	}
	secret, ended, err := s.Store.CreateOneTime(r.Context(), u.ID, oneTimeTTL)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.peopleDone(w, r, endedMessage(lang(r), u.Name, ended)+" "+fmt.Sprintf(translate(lang(r), "people.link.made"), u.Name), s.signInLink(r, secret))
}
