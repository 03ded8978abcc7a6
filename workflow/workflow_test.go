package workflow_test

import (
	"context"
	"path/filepath"
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
	c := &opname.Conversation{ClientID: client, Location: "office", Participants: []opname.Participant{{Role: "client"}, {Role: "parent"}, {Role: "parent"}, {Role: "staff"}}}
	if err := w.Open(ctx, c); err != nil {
		t.Fatal(err)
	}
	r, err := w.Ask(ctx, c.ID, opname.Act{Action: "record", Medium: "audio", By: "client"})
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, err := w.Answer(ctx, r.ID, 1+i%2, true, "in_person")
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
		}, "recipient: not valid UTF-8"},
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
