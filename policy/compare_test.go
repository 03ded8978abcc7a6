package policy_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/opname/opname/policy"
)

// TestTypicalCases checks that every typical situation is a valid
// situation with a name in both languages, and that each shipped policy
// decides every one of them.
func TestTypicalCases(t *testing.T) {
	lib := shipped(t)
	cases := policy.TypicalCases()
	if len(cases) < 10 {
		t.Fatalf("%d typical cases, want at least 10", len(cases))
	}
	seen := map[string]bool{}
	for _, c := range cases {
		if c.ID == "" || seen[c.ID] {
			t.Errorf("case id %q is empty or used twice", c.ID)
		}
		seen[c.ID] = true
		if c.Name.NL == "" || c.Name.EN == "" {
			t.Errorf("case %s: name %+v is not in both languages", c.ID, c.Name)
		}
		for _, name := range lib.Names() {
			if _, err := load(t, lib, name).Decide(c.Situation); err != nil {
				t.Errorf("%s decides case %s: %v", name, c.ID, err)
			}
		}
	}
}

// TestCompare compares shipped policies: rules that only one has are added
// or removed, a rule of the same id with other content is changed, and the
// decisions on the typical situations that differ are listed.
func TestCompare(t *testing.T) {
	lib := shipped(t)
	omb, axh := load(t, lib, "ombudsman"), load(t, lib, "axiehuis")
	cmp, err := policy.Compare(omb, axh, policy.TypicalCases())
	if err != nil {
		t.Fatal(err)
	}
	ids := func(rs []*policy.Rule) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	if added := ids(cmp.Added); !slices.Contains(added, "axh-1-3") {
		t.Errorf("added = %v, want axh-1-3 among them", added)
	}
	for _, r := range axh.Rules {
		if strings.HasPrefix(r.ID, "omb-") && slices.Contains(ids(cmp.Added), r.ID) {
			t.Errorf("inherited rule %s is listed as added", r.ID)
		}
	}
	if len(cmp.Decisions) == 0 {
		t.Fatal("no decision differs between the Ombudsman's rules and aXiehuis")
	}
	covert := slices.IndexFunc(cmp.Decisions, func(d policy.DecisionChange) bool { return d.Case.ID == "client_audio_covert_group" })
	if covert < 0 {
		t.Fatalf("the covert group recording is not among the changed decisions: %+v", cmp.Decisions)
	}
	if d := cmp.Decisions[covert]; d.After.Outcome != policy.Forbidden || d.Before.Outcome == policy.Forbidden {
		t.Errorf("covert group recording: %s → %s, want forbidden only under aXiehuis", d.Before.Outcome, d.After.Outcome)
	}
	for _, d := range cmp.Decisions {
		if d.Before.Outcome == d.After.Outcome && slices.Equal(d.Before.ConsentFrom, d.After.ConsentFrom) &&
			slices.Equal(d.Before.Alternatives, d.After.Alternatives) && d.Before.DecidedBy == d.After.DecidedBy {
			t.Errorf("case %s is listed but decides the same", d.Case.ID)
		}
	}

	// Back again: what was added is removed.
	back, err := policy.Compare(axh, omb, policy.TypicalCases())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(back.Removed), ids(cmp.Added)) || !slices.Equal(ids(back.Added), ids(cmp.Removed)) {
		t.Errorf("back: added %v removed %v; want the reverse of %v and %v", ids(back.Added), ids(back.Removed), ids(cmp.Added), ids(cmp.Removed))
	}

	// A policy compared with itself changes nothing.
	same, err := policy.Compare(axh, axh, policy.TypicalCases())
	if err != nil {
		t.Fatal(err)
	}
	if !same.Same() {
		t.Errorf("a policy compared with itself: %+v", same)
	}
}

// ownPolicy is an organisation's own version of the Ombudsman's rules
// whose video rule has outcome.
func ownPolicy(t *testing.T, lib *policy.Library, outcome string) *policy.Policy {
	t.Helper()
	p, err := lib.Parse("eigen.yaml", []byte(`name: eigen
version: "1"
kind: government
extends: ombudsman
title: {nl: Eigen beleid, en: Own policy}
rules:
  - id: eigen-video
    overrides: omb-scope-video
    text: Over beeld beslist de organisatie zelf.
    outcome: `+outcome+`
    explain: {nl: Over video beslist de organisatie zelf., en: The organisation decides on video itself.}
`))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCompareChangedRule finds a rule whose outcome changed between two
// versions of an organisation's own policy, and says what changed.
func TestCompareChangedRule(t *testing.T) {
	lib := shipped(t)
	before, after := ownPolicy(t, lib, "needs_decision\n    decided_by: manager"), ownPolicy(t, lib, "forbidden")
	cmp, err := policy.Compare(before, after, policy.TypicalCases())
	if err != nil {
		t.Fatal(err)
	}
	if len(cmp.Added) != 0 || len(cmp.Removed) != 0 || len(cmp.Changed) != 1 {
		t.Fatalf("added %d, removed %d, changed %d; want one rule changed", len(cmp.Added), len(cmp.Removed), len(cmp.Changed))
	}
	if c := cmp.Changed[0]; c.Before.ID != "eigen-video" || c.After.Outcome != policy.Forbidden || !slices.Contains(c.Fields, "outcome") {
		t.Errorf("changed = %s %v → %s, fields %v; want eigen-video, its outcome among them", c.Before.ID, c.Before.Outcome, c.After.Outcome, c.Fields)
	}
	video := slices.IndexFunc(cmp.Decisions, func(d policy.DecisionChange) bool { return d.Case.ID == "client_video" })
	if video < 0 || cmp.Decisions[video].After.Outcome != policy.Forbidden {
		t.Errorf("client video is not forbidden after the change: %+v", cmp.Decisions)
	}
	if cmp.Same() {
		t.Error("a changed rule compares the same")
	}
}
