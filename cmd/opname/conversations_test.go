package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/smtpmail/smtptest"
)

// journey is one organisation with a client, its staff member (assigned)
// and a manager, spoken to through the JSON API.
type journey struct {
	t      *testing.T
	s      *server
	client string
	tokens map[string]string
}

func newJourney(t *testing.T, s *server, slug, pol string) *journey {
	t.Helper()
	_, octx := newOrg(t, s, slug, pol, false)
	j := &journey{t: t, s: s, tokens: map[string]string{}}
	ids := map[string]string{}
	for _, p := range []struct {
		name string
		role opname.Role
	}{{"staff", opname.RoleStaff}, {"colleague", opname.RoleStaff}, {"manager", opname.RoleManager}} {
		u := &opname.User{Email: p.name + "@" + slug + ".nl", Name: p.name, Role: p.role}
		if err := s.db.CreateUser(octx, u); err != nil {
			t.Fatal(err)
		}
		secret, _, err := s.db.CreateToken(octx, u.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		ids[p.name], j.tokens[p.name] = u.ID, secret
	}
	c := &opname.Client{Name: "Sanne Jansen"}
	if err := s.db.CreateClient(octx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Assign(octx, c.ID, ids["staff"]); err != nil {
		t.Fatal(err)
	}
	j.client = c.ID
	return j
}

// call sends body (JSON unless []byte) as who and decodes the answer into
// out when given; it fails the test unless the status is want.
func (j *journey) call(who, method, path string, body any, want int, out any) []byte {
	j.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, _ := json.Marshal(b)
		rd = bytes.NewReader(data)
	}
	r, _ := http.NewRequest(method, j.s.URL+path, rd)
	r.Header.Set("Authorization", "Bearer "+j.tokens[who])
	if _, ok := body.([]byte); !ok && body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		j.t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		j.t.Fatalf("%s %s as %s = %d, want %d\n%s", method, path, who, resp.StatusCode, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			j.t.Fatalf("%s %s: %v\n%s", method, path, err, data)
		}
	}
	return data
}

// requestOut is a request as the API answers it.
type requestOut struct {
	ID       string
	Outcome  string
	Decision struct {
		Outcome      string   `json:"outcome"`
		ConsentFrom  []string `json:"consent_from"`
		DecidedBy    string   `json:"decided_by"`
		Obligations  []string `json:"obligations"`
		Agreements   []string `json:"agreements"`
		Alternatives []string `json:"alternatives"`
		Rules        []struct{ ID, Source, Ref string }
		Explanation  struct{ NL, EN string }
		Policy       struct{ Name, Digest string }
	}
	Agreement   *opname.Agreement
	Ready       bool
	WaitingFor  []string `json:"waiting_for"`
	Alternative string
	Weighty     *opname.Weighty
	Manager     *opname.ManagerDecision
}

func (j *journey) open(participants ...opname.Participant) string {
	j.t.Helper()
	var c opname.Conversation
	j.call("staff", "POST", "/api/v1/clients/"+j.client+"/conversations", map[string]any{"location": "home_visit", "topic": "Veiligheidsplan", "participants": participants}, 201, &c)
	return c.ID
}

func (j *journey) ask(conv string, act opname.Act) requestOut {
	j.t.Helper()
	var r requestOut
	j.call("staff", "POST", "/api/v1/conversations/"+conv+"/requests", act, 201, &r)
	if r.Decision.Policy.Digest == "" || len(r.Decision.Rules) == 0 || r.Decision.Explanation.NL == "" {
		j.t.Fatalf("the decision names no policy, rules or explanation: %+v", r.Decision)
	}
	return r
}

// TestJourneyVeiligThuisOrganisationRecordsToo: a client of Veilig Thuis
// records the conversation on their phone; the organisation records too,
// the agreements are spoken at the start and their digest is logged, and
// the client verifies the agreement text with its receipt.
func TestJourneyVeiligThuisOrganisationRecordsToo(t *testing.T) {
	t.Parallel()
	dialects(t, testJourneyVeiligThuisOrganisationRecordsToo)
}

func testJourneyVeiligThuisOrganisationRecordsToo(t *testing.T, s *server) {
	j := newJourney(t, s, "vt", "veilig-thuis-utrecht")
	conv := j.open(opname.Participant{Role: "client"}, opname.Participant{Role: "staff"})
	var cv struct {
		Guide []struct{ NL, EN string }
	}
	j.call("staff", "GET", "/api/v1/conversations/"+conv, nil, 200, &cv)
	var guide []string
	for _, g := range cv.Guide {
		guide = append(guide, g.NL)
	}
	if !strings.Contains(strings.Join(guide, "\n"), "koffie of thee") || strings.Contains(strings.ToLower(strings.Join(guide, "\n")), "toestemming") {
		t.Errorf("guide = %q", guide)
	}
	r := j.ask(conv, opname.Act{Action: "record", Medium: "audio", By: "client", Announced: "at_start"})
	if r.Outcome != "allowed" || !slices.Contains(r.Decision.Obligations, "org_records_too") || !slices.Contains(r.Decision.Obligations, "record_agreements") {
		t.Fatalf("client audio at Veilig Thuis = %+v", r.Decision)
	}
	// The organisation records too: its own request.
	own := j.ask(conv, opname.Act{Action: "record", Medium: "audio", By: "organisation"})
	if own.Outcome == "forbidden" || own.Outcome == "refused" {
		t.Fatalf("organisation records too = %+v", own.Decision)
	}
	j.call("staff", "POST", "/api/v1/requests/"+r.ID+"/agreement", map[string]any{"form": "spoken"}, 200, &r)
	if r.Agreement == nil || r.Agreement.Digest == "" || len(r.Agreement.Terms) == 0 {
		t.Fatalf("agreement = %+v", r.Agreement)
	}
	text := j.call("staff", "GET", "/api/v1/requests/"+r.ID+"/agreement/text", nil, 200, nil)
	receipt := j.call("staff", "GET", "/api/v1/requests/"+r.ID+"/agreement/receipt", nil, 200, nil)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "afspraken.txt"), text, 0o600)
	os.WriteFile(filepath.Join(dir, "bewijs.json"), receipt, 0o600)
	var stdout bytes.Buffer
	m := &Main{Stdout: &stdout, Stderr: &stdout, Getenv: func(string) string { return "" }}
	key := strings.TrimSpace(string(j.call("staff", "GET", "/api/v1/logs/vt/key", nil, 200, nil)))
	if code := m.Run(t.Context(), []string{"verify", "--receipt", filepath.Join(dir, "bewijs.json"), "--key", key, filepath.Join(dir, "afspraken.txt")}); code != 0 || !strings.Contains(stdout.String(), "match: agreements") {
		t.Fatalf("verify the agreements = %d\n%s", code, stdout.String())
	}
	// One changed character, and it no longer matches.
	os.WriteFile(filepath.Join(dir, "afspraken.txt"), bytes.Replace(text, []byte("spoken"), []byte("spokeN"), 1), 0o600)
	if code := m.Run(t.Context(), []string{"verify", "--receipt", filepath.Join(dir, "bewijs.json"), "--key", key, filepath.Join(dir, "afspraken.txt")}); code != 1 {
		t.Fatalf("verify changed agreements = %d", code)
	}
	// The client's copy, registered for the request: linked to the
	// conversation, with the agreements' digest in its log entry.
	var reg registered
	j.call("staff", "POST", "/api/v1/clients/"+j.client+"/recordings?source=client_copy&request_id="+r.ID, wav(5, 9), 201, &reg)
	if reg.Recording.ConversationID != conv || reg.Recording.RequestID != r.ID || reg.Recording.AgreementsDigest != r.Agreement.Digest {
		t.Fatalf("recording for the request = %+v", reg.Recording)
	}
	// Another staff member, not assigned, sees nothing of it.
	j.call("colleague", "GET", "/api/v1/requests/"+r.ID, nil, 404, nil)
	j.call("colleague", "GET", "/api/v1/conversations/"+conv, nil, 404, nil)
}

// TestJourneyVeiligThuisParentRefuses: a parent refuses; the request is
// refused, the policy offers that someone listens in, and that is chosen.
func TestJourneyVeiligThuisParentRefuses(t *testing.T) {
	t.Parallel()
	dialects(t, testJourneyVeiligThuisParentRefuses)
}

func testJourneyVeiligThuisParentRefuses(t *testing.T, s *server) {
	j := newJourney(t, s, "vt2", "veilig-thuis-utrecht")
	conv := j.open(opname.Participant{Role: "client"}, opname.Participant{Role: "parent", Name: "vader"}, opname.Participant{Role: "staff"})
	r := j.ask(conv, opname.Act{Action: "record", Medium: "audio", By: "client"})
	if r.Outcome != "needs_consent" || !slices.Contains(r.Decision.ConsentFrom, "parent") {
		t.Fatalf("with a parent present = %+v", r.Decision)
	}
	j.call("staff", "POST", "/api/v1/requests/"+r.ID+"/answers", map[string]any{"participant": 1, "given": false, "how": "in_person"}, 200, &r)
	if r.Outcome != "refused" || !slices.Contains(r.Decision.Alternatives, "companion_listens") {
		t.Fatalf("after the parent refused = %+v", r.Decision)
	}
	j.call("staff", "POST", "/api/v1/requests/"+r.ID+"/alternative", map[string]any{"alternative": "filming"}, 400, nil)
	j.call("staff", "POST", "/api/v1/requests/"+r.ID+"/alternative", map[string]any{"alternative": "companion_listens"}, 200, &r)
	if r.Alternative != "companion_listens" {
		t.Fatalf("alternative = %q", r.Alternative)
	}
	// Every decision is kept, with its situation and the policy's digest.
	var history []opname.StoredDecision
	j.call("staff", "GET", "/api/v1/requests/"+r.ID+"/decisions", nil, 200, &history)
	compact := func(raw json.RawMessage) string {
		var b bytes.Buffer
		json.Compact(&b, raw)
		return b.String()
	}
	if len(history) != 3 || history[0].PolicyDigest == "" || !strings.Contains(compact(history[1].Situation), `"consent":"refused"`) || !strings.Contains(compact(history[0].Decision), `"outcome":"needs_consent"`) {
		t.Fatalf("decision history: %d entries; first situation %s", len(history), compact(history[0].Situation))
	}
	j.call("staff", "POST", "/api/v1/requests/"+r.ID+"/answers", map[string]any{"participant": 7, "given": true, "how": "in_person"}, 400, nil)
	j.call("staff", "POST", "/api/v1/requests/"+r.ID+"/answers", map[string]any{"participant": 1, "given": true, "how": "by_pigeon"}, 400, nil)
}

// TestJourneyAxiehuisCovertRecording: a covert recording of a group
// conversation is discovered; an incident follows the ladder, and the
// manager sees it in the inbox.
func TestJourneyAxiehuisCovertRecording(t *testing.T) {
	t.Parallel()
	dialects(t, testJourneyAxiehuisCovertRecording)
}

func testJourneyAxiehuisCovertRecording(t *testing.T, s *server) {
	j := newJourney(t, s, "axie", "axiehuis")
	conv := j.open(opname.Participant{Role: "client"}, opname.Participant{Role: "other", Name: "medebewoner"}, opname.Participant{Role: "staff"})
	r := j.ask(conv, opname.Act{Action: "record", Medium: "audio", By: "client", Covert: true, Announced: "not_announced"})
	if r.Outcome != "forbidden" && r.Outcome != "refused" {
		t.Fatalf("covert multi-party recording = %+v", r.Decision)
	}
	var inc opname.Incident
	j.call("staff", "POST", "/api/v1/clients/"+j.client+"/incidents", map[string]any{"conversation_id": conv, "kind": "covert_recording", "description": "Telefoon nam stiekem op tijdens groepsgesprek"}, 201, &inc)
	want := []string{"ask_to_stop", "ask_to_leave", "report_to_manager", "consider_legal_steps"}
	if !slices.Equal(inc.Ladder, want) {
		t.Fatalf("ladder = %v, want %v", inc.Ladder, want)
	}
	j.call("staff", "POST", "/api/v1/incidents/"+inc.ID+"/steps", map[string]any{"step": "ask_to_stop", "note": "Gevraagd te stoppen; weigerde"}, 201, &inc)
	j.call("staff", "POST", "/api/v1/incidents/"+inc.ID+"/steps", map[string]any{"step": "ask_to_stop"}, 409, nil)
	j.call("staff", "POST", "/api/v1/incidents/"+inc.ID+"/steps", map[string]any{"step": "call_the_police"}, 400, nil)
	j.call("staff", "POST", "/api/v1/incidents/"+inc.ID+"/steps", map[string]any{"step": "report_to_manager"}, 201, &inc)
	if len(inc.Steps) != 2 || inc.Steps[0].At.IsZero() || inc.Steps[1].By == "" {
		t.Fatalf("steps = %+v", inc.Steps)
	}
	var box struct{ Incidents []opname.Incident }
	j.call("manager", "GET", "/api/v1/inbox", nil, 200, &box)
	if len(box.Incidents) != 1 || box.Incidents[0].ID != inc.ID {
		t.Fatalf("manager's inbox = %+v", box)
	}
	j.call("staff", "GET", "/api/v1/inbox", nil, 403, nil)
}

// TestJourneyBlijfGroepVideo: a client wants video; the manager decides
// after the staff member's assessment; a declaration is signed; then the
// recording may be made.
func TestJourneyBlijfGroepVideo(t *testing.T) { t.Parallel(); dialects(t, testJourneyBlijfGroepVideo) }

func testJourneyBlijfGroepVideo(t *testing.T, s *server) {
	j := newJourney(t, s, "blijf", "blijf-groep")
	conv := j.open(opname.Participant{Role: "client"}, opname.Participant{Role: "staff"}, opname.Participant{Role: "staff", Name: "tweede medewerker"})
	r := j.ask(conv, opname.Act{Action: "record", Medium: "video", By: "client"})
	j.call("staff", "GET", "/api/v1/requests/"+r.ID+"/decision.pdf", nil, 404, nil)
	if r.Outcome != "needs_decision" || r.Decision.DecidedBy != "manager" || r.Ready {
		t.Fatalf("video at Blijf Groep = %+v", r.Decision)
	}
	j.call("staff", "POST", "/api/v1/requests/"+r.ID+"/manager", map[string]any{"assessment": "Cliënte wil het gesprek terugkijken met haar advocaat.", "colleagues_consulted": ""}, 400, nil)
	j.call("staff", "POST", "/api/v1/requests/"+r.ID+"/manager", map[string]any{"assessment": "Cliënte wil het gesprek terugkijken met haar advocaat.", "colleagues_consulted": "Team Noord, 3 maart"}, 200, &r)
	var box struct{ Requests []requestOut }
	j.call("manager", "GET", "/api/v1/inbox", nil, 200, &box)
	if len(box.Requests) != 1 || box.Requests[0].ID != r.ID {
		t.Fatalf("inbox = %+v", box)
	}
	j.call("staff", "POST", "/api/v1/requests/"+r.ID+"/manager-decision", map[string]any{"approved": true, "reasons": "x"}, 403, nil)
	j.call("manager", "POST", "/api/v1/requests/"+r.ID+"/manager-decision", map[string]any{"approved": true, "reasons": ""}, 400, nil)
	j.call("manager", "POST", "/api/v1/requests/"+r.ID+"/manager-decision", map[string]any{"approved": true, "reasons": "Belang van cliënte weegt zwaar; twee medewerkers aanwezig."}, 200, &r)
	if r.Manager == nil || r.Manager.Approved == nil || !*r.Manager.Approved || !slices.Contains(r.Decision.Obligations, "signed_declaration") {
		t.Fatalf("after the manager's decision = %+v / %+v", r.Manager, r.Decision)
	}
	if r.Ready || !slices.Equal(r.WaitingFor, []string{"signed_declaration"}) {
		t.Fatalf("video may start before the declaration was signed: ready %v, waiting for %v", r.Ready, r.WaitingFor)
	}
	// Recording cannot start without the signed declaration.
	if b := j.call("staff", "POST", "/api/v1/clients/"+j.client+"/recordings?request_id="+r.ID, wav(2, 3), 409, nil); !strings.Contains(string(b), "signed_declaration") {
		t.Fatalf("upload before signing: %s", b)
	}
	j.call("manager", "GET", "/api/v1/inbox", nil, 200, &box)
	if len(box.Requests) != 0 {
		t.Fatalf("decided request still in the inbox")
	}
	// The written decision for the file, and the declaration to print.
	for _, doc := range []string{"decision.pdf", "declaration.pdf"} {
		if b := j.call("staff", "GET", "/api/v1/requests/"+r.ID+"/"+doc, nil, 200, nil); !bytes.HasPrefix(b, []byte("%PDF-")) {
			t.Fatalf("%s is not a PDF", doc)
		}
	}
	j.call("staff", "POST", "/api/v1/requests/"+r.ID+"/agreement", map[string]any{"form": "printed", "signed": true}, 200, &r)
	if r.Outcome != "allowed" || !r.Ready || r.Agreement == nil || !r.Agreement.Signed {
		t.Fatalf("after signing = %s ready %v %+v", r.Outcome, r.Ready, r.Decision)
	}
	var reg registered
	j.call("staff", "POST", "/api/v1/clients/"+j.client+"/recordings?request_id="+r.ID, wav(2, 3), 201, &reg)

	// Another time the client refuses to sign: that can be a reason to
	// reject, so the manager, who approved without knowing it, decides
	// again; a rejection ends the request.
	r2 := j.ask(conv, opname.Act{Action: "record", Medium: "video", By: "client"})
	j.call("staff", "POST", "/api/v1/requests/"+r2.ID+"/manager", map[string]any{"assessment": "a", "colleagues_consulted": "b"}, 200, nil)
	j.call("manager", "POST", "/api/v1/requests/"+r2.ID+"/manager-decision", map[string]any{"approved": true, "reasons": "r"}, 200, nil)
	j.call("staff", "POST", "/api/v1/requests/"+r2.ID+"/agreement", map[string]any{"form": "on_screen", "refused": true}, 200, &r2)
	if r2.Outcome != "needs_decision" || r2.Ready || r2.Decision.DecidedBy != "manager" {
		t.Fatalf("after a refusal to sign = %s %+v, want the manager to decide again", r2.Outcome, r2.Decision)
	}
	j.call("manager", "POST", "/api/v1/requests/"+r2.ID+"/manager-decision", map[string]any{"approved": false, "reasons": "geen verklaring"}, 200, &r2)
	if r2.Outcome != "refused" || r2.Ready {
		t.Fatalf("after the manager rejects = %s %+v", r2.Outcome, r2.Decision)
	}
}

// TestJourneyOmbudsmanWeightyReason: a staff member says no for a weighty
// reason and offers an alternative; both are stored and shown.
func TestJourneyOmbudsmanWeightyReason(t *testing.T) {
	t.Parallel()
	dialects(t, testJourneyOmbudsmanWeightyReason)
}

func testJourneyOmbudsmanWeightyReason(t *testing.T, s *server) {
	j := newJourney(t, s, "omb", "ombudsman")
	conv := j.open(opname.Participant{Role: "client"}, opname.Participant{Role: "staff"})
	r := j.ask(conv, opname.Act{Action: "record", Medium: "audio", By: "client"})
	if r.Outcome != "allowed" {
		t.Fatalf("client audio under the Ombudsman's rules = %+v", r.Decision)
	}
	j.call("staff", "POST", "/api/v1/requests/"+r.ID+"/weighty-reasons", map[string]any{"reason": "", "alternative": "written_report"}, 400, nil)
	j.call("staff", "POST", "/api/v1/requests/"+r.ID+"/weighty-reasons", map[string]any{"reason": "een derde is in gevaar als dit bekend wordt", "alternative": ""}, 400, nil)
	j.call("staff", "POST", "/api/v1/requests/"+r.ID+"/weighty-reasons", map[string]any{"reason": "een derde is in gevaar als dit bekend wordt", "alternative": "written_report"}, 200, &r)
	if r.Outcome != "refused" || r.Weighty == nil || r.Weighty.Alternative != "written_report" || !strings.Contains(r.Decision.Explanation.NL, "een derde is in gevaar") {
		t.Fatalf("after weighty reasons = %s %+v %+v", r.Outcome, r.Weighty, r.Decision)
	}
	j.call("staff", "POST", "/api/v1/requests/"+r.ID+"/alternative", map[string]any{"alternative": "written_report"}, 200, &r)
}

// TestJourneyMaatschappelijkeOpvang: in social relief the client records
// their own conversation; the agreements are signed on screen and the
// recording is registered for the request.
func TestJourneyMaatschappelijkeOpvang(t *testing.T) {
	t.Parallel()
	dialects(t, testJourneyMaatschappelijkeOpvang)
}

func testJourneyMaatschappelijkeOpvang(t *testing.T, s *server) {
	j := newJourney(t, s, "mo", "maatschappelijke-opvang")
	conv := j.open(opname.Participant{Role: "client"}, opname.Participant{Role: "staff"})
	r := j.ask(conv, opname.Act{Action: "record", Medium: "audio", By: "client"})
	if r.Outcome != "allowed" || !r.Ready {
		t.Fatalf("client audio in social relief = %s %+v", r.Outcome, r.Decision)
	}
	j.call("staff", "POST", "/api/v1/requests/"+r.ID+"/agreement", map[string]any{"form": "on_screen", "signed": true}, 200, &r)
	var reg registered
	j.call("staff", "POST", "/api/v1/clients/"+j.client+"/recordings?source=client_copy&request_id="+r.ID, wav(3, 4), 201, &reg)
	if reg.Recording.AgreementsDigest != r.Agreement.Digest {
		t.Fatalf("recording = %+v", reg.Recording)
	}
}

// TestStaffDeclines: at aXiehuis a staff member may decline to take part
// while the conversation is recorded; that is stored with the alternative,
// and the open requests are decided again.
func TestStaffDeclines(t *testing.T) { t.Parallel(); dialects(t, testStaffDeclines) }

func testStaffDeclines(t *testing.T, s *server) {
	j := newJourney(t, s, "axie2", "axiehuis")
	conv := j.open(opname.Participant{Role: "client"}, opname.Participant{Role: "staff"})
	r := j.ask(conv, opname.Act{Action: "record", Medium: "audio", By: "client"})
	j.call("staff", "POST", "/api/v1/conversations/"+conv+"/declines", map[string]any{"participant": 0, "alternative": "x"}, 400, nil)
	var c opname.Conversation
	j.call("staff", "POST", "/api/v1/conversations/"+conv+"/declines", map[string]any{"participant": 1, "alternative": "Een collega neemt het gesprek over"}, 201, &c)
	if c.Participants[1].Declined == nil {
		t.Fatalf("participants = %+v", c.Participants)
	}
	var after requestOut
	j.call("staff", "GET", "/api/v1/requests/"+r.ID, nil, 200, &after)
	if after.Outcome == r.Outcome && after.Outcome == "allowed" {
		t.Logf("decision after declining = %+v", after.Decision)
	}
	if after.Outcome == "allowed" {
		t.Fatalf("recording still allowed after the staff member declined: %+v", after.Decision)
	}
}

// TestManagersAreMailed opens an incident and asks for a manager's
// decision with a real SMTP server, and checks that the manager got an
// e-mail for each, with a link and without client data.
func TestManagersAreMailed(t *testing.T) {
	t.Parallel()
	smtpURL, api := smtptest.Mailpit(t)
	s, err := startServer(t.Context(), &config{Addr: "127.0.0.1:0", Data: t.TempDir(), SMTPURL: smtpURL}, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	slug := fmt.Sprintf("mail%d", time.Now().UnixNano())
	j := newJourney(t, s, slug, "blijf-groep")
	conv := j.open(opname.Participant{Role: "client"}, opname.Participant{Role: "staff"})
	var inc opname.Incident
	j.call("staff", "POST", "/api/v1/clients/"+j.client+"/incidents", map[string]any{"conversation_id": conv, "kind": "agreements_broken", "description": "Opname van Sanne gedeeld op sociale media"}, 201, &inc)
	r := j.ask(conv, opname.Act{Action: "record", Medium: "video", By: "client"})
	j.call("staff", "POST", "/api/v1/requests/"+r.ID+"/manager", map[string]any{"assessment": "Sanne wil het terugkijken", "colleagues_consulted": "team"}, 200, nil)

	to := "manager@" + slug + ".nl"
	var found struct {
		Messages []struct {
			ID      string
			Subject string
			To      []struct{ Address string }
		} `json:"messages"`
	}
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		resp, err := http.Get(api + "/api/v1/search?query=" + url.QueryEscape("to:"+to))
		if err == nil {
			json.NewDecoder(resp.Body).Decode(&found)
			resp.Body.Close()
		}
		if len(found.Messages) >= 2 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(found.Messages) != 2 {
		t.Fatalf("mail to the manager: %+v", found.Messages)
	}
	toRequest := false
	for _, m := range found.Messages {
		resp, err := http.Get(api + "/api/v1/message/" + m.ID)
		if err != nil {
			t.Fatal(err)
		}
		var msg struct{ Text string }
		json.NewDecoder(resp.Body).Decode(&msg)
		resp.Body.Close()
		if !strings.Contains(msg.Text, s.URL+"/") || strings.Contains(msg.Text, "Sanne") {
			t.Errorf("mail %q: no link, or client data in it:\n%s", m.Subject, msg.Text)
		}
		toRequest = toRequest || strings.Contains(msg.Text, s.URL+"/verzoeken/"+r.ID)
	}
	// The link leads to the request to decide, a page that exists.
	if !toRequest {
		t.Errorf("no mail links to the request waiting for a decision")
	}
}
