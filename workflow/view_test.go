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
	return &opname.Request{Decision: b, Outcome: string(d.Outcome)}
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
