package workflow_test

import (
	"context"
	"errors"
	"testing"

	"github.com/opname/opname"
	"github.com/opname/opname/workflow"
)

// TestSameStepTwice takes every step on a request twice, as a double click
// sends a form twice: the second time is accepted and changes nothing,
// and a different step after one was taken gets a conflict the pages can
// name.
func TestSameStepTwice(t *testing.T) {
	w, ctx, client := setup(t, "blijf-groep")
	notices := 0
	w.Notify = func(_ context.Context, _ workflow.Notice) { notices++ }
	conv := &opname.Conversation{ClientID: client, Location: "office", Participants: []opname.Participant{{Role: "client"}, {Role: "staff"}, {Role: "staff"}}}
	if err := w.Open(ctx, conv); err != nil {
		t.Fatal(err)
	}
	r, err := w.Ask(ctx, conv.ID, opname.Act{Action: "record", Medium: "video", By: "client"})
	if err != nil {
		t.Fatal(err)
	}
	stored := func() int {
		t.Helper()
		h, err := w.Store.RequestDecisions(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		return len(h)
	}
	twice := func(name string, step func() (*opname.Request, error)) *opname.Request {
		t.Helper()
		first, err := step()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		n := stored()
		second, err := step()
		if err != nil {
			t.Fatalf("%s a second time: %v, want it accepted", name, err)
		}
		if got := stored(); got != n || second.Version != first.Version {
			t.Errorf("%s a second time stored a change: %d decisions (was %d), version %d (was %d)", name, got, n, second.Version, first.Version)
		}
		return second
	}

	twice("ask the manager", func() (*opname.Request, error) {
		return w.AskManager(ctx, r.ID, "Cliënte wil terugkijken.", "Team Noord")
	})
	if notices != 1 {
		t.Errorf("the managers were told %d times, want once", notices)
	}
	_, err = w.AskManager(ctx, r.ID, "Een andere beoordeling.", "Team Zuid")
	if !errors.Is(err, workflow.ErrAskedAlready) || opname.KindOf(err) != opname.Conflict {
		t.Errorf("another assessment after asking = %v, want ErrAskedAlready", err)
	}

	decided := twice("decide", func() (*opname.Request, error) {
		return w.Decide(ctx, r.ID, true, "  Het belang van cliënte weegt zwaar.  ")
	})
	if decided.Manager.Approved == nil || !*decided.Manager.Approved {
		t.Fatalf("decision = %+v", decided.Manager)
	}
	for _, other := range []struct {
		approved bool
		reasons  string
	}{{false, "Het belang van cliënte weegt zwaar."}, {true, "Andere redenen."}} {
		_, err := w.Decide(ctx, r.ID, other.approved, other.reasons)
		if !errors.Is(err, workflow.ErrDecidedAlready) || opname.KindOf(err) != opname.Conflict {
			t.Errorf("another decision (%v, %q) after one was taken = %v, want ErrDecidedAlready", other.approved, other.reasons, err)
		}
	}
	_, err = w.AskManager(ctx, r.ID, "Cliënte wil terugkijken.", "Team Noord")
	if err != nil {
		t.Errorf("asking again as before, after the decision: %v", err)
	}
	if r, _ := w.Store.Request(ctx, r.ID); r.Manager.Approved == nil {
		t.Fatal("asking the manager again undid the decision")
	}

	agreed := twice("agree", func() (*opname.Request, error) {
		return w.Agree(ctx, r.ID, "printed", true, false)
	})
	if ready, waiting := workflow.Ready(agreed); !ready {
		t.Errorf("not ready after signing, waiting for %v", waiting)
	}

	// Answers, weighty reasons and alternatives, under the Ombudsman's
	// rules with a parent present.
	w2, ctx2, client2 := setup(t, "veilig-thuis-utrecht")
	conv2 := &opname.Conversation{ClientID: client2, Location: "office", Participants: []opname.Participant{{Role: "client"}, {Role: "parent"}, {Role: "staff"}}}
	if err := w2.Open(ctx2, conv2); err != nil {
		t.Fatal(err)
	}
	r2, err := w2.Ask(ctx2, conv2.ID, opname.Act{Action: "record", Medium: "audio", By: "client"})
	if err != nil {
		t.Fatal(err)
	}
	w, ctx, r = w2, ctx2, r2
	answered := twice("answer", func() (*opname.Request, error) { return w.Answer(ctx, r.ID, 1, false, "in_person") })
	if len(answered.Answers) != 1 {
		t.Errorf("answers after answering twice: %+v", answered.Answers)
	}
	if changed, err := w.Answer(ctx, r.ID, 1, true, "in_person"); err != nil || len(changed.Answers) != 2 {
		t.Errorf("another answer after the first = %v, %v; want it recorded", changed, err)
	}
	if _, err := w.Answer(ctx, r.ID, 1, false, "in_person"); err != nil {
		t.Fatal(err)
	}
	twice("choose an alternative", func() (*opname.Request, error) { return w.Choose(ctx, r.ID, "companion_listens") })

	r3, err := w.Ask(ctx, conv2.ID, opname.Act{Action: "record", Medium: "audio", By: "client"})
	if err != nil {
		t.Fatal(err)
	}
	r = r3
	twice("weighty reasons", func() (*opname.Request, error) {
		return w.Weighty(ctx, r.ID, "een derde is in gevaar", "written_report")
	})
}

// TestDeclineAndStepsTwice declines to take part twice and takes an
// incident's steps twice: the second time changes nothing.
func TestDeclineAndStepsTwice(t *testing.T) {
	w, ctx, client := setup(t, "axiehuis")
	conv := &opname.Conversation{ClientID: client, Location: "office", Participants: []opname.Participant{{Role: "client"}, {Role: "staff"}}}
	if err := w.Open(ctx, conv); err != nil {
		t.Fatal(err)
	}
	first, err := w.Decline(ctx, conv.ID, 1, "Een collega neemt het over")
	if err != nil {
		t.Fatal(err)
	}
	second, err := w.Decline(ctx, conv.ID, 1, "Een collega neemt het over")
	if err != nil {
		t.Fatalf("declining twice: %v", err)
	}
	if !second.Participants[1].Declined.At.Equal(first.Participants[1].Declined.At) {
		t.Errorf("declining twice changed when: %v, then %v", first.Participants[1].Declined.At, second.Participants[1].Declined.At)
	}

	i := &opname.Incident{ClientID: client, ConversationID: conv.ID, Kind: "covert_recording", Description: "Een telefoon nam stiekem op."}
	if err := w.OpenIncident(ctx, i); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		got, err := w.TakeStep(ctx, i.ID, "ask_to_stop", "gevraagd te stoppen")
		if err != nil {
			t.Fatalf("the same step twice: %v", err)
		}
		if len(got.Steps) != 1 {
			t.Fatalf("steps = %+v, want one", got.Steps)
		}
	}
	if _, err := w.TakeStep(ctx, i.ID, "ask_to_stop", "een andere notitie"); !errors.Is(err, workflow.ErrStepTaken) {
		t.Errorf("the step again with another note = %v, want ErrStepTaken", err)
	}
	for range 2 {
		got, err := w.TakeStep(ctx, i.ID, "close", "opgelost")
		if err != nil || !got.Closed || len(got.Steps) != 2 {
			t.Fatalf("closing twice = %+v, %v", got, err)
		}
	}
	if _, err := w.TakeStep(ctx, i.ID, "report_to_manager", ""); !errors.Is(err, workflow.ErrClosed) {
		t.Errorf("a step after closing = %v, want ErrClosed", err)
	}
}
