package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/translog"
	"github.com/opname/opname/vault"
	"github.com/opname/opname/workflow"
)

// shareJourney is a client of a Veilig Thuis organisation with a recording
// of a conversation, their own link, and the staff member's browser.
type shareJourney struct {
	s           *server
	org         *opname.Organisation
	staffCtx    context.Context
	staffSecret string
	staffID     string
	// managerSecret signs in a manager of the organisation, managerID.
	managerSecret, managerID string
	conv                     *opname.Conversation
	rec                      *opname.Recording
	body                     []byte
	phone                    *browser
}

func newShareJourney(t *testing.T, slug string) *shareJourney {
	t.Helper()
	return newShareJourneyOf(t, slug, "veilig-thuis-utrecht")
}

// newShareJourneyOf is a share journey at an organisation of policy pol,
// with others taking part in the conversation besides the client and the
// staff member.
func newShareJourneyOf(t *testing.T, slug, pol string, others ...opname.Participant) *shareJourney {
	t.Helper()
	s := testServer(t)
	org, octx := newOrg(t, s, slug, pol, false)
	staff, staffSecret := member(t, s, octx, slug, opname.RoleStaff)
	client := &opname.Client{Name: "Noor Bakker"}
	if err := s.db.CreateClient(octx, client); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Assign(octx, client.ID, staff.ID); err != nil {
		t.Fatal(err)
	}
	staffCtx := actorCtx(org, staff)
	conv := &opname.Conversation{ClientID: client.ID, Location: "office", Participants: append([]opname.Participant{{Role: "client"}, {Role: "staff", UserID: staff.ID}}, others...)}
	if err := s.web.Workflow.Open(staffCtx, conv); err != nil {
		t.Fatal(err)
	}
	body := wav(1, 31)
	rec, err := s.web.Vault.Ingest(staffCtx, vault.Upload{ClientID: client.ID, Source: "organisation", ConversationID: conv.ID, Body: bytes.NewReader(body)})
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
	manager, managerSecret := member(t, s, octx, slug, opname.RoleManager)
	return &shareJourney{s: s, org: org, staffCtx: staffCtx, managerSecret: managerSecret, managerID: manager.ID, staffSecret: staffSecret, staffID: staff.ID, conv: conv, rec: rec, body: body, phone: phone}
}

// askToShare has the client ask, through their link, to give the
// recording to their lawyer, and returns the request.
func (j *shareJourney) askToShare(t *testing.T) *opname.Request {
	t.Helper()
	status, _, h := j.phone.form("/l/opnames/"+j.rec.ID+"/delen", url.Values{"ontvanger": {"lawyer"}, "aan": {"mr. Visser"}, "waarom": {"Voor mijn klacht"}})
	if status != http.StatusSeeOther {
		t.Fatalf("asking to share = %d (%s)", status, h.Get("Location"))
	}
	rs, err := j.s.db.ConversationRequests(j.staffCtx, j.conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	return &rs[len(rs)-1]
}

// consent gives every consent the request still waits for, as staff.
func (j *shareJourney) consent(t *testing.T, r *opname.Request) {
	t.Helper()
	view, err := j.s.web.Workflow.ViewOne(j.staffCtx, j.conv, r)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range view.Next.Ask {
		if _, err := j.s.web.Workflow.Answer(j.staffCtx, r.ID, p.Participant, true, "in_person"); err != nil {
			t.Fatalf("consent of %d: %v", p.Participant, err)
		}
	}
}

// recipientToken is the secret of a recipient link's address.
func recipientToken(t *testing.T, link string) string {
	t.Helper()
	i := strings.Index(link, "/d/")
	if i < 0 {
		t.Fatalf("not a recipient link: %q", link)
	}
	return link[i+3:]
}

// TestShareWithLawyer is a Veilig Thuis client who asks to give a
// recording to their lawyer: the organisation consents, staff give the
// lawyer a link, the lawyer downloads the recording and its receipt and
// checks them with `opname verify`, which also says the recording was
// shared, with a lawyer. The lawyer reaches nothing else.
func TestShareWithLawyer(t *testing.T) {
	t.Parallel()
	j := newShareJourney(t, "vt-delen")
	staff := signedInBrowser(t, j.s, j.staffSecret, "nl")
	req := j.askToShare(t)

	// Before the consent, no link can be given.
	if status, page, _ := staff.form("/verzoeken/"+req.ID+"/ontvanger", url.Values{"dagen": {"14"}, "downloads": {"3"}}); status != http.StatusConflict || !strings.Contains(page, "mag (nog) niet gedeeld worden") {
		t.Errorf("a link before the consent = %d", status)
	}
	if _, page, _ := staff.do("GET", "/verzoeken/"+req.ID, "", ""); strings.Contains(page, `action="/verzoeken/`+req.ID+`/ontvanger"`) {
		t.Error("the request's page offers a link before the consent")
	}
	j.consent(t, req)
	_, page, _ := staff.do("GET", "/verzoeken/"+req.ID, "", "")
	if !strings.Contains(page, `action="/verzoeken/`+req.ID+`/ontvanger"`) || strings.Contains(page, `/clienten/`+req.ClientID+`/opnemen?verzoek=`+req.ID) {
		t.Fatalf("the ready share's page offers no recipient link, or offers to record:\n%s", page)
	}
	// Bad input names the field and value, in Dutch.
	if status, page, _ := staff.form("/verzoeken/"+req.ID+"/ontvanger", url.Values{"dagen": {"365"}, "downloads": {"3"}}); status != http.StatusBadRequest || !strings.Contains(page, "1 tot 90 dagen (u vulde 365 in)") {
		t.Errorf("a link for 365 days = %d", status)
	}
	status, page, _ := staff.form("/verzoeken/"+req.ID+"/ontvanger", url.Values{"dagen": {"14"}, "downloads": {"2"}})
	if status != http.StatusCreated {
		t.Fatalf("giving a link = %d\n%s", status, page)
	}
	link := between(page, `<code class="secret" id="ontvanger-link">`, "</code>")
	token := recipientToken(t, link)
	if len(token) != opname.LinkCodeLength {
		t.Fatalf("the recipient link's secret %q has %d characters", token, len(token))
	}
	if _, again, _ := staff.do("GET", "/verzoeken/"+req.ID, "", ""); strings.Contains(again, token) || !strings.Contains(again, "mr. Visser") || !strings.Contains(again, "0 van 2") {
		t.Error("the request's page shows the link's secret again, or does not list the link")
	}

	// The lawyer: no cookies, only the link.
	lawyer := newBrowser(t, j.s.URL)
	status, page, _ = lawyer.do("GET", "/d/"+token, "", "")
	if status != http.StatusOK || !strings.Contains(page, "deelt dit met u") || !strings.Contains(page, "nog 2 van 2 keer") || strings.Contains(page, "Noor Bakker") {
		t.Fatalf("the lawyer's page = %d\n%s", status, page)
	}
	status, got, h := lawyer.do("POST", "/d/"+token+"/opname", "application/x-www-form-urlencoded", "")
	if status != http.StatusOK || !bytes.Equal([]byte(got), j.body) || !strings.Contains(h.Get("Content-Disposition"), "attachment") {
		t.Fatalf("the download = %d, %d bytes", status, len(got))
	}
	status, receipt, _ := lawyer.do("POST", "/d/"+token+"/bewijs", "application/x-www-form-urlencoded", "")
	if status != http.StatusOK {
		t.Fatalf("the receipt = %d", status)
	}
	// Every download is in the access log, as the recipient's.
	events, err := j.s.db.ClientOverview(j.staffCtx, req.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(events, func(e opname.AccessEvent) bool {
		return e.UserRole == opname.RoleRecipient && e.ObjectID == j.rec.ID && e.Action == opname.AccessCopy && e.OnBehalfOf == "lawyer"
	}) {
		t.Error("the access log has no download by the recipient")
	}
	// The client sees who looked: the recipient, by name and as such.
	if _, seen, _ := j.phone.do("GET", "/l/wie-keek", "", ""); !strings.Contains(seen, "<strong>mr. Visser</strong> (ontvanger van een gedeelde opname) downloadde uw opname") {
		t.Errorf("the client's page of who looked does not show the recipient's download:\n%s", seen)
	}

	// opname verify of the downloaded copy: it matches, and the log says
	// it was shared with a lawyer.
	dir := t.TempDir()
	file, rPath := filepath.Join(dir, "opname.wav"), filepath.Join(dir, "bewijs.json")
	if err := os.WriteFile(file, []byte(got), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(rPath, []byte(receipt), 0o600); err != nil {
		t.Fatal(err)
	}
	verify := func(lang string) (int, string) {
		var stdout, stderr bytes.Buffer
		config := t.TempDir()
		m := &Main{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return map[string]string{"XDG_CONFIG_HOME": config}[k] }}
		code := m.Run(context.Background(), []string{"verify", "--lang", lang, "--receipt", rPath, "--log", j.s.URL + "/api/v1/logs/vt-delen", file})
		return code, stdout.String() + stderr.String()
	}
	if code, out := verify("en"); code != 0 || !strings.Contains(out, "match: recording "+j.rec.ID) || !strings.Contains(out, "shared with: a lawyer") {
		t.Errorf("verify = %d\n%s", code, out)
	}
	if code, out := verify("nl"); code != 0 || !strings.Contains(out, "gedeeld met: een advocaat") {
		t.Errorf("verify in Dutch = %d\n%s", code, out)
	}

	// The second download is the last; then the link is spent, and looks
	// like any link that does not work.
	if status, _, _ := lawyer.do("POST", "/d/"+token+"/opname", "application/x-www-form-urlencoded", ""); status != http.StatusOK {
		t.Errorf("the second download = %d", status)
	}
	for _, path := range []string{"/d/" + token, "/d/" + strings.Repeat("A", opname.LinkCodeLength)} {
		status, page, _ := lawyer.do("GET", path, "", "")
		if status != http.StatusNotFound || !strings.Contains(page, "Deze link werkt niet (meer).") {
			t.Errorf("GET %s after the last download = %d", path, status)
		}
	}
}

// TestRecipientReachesNothingElse holds the recipient's actor to the one
// recording shared: the store answers "not found" or "forbidden" for
// everything else of the client and the organisation.
func TestRecipientReachesNothingElse(t *testing.T) {
	t.Parallel()
	j := newShareJourney(t, "vt-alleen")
	req := j.askToShare(t)
	j.consent(t, req)
	other, err := j.s.web.Vault.Ingest(j.staffCtx, vault.Upload{ClientID: j.rec.ClientID, Source: "organisation", ConversationID: j.conv.ID, Body: bytes.NewReader(wav(1, 32))})
	if err != nil {
		t.Fatal(err)
	}
	lk, secret, _, err := j.s.web.Workflow.Deliver(j.staffCtx, req.ID, opname.RecipientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if lk.ExpiresAt.Sub(lk.CreatedAt) != opname.DefaultRecipientDays*24*time.Hour || lk.MaxDownloads != opname.DefaultRecipientDownloads {
		t.Errorf("the defaults are %v and %d downloads", lk.ExpiresAt.Sub(lk.CreatedAt), lk.MaxDownloads)
	}
	addr := opname.WithAddr(context.Background(), "192.0.2.9")
	opened, err := j.s.db.OpenRecipientLink(addr, secret)
	if err != nil {
		t.Fatal(err)
	}
	rctx := opname.WithActor(addr, opname.Recipient(opened, "192.0.2.9"))
	if _, _, err := j.s.db.Recording(rctx, j.rec.ID); err != nil {
		t.Errorf("the shared recording: %v", err)
	}
	for what, err := range map[string]error{
		"another recording": func() error { _, _, err := j.s.db.Recording(rctx, other.ID); return err }(),
		"the client":        func() error { _, err := j.s.db.Client(rctx, j.rec.ClientID); return err }(),
		"the conversation":  func() error { _, err := j.s.db.Conversation(rctx, j.conv.ID); return err }(),
		"the request":       func() error { _, err := j.s.db.Request(rctx, req.ID); return err }(),
		"the recordings":    func() error { _, err := j.s.db.ClientRecordings(rctx, j.rec.ClientID); return err }(),
		"the clients":       func() error { _, err := j.s.db.Clients(rctx); return err }(),
		"the links":         func() error { _, err := j.s.db.RecipientLinks(rctx, req.ID); return err }(),
		"stopping its link": j.s.db.RevokeRecipientLink(rctx, lk.ID),
		"giving a new link": func() error {
			_, _, err := j.s.db.CreateRecipientLink(rctx, &opname.RecipientLink{RequestID: req.ID}, opname.RecipientOptions{})
			return err
		}(),
		"the access log":     func() error { _, err := j.s.db.ClientOverview(rctx, j.rec.ClientID); return err }(),
		"the organisation's": func() error { _, err := j.s.db.Users(rctx); return err }(),
	} {
		if k := opname.KindOf(err); k != opname.NotFound && k != opname.Forbidden {
			t.Errorf("%s through a recipient link: %v (%s)", what, err, k)
		}
	}
}

// TestRecipientCodeAndEnds gives a link with a code: without it nothing
// is shown, a wrong one is refused in Dutch; then the client stops the
// link from their phone, another link expires, and each end is in the
// organisation's log.
func TestRecipientCodeAndEnds(t *testing.T) {
	t.Parallel()
	j := newShareJourney(t, "vt-code")
	req := j.askToShare(t)
	j.consent(t, req)
	staff := signedInBrowser(t, j.s, j.staffSecret, "nl")
	status, page, _ := staff.form("/verzoeken/"+req.ID+"/ontvanger", url.Values{"dagen": {"7"}, "downloads": {"1"}, "code": {"ja"}})
	if status != http.StatusCreated {
		t.Fatalf("giving a link with a code = %d", status)
	}
	token := recipientToken(t, between(page, `<code class="secret" id="ontvanger-link">`, "</code>"))
	code := between(page, `<code class="secret" id="ontvanger-code">`, "</code>")
	if len(code) != opname.RecipientCodeLength+1 {
		t.Fatalf("the code is %q", code)
	}
	lawyer := newBrowser(t, j.s.URL)
	if status, page, _ := lawyer.do("GET", "/d/"+token, "", ""); status != http.StatusOK || !strings.Contains(page, `name="code"`) || strings.Contains(page, `action="/d/`+token+`/opname"`) {
		t.Errorf("without the code the page = %d and shows more than the code form", status)
	}
	if status, _, _ := lawyer.form("/d/"+token+"/opname", url.Values{}); status != http.StatusBadRequest {
		t.Errorf("a download without the code = %d", status)
	}
	if status, page, _ := lawyer.form("/d/"+token, url.Values{"code": {"ABCD-EFGH"}}); status != http.StatusBadRequest || !strings.Contains(page, "Code: deze code klopt niet") {
		t.Errorf("a wrong code = %d", status)
	}
	// Forgiving of case and look-alike characters.
	typed := strings.ToLower(strings.ReplaceAll(code, "-", " "))
	if status, page, _ := lawyer.form("/d/"+token, url.Values{"code": {typed}}); status != http.StatusOK || !strings.Contains(page, "deelt dit met u") {
		t.Errorf("the right code typed as %q = %d", typed, status)
	}

	// The client stops it from their phone.
	links, err := j.s.db.RecipientLinks(j.staffCtx, req.ID)
	if err != nil || len(links) != 1 {
		t.Fatalf("links: %v %v", links, err)
	}
	if _, page, _ := j.phone.do("GET", "/l/gesprekken/"+j.conv.ID, "", ""); !strings.Contains(page, `action="/l/ontvangers/`+links[0].ID+`/stoppen"`) {
		t.Fatal("the client's page offers no way to stop the recipient's link")
	}
	if status, _, h := j.phone.form("/l/ontvangers/"+links[0].ID+"/stoppen", url.Values{"gesprek": {j.conv.ID}}); status != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "gestopt=1") {
		t.Fatalf("stopping the link = %d", status)
	}
	if status, _, _ := lawyer.form("/d/"+token, url.Values{"code": {code}}); status != http.StatusNotFound {
		t.Errorf("a stopped link = %d", status)
	}

	// Another link expires: the server logs its end once.
	lk, _, _, err := j.s.web.Workflow.Deliver(j.staffCtx, req.ID, opname.RecipientOptions{Days: 1})
	if err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(25 * time.Hour)
	for want := 1; want >= 0; want-- {
		if n, err := j.s.db.EndRecipientLinks(context.Background(), later); err != nil || n != want {
			t.Fatalf("ending expired links = %d, %v; want %d", n, err, want)
		}
	}
	rcs, err := j.s.db.Shares(context.Background(), "vt-code", j.rec.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, rc := range rcs {
		var e translog.Entry
		if err := json.Unmarshal([]byte(rc.Entry), &e); err != nil {
			t.Fatal(err)
		}
		if e.Recipient != "lawyer" || e.SHA256 != j.rec.SHA256 || e.Size != j.rec.Size || strings.Contains(rc.Entry, "Visser") {
			t.Errorf("a share entry says %s", rc.Entry)
		}
		if e.ShareID == lk.ID || e.ShareID == links[0].ID {
			kinds = append(kinds, e.Kind)
		}
	}
	slices.Sort(kinds)
	if want := []string{"share", "share", "share_expired", "share_revoked"}; !slices.Equal(kinds, want) {
		t.Errorf("the log's entries of the shares are %v, want %v", kinds, want)
	}
}

// TestPublishIsNeverDelivered: a request to publish is answered and
// nothing is published; no link is given for it.
func TestPublishIsNeverDelivered(t *testing.T) {
	t.Parallel()
	j := newShareJourney(t, "vt-publiek")
	w := j.s.web.Workflow
	r, err := w.Ask(j.staffCtx, j.conv.ID, opname.Act{Action: "publish", Medium: "audio", By: "client", Recorder: ptr(0), Recipient: "public",
		Share: &opname.Share{What: "recording", ID: j.rec.ID, Why: "Op sociale media zetten"}})
	if err != nil {
		t.Fatal(err)
	}
	j.consent(t, r)
	if _, _, _, err := w.Deliver(j.staffCtx, r.ID, opname.RecipientOptions{}); opname.KindOf(err) != opname.Conflict || !strings.Contains(err.Error(), "publishes nothing") {
		t.Errorf("delivering a publication: %v", err)
	}
	if workflow.CanDeliver(r) {
		t.Error("a publication may be delivered")
	}
}

// between is the text of s between the first start and the end after it.
func between(s, start, end string) string {
	_, after, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	text, _, _ := strings.Cut(after, end)
	return text
}

// TestShareConsentsByPolicy follows a client's request to share through
// the consents two policies ask: at Blijf Groep the organisation's
// consent, which a manager gives and the staff member cannot; at
// aXiehuis, a conversation of three parties needs the other two. Until
// every consent is in, no recipient link is given.
func TestShareConsentsByPolicy(t *testing.T) {
	t.Parallel()
	t.Run("blijf-groep", func(t *testing.T) {
		j := newShareJourneyOf(t, "bg-delen", "blijf-groep")
		req := j.askToShare(t)
		deliver := func() error {
			_, _, _, err := j.s.web.Workflow.Deliver(j.staffCtx, req.ID, opname.RecipientOptions{})
			return err
		}
		if err := deliver(); opname.KindOf(err) != opname.Conflict {
			t.Fatalf("a link before Blijf Groep's consent: %v", err)
		}
		// The staff member is told that a manager gives it, and is not
		// offered the answer; the manager is.
		if view, err := j.s.web.Workflow.ViewOne(j.staffCtx, j.conv, req); err != nil || !view.Next.ManagerConsents {
			t.Errorf("the staff member's view does not say a manager consents: %v", err)
		}
		staff := signedInBrowser(t, j.s, j.staffSecret, "nl")
		manager := signedInBrowser(t, j.s, j.managerSecret, "nl")
		orgAnswer := `name="deelnemer" value="-1"`
		if _, page, _ := staff.do("GET", "/verzoeken/"+req.ID, "", ""); strings.Contains(page, orgAnswer) || !strings.Contains(page, "De toestemming van de organisatie geeft een manager.") {
			t.Error("the staff member's page offers the organisation's answer, or does not say that a manager gives it")
		}
		if _, page, _ := manager.do("GET", "/verzoeken/"+req.ID, "", ""); !strings.Contains(page, orgAnswer) || strings.Contains(page, "De toestemming van de organisatie geeft een manager.") {
			t.Error("the manager's page does not offer the organisation's answer")
		}
		// The request waits in the managers' inbox until one gives it.
		if _, page, _ := manager.do("GET", "/postvak", "", ""); !strings.Contains(page, "/verzoeken/"+req.ID) {
			t.Error("the managers' inbox does not hold the request that waits for the organisation's consent")
		}
		form := url.Values{"stap": {"antwoord"}, "deelnemer": {"-1"}, "antwoord": {"ja"}, "hoe": {"in_person"}}
		if status, page, _ := staff.form("/verzoeken/"+req.ID, form); status != http.StatusForbidden || !strings.Contains(page, "geeft of weigert een manager de toestemming van de organisatie") {
			t.Errorf("the staff member giving Blijf Groep's consent = %d", status)
		}
		if status, _, _ := manager.form("/verzoeken/"+req.ID, form); status != http.StatusSeeOther {
			t.Fatalf("the manager giving Blijf Groep's consent = %d", status)
		}
		if _, page, _ := manager.do("GET", "/postvak", "", ""); strings.Contains(page, "/verzoeken/"+req.ID) {
			t.Error("the managers' inbox still holds the request after the organisation's consent")
		}
		r, err := j.s.db.Request(j.staffCtx, req.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ready, waiting := workflow.Ready(r); !ready {
			t.Fatalf("after the manager's consent the share waits for %v", waiting)
		}
		if err := deliver(); err != nil {
			t.Errorf("a link after the manager's consent: %v", err)
		}
	})
	t.Run("axiehuis", func(t *testing.T) {
		j := newShareJourneyOf(t, "ax-delen", "axiehuis", opname.Participant{Role: "parent", Name: "Petra"})
		req := j.askToShare(t)
		view, err := j.s.web.Workflow.ViewOne(j.staffCtx, j.conv, req)
		if err != nil {
			t.Fatal(err)
		}
		asked := view.Next.Ask
		if len(asked) < 2 {
			t.Fatalf("a share of a conversation of three asks %d parties: %+v", len(asked), asked)
		}
		for i, p := range asked {
			if _, _, _, err := j.s.web.Workflow.Deliver(j.staffCtx, req.ID, opname.RecipientOptions{}); opname.KindOf(err) != opname.Conflict {
				t.Fatalf("a link with %d of %d consents: %v", i, len(asked), err)
			}
			if _, err := j.s.web.Workflow.Answer(j.staffCtx, req.ID, p.Participant, true, "in_person"); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, _, err := j.s.web.Workflow.Deliver(j.staffCtx, req.ID, opname.RecipientOptions{}); err != nil {
			t.Errorf("a link with every consent: %v", err)
		}
	})
}

// TestShareTranscript delivers a transcript like a recording: its
// recipient downloads exactly the transcript, and nothing of the
// recording it belongs to.
func TestShareTranscript(t *testing.T) {
	t.Parallel()
	j := newShareJourney(t, "vt-transcript")
	text := []byte("WEBVTT\n\n00:00.000 --> 00:01.000\nGoedemorgen.\n")
	tr, err := j.s.web.Vault.IngestTranscript(j.staffCtx, vault.Upload{ClientID: j.rec.ClientID, DerivedFrom: j.rec.ID, Source: "organisation", Body: bytes.NewReader(text)})
	if err != nil {
		t.Fatal(err)
	}
	w := j.s.web.Workflow
	r, err := w.Ask(j.staffCtx, j.conv.ID, opname.Act{Action: "share", Medium: "audio", By: "organisation", Recipient: "complaints_committee",
		Share: &opname.Share{What: "transcript", ID: tr.ID, To: "Klachtencommissie", Why: "Voor de klacht"}})
	if err != nil {
		t.Fatal(err)
	}
	j.consent(t, r)
	_, secret, _, err := w.Deliver(j.staffCtx, r.ID, opname.RecipientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	committee := newBrowser(t, j.s.URL)
	if status, page, _ := committee.do("GET", "/d/"+secret, "", ""); status != http.StatusOK || !strings.Contains(page, "een transcript van een opname") {
		t.Fatalf("the committee's page = %d", status)
	}
	if status, got, _ := committee.do("POST", "/d/"+secret+"/opname", "application/x-www-form-urlencoded", ""); status != http.StatusOK || got != string(text) {
		t.Errorf("the committee's download = %d %q", status, got)
	}
	// The evidence bundle holds the transcript, with its receipt.
	staff := signedInBrowser(t, j.s, j.staffSecret, "nl")
	status, zipped, _ := staff.do("GET", "/verzoeken/"+r.ID+"/bewijsmap.zip", "", "")
	if status != http.StatusOK {
		t.Fatalf("the bundle of the transcript's share = %d", status)
	}
	zr, err := zip.NewReader(strings.NewReader(zipped), int64(len(zipped)))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range zr.File {
		names[f.Name] = true
	}
	if name := "data/transcripts/" + tr.ID + ".vtt"; !names[name] || !names["data/receipts/transcripts/"+tr.ID+".vtt.json"] {
		t.Errorf("the bundle lacks %s or its receipt: %v", name, names)
	}
	addr := opname.WithAddr(context.Background(), "192.0.2.10")
	opened, err := j.s.db.OpenRecipientLink(addr, secret)
	if err != nil {
		t.Fatal(err)
	}
	rctx := opname.WithActor(addr, opname.Recipient(opened, "192.0.2.10"))
	if _, _, err := j.s.db.Recording(rctx, j.rec.ID); opname.KindOf(err) != opname.NotFound {
		t.Errorf("the transcript's recipient reads its recording: %v", err)
	}
}

// TestWeightyReasonsOnlyForRecording: weighty reasons are the
// organisation's reasons against recording (Ombudsman rule 1); a request
// to share neither offers them nor takes them.
func TestWeightyReasonsOnlyForRecording(t *testing.T) {
	t.Parallel()
	j := newShareJourney(t, "vt-weighty-share")
	req := j.askToShare(t)
	view, err := j.s.web.Workflow.ViewOne(j.staffCtx, j.conv, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(view.Next.WeightyAlternatives) != 0 {
		t.Errorf("a share offers weighty reasons against recording: %v", view.Next.WeightyAlternatives)
	}
	staff := signedInBrowser(t, j.s, j.staffSecret, "nl")
	if _, page, _ := staff.do("GET", "/verzoeken/"+req.ID, "", ""); strings.Contains(page, `value="zwaarwegend"`) {
		t.Error("the share's page offers weighty reasons not to record")
	}
	if _, err := j.s.web.Workflow.Weighty(j.staffCtx, req.ID, "Een derde is in gevaar.", "written_report"); opname.KindOf(err) != opname.Conflict {
		t.Errorf("weighty reasons against a share: %v", err)
	}
	if r, err := j.s.db.Request(j.staffCtx, req.ID); err != nil || r.Weighty != nil {
		t.Errorf("the share after weighty reasons: %+v %v", r.Weighty, err)
	}
}

// TestPublicIsPublication: giving something to "the public" is making it
// public, which opname never does. A client who asks on their phone to
// give a recording to the public asks to publish it, and no recipient
// link can be given for it; a staff member or an integration that asks
// to share with the public is told to ask to publish.
func TestPublicIsPublication(t *testing.T) {
	t.Parallel()
	j := newShareJourney(t, "vt-public")
	status, _, h := j.phone.form("/l/opnames/"+j.rec.ID+"/delen", url.Values{"ontvanger": {"public"}, "aan": {"Facebook"}, "waarom": {"Iedereen moet het horen"}})
	if status != http.StatusSeeOther {
		t.Fatalf("asking to give the recording to the public = %d (%s)", status, h.Get("Location"))
	}
	rs, err := j.s.db.ConversationRequests(j.staffCtx, j.conv.ID)
	if err != nil || len(rs) != 1 {
		t.Fatalf("the requests: %v %v", rs, err)
	}
	req := &rs[0]
	if req.Act.Action != "publish" || req.Act.Recipient != "public" || req.Act.Share == nil || req.Act.Share.ID != j.rec.ID {
		t.Fatalf("the client asked %+v", req.Act)
	}
	j.consent(t, req)
	if _, _, _, err := j.s.web.Workflow.Deliver(j.staffCtx, req.ID, opname.RecipientOptions{}); opname.KindOf(err) != opname.Conflict {
		t.Errorf("a recipient link for the public: %v", err)
	}
	staff := signedInBrowser(t, j.s, j.staffSecret, "nl")
	form := url.Values{"wie": {"1"}, "handeling": {"share"}, "wat": {"audio"}, "deel": {"recording:" + j.rec.ID}, "ontvanger": {"public"}, "deel-aan": {"Iedereen"}, "deel-waarom": {"Voorlichting"}}
	if status, page, _ := staff.form("/gesprekken/"+j.conv.ID+"/verzoeken", form); status != http.StatusBadRequest || !strings.Contains(page, "iets aan iedereen geven is het openbaar maken. Kies: een opname openbaar maken.") {
		t.Errorf("a staff member sharing with the public = %d\n%s", status, between(page, `role="alert"`, "</div>"))
	}
	if rs, err := j.s.db.ConversationRequests(j.staffCtx, j.conv.ID); err != nil || len(rs) != 1 {
		t.Errorf("the requests after sharing with the public: %d %v", len(rs), err)
	}
}
