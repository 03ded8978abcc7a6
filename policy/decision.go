package policy

// Outcome is the verdict of a decision. Outcomes are ordered: when several
// rules apply, the strongest wins.
type Outcome string

const (
	Allowed       Outcome = "allowed"
	NeedsConsent  Outcome = "needs_consent"
	NeedsDecision Outcome = "needs_decision"
	Refused       Outcome = "refused"
	Forbidden     Outcome = "forbidden"
)

// Outcomes lists every outcome, weakest first.
var Outcomes = []Outcome{Allowed, NeedsConsent, NeedsDecision, Refused, Forbidden}

// Strength orders outcomes: Allowed is 1, Forbidden 5, and anything else 0.
func (o Outcome) Strength() int {
	for i, x := range Outcomes {
		if x == o {
			return i + 1
		}
	}
	return 0
}

// Label is the outcome in plain words, in lang ("nl" or "en").
func (o Outcome) Label(lang string) string {
	labels := map[Outcome]Text{
		Allowed:       {"mag", "allowed"},
		NeedsConsent:  {"mag na toestemming", "allowed once consent is given"},
		NeedsDecision: {"eerst een beslissing nodig", "needs a decision first"},
		Refused:       {"kan nu niet", "cannot go ahead now"},
		Forbidden:     {"mag niet", "not allowed"},
	}
	if t, ok := labels[o]; ok {
		return t.In(lang)
	}
	return string(o)
}

// Stops reports whether the act may not go ahead.
func (o Outcome) Stops() bool { return o == Refused || o == Forbidden }

// Decision is what a policy decides for one situation (contract: "Decision
// (output)"). Lists are never nil, so they encode as [] in JSON.
type Decision struct {
	Outcome      Outcome   `json:"outcome"`
	ConsentFrom  []string  `json:"consent_from"`
	DecidedBy    string    `json:"decided_by"`
	Obligations  []string  `json:"obligations"`
	Agreements   []string  `json:"agreements"`
	Alternatives []string  `json:"alternatives"`
	Enforcement  []string  `json:"enforcement"`
	Advice       []string  `json:"advice"`
	Rules        []RuleRef `json:"rules"`
	Explanation  Text      `json:"explanation"`
	Policy       PolicyRef `json:"policy"`
	// RefusedBy names the parties whose refusal made the outcome refused or
	// forbidden (an addition to the contract).
	RefusedBy []string `json:"refused_by"`
}

// RuleRef cites a rule that applied: its id, its source document and the
// rule's number or heading there, and the rule's text.
type RuleRef struct {
	ID     string `json:"id"`
	Source string `json:"source"`
	Ref    string `json:"ref"`
	Text   string `json:"text"`
}

// PolicyRef identifies the exact policy text a decision was made under.
type PolicyRef struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Digest  string `json:"digest"`
}
