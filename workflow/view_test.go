package workflow

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/opname/opname"
	"github.com/opname/opname/policy"
)

func request(t *testing.T, d policy.Decision) *opname.Request {
	t.Helper()
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return &opname.Request{Act: opname.Act{Action: "record"}, Decision: b, Outcome: string(d.Outcome)}
}

// The view says who must still answer, which alternatives may be chosen
// and whether weighty reasons can still be given; the pages only print it.
func TestViewSaysWhatIsNext(t *testing.T) {
	conv := &opname.Conversation{Participants: []opname.Participant{{Role: "client"}, {Role: "staff"}, {Role: "parent", Name: "moeder"}, {Role: "parent", Name: "vader"}}}
	staff := opname.Actor{Role: opname.RoleStaff}
	manager := opname.Actor{Role: opname.RoleManager}

	r := request(t, policy.Decision{Outcome: policy.NeedsConsent, ConsentFrom: []string{"parent", "organisation"}, Agreements: []string{"copy_on_request"}})
	r.Answers = []opname.Answer{{Participant: 2, Given: true}}
	v, err := ViewOf(conv, r, staff)
	if err != nil {
		t.Fatal(err)
	}
	var asked []int
	for _, p := range v.Next.Ask {
		asked = append(asked, p.Participant)
	}
	if !slices.Equal(asked, []int{3, -1}) {
		t.Errorf("asked %v, want the parent who has not answered and the organisation", asked)
	}
	if len(v.Next.Alternatives) != 0 || len(v.Next.WeightyAlternatives) == 0 || !v.Next.Agree || v.Next.Ready {
		t.Errorf("open request: %+v", v.Next)
	}

	// Weighty reasons are against recording; a request to share or to
	// copy does not take them.
	for _, action := range []string{"share", "copy"} {
		o := request(t, policy.Decision{Outcome: policy.NeedsConsent, ConsentFrom: []string{"organisation"}})
		o.Act.Action = action
		if v, _ := ViewOf(conv, o, staff); len(v.Next.WeightyAlternatives) != 0 {
			t.Errorf("a request to %s offers weighty reasons: %v", action, v.Next.WeightyAlternatives)
		}
	}

	r = request(t, policy.Decision{Outcome: policy.Refused, Alternatives: []string{"companion_listens"}})
	v, _ = ViewOf(conv, r, staff)
	if !slices.Equal(v.Next.Alternatives, []string{"companion_listens"}) || len(v.Next.WeightyAlternatives) != 0 {
		t.Errorf("refused: %+v", v.Next)
	}
	r.Alternative = "companion_listens"
	if v, _ = ViewOf(conv, r, staff); len(v.Next.Alternatives) != 0 {
		t.Errorf("an alternative chosen is offered again: %+v", v.Next)
	}

	r = request(t, policy.Decision{Outcome: policy.NeedsDecision, DecidedBy: "manager"})
	if v, _ = ViewOf(conv, r, staff); !v.Next.AskManager || v.Next.ManagerDecides {
		t.Errorf("before asking the manager: %+v", v.Next)
	}
	r.Manager = &opname.ManagerDecision{Assessment: "a"}
	if v, _ = ViewOf(conv, r, staff); v.Next.AskManager || v.Next.ManagerDecides {
		t.Errorf("staff after asking: %+v", v.Next)
	}
	if v, _ = ViewOf(conv, r, manager); !v.Next.ManagerDecides {
		t.Errorf("the manager may not decide: %+v", v.Next)
	}
}

// The one who asks is not asked, also when others share their role; a
// role the policy asks of whom nobody takes part is missing.
func TestViewAsksEveryoneButWhoAsks(t *testing.T) {
	conv := &opname.Conversation{Participants: []opname.Participant{{Role: "client"}, {Role: "staff"}, {Role: "parent", Name: "moeder"}, {Role: "parent", Name: "vader"}}}
	staff := opname.Actor{Role: opname.RoleStaff}
	asked := func(v *RequestView) []int {
		var out []int
		for _, p := range v.Next.Ask {
			out = append(out, p.Participant)
		}
		return out
	}
	moeder := 2
	for _, c := range []struct {
		name        string
		act         opname.Act
		consentFrom []string
		ask         []int
		askedBy     int // -1: nobody in the conversation
		missing     []string
	}{
		{"a parent asks", opname.Act{By: "other", Recorder: &moeder}, []string{"parent", "client"}, []int{0, 3}, 2, []string{}},
		{"the first parent by default", opname.Act{By: "other"}, []string{"parent"}, []int{3}, 2, []string{}},
		{"the client asks", opname.Act{By: "client"}, []string{"parent", "guardian", "organisation"}, []int{2, 3, -1}, 0, []string{"guardian"}},
		{"someone outside", opname.Act{By: "other", ByTakesPart: new(bool)}, []string{"client", "representative"}, []int{0}, -1, []string{"representative"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := request(t, policy.Decision{Outcome: policy.NeedsConsent, ConsentFrom: c.consentFrom})
			r.Act = c.act
			v, err := ViewOf(conv, r, staff)
			if err != nil {
				t.Fatal(err)
			}
			if got := asked(v); !slices.Equal(got, c.ask) {
				t.Errorf("asked %v, want %v", got, c.ask)
			}
			switch {
			case c.askedBy < 0 && v.AskedBy != nil:
				t.Errorf("asked by %+v, want nobody in the conversation", v.AskedBy)
			case c.askedBy >= 0 && (v.AskedBy == nil || v.AskedBy.Participant != c.askedBy):
				t.Errorf("asked by %+v, want participant %d", v.AskedBy, c.askedBy)
			}
			if !slices.Equal(v.Next.Missing, c.missing) {
				t.Errorf("missing %v, want %v", v.Next.Missing, c.missing)
			}
		})
	}
}
