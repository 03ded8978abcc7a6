package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/smtpmail/smtptest"
	"github.com/opname/opname/workflow"
)

// namesOrg is an organisation with two staff members, each assigned to a
// client with a dossier reference, a manager and a privacy officer, each
// with an API token.
type namesOrg struct {
	org                  *opname.Organisation
	octx                 context.Context
	anna, bram           *opname.Client
	sanne, piet, manager *opname.User
	privacy, admin       *opname.User
	tokens               map[string]string // by first name
}

func newNamesOrg(t *testing.T, s *server, slug, policy string) *namesOrg {
	t.Helper()
	org, octx := newOrg(t, s, slug, policy, false)
	o := &namesOrg{org: org, octx: octx, tokens: map[string]string{}}
	people := []struct {
		dst  **opname.User
		name string
		role opname.Role
	}{
		{&o.sanne, "Sanne Bakker", opname.RoleStaff},
		{&o.piet, "Piet Smit", opname.RoleStaff},
		{&o.manager, "Mirjam Manager", opname.RoleManager},
		{&o.privacy, "Pim Privacy", opname.RolePrivacyOfficer},
		{&o.admin, "Ada Beheer", opname.RoleAdmin},
	}
	for _, p := range people {
		first := strings.ToLower(strings.Fields(p.name)[0])
		u := &opname.User{Email: first + "@" + slug + ".nl", Name: p.name, Role: p.role}
		if err := s.db.CreateUser(octx, u); err != nil {
			t.Fatal(err)
		}
		token, _, err := s.db.CreateToken(octx, u.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		*p.dst, o.tokens[first] = u, token
	}
	o.anna = &opname.Client{Name: "Anna de Vries", DossierRef: "D-1001", Contact: "anna@example.nl"}
	o.bram = &opname.Client{Name: "Bram Jansen", DossierRef: "D-1002", Contact: "bram@example.nl"}
	for _, c := range []struct {
		client *opname.Client
		staff  *opname.User
	}{{o.anna, o.sanne}, {o.bram, o.piet}} {
		if err := s.db.CreateClient(octx, c.client); err != nil {
			t.Fatal(err)
		}
		if err := s.db.Assign(octx, c.client.ID, c.staff.ID); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

// get calls path as the person whose token is first's, asking for HTML
// unless the path is under /api/, and checks the status.
func (o *namesOrg) get(t *testing.T, s *server, first, path string, want int) string {
	t.Helper()
	headers := map[string]string{"Authorization": "Bearer " + o.tokens[first]}
	if !strings.HasPrefix(path, "/api/") {
		headers["Accept"] = "text/html"
	}
	resp, body := send(t, "GET", s.URL+path, "", headers)
	if resp.StatusCode != want {
		t.Fatalf("GET %s as %s = %d, want %d\n%s", path, first, resp.StatusCode, want, firstLine([]byte(body)))
	}
	return body
}

// events is the access log as the privacy officer's JSON search answers
// path's query.
func (o *namesOrg) events(t *testing.T, s *server, query string) []map[string]any {
	t.Helper()
	var events []map[string]any
	if err := json.Unmarshal([]byte(o.get(t, s, "pim", "/api/v1/access-log?"+query, 200)), &events); err != nil {
		t.Fatal(err)
	}
	return events
}

// TestAccessLogSearchByNames searches the access log the way a privacy
// officer knows the people: a client by name or dossier reference, a
// staff member from a list of names, an action in words and a range of
// dates in the organisation's time zone. The results name the client and
// the person; another organisation's client of the same name and dossier
// reference never appears; a search that names a client is a read of
// that client's data.
func TestAccessLogSearchByNames(t *testing.T) {
	t.Parallel()
	dialects(t, testAccessLogSearchByNames)
}

func testAccessLogSearchByNames(t *testing.T, s *server) {
	a := newNamesOrg(t, s, "namen", "ombudsman")
	b := newNamesOrg(t, s, "anderen", "ombudsman")
	// Each staff member reads their own client, in both organisations.
	for _, o := range []*namesOrg{a, b} {
		o.get(t, s, "sanne", "/api/v1/clients/"+o.anna.ID, 200)
		o.get(t, s, "piet", "/api/v1/clients/"+o.bram.ID, 200)
	}

	// By name, in part and in any case, on the page: names, not ids.
	page := a.get(t, s, "pim", "/toegangslog?client=anna", 200)
	if !strings.Contains(page, "Anna de Vries") || strings.Contains(page, "Bram Jansen") {
		t.Errorf("searching for anna: the page does not show Anna de Vries alone")
	}
	for _, id := range []string{a.anna.ID, b.anna.ID} {
		if strings.Contains(page, id) {
			t.Errorf("searching for anna: the page shows the client id %s", id)
		}
	}
	for _, want := range []string{"Sanne Bakker (medewerker)", `value="anna"`} {
		if !strings.Contains(page, want) {
			t.Errorf("searching for anna: no %q in the page", want)
		}
	}

	// By dossier reference, in the JSON API: each record names its client.
	events := a.events(t, s, "client=d-1002")
	if len(events) == 0 {
		t.Fatal("searching for d-1002 found nothing")
	}
	for _, e := range events {
		if e["client_id"] != a.bram.ID || e["client_name"] != "Bram Jansen" {
			t.Errorf("searching for d-1002: record of client %v (%v), want only %s (Bram Jansen)", e["client_id"], e["client_name"], a.bram.ID)
		}
	}
	// The other organisation's Anna, same name and dossier reference, is
	// never found.
	for _, q := range []string{"client=Anna", "client=D-1001", "client_id=" + b.anna.ID, ""} {
		for _, e := range a.events(t, s, q) {
			if e["client_id"] == b.anna.ID || e["client_id"] == b.bram.ID {
				t.Errorf("search %q shows a record of another organisation's client", q)
			}
		}
	}
	// A search that names a client is a read of that client's data: the
	// client's own overview shows it.
	var overview []map[string]any
	if err := json.Unmarshal([]byte(a.get(t, s, "piet", "/api/v1/clients/"+a.bram.ID+"/access-log", 200)), &overview); err != nil {
		t.Fatal(err)
	}
	searched := false
	for _, e := range overview {
		searched = searched || e["object_type"] == "access_log" && e["user_name"] == "Pim Privacy"
	}
	if !searched {
		t.Errorf("Bram's overview does not show that the privacy officer searched the access log for him")
	}
	if got := a.events(t, s, "client=nobody-has-this-name"); len(got) != 0 {
		t.Errorf("a name no client has found %d records", len(got))
	}

	// By staff member: the page offers the organisation's people by name.
	page = a.get(t, s, "pim", "/toegangslog", 200)
	for _, want := range []string{
		fmt.Sprintf(`<option value="%s">Sanne Bakker</option>`, a.sanne.ID),
		fmt.Sprintf(`<option value="%s">Piet Smit</option>`, a.piet.ID),
		`<option value="read">bekeken</option>`,
		"Europe/Amsterdam",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the access log page lacks %q", want)
		}
	}
	if strings.Contains(page, b.sanne.ID) {
		t.Errorf("the access log page offers another organisation's staff member")
	}
	page = a.get(t, s, "pim", "/toegangslog?user_id="+a.piet.ID, 200)
	if !strings.Contains(page, "Piet Smit (") || strings.Contains(page, "Sanne Bakker (") {
		t.Errorf("searching by Piet shows someone else's records")
	}
	if strings.Contains(page, fmt.Sprintf(`<option value="%s" selected>Piet Smit</option>`, a.piet.ID)) == false {
		t.Errorf("searching by Piet: Piet is not selected in the list")
	}
	for _, e := range a.events(t, s, "user_id="+a.piet.ID+"&action=read") {
		if e["user_id"] != a.piet.ID || e["action"] != "read" {
			t.Errorf("searching Piet's reads found %v by %v", e["action"], e["user_name"])
		}
	}

	// By dates, in the organisation's time zone, both days included.
	loc, _ := time.LoadLocation("Europe/Amsterdam")
	today := time.Now().In(loc)
	day := func(d int) string { return today.AddDate(0, 0, d).Format("2006-01-02") }
	for _, c := range []struct {
		query string
		found bool
	}{
		{"from=" + day(0) + "&to=" + day(0), true},
		{"from=" + day(-1), true},
		{"to=" + day(0), true},
		{"from=" + day(1), false},
		{"to=" + day(-1), false},
		{"from=" + day(-3) + "&to=" + day(-1), false},
	} {
		got := len(a.events(t, s, "client=bram&"+c.query)) > 0
		if got != c.found {
			t.Errorf("records of Bram with %s: found %v, want %v", c.query, got, c.found)
		}
	}
	page = a.get(t, s, "pim", "/toegangslog?from="+day(0)+"&to="+day(0), 200)
	if !strings.Contains(page, `value="`+day(0)+`"`) || !strings.Contains(page, "Bram Jansen") {
		t.Errorf("searching today's records: the dates are not kept in the form, or Bram's records are missing")
	}

	// What is not a date, an action or a range is refused, naming the field.
	for _, q := range []string{"from=gisteren", "to=2026-02-30", "action=dance", "from=" + day(0) + "&to=" + day(-1)} {
		resp, body := send(t, "GET", s.URL+"/api/v1/access-log?"+q, "", map[string]string{"Authorization": "Bearer " + a.tokens["pim"]})
		field, _, _ := strings.Cut(q, "=")
		if resp.StatusCode != 400 || !strings.Contains(body, field) {
			t.Errorf("access log ?%s = %d %s, want 400 naming %s", q, resp.StatusCode, firstLine([]byte(body)), field)
		}
		page := a.get(t, s, "pim", "/toegangslog?"+q, 400)
		if !strings.Contains(page, `role="alert"`) {
			t.Errorf("access log page ?%s: no error shown", q)
		}
	}

	// The export carries the client's name, and searches as the page does.
	resp, body := send(t, "GET", s.URL+"/api/v1/access-log?format=csv&client=jansen", "", map[string]string{"Authorization": "Bearer " + a.tokens["pim"]})
	rows, err := csv.NewReader(bytes.NewBufferString(body)).ReadAll()
	if resp.StatusCode != 200 || err != nil || len(rows) < 2 {
		t.Fatalf("CSV export = %d %v %s", resp.StatusCode, err, firstLine([]byte(body)))
	}
	col := -1
	for i, name := range rows[0] {
		if name == "client_name" {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("the CSV export has no client_name column: %v", rows[0])
	}
	for _, row := range rows[1:] {
		if row[col] != "Bram Jansen" {
			t.Errorf("CSV export for jansen: client_name %q", row[col])
		}
	}
	page = a.get(t, s, "pim", "/toegangslog?client=jansen&action=read", 200)
	if !strings.Contains(page, "/api/v1/access-log?") || !strings.Contains(page, "client=jansen") || !strings.Contains(page, "action=read") || !strings.Contains(page, "format=csv") {
		t.Errorf("the export link does not carry the search")
	}
}

// TestPrivacyOfficerClientList: the privacy officer finds the
// organisation's clients by name or dossier reference, each with a link to
// its access-log history and no link to what they may not see; the list
// is one access-log record.
func TestPrivacyOfficerClientList(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	a := newNamesOrg(t, s, "lijst", "ombudsman")
	b := newNamesOrg(t, s, "elders", "ombudsman")
	other := &opname.Client{Name: "Cees Elders", DossierRef: "E-9"}
	if err := s.db.CreateClient(b.octx, other); err != nil {
		t.Fatal(err)
	}

	lists := func() int {
		n := 0
		for _, e := range a.events(t, s, "action=read&user_id="+a.privacy.ID+"&limit=1000") {
			if e["object_type"] == "clients" {
				n++
			}
		}
		return n
	}
	before := lists()
	page := a.get(t, s, "pim", "/clienten", 200)
	if got := lists(); got != before+1 {
		t.Errorf("the list of clients is %d access-log records, want 1", got-before)
	}
	for _, want := range []string{"Anna de Vries", "D-1001", "Bram Jansen", "D-1002",
		`href="/toegangslog?client_id=` + a.anna.ID + `"`, `href="/toegangslog?client_id=` + a.bram.ID + `"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the privacy officer's client list lacks %q", want)
		}
	}
	for _, not := range []string{"Cees Elders", b.anna.ID, `href="/clienten/` + a.anna.ID, "anna@example.nl", `action="/clienten"` + ` class="form">`} {
		if strings.Contains(page, not) {
			t.Errorf("the privacy officer's client list shows %q", not)
		}
	}
	if !strings.Contains(page, `href="/clienten"`) {
		t.Errorf("the privacy officer has no way to the client list in the menu")
	}

	page = a.get(t, s, "pim", "/clienten?q=d-1002", 200)
	if !strings.Contains(page, "Bram Jansen") || strings.Contains(page, "Anna de Vries") || !strings.Contains(page, `value="d-1002"`) {
		t.Errorf("searching the client list for d-1002 does not show Bram alone")
	}
	var found []map[string]any
	if err := json.Unmarshal([]byte(a.get(t, s, "pim", "/api/v1/clients?q=jansen", 200)), &found); err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 || found[0]["name"] != "Bram Jansen" || found[0]["dossier_ref"] != "D-1002" || found[0]["contact"] != "" {
		t.Errorf("the API finds for jansen %v, want Bram with his dossier reference and no contact", found)
	}

	// The history behind the link names the client.
	page = a.get(t, s, "pim", "/toegangslog?client_id="+a.anna.ID, 200)
	if !strings.Contains(page, "Anna de Vries") || strings.Contains(page, "Bram Jansen") {
		t.Errorf("Anna's access-log history does not name her alone")
	}

	// Staff search their own clients the same way, and still open them.
	page = a.get(t, s, "sanne", "/clienten?q=VRIES", 200)
	if !strings.Contains(page, `href="/clienten/`+a.anna.ID+`"`) || strings.Contains(page, "toegangslog?client_id") {
		t.Errorf("a staff member's client list does not link to the client page alone")
	}
	page = a.get(t, s, "sanne", "/clienten?q=bram", 200)
	if strings.Contains(page, "Bram Jansen") {
		t.Errorf("a staff member finds a client they are not assigned to")
	}
}

// TestInboxSaysWhoForWhomWhatSince: each request waiting for the manager
// says who asked, for which client, what, and since when, with the time's
// zone and how long it has waited.
func TestInboxSaysWhoForWhomWhatSince(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	o := newNamesOrg(t, s, "postvak", "blijf-groep")
	// Sanne sent the request to the manager three days and three hours ago.
	past := &workflow.Workflow{Store: s.db, Policies: s.web.Workflow.Policies, Now: func() time.Time { return time.Now().Add(-75 * time.Hour) }}
	sctx := actorCtx(o.org, o.sanne)
	conv := &opname.Conversation{ClientID: o.anna.ID, Location: "office", Participants: []opname.Participant{{Role: "client"}, {Role: "staff", Name: "Sanne Bakker", UserID: o.sanne.ID}}}
	if err := past.Open(sctx, conv); err != nil {
		t.Fatal(err)
	}
	req, err := past.Ask(sctx, conv.ID, opname.Act{Action: "record", Medium: "video", By: "client"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := past.AskManager(sctx, req.ID, "Cliënte wil het terugkijken.", "Team Noord"); err != nil {
		t.Fatal(err)
	}

	zoned := regexp.MustCompile(`\d{1,2} [a-z]+ 20\d\d, \d\d:\d\d (CET|CEST)`)
	for _, path := range []string{"/postvak", "/werk"} {
		page := o.get(t, s, "mirjam", path, 200)
		for _, want := range []string{"Sanne Bakker", "Anna de Vries", "Opname door de cliënt, beeld", "3 dagen", `href="/verzoeken/` + req.ID + `"`} {
			if !strings.Contains(page, want) {
				t.Errorf("%s lacks %q", path, want)
			}
		}
		if !zoned.MatchString(page) {
			t.Errorf("%s shows no time with its zone", path)
		}
	}
	var inbox struct {
		Requests []struct {
			ID         string    `json:"id"`
			StaffName  string    `json:"staff_name"`
			ClientName string    `json:"client_name"`
			Since      time.Time `json:"waiting_since"`
		} `json:"requests"`
	}
	if err := json.Unmarshal([]byte(o.get(t, s, "mirjam", "/api/v1/inbox", 200)), &inbox); err != nil {
		t.Fatal(err)
	}
	if len(inbox.Requests) != 1 {
		t.Fatalf("inbox has %d requests, want 1", len(inbox.Requests))
	}
	r := inbox.Requests[0]
	if r.StaffName != "Sanne Bakker" || r.ClientName != "Anna de Vries" || time.Since(r.Since) < 74*time.Hour || time.Since(r.Since) > 76*time.Hour {
		t.Errorf("inbox request: staff %q, client %q, waiting since %s", r.StaffName, r.ClientName, r.Since)
	}
	// A new session ends the manager's token: the English page comes last.
	en := signedInBrowser(t, s, managerSession(t, s, o), "en")
	if code, page, _ := en.do("GET", "/postvak", "", ""); code != 200 || !strings.Contains(page, "3 days") || !strings.Contains(page, "Recording by the client, video") {
		t.Errorf("English inbox = %d, without %q or %q", code, "3 days", "Recording by the client, video")
	}
}

// managerSession signs o's manager in with a password and returns the
// session's secret.
func managerSession(t *testing.T, s *server, o *namesOrg) string {
	t.Helper()
	once, _, err := s.db.CreateOneTime(o.octx, o.manager.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := s.db.Redeem(context.Background(), once, "een lange zin als wachtwoord")
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// linkRE finds a sign-in link.
var linkRE = regexp.MustCompile(`https?://[^\s"<>]+/welkom\?code=[A-Za-z0-9_\-]+`)

// TestSignInLinkWithoutMail: without SMTP, an administrator who adds a
// person gets a whole sign-in link to pass on — on the request's host, or
// on the public address when one is set — and the link works.
func TestSignInLinkWithoutMail(t *testing.T) {
	t.Parallel()
	for _, public := range []string{"", "https://opname.example.nl"} {
		t.Run("public="+public, func(t *testing.T) {
			s := startConfigured(t, &config{Addr: "127.0.0.1:0", Data: t.TempDir(), PublicURL: public})
			o := newNamesOrg(t, s, "uitnodigen", "ombudsman")
			b := signedInBrowser(t, s, adminSession(t, s, o), "nl")
			code, page, _ := b.form("/mensen", url.Values{"naam": {"Nina Nieuw"}, "email": {"nina@uitnodigen.nl"}, "rol": {"staff"}})
			if code != 200 {
				t.Fatalf("add a person = %d", code)
			}
			link := linkRE.FindString(page)
			base := public
			if base == "" {
				base = s.URL
			}
			if !strings.HasPrefix(link, base+"/welkom?code=") {
				t.Fatalf("the page shows no sign-in link on %s; found %q", base, link)
			}
			if !strings.Contains(page, "Er is geen e-mail verstuurd") {
				t.Errorf("the page does not say that no e-mail was sent")
			}
			welcome := newBrowser(t, s.URL)
			code, body, _ := welcome.do("GET", strings.TrimPrefix(link, base), "", "")
			if code != 200 || !strings.Contains(body, strings.TrimPrefix(link, base+"/welkom?code=")) {
				t.Errorf("the link's page = %d without its code", code)
			}
			// A new link for someone already there is a whole link too.
			code, page, _ = b.form("/mensen/"+o.sanne.ID+"/link", nil)
			if code != 200 || !strings.HasPrefix(linkRE.FindString(page), base+"/welkom?code=") {
				t.Errorf("a new sign-in link = %d, without a whole link", code)
			}
		})
	}
}

// adminSession signs o's administrator in and returns the session's secret.
func adminSession(t *testing.T, s *server, o *namesOrg) string {
	t.Helper()
	once, _, err := s.db.CreateOneTime(o.octx, o.admin.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := s.db.Redeem(context.Background(), once, "een lange zin als wachtwoord")
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// TestInvitationMail: with SMTP set, a person added on the people page or
// with `opname user add` gets an invitation e-mail with their sign-in
// link, in Dutch and English and without a word about clients; the page
// and the command line still show the link.
func TestInvitationMail(t *testing.T) {
	t.Parallel()
	smtpURL, api := smtptest.Mailpit(t)
	unique := fmt.Sprint(time.Now().UnixNano())

	s := startConfigured(t, &config{Addr: "127.0.0.1:0", Data: t.TempDir(), SMTPURL: smtpURL})
	o := newNamesOrg(t, s, "post", "ombudsman")
	b := signedInBrowser(t, s, adminSession(t, s, o), "nl")
	email := "nina-" + unique + "@opname.test"
	code, page, _ := b.form("/mensen", url.Values{"naam": {"Nina Nieuw"}, "email": {email}, "rol": {"staff"}})
	link := linkRE.FindString(page)
	if code != 200 || !strings.HasPrefix(link, s.URL+"/welkom?code=") {
		t.Fatalf("add a person = %d, link %q", code, link)
	}
	if !strings.Contains(page, "per e-mail gestuurd naar "+email) {
		t.Errorf("the page does not say the invitation was e-mailed to %s", email)
	}
	checkInvitation(t, smtptest.Arrived(t, api, email), link, "Nina Nieuw", o.org.Name)

	// The command line, on a database of its own.
	data := t.TempDir()
	env := map[string]string{"OPNAME_DATA": data, "OPNAME_SMTP_URL": smtpURL, "OPNAME_PUBLIC_URL": "https://opname.example.nl"}
	run := func(args ...string) (string, string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		m := &Main{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return env[k] }}
		if code := m.Run(context.Background(), args); code != 0 {
			t.Fatalf("opname %s: exit %d\n%s", strings.Join(args, " "), code, stderr.String())
		}
		return stdout.String(), stderr.String()
	}
	run("org", "create", "--slug", "cli", "--name", "Stichting Cli", "--policy", "ombudsman")
	email = "kees-" + unique + "@opname.test"
	out, _ := run("user", "add", "--org", "cli", "--email", email, "--name", "Kees Klaar", "--role", "manager")
	link = linkRE.FindString(out)
	if !strings.HasPrefix(link, "https://opname.example.nl/welkom?code=") || !strings.Contains(out, "invitation e-mailed to "+email) {
		t.Fatalf("opname user add printed:\n%s", out)
	}
	checkInvitation(t, smtptest.Arrived(t, api, email), link, "Kees Klaar", "Stichting Cli")

	// Without SMTP the link is all there is, and the command says so.
	delete(env, "OPNAME_SMTP_URL")
	out, _ = run("user", "add", "--org", "cli", "--email", "loes-"+unique+"@opname.test", "--role", "staff")
	if !strings.HasPrefix(linkRE.FindString(out), "https://opname.example.nl/welkom?code=") || !strings.Contains(out, "no e-mail sent") {
		t.Errorf("opname user add without SMTP printed:\n%s", out)
	}
}

// checkInvitation checks an invitation e-mail: to the person, about their
// organisation, with their link, in Dutch and English, without clients.
func checkInvitation(t *testing.T, msg smtptest.Message, link, name, org string) {
	t.Helper()
	text := strings.ReplaceAll(msg.Text, "\r\n", "\n")
	for _, want := range []string{link, name, org, "Open deze link", "Open this link", "dagen", "days"} {
		if !strings.Contains(text, want) && !strings.Contains(msg.Subject, want) {
			t.Errorf("invitation to %s lacks %q:\n%s\n%s", name, want, msg.Subject, text)
		}
	}
	for _, not := range []string{"Anna", "Bram", "cliënt", "client"} {
		if strings.Contains(text, not) {
			t.Errorf("invitation to %s mentions %q", name, not)
		}
	}
}
