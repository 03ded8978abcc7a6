package main

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/policy"
	"github.com/opname/opname/smtpmail/smtptest"
	"github.com/opname/opname/vault"
	"github.com/opname/opname/workflow"
)

// newLink makes a link for a person of client as its staff member; with
// pin, the holder must choose a PIN first.
func (f *fixture) newLink(t *testing.T, client, party string, pin bool) *opname.ClientLink {
	t.Helper()
	l, _ := f.newLinkWithCode(t, client, party, pin, time.Time{})
	return l
}

// newLinkCode makes a link and returns its code.
func (f *fixture) newLinkCode(t *testing.T, client, party string) string {
	t.Helper()
	_, code := f.newLinkWithCode(t, client, party, false, time.Time{})
	return code
}

func (f *fixture) newLinkWithCode(t *testing.T, client, party string, pin bool, expires time.Time) (*opname.ClientLink, string) {
	t.Helper()
	l := &opname.ClientLink{ClientID: client, Party: party, PINRequired: pin, ExpiresAt: expires}
	code, err := f.s.db.CreateLink(f.staffCtx, l)
	if err != nil {
		t.Fatal(err)
	}
	return l, code
}

// openLink opens a link from code as a browser would, and returns the
// session's secret.
func (f *fixture) openLink(t *testing.T, code string) string {
	t.Helper()
	secret, _, err := f.s.db.OpenLink(opname.WithAddr(context.Background(), "192.0.2.1"), code)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// linkCallers are the kinds of link holder the link matrix tries every
// route as: the client's own link; another client's link; a parent's link
// of the client, in whose conversation no parent takes part; a link that
// expired, one that was stopped, and one whose PIN is still to be chosen.
var linkCallers = []string{"own", "other_client", "parent", "expired", "revoked", "pin_pending"}

// linkMatrix is the status of each client's route for each link caller.
// Every other route answers a link caller as it answers someone not signed
// in: a link opens the client's side and nothing else.
var linkMatrix = map[string][6]int{
	//                                        own other parent expired revoked pin
	"GET /l":                              {303, 303, 303, 200, 200, 303},
	"POST /l":                             {303, 303, 303, 303, 303, 303},
	"GET /l/{code}":                       {303, 303, 303, 303, 303, 303},
	"POST /l/weg":                         {303, 303, 303, 303, 303, 303},
	"GET /l/pin":                          {303, 303, 303, 303, 303, 200},
	"POST /l/pin":                         {303, 303, 303, 303, 303, 400},
	"GET /l/gesprekken":                   {200, 200, 200, 303, 303, 303},
	"GET /l/gesprekken/{id}":              {200, 404, 404, 303, 303, 303},
	"POST /l/gesprekken/{id}/aankondigen": {303, 404, 404, 303, 303, 303},
	"POST /l/verzoeken/{id}/antwoord":     {409, 404, 404, 303, 303, 303},
	"POST /l/verzoeken/{id}/afspraken":    {303, 404, 404, 303, 303, 303},
	"POST /l/stoppen":                     {200, 200, 200, 303, 303, 303},
	"GET /l/opnames":                      {200, 200, 200, 303, 303, 303},
	"GET /l/opnames/{id}/inhoud":          {200, 404, 404, 303, 303, 303},
	"GET /l/opnames/{id}/bewijs":          {200, 404, 404, 303, 303, 303},
	"GET /l/opnames/{id}":                 {200, 404, 404, 303, 303, 303},
	// The fixture's recording is of no conversation: nothing to ask about.
	"POST /l/opnames/{id}/delen":        {409, 404, 404, 303, 303, 303},
	"POST /l/opnames/{id}/transcripten": {409, 404, 404, 303, 303, 303},
	// The fixture's transcript is the organisation's, of that recording.
	"GET /l/transcripten/{id}/inhoud":     {200, 404, 404, 303, 303, 303},
	"GET /l/transcripten/{id}/bewijs":     {200, 404, 404, 303, 303, 303},
	"GET /l/wie-keek":                     {200, 200, 200, 303, 303, 303},
	"GET /l/mijn-gegevens":                {200, 200, 200, 303, 303, 303},
	"POST /l/mijn-gegevens":               {303, 303, 303, 303, 303, 303},
	"GET /l/mijn-gegevens/gegevens.zip":   {200, 200, 200, 303, 303, 303},
	"GET /l/klacht":                       {200, 200, 200, 303, 303, 303},
	"GET /l/verzoeken/{id}/afspraken.pdf": {200, 404, 404, 303, 303, 303},
	// A copy is given by the client, for a request that asks for it; an
	// upload under way is its holder's alone.
	"POST /l/kopie":             {201, 404, 404, 303, 303, 303},
	"HEAD /l/kopie/{id}":        {404, 404, 404, 303, 303, 303},
	"PATCH /l/kopie/{id}":       {404, 404, 404, 303, 303, 303},
	"DELETE /l/kopie/{id}":      {404, 404, 404, 303, 303, 303},
	"POST /l/kopie/{id}/finish": {404, 404, 404, 303, 303, 303},
	// The people of the share's conversation may stop its recipient's
	// link; the fixture's conversation has no parent.
	"POST /l/ontvangers/{id}/stoppen": {303, 404, 404, 303, 303, 303},
	// The organisation's public page, linked from the complaints page,
	// is for anyone: whatever their link's state.
	"GET /o/{slug}":             {200, 200, 200, 200, 200, 200},
	"GET /o/{slug}/inbedden":    {200, 200, 200, 200, 200, 200},
	"GET /o/{slug}/policy.yaml": {200, 200, 200, 200, 200, 200},
	"GET /o/{slug}/policy.json": {200, 200, 200, 200, 200, 200},
	// An organisation's printed matter is anyone's, a link holder's too.
	"GET /o/{slug}/folder":       {200, 200, 200, 200, 200, 200},
	"GET /o/{slug}/folder.pdf":   {200, 200, 200, 200, 200, 200},
	"GET /o/{slug}/poster":       {200, 200, 200, 200, 200, 200},
	"GET /o/{slug}/poster.pdf":   {200, 200, 200, 200, 200, 200},
	"GET /o/{slug}/zakkaart":     {200, 200, 200, 200, 200, 200},
	"GET /o/{slug}/zakkaart.pdf": {200, 200, 200, 200, 200, 200},
}

// TestLinkAuthorizationMatrix calls every registered route as every kind
// of link holder: the client's routes as linkMatrix says, every other
// route as it answers someone not signed in.
func TestLinkAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	dialects(t, testLinkAuthorizationMatrix)
}

func testLinkAuthorizationMatrix(t *testing.T, s *server) {
	f := newFixture(t, s)
	octx := opname.WithActor(context.Background(), f.adminA)
	other := &opname.Client{Name: "Bram Jansen"}
	if err := s.db.CreateClient(octx, other); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Assign(octx, other.ID, f.staffA); err != nil {
		t.Fatal(err)
	}
	// Links that keep their state are opened once; the others anew for
	// each request, as stopping one ends it.
	_, expiringCode := f.newLinkWithCode(t, f.clientA, "client", false, time.Now().Add(2*time.Second))
	expired := f.openLink(t, expiringCode)
	revokedLink, revokedCode := f.newLinkWithCode(t, f.clientA, "client", false, time.Time{})
	revoked := f.openLink(t, revokedCode)
	if err := s.db.RevokeLink(f.staffCtx, revokedLink.ID); err != nil {
		t.Fatal(err)
	}
	_, pinCode := f.newLinkWithCode(t, f.clientA, "client", true, time.Time{})
	pending := f.openLink(t, pinCode)
	time.Sleep(2100 * time.Millisecond)
	secretOf := map[string]func() string{
		"own":          func() string { return f.openLink(t, f.newLinkCode(t, f.clientA, "client")) },
		"other_client": func() string { return f.openLink(t, f.newLinkCode(t, other.ID, "client")) },
		"parent":       func() string { return f.openLink(t, f.newLinkCode(t, f.clientA, "parent")) },
		"expired":      func() string { return expired },
		"revoked":      func() string { return revoked },
		"pin_pending":  func() string { return pending },
	}
	for _, route := range s.web.Routes() {
		key := route.Key()
		want, isLink := linkMatrix[key]
		if !isLink {
			if route.Pattern == "/l" || strings.HasPrefix(route.Pattern, "/l/") {
				t.Errorf("route %s has no row in the link matrix: add one", key)
				continue
			}
			row, ok := matrix[key]
			if !ok {
				continue // TestAuthorizationMatrix says so
			}
			// As someone not signed in, once per route: a link session
			// changes nothing outside the client's side.
			for i := range want {
				want[i] = row[0]
			}
		}
		for i, caller := range linkCallers {
			r := f.request(t, route.Method, route.Pattern)
			r.AddCookie(&http.Cookie{Name: s.web.LinkCookie(), Value: secretOf[caller]()})
			resp, err := noRedirect.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != want[i] {
				t.Errorf("%s as link holder %s: status %d, want %d\n%s", key, caller, resp.StatusCode, want[i], firstLine(body))
			}
			if !isLink {
				break
			}
		}
	}
	for key := range linkMatrix {
		if _, ok := matrix[key]; !ok {
			t.Errorf("the link matrix has a row for %s, which is not in the authorization matrix", key)
		}
	}
}

// codeRE finds a link's code as the print page shows it, in groups.
var codeRE = regexp.MustCompile(`[0-9A-Z]{5}(?:-[0-9A-Z]{1,5}){5}`)

// TestLinkJourneyVeiligThuis follows a client and a parent of Veilig Thuis
// through their links: staff give them (printed, and mailed through the
// real SMTP server, naming nobody), each chooses a PIN, the client
// announces a recording and sees the policy's decision, the parent
// answers whether the organisation may record, the client confirms the
// agreements on the phone, and what they did shows up for the staff member
// and in both logs. Stopping the link ends it everywhere.
func TestLinkJourneyVeiligThuis(t *testing.T) {
	t.Parallel()
	smtpURL, api := smtptest.Mailpit(t)
	s := startConfigured(t, &config{Addr: "127.0.0.1:0", Data: t.TempDir(), SMTPURL: smtpURL})
	org, octx := newOrg(t, s, "vt-links", "veilig-thuis-utrecht", false)
	staff, staffSecret := member(t, s, octx, "vt-links", opname.RoleStaff)
	client := &opname.Client{Name: "Sanne Visser", DossierRef: "VT-7"}
	if err := s.db.CreateClient(octx, client); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Assign(octx, client.ID, staff.ID); err != nil {
		t.Fatal(err)
	}
	staffCtx := actorCtx(org, staff)
	w := s.web.Workflow
	conv := &opname.Conversation{ClientID: client.ID, At: time.Now().Add(48 * time.Hour), Location: "office", Topic: "Veiligheidsplan",
		Participants: []opname.Participant{{Role: "client", Name: client.Name}, {Role: "parent", Name: "Petra"}, {Role: "staff", Name: staff.Name, UserID: staff.ID}}}
	if err := w.Open(staffCtx, conv); err != nil {
		t.Fatal(err)
	}

	// The staff member gives the client a link, printed and mailed.
	desk := signedInBrowser(t, s, staffSecret, "nl")
	email := fmt.Sprintf("sanne-%d@opname.test", time.Now().UnixNano())
	code, page, _ := desk.form("/clienten/"+client.ID+"/links", url.Values{"partij": {"client"}, "email": {email}})
	clientCode := codeRE.FindString(page)
	if code != 200 || clientCode == "" || !strings.Contains(page, `src="data:image/png;base64,`) {
		t.Fatalf("give a link = %d, code %q", code, clientCode)
	}
	msg := smtptest.Arrived(t, api, email)
	text := strings.ReplaceAll(msg.Text, "\r\n", "\n")
	plain := strings.ReplaceAll(clientCode, "-", "")
	if !strings.Contains(text, "/l/"+plain) {
		t.Errorf("the mail lacks the link:\n%s", text)
	}
	for _, not := range []string{client.Name, "Sanne", org.Name, "Veilig", "geweld", "violence", "vt-links"} {
		if strings.Contains(text, not) || strings.Contains(msg.Subject, not) {
			t.Errorf("the mail names %q:\n%s\n%s", not, msg.Subject, text)
		}
	}
	_, page, _ = desk.form("/clienten/"+client.ID+"/links", url.Values{"partij": {"parent"}, "naam": {"Petra"}})
	parentCode := codeRE.FindString(page)

	// The client opens the link on the phone: Veilig Thuis asks for a PIN.
	phone := newBrowser(t, s.URL)
	open := func(b *browser, code string) {
		t.Helper()
		if status, _, h := b.do("GET", "/l/"+strings.ToLower(code), "", ""); status != 303 || h.Get("Location") != "/l/pin" {
			t.Fatalf("open the link = %d to %q, want the PIN first", status, h.Get("Location"))
		}
		if status, _, h := b.form("/l/pin", url.Values{"pin": {"13579"}, "pin2": {"13579"}}); status != 303 || h.Get("Location") != "/l/gesprekken" {
			t.Fatalf("choose a PIN = %d to %q", status, h.Get("Location"))
		}
	}
	open(phone, clientCode)
	status, home, _ := phone.do("GET", "/l/gesprekken", "", "")
	if status != 200 || !strings.Contains(home, "/l/gesprekken/"+conv.ID) {
		t.Fatalf("the client's home = %d without the conversation", status)
	}
	for _, not := range []string{"Veilig Thuis", org.Name} {
		if title := regexp.MustCompile(`<title>([^<]*)</title>`).FindStringSubmatch(home); title != nil && strings.Contains(title[1], not) {
			t.Errorf("the page title names %q", not)
		}
	}

	// The client announces a recording; the policy decides at once.
	if status, _, _ := phone.form("/l/gesprekken/"+conv.ID+"/aankondigen", url.Values{"medium": {"audio"}}); status != 303 {
		t.Fatalf("announce = %d", status)
	}
	rs, err := s.db.ConversationRequests(staffCtx, conv.ID)
	if err != nil || len(rs) != 1 {
		t.Fatalf("requests after announcing: %d %v", len(rs), err)
	}
	announced := &rs[0]
	if announced.Act.By != "client" || announced.Act.Recorder == nil || *announced.Act.Recorder != 0 || announced.Act.Announced != "in_advance" || !opname.ByLink(announced.CreatedBy) {
		t.Errorf("the announcement is %+v by %s", announced.Act, announced.CreatedBy)
	}
	view, err := w.ViewOne(staffCtx, conv, announced)
	if err != nil {
		t.Fatal(err)
	}
	_, convPage, _ := phone.do("GET", "/l/gesprekken/"+conv.ID, "", "")
	for _, want := range []string{html.EscapeString(view.Decision.Outcome.Label("nl")), html.EscapeString(view.Decision.Explanation.In("nl"))} {
		if !strings.Contains(convPage, want) {
			t.Errorf("the client's page does not say what the staff see: %q", want)
		}
	}
	// The staff member sees it on the conversation.
	if _, staffConv, _ := desk.do("GET", "/gesprekken/"+conv.ID, "", ""); !strings.Contains(staffConv, "/verzoeken/"+announced.ID) || !strings.Contains(staffConv, "zelf laten weten via de persoonlijke link") {
		t.Error("the staff member does not see the announcement on the conversation, as made through the link")
	}

	// The organisation wants to record too; the parent is asked on their
	// phone and says yes.
	orgRecords, err := w.Ask(staffCtx, conv.ID, opname.Act{Action: "record", Medium: "audio", By: "organisation", Recorder: ptr(2)})
	if err != nil {
		t.Fatal(err)
	}
	parent := newBrowser(t, s.URL)
	open(parent, parentCode)
	_, parentPage, _ := parent.do("GET", "/l/gesprekken/"+conv.ID, "", "")
	if !strings.Contains(parentPage, "/l/verzoeken/"+orgRecords.ID+"/antwoord") {
		t.Fatal("the parent is not asked on their phone")
	}
	// The agreements of the client's recording are the client's to
	// confirm, not the parent's.
	if strings.Contains(parentPage, "/l/verzoeken/"+announced.ID+"/afspraken\"") {
		t.Error("the parent is offered to confirm the client's agreements")
	}
	if status, _, _ := parent.form("/l/verzoeken/"+announced.ID+"/afspraken", url.Values{"afspraken": {"akkoord"}}); status != 409 {
		t.Errorf("the parent confirms the client's agreements: %d, want 409", status)
	}
	if status, _, _ := parent.form("/l/verzoeken/"+orgRecords.ID+"/antwoord", url.Values{"antwoord": {"ja"}}); status != 303 {
		t.Fatalf("the parent's answer = %d", status)
	}
	r, err := s.db.Request(staffCtx, orgRecords.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(r.Answers); n == 0 || r.Answers[n-1].Participant != 1 || !r.Answers[n-1].Given || r.Answers[n-1].How != workflow.AnswerByLink {
		t.Errorf("the parent's answer is %+v", r.Answers)
	}
	if _, reqPage, _ := desk.do("GET", "/verzoeken/"+orgRecords.ID, "", ""); !strings.Contains(reqPage, "Via de persoonlijke link") {
		t.Error("the request page does not say the answer came through the link")
	}
	// The client is asked too, and says no: that is the client's answer,
	// not the parent's.
	if status, _, _ := phone.form("/l/verzoeken/"+orgRecords.ID+"/antwoord", url.Values{"antwoord": {"nee"}}); status == 303 {
		r, _ := s.db.Request(staffCtx, orgRecords.ID)
		for _, a := range r.Answers {
			if a.Participant == 1 && !a.Given {
				t.Error("the client answered for the parent")
			}
		}
	}

	// The client confirms the agreements of their announcement.
	announcedView, err := w.ViewOne(staffCtx, conv, announced)
	if err != nil {
		t.Fatal(err)
	}
	if announcedView.Next.Agree {
		if status, _, _ := phone.form("/l/verzoeken/"+announced.ID+"/afspraken", url.Values{"afspraken": {"akkoord"}}); status != 303 {
			t.Fatalf("confirm the agreements = %d", status)
		}
		r, err := s.db.Request(staffCtx, announced.ID)
		if err != nil {
			t.Fatal(err)
		}
		if g := r.Agreement; g == nil || !g.Signed || g.Form != "on_screen" || g.Digest == "" || !opname.ByLink(g.By) {
			t.Errorf("the agreements confirmed on the phone are %+v", g)
		}
		if _, reqPage, _ := desk.do("GET", "/verzoeken/"+announced.ID, "", ""); !strings.Contains(reqPage, "Dat is doorgegeven via de persoonlijke link.") {
			t.Error("the staff's request page does not say the agreements were confirmed through the link")
		}
		if status, body, h := phone.do("GET", "/l/verzoeken/"+announced.ID+"/afspraken.pdf", "", ""); status != 200 || h.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(body, "%PDF") {
			t.Errorf("the agreements as PDF on the phone = %d %s", status, h.Get("Content-Type"))
		}
	} else {
		t.Errorf("the client's announcement has no agreements to confirm: %+v", announcedView.Next)
	}

	// Both logs: the access log has what they did as theirs.
	events, err := s.db.Search(opname.WithActor(context.Background(), opname.Actor{OrgID: org.ID, Role: opname.RoleSystem, Name: "system"}), opname.AccessFilter{ClientID: client.ID})
	if err != nil {
		t.Fatal(err)
	}
	did := map[string]bool{}
	for _, e := range events {
		if e.UserRole == opname.RoleLinkHolder {
			did[e.OnBehalfOf+" "+string(e.Action)+" "+e.ObjectType] = true
		}
	}
	for _, want := range []string{"client create request", "client read conversation", "parent update request", "client update request", "client sign_in link_session"} {
		if !did[want] {
			t.Errorf("the access log lacks %q by link: %v", want, did)
		}
	}

	// The managers' inbox counts what was done through links: one
	// announcement; the parent's answer, the client's own answer to the
	// same question, and the client's confirmation.
	_, managerSecret := member(t, s, octx, "vt-links", opname.RoleManager)
	if _, inbox, _ := signedInBrowser(t, s, managerSecret, "nl").do("GET", "/postvak", "", ""); !strings.Contains(inbox, "De afgelopen 7 dagen: 1 keer liet iemand weten dat hij of zij wil opnemen, 3 keer gaf iemand antwoord of ging akkoord.") {
		t.Error("the managers' inbox does not count what was done through links")
	}

	// The client stops the link: it works nowhere any more.
	if status, _, _ := phone.form("/l/stoppen", url.Values{}); status != 200 {
		t.Fatalf("stop the link = %d", status)
	}
	if status, _, h := phone.do("GET", "/l/gesprekken", "", ""); status != 303 || h.Get("Location") != "/l" {
		t.Errorf("after stopping, the home page = %d to %q", status, h.Get("Location"))
	}
	stoppedStatus, stoppedPage, _ := newBrowser(t, s.URL).do("GET", "/l/"+clientCode, "", "")
	unknownStatus, unknownPage, _ := newBrowser(t, s.URL).do("GET", "/l/"+opname.GroupLinkCode(opname.LinkCode(make([]byte, 17))), "", "")
	if stoppedStatus != 404 || stoppedStatus != unknownStatus || stripIDs(stoppedPage) != stripIDs(unknownPage) {
		t.Errorf("a stopped link (%d) and an unknown one (%d) answer differently", stoppedStatus, unknownStatus)
	}
}

// stripIDs removes what differs between any two answers: form tokens.
func stripIDs(page string) string {
	return regexp.MustCompile(`value="[A-Za-z0-9_-]{16,}"`).ReplaceAllString(page, "")
}

// TestLinkGuessingOverHTTP sends 10,000 random codes from one address:
// every answer is the neutral code page (404) or, once the address must
// wait, the same page saying so (429); nothing else, and never the
// client's side.
func TestLinkGuessingOverHTTP(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	neutral, throttled := 0, 0
	buf := make([]byte, 17)
	for i := range 10000 {
		for k := range buf {
			buf[k] = byte(i>>(k%3*8)) ^ byte(k*31)
		}
		code := opname.LinkCode(buf)
		resp, err := noRedirect.Get(s.URL + "/l/" + code)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case resp.StatusCode == 404 && strings.Contains(string(body), `action="/l"`):
			neutral++
		case resp.StatusCode == 429 && strings.Contains(string(body), `action="/l"`):
			throttled++
		default:
			t.Fatalf("guess %d: status %d\n%s", i, resp.StatusCode, firstLine(body))
		}
	}
	if neutral > 10 || throttled < 9990 {
		t.Errorf("10,000 guesses: %d neutral pages, %d throttled; the address must wait after a few", neutral, throttled)
	}
}

// TestLinkPageSaysWhatWasDone: after announcing a recording or answering,
// the holder's page says it was received, so nobody sends it again.
func TestLinkPageSaysWhatWasDone(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	f := newFixture(t, s)
	b := newBrowser(t, s.URL)
	if code, _, _ := b.do("GET", "/l/"+f.newLinkCode(t, f.clientA, "client"), "", ""); code != http.StatusSeeOther {
		t.Fatalf("opening the link: %d", code)
	}
	follow := func(what string, code int, h http.Header) string {
		t.Helper()
		if code != http.StatusSeeOther {
			t.Fatalf("%s: status %d", what, code)
		}
		code, body, _ := b.do("GET", h.Get("Location"), "", "")
		if code != http.StatusOK {
			t.Fatalf("%s, then %s: status %d", what, h.Get("Location"), code)
		}
		return body
	}
	code, _, h := b.form("/l/gesprekken/"+f.convA+"/aankondigen", url.Values{"medium": {"audio"}})
	page := follow("announcing", code, h)
	if want := "Uw contactpersoon ziet het nu ook."; !strings.Contains(page, want) {
		t.Errorf("after announcing, the page does not say %q", want)
	}
	m := regexp.MustCompile(`action="/l/verzoeken/([^/"]+)/afspraken"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no agreements to confirm after announcing")
	}
	code, _, h = b.form("/l/verzoeken/"+m[1]+"/afspraken", url.Values{"afspraken": {"akkoord"}})
	if want := "Uw antwoord is bewaard."; !strings.Contains(follow("agreeing", code, h), want) {
		t.Errorf("after agreeing, the page does not say %q", want)
	}
	code, body, _ := b.do("GET", "/l/gesprekken/"+f.convA, "", "")
	if code != http.StatusOK || strings.Contains(body, "Uw antwoord is bewaard.") {
		t.Errorf("the conversation's own address says what was done: %d", code)
	}
}

// TestLinkQuestionsShareAndEdit puts the other questions of the rules to a
// client through their link, at Veilig Thuis: the organisation wants to
// share a recording with another care provider (spelregel 6) and declares
// an edit (spelregel 5; Veilig Thuis asks the client's consent). Both are
// questions on the client's page, with the policy's explanation; the
// client's no stops the share, their yes lets the edit go ahead, and the
// staff see both answers given through the link. Then the client asks to
// share a recording themselves, and the organisation is asked.
func TestLinkQuestionsShareAndEdit(t *testing.T) {
	t.Parallel()
	s := testServer(t)
	org, octx := newOrg(t, s, "vt-vragen", "veilig-thuis-utrecht", false)
	staff, staffSecret := member(t, s, octx, "vt-vragen", opname.RoleStaff)
	client := &opname.Client{Name: "Noor Bakker"}
	if err := s.db.CreateClient(octx, client); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Assign(octx, client.ID, staff.ID); err != nil {
		t.Fatal(err)
	}
	staffCtx := actorCtx(org, staff)
	w := s.web.Workflow
	conv := &opname.Conversation{ClientID: client.ID, Location: "office", Participants: []opname.Participant{{Role: "client"}, {Role: "staff", UserID: staff.ID}}}
	if err := w.Open(staffCtx, conv); err != nil {
		t.Fatal(err)
	}
	rec, err := s.web.Vault.Ingest(staffCtx, vault.Upload{ClientID: client.ID, Source: "organisation", ConversationID: conv.ID, Body: bytes.NewReader(wav(1, 12))})
	if err != nil {
		t.Fatal(err)
	}
	share, err := w.Ask(staffCtx, conv.ID, opname.Act{Action: "share", Medium: "audio", By: "organisation", Recipient: "care_provider",
		Share: &opname.Share{What: "recording", ID: rec.ID, To: "Jeugdzorg Midden", Why: "Voor de overdracht"}})
	if err != nil {
		t.Fatal(err)
	}
	edit, err := w.Ask(staffCtx, conv.ID, opname.Act{Action: "edit", Medium: "audio", By: "organisation", EditDeclared: true})
	if err != nil {
		t.Fatal(err)
	}
	code, err := s.db.CreateLink(staffCtx, &opname.ClientLink{ClientID: client.ID, Party: "client"})
	if err != nil {
		t.Fatal(err)
	}
	phone := newBrowser(t, s.URL)
	if status, _, _ := phone.do("GET", "/l/"+code, "", ""); status != http.StatusSeeOther {
		t.Fatalf("opening the link: %d", status)
	}
	_, page, _ := phone.do("GET", "/l/gesprekken/"+conv.ID, "", "")
	for _, want := range []string{`action="/l/verzoeken/` + share.ID + `/antwoord"`, `action="/l/verzoeken/` + edit.ID + `/antwoord"`, "Delen door", "Bewerking door", "Knippen of plakken",
		"Jeugdzorg Midden", "Voor de overdracht", `href="/l/opnames/` + rec.ID + `"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the client's page lacks %q", want)
		}
	}
	for id, answer := range map[string]string{share.ID: "nee", edit.ID: "ja"} {
		if status, _, _ := phone.form("/l/verzoeken/"+id+"/antwoord", url.Values{"antwoord": {answer}}); status != http.StatusSeeOther {
			t.Fatalf("answer %s: %d", id, status)
		}
	}
	for _, c := range []struct {
		id      string
		given   bool
		outcome policy.Outcome
	}{{share.ID, false, policy.Refused}, {edit.ID, true, policy.Allowed}} {
		r, err := s.db.Request(staffCtx, c.id)
		if err != nil {
			t.Fatal(err)
		}
		last := r.Answers[len(r.Answers)-1]
		if last.Participant != 0 || last.Given != c.given || last.How != workflow.AnswerByLink {
			t.Errorf("%s %s: the answer is %+v", r.Act.Action, c.id, last)
		}
		if r.Outcome != string(c.outcome) {
			t.Errorf("%s after the client's answer: %s, want %s", r.Act.Action, r.Outcome, c.outcome)
		}
		if _, p, _ := signedInBrowser(t, s, staffSecret, "nl").do("GET", "/verzoeken/"+c.id, "", ""); !strings.Contains(p, "Via de persoonlijke link") {
			t.Errorf("the staff's page of %s does not show the answer through the link", r.Act.Action)
		}
	}

	// The other way round: the client asks to give the organisation's
	// recording to their lawyer. Saying nothing is refused in the page's
	// words; saying it all asks the organisation.
	if status, p, _ := phone.form("/l/opnames/"+rec.ID+"/delen", url.Values{"ontvanger": {"lawyer"}}); status != http.StatusBadRequest || !strings.Contains(p, "Naam van die persoon of organisatie: vul de naam in van wie het krijgt.") {
		t.Errorf("asking to share without a name = %d", status)
	}
	status, _, h := phone.form("/l/opnames/"+rec.ID+"/delen", url.Values{"ontvanger": {"lawyer"}, "aan": {"mr. Visser"}, "waarom": {"Voor mijn bezwaar"}})
	if status != http.StatusSeeOther || h.Get("Location") != "/l/gesprekken/"+conv.ID+"?gevraagd=1" {
		t.Fatalf("asking to share = %d to %q", status, h.Get("Location"))
	}
	rs, err := s.db.ConversationRequests(staffCtx, conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	asked := rs[len(rs)-1]
	if sh := asked.Act.Share; asked.Act.Action != "share" || asked.Act.By != "client" || asked.Act.Recipient != "lawyer" || sh == nil || sh.ID != rec.ID || sh.To != "mr. Visser" || !opname.ByLink(asked.CreatedBy) {
		t.Fatalf("the client's question to share is %+v %+v", asked.Act, asked.Act.Share)
	}
	view, err := w.ViewOne(staffCtx, conv, &asked)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(view.Next.Ask, func(p workflow.Party) bool { return p.Participant == -1 }) {
		t.Errorf("the organisation is not asked: %+v", view.Next)
	}
	if _, p, _ := signedInBrowser(t, s, staffSecret, "nl").do("GET", "/verzoeken/"+asked.ID, "", ""); !strings.Contains(p, "mr. Visser") || !strings.Contains(p, "Voor mijn bezwaar") {
		t.Error("the staff's page does not say with whom and why the client wants to share")
	}
}
