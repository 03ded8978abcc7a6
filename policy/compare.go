package policy

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
)

// A change of policy decides every later request, so before it is made
// people see what it changes: the rules added, removed and changed, and
// the decisions that come out differently on a set of typical situations.

// Case is a typical situation with a name people read.
type Case struct {
	ID        string    `json:"id"`
	Name      Text      `json:"name"`
	Situation Situation `json:"situation"`
}

// typicalCases are the situations a policy change is tried on: what staff
// and clients meet most, in the contract's terms.
var typicalCases = []struct {
	id   string
	name Text
	json string
}{
	{"client_audio_announced", Text{"De cliënt neemt het gesprek op en zegt dat vooraf", "The client records the conversation and says so in advance"},
		`{"action": "record", "medium": "audio", "by": "client", "announced": "in_advance", "participants": [{"role": "client"}, {"role": "staff"}]}`},
	{"client_audio_unannounced", Text{"De cliënt neemt op zonder het te zeggen", "The client records without saying so"},
		`{"action": "record", "medium": "audio", "by": "client", "announced": "not_announced", "participants": [{"role": "client"}, {"role": "staff"}]}`},
	{"client_audio_covert", Text{"De cliënt neemt stiekem op", "The client records in secret"},
		`{"action": "record", "medium": "audio", "by": "client", "announced": "not_announced", "covert": true, "participants": [{"role": "client"}, {"role": "staff"}]}`},
	{"client_audio_covert_group", Text{"De cliënt neemt stiekem een gesprek met meer mensen op", "The client records a conversation with more people in secret"},
		`{"action": "record", "medium": "audio", "by": "client", "announced": "not_announced", "covert": true, "participants": [{"role": "client"}, {"role": "staff"}, {"role": "other"}]}`},
	{"organisation_audio", Text{"De organisatie neemt het gesprek op", "The organisation records the conversation"},
		`{"action": "record", "medium": "audio", "by": "organisation", "participants": [{"role": "client"}, {"role": "staff"}]}`},
	{"client_video", Text{"De cliënt maakt een video-opname", "The client makes a video recording"},
		`{"action": "record", "medium": "video", "by": "client", "participants": [{"role": "client"}, {"role": "staff"}]}`},
	{"client_copy", Text{"De cliënt vraagt een kopie van de opname van de organisatie", "The client asks for a copy of the organisation's recording"},
		`{"action": "copy", "medium": "audio", "by": "client", "participants": [{"role": "client"}, {"role": "staff"}]}`},
	{"client_share_lawyer", Text{"De cliënt deelt de opname met een advocaat", "The client shares the recording with a lawyer"},
		`{"action": "share", "medium": "audio", "by": "client", "recipient": "lawyer", "participants": [{"role": "client"}, {"role": "staff"}]}`},
	{"client_edit_declared", Text{"De cliënt bewerkt de opname en zegt dat", "The client edits the recording and says so"},
		`{"action": "edit", "medium": "audio", "by": "client", "edit_declared": true, "participants": [{"role": "client"}, {"role": "staff"}]}`},
	{"client_audio_parent_present", Text{"De cliënt neemt op; een ouder is bij het gesprek", "The client records; a parent takes part"},
		`{"action": "record", "medium": "audio", "by": "client", "participants": [{"role": "client"}, {"role": "staff"}, {"role": "parent"}]}`},
	{"client_child_10", Text{"Een kind van 10 is de cliënt en neemt op", "A child of 10 is the client and records"},
		`{"action": "record", "medium": "audio", "by": "client", "participants": [{"role": "client", "age": 10}, {"role": "staff"}]}`},
	{"client_audio_weighty_reasons", Text{"De cliënt wil opnemen; de medewerker heeft zwaarwegende redenen ertegen", "The client wants to record; the staff member has weighty reasons against it"},
		`{"action": "record", "medium": "audio", "by": "client", "weighty_reasons": ["danger to a third party"], "participants": [{"role": "client"}, {"role": "staff"}]}`},
	{"client_audio_home_visit", Text{"De cliënt neemt een huisbezoek op", "The client records a home visit"},
		`{"action": "record", "medium": "audio", "by": "client", "location": "home_visit", "participants": [{"role": "client"}, {"role": "staff"}]}`},
}

var parsedCases = sync.OnceValues(func() ([]Case, error) {
	out := make([]Case, 0, len(typicalCases))
	for _, c := range typicalCases {
		s, err := ParseSituation(bytes.NewReader([]byte(c.json)))
		if err != nil {
			return nil, fmt.Errorf("policy: typical case %s: %w", c.id, err)
		}
		out = append(out, Case{ID: c.id, Name: c.name, Situation: s})
	}
	return out, nil
})

// TypicalCases returns the typical situations a policy change is tried on.
func TypicalCases() []Case {
	cases, err := parsedCases()
	if err != nil {
		// The cases are fixed and tested; one that does not parse is a
		// bug in this file.
		panic(err)
	}
	return slices.Clone(cases)
}

// RuleChange is a rule that both policies have, with other content.
type RuleChange struct {
	Before, After *Rule
	// Fields are the parts of the rule that differ, as the policy file
	// names them: text, when, outcome, consent_from and so on.
	Fields []string
}

// DecisionChange is a typical situation that the two policies decide
// differently.
type DecisionChange struct {
	Case          Case
	Before, After Decision
}

// Comparison is what changes when one policy takes another's place.
type Comparison struct {
	// Added and Removed are the rules only the new or only the old policy
	// has, by id, in the policy's order; Changed the rules both have with
	// other content.
	Added, Removed []*Rule
	Changed        []RuleChange
	// Decisions are the cases decided differently: another outcome, other
	// parties asked, other alternatives or another decider.
	Decisions []DecisionChange
}

// Same reports whether nothing changes.
func (c *Comparison) Same() bool {
	return len(c.Added)+len(c.Removed)+len(c.Changed)+len(c.Decisions) == 0
}

// Compare says what changes when after takes the place of before: the
// rules by id, and the decisions on cases.
func Compare(before, after *Policy, cases []Case) (*Comparison, error) {
	c := &Comparison{}
	byID := func(p *Policy, id string) *Rule {
		if i := slices.IndexFunc(p.Rules, func(r *Rule) bool { return r.ID == id }); i >= 0 {
			return p.Rules[i]
		}
		return nil
	}
	for _, r := range after.Rules {
		old := byID(before, r.ID)
		if old == nil {
			c.Added = append(c.Added, r)
			continue
		}
		if fields := ruleDiff(old, r); len(fields) > 0 {
			c.Changed = append(c.Changed, RuleChange{Before: old, After: r, Fields: fields})
		}
	}
	for _, r := range before.Rules {
		if byID(after, r.ID) == nil {
			c.Removed = append(c.Removed, r)
		}
	}
	for _, tc := range cases {
		b, err := before.Decide(tc.Situation)
		if err != nil {
			return nil, fmt.Errorf("policy: compare: %s decides %s: %w", before.Name, tc.ID, err)
		}
		a, err := after.Decide(tc.Situation)
		if err != nil {
			return nil, fmt.Errorf("policy: compare: %s decides %s: %w", after.Name, tc.ID, err)
		}
		if b.Outcome != a.Outcome || b.DecidedBy != a.DecidedBy ||
			!slices.Equal(b.ConsentFrom, a.ConsentFrom) || !slices.Equal(b.Alternatives, a.Alternatives) {
			c.Decisions = append(c.Decisions, DecisionChange{Case: tc, Before: b, After: a})
		}
	}
	return c, nil
}

// ruleDiff names the parts of a rule that differ between a and b.
func ruleDiff(a, b *Rule) []string {
	var out []string
	for _, f := range []struct {
		name string
		same bool
	}{
		{"source", a.Citation == b.Citation},
		{"see_also", slices.Equal(a.SeeAlso, b.SeeAlso)},
		{"text", a.Text == b.Text},
		{"when", a.When == b.When},
		{"outcome", a.Outcome == b.Outcome},
		{"consent_from", slices.Equal(a.ConsentFrom, b.ConsentFrom)},
		{"on_refusal", a.OnRefusal == b.OnRefusal},
		{"decided_by", a.DecidedBy == b.DecidedBy},
		{"obligations", slices.Equal(a.Obligations, b.Obligations)},
		{"agreements", slices.Equal(a.Agreements, b.Agreements)},
		{"alternatives", slices.Equal(a.Alternatives, b.Alternatives)},
		{"enforcement", slices.Equal(a.Enforcement, b.Enforcement)},
		{"advice", slices.Equal(a.Advice, b.Advice)},
		{"explain", a.Explain == b.Explain},
	} {
		if !f.same {
			out = append(out, f.name)
		}
	}
	return out
}
