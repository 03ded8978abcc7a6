package workflow_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/opname/opname"
	"github.com/opname/opname/policy"
	"github.com/opname/opname/sqldb"
	"github.com/opname/opname/workflow"
)

// setup is a workflow on SQLite with an organisation under pol, a client
// and a manager's context.
func setup(t *testing.T, pol string) (*workflow.Workflow, context.Context, string) {
	t.Helper()
	db, err := sqldb.Open(filepath.Join(t.TempDir(), "opname.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	lib, err := policy.Shipped()
	if err != nil {
		t.Fatal(err)
	}
	org := &opname.Organisation{Slug: "wf", Name: "WF", Policy: opname.PolicyVersion{Name: pol, Shipped: pol, Digest: "sha256:0", Text: "x"}}
	if err := db.CreateOrganisation(opname.WithActor(ctx, opname.System("test")), org); err != nil {
		t.Fatal(err)
	}
	sys := opname.System("test")
	sys.OrgID = org.ID
	octx := opname.WithActor(ctx, sys)
	u := &opname.User{Email: "m@wf.nl", Name: "Manager", Role: opname.RoleManager}
	if err := db.CreateUser(octx, u); err != nil {
		t.Fatal(err)
	}
	c := &opname.Client{Name: "C"}
	if err := db.CreateClient(octx, c); err != nil {
		t.Fatal(err)
	}
	mctx := opname.WithActor(ctx, opname.Actor{OrgID: org.ID, UserID: u.ID, Role: opname.RoleManager, Name: u.Name})
	return &workflow.Workflow{Store: db, Policies: lib}, mctx, c.ID
}

// TestOpenNamesTheField checks that bad participants are refused with the
// field and the value named.
func TestOpenNamesTheField(t *testing.T) {
	w, ctx, client := setup(t, "ombudsman")
	age := -3
	for _, c := range []struct {
		conv opname.Conversation
		want string
	}{
		{opname.Conversation{Location: "office"}, "participants: name at least"},
		{opname.Conversation{Location: "office", Participants: []opname.Participant{{Role: "buurman"}}}, `participants[0].role: "buurman"`},
		{opname.Conversation{Location: "office", Participants: []opname.Participant{{Role: "client"}, {Role: "child", Age: &age}}}, "participants[1].age: -3"},
		{opname.Conversation{Location: "office", Participants: []opname.Participant{{Role: "client", Capacity: "sometimes"}}}, `participants[0].capacity: "sometimes"`},
		{opname.Conversation{Location: "cafe", Participants: []opname.Participant{{Role: "client"}}}, "location"},
	} {
		c.conv.ClientID = client
		err := w.Open(ctx, &c.conv)
		if opname.KindOf(err) != opname.Invalid || !strings.Contains(opname.Message(err), c.want) {
			t.Errorf("Open(%+v) = %v, want Invalid with %q", c.conv, err, c.want)
		}
	}
}

// TestIncidentClosed checks the ladder's order of business: a closed
// incident takes no more steps.
func TestIncidentClosed(t *testing.T) {
	w, ctx, client := setup(t, "axiehuis")
	i := &opname.Incident{ClientID: client, Kind: "covert_recording", Description: "d"}
	if err := w.OpenIncident(ctx, i); err != nil {
		t.Fatal(err)
	}
	if _, err := w.TakeStep(ctx, i.ID, "close", "opgelost in gesprek"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.TakeStep(ctx, i.ID, "ask_to_stop", ""); opname.KindOf(err) != opname.Conflict {
		t.Fatalf("a step after closing = %v, want Conflict", err)
	}
	if err := w.OpenIncident(ctx, &opname.Incident{ClientID: client, Kind: "covert_recording"}); opname.KindOf(err) != opname.Invalid {
		t.Fatalf("an incident without a description = %v", err)
	}
}

// TestConcurrentAnswers records answers to one request from several
// people at once: none is lost, and every change has its decision.
func TestConcurrentAnswers(t *testing.T) {
	w, ctx, client := setup(t, "veilig-thuis-utrecht")
	const n = 8
	c := &opname.Conversation{ClientID: client, Location: "office", Participants: []opname.Participant{{Role: "client"}}}
	for range n {
		c.Participants = append(c.Participants, opname.Participant{Role: "parent"})
	}
	c.Participants = append(c.Participants, opname.Participant{Role: "staff"})
	if err := w.Open(ctx, c); err != nil {
		t.Fatal(err)
	}
	r, err := w.Ask(ctx, c.ID, opname.Act{Action: "record", Medium: "audio", By: "client"})
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, err := w.Answer(ctx, r.ID, 1+i, true, "in_person")
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	r, err = w.Store.Request(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	history, err := w.Store.RequestDecisions(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Answers) != n || r.Version != n || len(history) != n+1 {
		t.Fatalf("%d answers, version %d, %d decisions; want %d, %d, %d", len(r.Answers), r.Version, len(history), n, n, n+1)
	}
}

// TestOpenRefusesBadParticipants checks that a conversation's participants
// are people of the organisation, not too many, with names that are text:
// each refusal names the field, and a person of another organisation is
// told apart from no one.
func TestOpenRefusesBadParticipants(t *testing.T) {
	w, ctx, client := setup(t, "ombudsman")
	db := w.Store.(*sqldb.DB)
	sys := opname.WithActor(context.Background(), opname.System("test"))
	other := &opname.Organisation{Slug: "elders", Name: "Elders", Policy: opname.PolicyVersion{Name: "ombudsman", Shipped: "ombudsman", Digest: "sha256:0", Text: "x"}}
	if err := db.CreateOrganisation(sys, other); err != nil {
		t.Fatal(err)
	}
	osys := opname.System("test")
	osys.OrgID = other.ID
	stranger := &opname.User{Email: "s@elders.nl", Name: "Stranger", Role: opname.RoleStaff}
	if err := db.CreateUser(opname.WithActor(context.Background(), osys), stranger); err != nil {
		t.Fatal(err)
	}
	a, _ := opname.ActorFrom(ctx)
	staff := func(userID string) opname.Participant { return opname.Participant{Role: "staff", UserID: userID} }
	many := make([]opname.Participant, workflow.MaxParticipants+1)
	for i := range many {
		many[i] = opname.Participant{Role: "other"}
	}
	for _, c := range []struct {
		name string
		ps   []opname.Participant
		want string
	}{
		{"another organisation's person", []opname.Participant{{Role: "client"}, staff(a.UserID), staff(stranger.ID)}, "participants[2].user_id: no such person in this organisation"},
		{"no one", []opname.Participant{{Role: "client"}, staff("nobody-at-all")}, "participants[1].user_id: no such person in this organisation"},
		{"a user id for a client", []opname.Participant{{Role: "client", UserID: a.UserID}}, "participants[0].user_id: only a staff member has one"},
		{"a NUL in a user id", []opname.Participant{{Role: "client"}, staff("a\x00b")}, "participants[1].user_id: contains a control character (U+0000"},
		{"too many", many, "participants: at most 50 (got 51)"},
		{"a NUL in a name", []opname.Participant{{Role: "client", Name: "An\x00na"}}, "participants[0].name: contains a control character (U+0000 at character 3)"},
		{"an escape in a name", []opname.Participant{{Role: "client"}, {Role: "parent", Name: "\x1b[31mmoeder"}}, "participants[1].name: contains a control character (U+001B"},
		{"a line break in a name", []opname.Participant{{Role: "client", Name: "An\nna"}}, "participants[0].name: contains a control character (U+000A"},
		{"broken UTF-8 in a name", []opname.Participant{{Role: "client", Name: "Ann\xe9"}}, "participants[0].name: not valid UTF-8"},
		{"a long name", []opname.Participant{{Role: "client", Name: strings.Repeat("é", 101)}}, "participants[0].name: longer than 100 characters (it has 101)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			conv := &opname.Conversation{ClientID: client, Location: "office", Participants: c.ps}
			err := w.Open(ctx, conv)
			if opname.KindOf(err) != opname.Invalid || !strings.Contains(opname.Message(err), c.want) {
				t.Fatalf("Open = %v, want Invalid with %q", err, c.want)
			}
		})
	}
	// The same message whether the id exists elsewhere or nowhere.
	msg := func(id string) string {
		err := w.Open(ctx, &opname.Conversation{ClientID: client, Location: "office", Participants: []opname.Participant{staff(id)}})
		return strings.ReplaceAll(opname.Message(err), id, "ID")
	}
	if a, b := msg(stranger.ID), msg("abcdefghijklmnopqrstuvwxyz"); a != b {
		t.Errorf("a person elsewhere answers %q, no one %q", a, b)
	}
	// A colleague of the same organisation is accepted.
	ok := &opname.Conversation{ClientID: client, Location: "office", Topic: "Plan van aanpak", Participants: []opname.Participant{{Role: "client", Name: "Anna-Lena Öztürk"}, staff(a.UserID)}}
	if err := w.Open(ctx, ok); err != nil {
		t.Fatal(err)
	}
}

// TestFreeTextRefused sends a NUL, an escape or broken UTF-8 in every free
// text the workflow takes from a person: each is refused naming the field.
func TestFreeTextRefused(t *testing.T) {
	w, ctx, client := setup(t, "blijf-groep")
	conv := &opname.Conversation{ClientID: client, Location: "office", Participants: []opname.Participant{{Role: "client"}, {Role: "staff"}}}
	if err := w.Open(ctx, conv); err != nil {
		t.Fatal(err)
	}
	ask := func() string {
		r, err := w.Ask(ctx, conv.ID, opname.Act{Action: "record", Medium: "video", By: "organisation"})
		if err != nil {
			t.Fatal(err)
		}
		return r.ID
	}
	incident := &opname.Incident{ClientID: client, Kind: "covert_recording", Description: "Telefoon lag op tafel"}
	if err := w.OpenIncident(ctx, incident); err != nil {
		t.Fatal(err)
	}
	bad := "goed\x00fout"
	for _, c := range []struct {
		name string
		call func() error
		want string
	}{
		{"topic", func() error {
			return w.Open(ctx, &opname.Conversation{ClientID: client, Location: "office", Topic: "a\x07b", Participants: []opname.Participant{{Role: "client"}}})
		}, "topic: contains a control character (U+0007"},
		{"recipient", func() error {
			_, err := w.Ask(ctx, conv.ID, opname.Act{Action: "share", Medium: "audio", By: "organisation", Recipient: "rechter\xff"})
			return err
		}, `recipient: "rechter\xff" is not a kind of recipient`},
		{"weighty reason", func() error { _, err := w.Weighty(ctx, ask(), bad, "written_report"); return err }, "reason: contains a control character"},
		{"weighty alternative", func() error { _, err := w.Weighty(ctx, ask(), "gevaar", bad); return err }, "alternative: contains a control character"},
		{"assessment", func() error { _, err := w.AskManager(ctx, ask(), bad, "Piet"); return err }, "assessment: contains a control character"},
		{"colleagues", func() error { _, err := w.AskManager(ctx, ask(), "Nodig", "Piet\xc3"); return err }, "colleagues_consulted: not valid UTF-8"},
		{"reasons", func() error {
			r := ask()
			if _, err := w.AskManager(ctx, r, "Nodig voor het dossier", "Piet"); err != nil {
				return err
			}
			_, err := w.Decide(ctx, r, true, bad)
			return err
		}, "reasons: contains a control character"},
		{"decline", func() error { _, err := w.Decline(ctx, conv.ID, 1, bad); return err }, "alternative: contains a control character"},
		{"description", func() error {
			return w.OpenIncident(ctx, &opname.Incident{ClientID: client, Kind: "covert_recording", Description: bad})
		}, "description: contains a control character"},
		{"long description", func() error {
			return w.OpenIncident(ctx, &opname.Incident{ClientID: client, Kind: "covert_recording", Description: strings.Repeat("x", 5001)})
		}, "description: longer than 5000 characters"},
		{"note", func() error { _, err := w.TakeStep(ctx, incident.ID, "ask_to_stop", bad); return err }, "note: contains a control character"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			if opname.KindOf(err) != opname.Invalid || !strings.Contains(opname.Message(err), c.want) {
				t.Fatalf("err = %v, want Invalid with %q", err, c.want)
			}
		})
	}
	// Line breaks are fine in a description and a reason for a decision.
	if err := w.OpenIncident(ctx, &opname.Incident{ClientID: client, Kind: "covert_recording", Description: "Eerst dit.\r\nDaarna\tdat."}); err != nil {
		t.Fatal(err)
	}
}

// TestAskChecksWhoAsksAndTheRecipient checks that a request names who asks
// as a participant whose role fits by, and a recipient as a kind: each
// refusal names the field and the value.
func TestAskChecksWhoAsksAndTheRecipient(t *testing.T) {
	w, ctx, client := setup(t, "veilig-thuis-utrecht")
	conv := &opname.Conversation{ClientID: client, Location: "office", Participants: []opname.Participant{{Role: "client"}, {Role: "staff"}, {Role: "parent", Name: "moeder"}, {Role: "parent", Name: "vader"}}}
	if err := w.Open(ctx, conv); err != nil {
		t.Fatal(err)
	}
	at := func(i int) *int { return &i }
	no := false
	for _, c := range []struct {
		name string
		act  opname.Act
		want string
	}{
		{"past the end", opname.Act{Action: "record", Medium: "audio", By: "other", Recorder: at(4)}, "recorder: 4 is not one of the 4 participants (counted from 0)"},
		{"negative", opname.Act{Action: "record", Medium: "audio", By: "client", Recorder: at(-1)}, "recorder: -1 is not one of the 4 participants"},
		{"a parent as the client", opname.Act{Action: "record", Medium: "audio", By: "client", Recorder: at(2)}, `recorder: participant 2 has role parent and cannot ask as by "client"; use by "other"`},
		{"the client as the organisation", opname.Act{Action: "record", Medium: "audio", By: "organisation", Recorder: at(0)}, `recorder: participant 0 has role client and cannot ask as by "organisation"; use by "client"`},
		{"a staff member as someone else", opname.Act{Action: "record", Medium: "audio", By: "other", Recorder: at(1)}, `recorder: participant 1 has role staff and cannot ask as by "other"; use by "organisation"`},
		{"a participant who does not take part", opname.Act{Action: "copy", Medium: "audio", By: "other", ByTakesPart: &no, Recorder: at(2)}, "recorder: 2 names a participant, but by_takes_part is false"},
		{"a name for a recipient", opname.Act{Action: "share", Medium: "audio", By: "organisation", Recipient: "advocaat mr. Jansen"}, `recipient: "advocaat mr. Jansen" is not a kind of recipient; use lawyer, complaints_committee, court`},
		{"a recipient in Dutch", opname.Act{Action: "share", Medium: "audio", By: "organisation", Recipient: "rechter"}, `recipient: "rechter" is not a kind of recipient`},
		{"neither by nor recorder", opname.Act{Action: "record", Medium: "audio"}, "by"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := w.Ask(ctx, conv.ID, c.act)
			if opname.KindOf(err) != opname.Invalid || !strings.Contains(opname.Message(err), c.want) {
				t.Fatalf("Ask(%+v) = %v, want Invalid with %q", c.act, err, c.want)
			}
		})
	}
	// Every kind of recipient the workflow knows is one the policy knows;
	// the public is given something only by publishing it.
	rec := sharedRecording(t, w, ctx, client)
	for _, kind := range policy.Recipients.Codes() {
		action := "share"
		if kind == "public" {
			action = "publish"
		}
		if _, err := w.Ask(ctx, conv.ID, opname.Act{Action: action, Medium: "audio", By: "organisation", Recipient: kind, Share: rec}); err != nil {
			t.Errorf("recipient %s: %v", kind, err)
		}
	}
	if _, err := w.Ask(ctx, conv.ID, opname.Act{Action: "share", Medium: "audio", By: "organisation", Recipient: "public", Share: rec}); opname.KindOf(err) != opname.Invalid {
		t.Errorf("a share with the public: %v", err)
	}
}

// sharedRecording stores a recording of client (its row; no bytes) and
// returns it as what a request shares, with whom and why.
func sharedRecording(t *testing.T, w *workflow.Workflow, ctx context.Context, client string) *opname.Share {
	t.Helper()
	rec := &opname.Recording{ClientID: client, Source: "organisation", MediaType: "audio/wav", SHA256: strings.Repeat("ab", 32), Size: 1}
	if err := w.Store.AddRecording(ctx, rec, opname.Sealed{Header: []byte{1}, BlobKey: "blob", PayloadSize: 1}); err != nil {
		t.Fatal(err)
	}
	return &opname.Share{What: "recording", ID: rec.ID, To: "mr. Jansen", Why: "voor de klacht"}
}

// TestAskSaysWhatIsShared: a request to share or publish says what it
// passes on — one of the client's recordings, or the agreements or the
// manager's decision of one of the client's requests —, to whom and why;
// anything else is refused with the field it is about.
func TestAskSaysWhatIsShared(t *testing.T) {
	w, ctx, client := setup(t, "ombudsman")
	conv := &opname.Conversation{ClientID: client, Location: "office", Participants: []opname.Participant{{Role: "client"}, {Role: "staff"}}}
	if err := w.Open(ctx, conv); err != nil {
		t.Fatal(err)
	}
	rec := sharedRecording(t, w, ctx, client)
	record, err := w.Ask(ctx, conv.ID, opname.Act{Action: "record", Medium: "audio", By: "client"})
	if err != nil {
		t.Fatal(err)
	}
	share := func(sh opname.Share) opname.Act {
		return opname.Act{Action: "share", Medium: "audio", By: "organisation", Recipient: "lawyer", Share: &sh}
	}
	for _, c := range []struct {
		name  string
		act   opname.Act
		field string
	}{
		{"nothing said", opname.Act{Action: "share", Medium: "audio", By: "organisation", Recipient: "lawyer"}, "share"},
		{"something unknown", share(opname.Share{What: "dossier", ID: rec.ID, To: "mr. Jansen", Why: "klacht"}), "share.what"},
		{"nobody named", share(opname.Share{What: "recording", ID: rec.ID, Why: "klacht"}), "share.to"},
		{"no reason", share(opname.Share{What: "recording", ID: rec.ID, To: "mr. Jansen"}), "share.why"},
		{"another recording", share(opname.Share{What: "recording", ID: "no-such-recording", To: "mr. Jansen", Why: "klacht"}), "share.id"},
		{"agreements not made", share(opname.Share{What: "agreements", ID: record.ID, To: "mr. Jansen", Why: "klacht"}), "share.id"},
		{"no manager's decision", share(opname.Share{What: "manager_decision", ID: record.ID, To: "mr. Jansen", Why: "klacht"}), "share.id"},
		{"a recording shared by recording it", opname.Act{Action: "record", Medium: "audio", By: "client", Share: rec}, "share"},
	} {
		_, err := w.Ask(ctx, conv.ID, c.act)
		var e *opname.Error
		if !errors.As(err, &e) || e.Kind != opname.Invalid || e.Field != c.field {
			t.Errorf("%s: %v, want Invalid about %s", c.name, err, c.field)
		}
	}
	r, err := w.Ask(ctx, conv.ID, share(*rec))
	if err != nil || r.Act.Share == nil || r.Act.Share.ID != rec.ID || r.Act.Share.To != "mr. Jansen" {
		t.Fatalf("a share that says it all: %v %+v", err, r)
	}
	// A publication goes to the public: no name needed.
	if _, err := w.Ask(ctx, conv.ID, opname.Act{Action: "publish", Medium: "audio", By: "organisation", Recipient: "public", Share: &opname.Share{What: "recording", ID: rec.ID, Why: "voorlichting"}}); err != nil {
		t.Errorf("a publication without a name: %v", err)
	}
}

// TestRecorderGoesIntoTheSituation asks as the second parent, naming only
// the participant: the workflow takes by from the role, and the policy
// gets the recorder and the recipient in the situation it decides.
func TestRecorderGoesIntoTheSituation(t *testing.T) {
	w, ctx, client := setup(t, "veilig-thuis-utrecht")
	conv := &opname.Conversation{ClientID: client, Location: "office", Participants: []opname.Participant{{Role: "client"}, {Role: "staff"}, {Role: "parent", Name: "moeder"}, {Role: "parent", Name: "vader"}}}
	if err := w.Open(ctx, conv); err != nil {
		t.Fatal(err)
	}
	vader := 3
	r, err := w.Ask(ctx, conv.ID, opname.Act{Action: "share", Medium: "audio", Recorder: &vader, Recipient: "lawyer", Share: sharedRecording(t, w, ctx, client)})
	if err != nil {
		t.Fatal(err)
	}
	if r.Act.By != "other" {
		t.Errorf("by = %q, want other for a parent", r.Act.By)
	}
	sit := lastSituation(t, w, ctx, r.ID)
	if got, ok := sit["recorder"].(float64); !ok || got != 3 {
		t.Errorf("situation recorder = %v, want 3", sit["recorder"])
	}
	if sit["recipient"] != "lawyer" || sit["by"] != "other" {
		t.Errorf("situation recipient %v, by %v; want lawyer, other", sit["recipient"], sit["by"])
	}
	v, err := w.View(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if p := v[0].AskedBy; p == nil || p.Participant != 3 || p.Name != "vader" {
		t.Errorf("asked by %+v, want participant 3 (vader)", p)
	}
	for _, p := range v[0].Next.Ask {
		if p.Participant == 3 {
			t.Errorf("the one who asks is asked: %+v", v[0].Next.Ask)
		}
	}
	// Without a recorder the policy takes the first client: the API as it
	// was.
	r, err = w.Ask(ctx, conv.ID, opname.Act{Action: "record", Medium: "audio", By: "client"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := lastSituation(t, w, ctx, r.ID)["recorder"]; ok {
		t.Error("a request without a recorder gets one in its situation")
	}
	if v, _ = w.View(ctx, r); v[0].AskedBy == nil || v[0].AskedBy.Participant != 0 {
		t.Errorf("asked by %+v, want the client", v[0].AskedBy)
	}
}

// lastSituation is the situation of a request's latest decision.
func lastSituation(t *testing.T, w *workflow.Workflow, ctx context.Context, requestID string) map[string]any {
	t.Helper()
	ds, err := w.Store.RequestDecisions(ctx, requestID)
	if err != nil {
		t.Fatal(err)
	}
	var sit map[string]any
	if err := json.Unmarshal(ds[len(ds)-1].Situation, &sit); err != nil {
		t.Fatal(err)
	}
	return sit
}

// TestOldFreeTextRecipient decides again a request stored when the
// recipient was free text: the step goes through, and the name stays out
// of the situation the policy sees.
func TestOldFreeTextRecipient(t *testing.T) {
	w, ctx, client := setup(t, "blijf-groep")
	conv := &opname.Conversation{ClientID: client, Location: "office", Participants: []opname.Participant{{Role: "client"}, {Role: "staff"}}}
	if err := w.Open(ctx, conv); err != nil {
		t.Fatal(err)
	}
	sit := json.RawMessage(`{"action":"share","medium":"audio","by":"organisation","recipient":"advocaat mr. Jansen","participants":[{"role":"client"},{"role":"staff"}]}`)
	old := &opname.Request{ConversationID: conv.ID, Act: opname.Act{Action: "share", Medium: "audio", By: "organisation", Recipient: "advocaat mr. Jansen"}, Outcome: "needs_consent", Answers: []opname.Answer{}}
	if err := w.Store.AddRequest(ctx, old, sit, json.RawMessage(`{"outcome":"needs_consent","consent_from":["client"]}`), "sha256:old"); err != nil {
		t.Fatal(err)
	}
	r, err := w.Answer(ctx, old.ID, 0, true, "on_paper")
	if err != nil {
		t.Fatalf("answering an old request: %v", err)
	}
	if r.Act.Recipient != "advocaat mr. Jansen" {
		t.Errorf("the stored recipient changed to %q", r.Act.Recipient)
	}
	if got, ok := lastSituation(t, w, ctx, r.ID)["recipient"]; ok {
		t.Errorf("the situation has recipient %v; a name is not a kind", got)
	}
}

// TestAddParticipant adds the parent whose answer the policy asks to an
// open conversation: the requests are decided again with them, their
// answer can be recorded, the change is in the access log, and another
// organisation cannot add anyone.
func TestAddParticipant(t *testing.T) {
	w, ctx, client := setup(t, "veilig-thuis-utrecht")
	conv := &opname.Conversation{ClientID: client, Location: "office", Participants: []opname.Participant{{Role: "client"}, {Role: "staff"}}}
	if err := w.Open(ctx, conv); err != nil {
		t.Fatal(err)
	}
	r, err := w.Ask(ctx, conv.ID, opname.Act{Action: "record", Medium: "audio", By: "client"})
	if err != nil {
		t.Fatal(err)
	}
	age := 40
	c, err := w.AddParticipant(ctx, conv.ID, opname.Participant{Role: "parent", Name: "moeder", Age: &age, Declined: &opname.Declined{Alternative: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Participants) != 3 || c.Participants[2].Name != "moeder" || c.Participants[2].Declined != nil {
		t.Fatalf("participants after adding: %+v", c.Participants)
	}
	stored, err := w.Store.Conversation(ctx, conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored.Participants) != 3 {
		t.Fatalf("stored participants: %+v", stored.Participants)
	}
	sit := lastSituation(t, w, ctx, r.ID)
	if ps, _ := sit["participants"].([]any); len(ps) != 3 {
		t.Errorf("the request was not decided again with the parent: %v", sit["participants"])
	}
	if _, err := w.Answer(ctx, r.ID, 2, true, "in_person"); err != nil {
		t.Errorf("the added parent's answer: %v", err)
	}

	for _, c := range []struct {
		name string
		p    opname.Participant
		want string
	}{
		{"an unknown role", opname.Participant{Role: "buurman"}, `participants[3].role: "buurman" is not known; use client, staff, parent, child, guardian, representative, other`},
		{"no role", opname.Participant{}, `participants[3].role: "" is not known`},
		{"a bad age", opname.Participant{Role: "child", Age: func() *int { a := 200; return &a }()}, "participants[3].age: 200 is not an age"},
		{"a control character", opname.Participant{Role: "representative", Name: "mentor\x00"}, "participants[3].name: contains a control character"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := w.AddParticipant(ctx, conv.ID, c.p); opname.KindOf(err) != opname.Invalid || !strings.Contains(opname.Message(err), c.want) {
				t.Fatalf("AddParticipant = %v, want Invalid with %q", err, c.want)
			}
		})
	}
	if _, err := w.AddParticipant(ctx, conv.ID, opname.Participant{Role: "representative", Name: "mentor"}); err != nil {
		t.Errorf("a representative: %v", err)
	}

	// Another organisation's manager gets not found, and nothing changes.
	db := w.Store.(*sqldb.DB)
	other := &opname.Organisation{Slug: "elders", Name: "Elders", Policy: opname.PolicyVersion{Name: "ombudsman", Shipped: "ombudsman", Digest: "sha256:0", Text: "x"}}
	if err := db.CreateOrganisation(opname.WithActor(context.Background(), opname.System("test")), other); err != nil {
		t.Fatal(err)
	}
	osys := opname.System("test")
	osys.OrgID = other.ID
	m := &opname.User{Email: "m@elders.nl", Name: "Elders", Role: opname.RoleManager}
	if err := db.CreateUser(opname.WithActor(context.Background(), osys), m); err != nil {
		t.Fatal(err)
	}
	octx := opname.WithActor(context.Background(), opname.Actor{OrgID: other.ID, UserID: m.ID, Role: opname.RoleManager})
	if _, err := w.AddParticipant(octx, conv.ID, opname.Participant{Role: "parent"}); opname.KindOf(err) != opname.NotFound {
		t.Errorf("another organisation adds a participant: %v, want NotFound", err)
	}
	if stored, _ = w.Store.Conversation(ctx, conv.ID); len(stored.Participants) != 4 {
		t.Errorf("participants after the other organisation tried: %d, want 4", len(stored.Participants))
	}

	// The access log has the change, by the manager.
	a, _ := opname.ActorFrom(ctx)
	privacy := opname.WithActor(context.Background(), opname.Actor{OrgID: a.OrgID, UserID: a.UserID, Role: opname.RolePrivacyOfficer})
	events, err := db.Search(privacy, opname.AccessFilter{ClientID: client, Action: opname.AccessUpdate})
	if err != nil {
		t.Fatal(err)
	}
	changes := 0
	for _, e := range events {
		if e.ObjectType == "conversation" && e.ObjectID == conv.ID && e.Purpose == "participants" && e.UserID == a.UserID {
			changes++
		}
	}
	if changes != 2 {
		t.Errorf("%d participant changes in the access log, want 2", changes)
	}
}

// TestIncidentLadderFollowsWhoRecorded checks that an incident records
// what was recorded in secret, who made the recording and who was present,
// and that the ladder is the one the policy gives for that situation:
// aXiehuis's whole ladder for a covert recording with more parties, or of
// images; its policy says nothing of two people alone, so the ladder there
// is the default one.
func TestIncidentLadderFollowsWhoRecorded(t *testing.T) {
	w, ctx, client := setup(t, "axiehuis")
	two := &opname.Conversation{ClientID: client, Location: "office", Participants: []opname.Participant{{Role: "client"}, {Role: "staff"}}}
	three := &opname.Conversation{ClientID: client, Location: "office", Participants: []opname.Participant{{Role: "client"}, {Role: "staff"}, {Role: "parent", Name: "moeder"}}}
	for _, c := range []*opname.Conversation{two, three} {
		if err := w.Open(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	full := []string{"ask_to_stop", "ask_to_leave", "report_to_manager", "consider_legal_steps"}
	short := []string{"ask_to_stop", "report_to_manager"}
	idx := func(i int) *int { return &i }
	for _, c := range []struct {
		name string
		i    opname.Incident
		want []string
	}{
		{"two people, nothing said of who", opname.Incident{ConversationID: two.ID}, short},
		{"two people, the client recorded", opname.Incident{ConversationID: two.ID, Recorder: idx(0)}, short},
		{"someone else present recorded", opname.Incident{ConversationID: two.ID, RecorderOther: "een vriend van de cliënt"}, full},
		{"the client filmed", opname.Incident{ConversationID: two.ID, Recorder: idx(0), Medium: "video"}, full},
		{"three present, the mother recorded", opname.Incident{ConversationID: three.ID, Recorder: idx(2)}, full},
		{"the mother was not there", opname.Incident{ConversationID: three.ID, Recorder: idx(0), Present: []int{0, 1}}, short},
		{"the mother recorded, named present or not", opname.Incident{ConversationID: three.ID, Recorder: idx(2), Present: []int{1}}, full},
	} {
		t.Run(c.name, func(t *testing.T) {
			i := c.i
			i.ClientID, i.Kind, i.Description = client, "covert_recording", "Telefoon nam stiekem op"
			if err := w.OpenIncident(ctx, &i); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(i.Ladder, c.want) {
				t.Errorf("ladder = %v, want %v", i.Ladder, c.want)
			}
			stored, err := w.Store.Incident(ctx, i.ID)
			if err != nil {
				t.Fatal(err)
			}
			if stored.Medium != i.Medium || stored.RecorderOther != i.RecorderOther || (stored.Recorder == nil) != (i.Recorder == nil) ||
				(i.Recorder != nil && *stored.Recorder != *i.Recorder) || !slices.Equal(stored.Present, i.Present) || !slices.Equal(stored.Ladder, c.want) {
				t.Errorf("stored = %+v, want %+v", stored, i)
			}
		})
	}
	for _, c := range []struct {
		i    opname.Incident
		want string
	}{
		{opname.Incident{ConversationID: two.ID, Recorder: idx(5)}, "recorder: 5 is not one of the 2 participants"},
		{opname.Incident{ConversationID: two.ID, Recorder: idx(0), RecorderOther: "broer"}, "recorder_other: "},
		{opname.Incident{ConversationID: two.ID, Present: []int{0, 7}}, "present: 7 is not one of the 2 participants"},
		{opname.Incident{ConversationID: two.ID, Present: []int{0, 0}}, "present: 0 is named twice"},
		{opname.Incident{ConversationID: two.ID, Medium: "smell"}, `medium: "smell"`},
		{opname.Incident{Recorder: idx(0)}, "recorder: name the conversation"},
	} {
		i := c.i
		i.ClientID, i.Kind, i.Description = client, "covert_recording", "d"
		if err := w.OpenIncident(ctx, &i); opname.KindOf(err) != opname.Invalid || !strings.Contains(opname.Message(err), c.want) {
			t.Errorf("OpenIncident(%+v) = %v, want Invalid with %q", c.i, err, c.want)
		}
	}
}

// TestStaffMayRefuseVideo checks Blijf Groep's video procedure: the staff
// member may always refuse images (portrait right), and says yes or no
// before the manager is asked; a no stops the video, and sound only is
// offered. Sound, where the staff member's no changes nothing, asks nothing.
func TestStaffMayRefuseVideo(t *testing.T) {
	w, ctx, client := setup(t, "blijf-groep")
	conv := &opname.Conversation{ClientID: client, Location: "office", Participants: []opname.Participant{{Role: "client"}, {Role: "staff", Name: "Els"}, {Role: "staff", Name: "Jan"}}}
	if err := w.Open(ctx, conv); err != nil {
		t.Fatal(err)
	}
	view := func(r *opname.Request) *workflow.RequestView {
		t.Helper()
		r, err := w.Store.Request(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		v, err := w.ViewOne(ctx, conv, r)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	asked := func(v *workflow.RequestView) []int {
		var out []int
		for _, p := range v.Next.AskStaff {
			out = append(out, p.Participant)
		}
		return out
	}
	video, err := w.Ask(ctx, conv.ID, opname.Act{Action: "record", Medium: "video", By: "client"})
	if err != nil {
		t.Fatal(err)
	}
	v := view(video)
	if !v.Next.StaffMayRefuse || !slices.Equal(asked(v), []int{1, 2}) || v.Next.AskManager {
		t.Fatalf("video asked: may refuse %v, ask staff %v, ask manager %v; want true, [1 2], false", v.Next.StaffMayRefuse, asked(v), v.Next.AskManager)
	}
	if _, err := w.Answer(ctx, video.ID, 1, true, "in_person"); err != nil {
		t.Fatal(err)
	}
	if v = view(video); !slices.Equal(asked(v), []int{2}) || v.Next.AskManager || v.Decision.Outcome != policy.NeedsDecision {
		t.Fatalf("after Els's yes: ask staff %v, ask manager %v, outcome %s", asked(v), v.Next.AskManager, v.Decision.Outcome)
	}
	if _, err := w.Answer(ctx, video.ID, 2, true, "in_person"); err != nil {
		t.Fatal(err)
	}
	if v = view(video); len(asked(v)) != 0 || !v.Next.AskManager || !v.Next.StaffMayRefuse {
		t.Fatalf("after both yes: ask staff %v, ask manager %v", asked(v), v.Next.AskManager)
	}
	// The declaration follows the manager's written decision: it is not
	// offered to sign before.
	if v.Next.Agree {
		t.Errorf("the declaration is offered before the manager decided: %+v", v.Next)
	}
	if _, err := w.AskManager(ctx, video.ID, "the client wants to show what happens", "Els and Jan"); err != nil {
		t.Fatal(err)
	}
	if v = view(video); v.Next.Agree {
		t.Errorf("the declaration is offered while the manager decides: %+v", v.Next)
	}
	if _, err := w.Decide(ctx, video.ID, true, "the client needs the images for their case"); err != nil {
		t.Fatal(err)
	}
	if v = view(video); !v.Next.Agree || !slices.Equal(v.Next.WaitingFor, []string{"signed_declaration"}) {
		t.Errorf("after the manager's yes: agree %v, waiting for %v; want the declaration", v.Next.Agree, v.Next.WaitingFor)
	}

	// Jan says no: no video; sound only is offered.
	no, err := w.Ask(ctx, conv.ID, opname.Act{Action: "record", Medium: "video", By: "client"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Answer(ctx, no.ID, 2, false, "in_person"); err != nil {
		t.Fatal(err)
	}
	v = view(no)
	if v.Decision.Outcome != policy.Forbidden || !slices.Contains(v.Next.Alternatives, "audio_only") || v.Next.AskManager || len(asked(v)) != 0 {
		t.Fatalf("after Jan's no: outcome %s, alternatives %v, ask manager %v, ask staff %v", v.Decision.Outcome, v.Next.Alternatives, v.Next.AskManager, asked(v))
	}
	if sit := lastSituation(t, w, ctx, no.ID); sit["participants"].([]any)[2].(map[string]any)["willing"] != false {
		t.Errorf("Jan's no is not in the situation: %v", sit["participants"])
	}

	sound, err := w.Ask(ctx, conv.ID, opname.Act{Action: "record", Medium: "audio", By: "client"})
	if err != nil {
		t.Fatal(err)
	}
	if v = view(sound); v.Next.StaffMayRefuse || len(asked(v)) != 0 {
		t.Fatalf("sound: may refuse %v, ask staff %v; want false, none", v.Next.StaffMayRefuse, asked(v))
	}
}
