package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/vault"
)

// TestAccessibility runs axe-core's WCAG 2.1 A and AA rules in headless
// Chromium on every page, as the role that sees it, in Dutch and English,
// at laptop, tablet and phone width, and checks that no page is wider than
// the screen. It needs node, Chromium and `make assets`;
// CI has them and the test is mandatory there.
func TestAccessibility(t *testing.T) {
	t.Parallel()
	script, chromium := browserScript(t, "a11y.mjs")
	s := testServer(t)
	org, octx := newOrg(t, s, "toegankelijk", "blijf-groep", false)
	sessions := map[opname.Role]string{}
	users := map[opname.Role]*opname.User{}
	var staffID string
	for _, role := range opname.Roles {
		u := &opname.User{Email: string(role) + "@toegankelijk.nl", Name: "Test " + string(role), Role: role}
		if err := s.db.CreateUser(octx, u); err != nil {
			t.Fatal(err)
		}
		if role == opname.RoleStaff {
			staffID = u.ID
		}
		users[role] = u
		once, _, err := s.db.CreateOneTime(octx, u.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		secret, _, err := s.db.Redeem(context.Background(), once, "een lange zin als wachtwoord")
		if err != nil {
			t.Fatal(err)
		}
		sessions[role] = secret
	}
	c := &opname.Client{Name: "Anna de Vries", DossierRef: "D-1", Contact: "anna@example.nl"}
	if err := s.db.CreateClient(octx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Assign(octx, c.ID, staffID); err != nil {
		t.Fatal(err)
	}
	recs := a11yRecordings(t, s, org, c.ID, users)
	wf := a11yWorkflow(t, s, org, c.ID, users, recs.plain)
	a11yRetention(t, s, org, c.ID, users, recs.plain)
	pending := secureOrg(t, s)
	pendingSecret, _, err := s.db.Redeem(context.Background(), pending, "een lange zin als wachtwoord")
	if err != nil {
		t.Fatal(err)
	}
	for _, run := range []struct {
		who    string
		secret string
		paths  []string
	}{
		{"anonymous", "", []string{"/aanmelden", "/welkom"}},
		{"recipient", "", []string{"/d/" + wf.recipient, "/d/" + wf.coded, "/d/" + strings.Repeat("A", opname.LinkCodeLength)}},
		{"second step", pendingSecret, []string{"/tweede-stap"}},
		{"staff", sessions[opname.RoleStaff], []string{"/", "/clienten", "/clienten?q=anna", "/clienten/" + c.ID, "/clienten/no-such-client",
			"/clienten/" + c.ID + "/opnames", "/clienten/" + c.ID + "/opnemen", "/opnames/" + recs.plain, "/opnames/" + recs.edit, "/opnames/" + recs.plain + "/bewijs",
			"/werk", "/clienten/" + c.ID + "/gesprekken", "/gesprekken/" + wf.conv, "/verzoeken/" + wf.asked, "/verzoeken/" + wf.signed, "/verzoeken/" + wf.open, "/verzoeken/" + wf.share, "/incidenten/" + wf.incident}},
		{"manager", sessions[opname.RoleManager], []string{"/clienten", "/clienten/" + c.ID, "/mensen", "/opnames/" + recs.plain, "/opnames/" + recs.erased,
			"/postvak", "/werk", "/verzoeken/" + wf.asked, "/verzoeken/" + wf.signed + "/besluit", "/verzoeken/" + wf.signed + "/afspraken", "/verzoeken/" + wf.open + "/afspraken", "/bewaren"}},
		{"admin", sessions[opname.RoleAdmin], []string{"/mensen", "/sleutels", "/beleid", "/clientlinks", "/openbare-pagina", "/beleid/voorbeeld?beleid=axiehuis", "/beleid/voorbeeld?beleid=blijf-groep", "/integriteit", "/bewaren"}},
		{"privacy officer", sessions[opname.RolePrivacyOfficer], []string{"/", "/toegangslog", "/mensen", "/integriteit", "/bewaren",
			"/clienten", "/clienten?q=vries", "/clienten?q=niemand", "/toegangslog?client=anna&action=read&from=2026-01-01", "/toegangslog?client_id=" + c.ID, "/toegangslog?from=gisteren",
			"/rapportage", "/rapportage?maand=2026-01"}},
	} {
		t.Run(run.who, func(t *testing.T) {
			for _, r := range runAxe(t, script, chromium, s, run.secret, run.paths...) {
				if r.Status >= 500 || strings.Contains(r.URL, "/aanmelden") && !strings.HasPrefix(r.Path, "/aanmelden") {
					t.Errorf("%s %s: status %d at %s", r.Path, r.Lang, r.Status, r.URL)
				}
			}
		})
	}
}

// axePage is what a11y.mjs says of one page, in one language, at one
// width.
type axePage struct {
	Path, Lang, URL string
	Width, Status   int
	Violations      []json.RawMessage
}

// runAxe runs a11y.mjs (script, in chromium) on the paths of s as the
// holder of the session secret ("" for someone not signed in), fails t on
// each violation, and returns what it says of each page.
func runAxe(t *testing.T, script, chromium string, s *server, secret string, paths ...string) []axePage {
	t.Helper()
	return runAxeWith(t, script, chromium, s, s.web.SessionCookie(), secret, paths...)
}

// runAxeWith is runAxe with the secret in the cookie named cookie: a
// client link's, for the client's side.
func runAxeWith(t *testing.T, script, chromium string, s *server, cookie, secret string, paths ...string) []axePage {
	t.Helper()
	cmd := exec.Command("node", append([]string{script, s.URL, cookie, secret}, paths...)...)
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var pages []axePage
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var r axePage
		if json.Unmarshal([]byte(line), &r) != nil {
			continue
		}
		for _, v := range r.Violations {
			t.Errorf("%s (%s, %dpx): %s", r.Path, r.Lang, r.Width, v)
		}
		pages = append(pages, r)
	}
	if err != nil && !t.Failed() {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	return pages
}

// a11yRetention gives the retention pages every part: the client's care
// ended long ago (their agreements and decisions are due), one recording
// is on hold and an earlier hold was released; an administrator changed
// a rule.
func a11yRetention(t *testing.T, s *server, org *opname.Organisation, clientID string, users map[opname.Role]*opname.User, recording string) {
	t.Helper()
	mctx := actorCtx(org, users[opname.RoleManager])
	if err := s.db.SetCareEnded(mctx, clientID, time.Date(2005, 1, 1, 0, 0, 0, 0, time.UTC), "Het dossier is gesloten."); err != nil {
		t.Fatal(err)
	}
	released := &opname.LegalHold{ClientID: clientID, Reason: "Een klacht."}
	if err := s.db.PlaceHold(mctx, released); err != nil {
		t.Fatal(err)
	}
	if err := s.db.ReleaseHold(mctx, released.ID, "De klacht is afgehandeld."); err != nil {
		t.Fatal(err)
	}
	if err := s.db.PlaceHold(mctx, &opname.LegalHold{RecordingID: recording, Reason: "Een rechtszaak."}); err != nil {
		t.Fatal(err)
	}
	rule := opname.RetentionRule{Kind: "client_copy", Years: 7, Clock: "care_ended", BasisNL: "Keuze van de organisatie.", BasisEN: "The organisation's own choice."}
	if err := s.db.SetRetentionRule(actorCtx(org, users[opname.RoleAdmin]), rule, "Korter bewaren."); err != nil {
		t.Fatal(err)
	}
}

// a11yRecordings gives the client of the accessibility check a recording,
// a declared edit of it, an erased recording, a failed fixity check and an
// interrupted recording in the browser, so that every state of the
// recording pages is checked.
func a11yRecordings(t *testing.T, s *server, org *opname.Organisation, clientID string, users map[opname.Role]*opname.User) (recs struct{ plain, edit, erased string }) {
	t.Helper()
	sctx := actorCtx(org, users[opname.RoleStaff])
	plain, err := s.web.Vault.Ingest(sctx, vault.Upload{ClientID: clientID, Source: "client_copy", Body: bytes.NewReader(wav(3, 40))})
	if err != nil {
		t.Fatal(err)
	}
	edit, err := s.web.Vault.Ingest(sctx, vault.Upload{ClientID: clientID, Source: "organisation", Body: bytes.NewReader(wav(2, 40)), DerivedFrom: plain.ID,
		Edit: &opname.EditStatement{Changed: "Het eerste deel is weggeknipt.", Reason: "Voor de klachtencommissie.", Told: "De cliënt."}})
	if err != nil {
		t.Fatal(err)
	}
	gone, err := s.web.Vault.Ingest(sctx, vault.Upload{ClientID: clientID, Source: "organisation", Body: bytes.NewReader(wav(1, 40))})
	if err != nil {
		t.Fatal(err)
	}
	// Transcripts beside a recording, and one erased with its recording.
	for _, id := range []string{plain.ID, gone.ID} {
		if _, err := s.web.Vault.IngestTranscript(sctx, vault.Upload{DerivedFrom: id, Source: "organisation", Body: strings.NewReader("Medewerker: Goedemorgen.\nCliënt: Dag.\n")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.web.Vault.Erase(actorCtx(org, users[opname.RoleManager]), gone.ID, "De bewaartermijn is voorbij."); err != nil {
		t.Fatal(err)
	}
	sys := opname.System("test")
	sys.OrgID = org.ID
	if err := s.db.SetFixity(opname.WithActor(context.Background(), sys), edit.ID, opname.FixityCheck{CheckedAt: time.Now(), Problem: "it does not decrypt: a byte was changed"}); err != nil {
		t.Fatal(err)
	}
	// A recording in the browser cut off after its first chunk.
	r, _ := http.NewRequest("POST", s.URL+"/api/v1/uploads", nil)
	r.Header.Set("Authorization", "Bearer "+a11yToken(t, s, org, users[opname.RoleStaff]))
	r.Header.Set("Tus-Resumable", "1.0.0")
	r.Header.Set("Upload-Defer-Length", "1")
	r.Header.Set("Upload-Metadata", "client_id "+base64.StdEncoding.EncodeToString([]byte(clientID)))
	resp, err := http.DefaultClient.Do(r)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("interrupted upload: %v %v", resp, err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	patch, _ := http.NewRequest("PATCH", s.URL+loc[strings.Index(loc, "/api/"):], bytes.NewReader(wav(1, 40)))
	patch.Header = r.Header.Clone()
	patch.Header.Del("Upload-Defer-Length")
	patch.Header.Del("Upload-Metadata")
	patch.Header.Set("Upload-Offset", "0")
	patch.Header.Set("Content-Type", "application/offset+octet-stream")
	if resp, err := http.DefaultClient.Do(patch); err != nil || resp.StatusCode != 204 {
		t.Fatalf("interrupted upload, first chunk: %v %v", resp, err)
	}
	recs.plain, recs.edit, recs.erased = plain.ID, edit.ID, gone.ID
	return recs
}

// a11yToken is an API token of u, for setting up what a page shows.
func a11yToken(t *testing.T, s *server, org *opname.Organisation, u *opname.User) string {
	t.Helper()
	sys := opname.System("test")
	sys.OrgID = org.ID
	secret, _, err := s.db.CreateToken(opname.WithActor(context.Background(), sys), u.ID, "a11y")
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// a11yWorkflow makes a conversation with a request in each state the
// request page shows: waiting for the manager, signed and ready, and
// just asked; and an incident with a step taken.
func a11yWorkflow(t *testing.T, s *server, org *opname.Organisation, clientID string, users map[opname.Role]*opname.User, recording string) (out struct{ conv, asked, signed, open, incident, share, recipient, coded string }) {
	t.Helper()
	sctx, mctx := actorCtx(org, users[opname.RoleStaff]), actorCtx(org, users[opname.RoleManager])
	w := s.web.Workflow
	c := &opname.Conversation{ClientID: clientID, Location: "home_visit", Topic: "Veiligheidsplan", Participants: []opname.Participant{{Role: "client"}, {Role: "staff", Name: "Test staff"}, {Role: "staff", Name: "Tweede"}}}
	if err := w.Open(sctx, c); err != nil {
		t.Fatal(err)
	}
	video := opname.Act{Action: "record", Medium: "video", By: "client"}
	asked, err := w.Ask(sctx, c.ID, video)
	if err == nil {
		_, err = w.AskManager(sctx, asked.ID, "Cliënte wil het terugkijken.", "Team Noord")
	}
	signed, err2 := w.Ask(sctx, c.ID, video)
	if err == nil && err2 == nil {
		if _, err = w.AskManager(sctx, signed.ID, "a", "b"); err == nil {
			if _, err = w.Decide(mctx, signed.ID, true, "Akkoord."); err == nil {
				_, err = w.Agree(sctx, signed.ID, "printed", true, false)
			}
		}
	}
	open, err3 := w.Ask(sctx, c.ID, opname.Act{Action: "record", Medium: "audio", By: "client"})
	inc := &opname.Incident{ClientID: clientID, ConversationID: c.ID, Kind: "covert_recording", Description: "Telefoon nam stiekem op.", RecorderOther: "een vriend van de cliënt", Present: []int{0, 1}}
	err4 := w.OpenIncident(sctx, inc)
	if err4 == nil {
		_, err4 = w.TakeStep(sctx, inc.ID, "ask_to_stop", "Gevraagd te stoppen.")
	}
	for _, e := range []error{err, err2, err3, err4} {
		if e != nil {
			t.Fatal(e)
		}
	}
	out.conv, out.asked, out.signed, out.open, out.incident = c.ID, asked.ID, signed.ID, open.ID, inc.ID
	// A share the client agreed to, with a link for its recipient and
	// one with a code: the request's page and the recipient's.
	share, err := w.Ask(sctx, c.ID, opname.Act{Action: "share", Medium: "audio", By: "organisation", Recipient: "complaints_committee",
		Share: &opname.Share{What: "recording", ID: recording, To: "Klachtencommissie Noord", Why: "Voor de klacht van de cliënte."}})
	if err == nil {
		_, err = w.Answer(sctx, share.ID, 0, true, "in_person")
	}
	if err != nil {
		t.Fatal(err)
	}
	out.share = share.ID
	for i, code := range []bool{false, true} {
		_, secret, _, err := w.Deliver(sctx, share.ID, opname.RecipientOptions{WithCode: code})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			out.recipient = secret
		} else {
			out.coded = secret
		}
	}
	return out
}
