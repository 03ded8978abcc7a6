package policy_test

import (
	"slices"
	"testing"

	"github.com/opname/opname/policy"
)

// TestScope reads what shipped rules are about from their conditions.
func TestScope(t *testing.T) {
	lib, err := policy.Shipped()
	if err != nil {
		t.Fatal(err)
	}
	rule := func(name, id string) *policy.Rule {
		t.Helper()
		p, err := lib.Policy(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Rules {
			if r.ID == id {
				return r
			}
		}
		t.Fatalf("%s has no rule %s", name, id)
		return nil
	}
	for _, c := range []struct {
		policy, rule string
		want         policy.Scope
	}{
		// action == "share" || action == "publish"
		{"ombudsman", "omb-6", policy.Scope{Actions: []string{"share", "publish"}, By: []string{"client", "organisation", "other"}, Media: []string{"audio", "video"}, Covert: []bool{false, true}}},
		// action == "record" && medium == "audio" && by != "organisation" && size(weighty_reasons) == 0
		{"ombudsman", "omb-1", policy.Scope{Actions: []string{"record"}, By: []string{"client", "other"}, Media: []string{"audio"}, Covert: []bool{false, true}}},
		// ... by == "organisation" && !covert && announced != "not_announced"
		{"ombudsman", "omb-4-organisation", policy.Scope{Actions: []string{"record"}, By: []string{"organisation"}, Media: []string{"audio"}, Covert: []bool{false}}},
		// action == "record" && medium == "video" && covert
		{"veilig-thuis-utrecht", "vtu-2-covert", policy.Scope{Actions: []string{"record"}, By: []string{"client", "organisation", "other"}, Media: []string{"video"}, Covert: []bool{true}}},
		// purpose == "complaint_procedure" || purpose == "legal_proceedings"
		{"ombudsman", "omb-tip-procedures", policy.Scope{Actions: []string{"record", "copy", "edit", "share", "publish"}, By: []string{"client", "organisation", "other"}, Media: []string{"audio", "video"}, Covert: []bool{false, true}}},
	} {
		got := rule(c.policy, c.rule).Scope()
		if !slices.Equal(got.Actions, c.want.Actions) || !slices.Equal(got.By, c.want.By) || !slices.Equal(got.Media, c.want.Media) || !slices.Equal(got.Covert, c.want.Covert) {
			t.Errorf("%s %s: scope %+v, want %+v", c.policy, c.rule, got, c.want)
		}
	}
}

// TestScopeHoldsWhereRuleFires checks scopes against decisions: for every
// generated situation, each rule the decision cites has the situation's
// action, recorder, medium and secrecy in its scope.
func TestScopeHoldsWhereRuleFires(t *testing.T) {
	t.Parallel()
	lib, err := policy.Shipped()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range lib.Names() {
		p, err := lib.Policy(name)
		if err != nil {
			t.Fatal(err)
		}
		byID := map[string]*policy.Rule{}
		for _, r := range p.Rules {
			byID[r.ID] = r
		}
		rng := rngFor(seed(t), name+"/scope")
		for range situationCount() {
			s := generate(t, rng)
			d, err := p.Decide(s)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for _, ref := range d.Rules {
				r := byID[ref.ID]
				if r == nil {
					continue // a rule of the decision's own making
				}
				sc := r.Scope()
				if !slices.Contains(sc.Actions, s.Action) || !slices.Contains(sc.By, s.By) || !slices.Contains(sc.Media, s.Medium) || !slices.Contains(sc.Covert, s.Covert) {
					t.Fatalf("%s: rule %s applied to %s but its scope is %+v", name, r.ID, situationJSON(s), sc)
				}
			}
		}
	}
}
