package policy

import (
	"fmt"
	"slices"

	"cel.dev/cel-go/common/types"
)

// applied is a rule that applied to a situation, with what it came to.
type applied struct {
	rule      *Rule
	outcome   Outcome  // effective outcome; "" for a rule without one
	pending   []string // parties whose consent is still needed
	refusedBy []string // parties whose refusal stopped the act
	decider   string   // who still has to decide
}

// Decide applies the policy to a situation. Every rule whose condition holds
// applies; the strongest outcome wins; lists are unions in canonical order;
// consent that is given is not asked again, and a refusal by a party whose
// consent is needed turns the rule into its on_refusal outcome (refused
// unless the policy says forbidden). When no rule gives an outcome, a staff
// member decides: a policy never silently allows.
//
// The error is non-nil only when a condition fails to evaluate, which is a
// fault of the policy, not of the situation.
func (p *Policy) Decide(s Situation) (Decision, error) {
	act := newActivation(&s)
	var hits []applied
	for _, r := range p.Rules {
		ok, err := r.holds(act)
		if err != nil {
			return Decision{}, err
		}
		if ok {
			hits = append(hits, r.apply(&s))
		}
	}
	return p.combine(&s, hits), nil
}

func (r *Rule) holds(act *activation) (bool, error) {
	v, _, err := r.prg.Eval(act)
	if err != nil {
		return false, fmt.Errorf("policy %s: rule %s: evaluate condition: %w", r.Policy, r.ID, err)
	}
	return v == types.True, nil
}

func (r *Rule) apply(s *Situation) applied {
	a := applied{rule: r, outcome: r.Outcome}
	switch r.Outcome {
	case NeedsConsent:
		for _, party := range consentParties(s, r.ConsentFrom) {
			switch consentOf(s, party) {
			case "refused":
				a.refusedBy = append(a.refusedBy, party)
			case "unknown":
				a.pending = append(a.pending, party)
			}
		}
		switch {
		case len(a.refusedBy) > 0:
			a.outcome = r.OnRefusal
			if a.outcome == "" {
				a.outcome = Refused
			}
			a.pending = nil
		case len(a.pending) == 0:
			a.outcome = Allowed
		}
	case NeedsDecision:
		switch s.Decisions[r.DecidedBy] {
		case "approved":
			a.outcome = Allowed
		case "rejected":
			a.outcome = Refused
		default:
			a.decider = r.DecidedBy
		}
	}
	return a
}

// consentParties resolves consent_from to the parties present, in canonical
// order.
func consentParties(s *Situation, from []string) []string {
	var parties []string
	actor := actorRoles(s.By)
	for _, who := range from {
		switch who {
		case "organisation":
			parties = append(parties, who)
		case OtherParty:
			switch s.By {
			case "client":
				parties = append(parties, "organisation")
			case "organisation":
				parties = append(parties, "client")
			default:
				parties = append(parties, "client", "organisation")
			}
		case OtherParticipants, OtherParticipantsExceptStaff:
			for _, p := range s.Participants {
				if !slices.Contains(actor, p.Role) && (who == OtherParticipants || p.Role != "staff") {
					parties = append(parties, p.Role)
				}
			}
		default:
			if slices.ContainsFunc(s.Participants, func(p Participant) bool { return p.Role == who }) {
				parties = append(parties, who)
			}
		}
	}
	return Parties.sort(parties)
}

// actorRoles are the participant roles on the side of whoever acts. Another
// participant ("other") stands for a parent, guardian or other person.
func actorRoles(by string) []string {
	switch by {
	case "client":
		return []string{"client"}
	case "organisation":
		return []string{"staff"}
	default:
		return []string{"parent", "guardian", "other"}
	}
}

// consentOf is a party's answer: refused if anyone of that role refused,
// given if everyone of that role gave it, unknown otherwise.
func consentOf(s *Situation, party string) string {
	if party == "organisation" {
		return s.OrganisationConsent
	}
	answer := "given"
	for _, p := range s.Participants {
		if p.Role != party {
			continue
		}
		switch p.Consent {
		case "refused":
			return "refused"
		case "unknown":
			answer = "unknown"
		}
	}
	return answer
}

func (p *Policy) combine(s *Situation, hits []applied) Decision {
	d := Decision{
		Policy: PolicyRef{Name: p.Name, Version: p.Version, Digest: p.Digest},
		Rules:  make([]RuleRef, 0, len(hits)),
	}
	for _, h := range hits {
		if h.outcome.Strength() > d.Outcome.Strength() {
			d.Outcome = h.outcome
		}
		d.Rules = append(d.Rules, RuleRef{ID: h.rule.ID, Source: h.rule.Source, Ref: h.rule.Ref, Text: h.rule.Text})
	}
	undecided := d.Outcome == ""
	if undecided {
		d.Outcome, d.DecidedBy = NeedsDecision, "staff"
	}
	stopped := d.Outcome.Stops()
	var consent, obligations, agreements, alternatives, enforcement, advice, refusedBy []string
	for _, h := range hits {
		r := h.rule
		// When the act may not go ahead, what to do comes only from the
		// rules that stopped it: there is nothing to agree on.
		if !stopped || h.outcome.Stops() {
			obligations = append(obligations, r.Obligations...)
			agreements = append(agreements, r.Agreements...)
		}
		if stopped && h.outcome.Stops() {
			alternatives = append(alternatives, r.Alternatives...)
			refusedBy = append(refusedBy, h.refusedBy...)
		}
		if !stopped {
			consent = append(consent, h.pending...)
			if Deciders.index(h.decider) > Deciders.index(d.DecidedBy) {
				d.DecidedBy = h.decider
			}
		}
		enforcement = append(enforcement, r.Enforcement...)
		advice = append(advice, r.Advice...)
	}
	d.ConsentFrom = Parties.sort(consent)
	d.RefusedBy = Parties.sort(refusedBy)
	d.Obligations = Obligations.sort(obligations)
	d.Agreements = Agreements.sort(agreements)
	d.Alternatives = Alternatives.sort(alternatives)
	d.Enforcement = Enforcement.sort(enforcement)
	d.Advice = Advice.sort(advice)
	d.Explanation = explain(s, &d, hits, undecided)
	return d
}
