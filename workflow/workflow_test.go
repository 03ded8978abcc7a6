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
