package policy

import (
	"fmt"
	"slices"

	"cel.dev/cel-go/common/types"
)

// applied is a rule that applied to a situation, with what it came to.
type applied struct {
	rule    *Rule
	outcome Outcome // effective outcome; "" for a rule without one
	// asked are the answers a consent rule waits for, and represented who
	// answers for whom.
	asked       []asked
	represented []representation
	decider     string // who still has to decide
}

// answered returns the parties of the rule's asked people whose answer is
// answer, in canonical order.
func (a applied) answered(answer string) []string {
	var parties []string
	for _, x := range a.asked {
		if x.answer == answer {
			parties = append(parties, x.role)
		}
	}
	return Parties.sort(parties)
}

// fullyGiven returns the parties of whom everyone asked has consented, in
// canonical order.
func (a applied) fullyGiven() []string {
	var parties []string
	for _, party := range a.answered("given") {
		if !slices.ContainsFunc(a.asked, func(x asked) bool { return x.role == party && x.answer != "given" }) {
			parties = append(parties, party)
		}
	}
	return parties
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
	d, hits, undecided, err := p.decide(&s)
	if err != nil {
		return Decision{}, err
	}
	if err := p.fitAlternatives(&s, &d); err != nil {
		return Decision{}, err
	}
	d.Explanation = explain(&s, &d, hits, undecided)
	return d, nil
}

// decide applies the rules and combines them, without the explanation and
// without fitting the alternatives.
func (p *Policy) decide(s *Situation) (d Decision, hits []applied, undecided bool, err error) {
	act := newActivation(s)
	act.adapter = p.adapter
	for _, r := range p.rulesFor(s) {
		ok, err := r.holds(act)
		if err != nil {
			return Decision{}, nil, false, err
		}
		if ok {
			hits = append(hits, p.apply(r, s, act.recorder))
		}
	}
	d, undecided = p.combine(hits)
	return d, hits, undecided, nil
}

func (r *Rule) holds(act *activation) (bool, error) {
	v, _, err := r.prg.Eval(act)
	if err != nil {
		return false, fmt.Errorf("policy %s: rule %s: evaluate condition: %w", r.Policy, r.ID, err)
	}
	return v == types.True, nil
}

func (p *Policy) apply(r *Rule, s *Situation, recorder int) applied {
	a := applied{rule: r, outcome: r.Outcome}
	switch r.Outcome {
	case NeedsConsent:
		a.asked, a.represented = p.ask(s, recorder, r.ConsentFrom)
		switch {
		case slices.ContainsFunc(a.asked, func(x asked) bool { return x.answer == "refused" }):
			a.outcome = r.OnRefusal
			if a.outcome == "" {
				a.outcome = Refused
			}
		case !slices.ContainsFunc(a.asked, func(x asked) bool { return x.answer == "unknown" }):
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

// fitAlternatives keeps only alternatives that fit: recording sound only is
// offered first when video may not go ahead but sound may, and not at all
// when sound may not either.
func (p *Policy) fitAlternatives(s *Situation, d *Decision) error {
	at := slices.Index(d.Alternatives, "audio_only")
	if at < 0 {
		return nil
	}
	d.Alternatives = slices.Delete(d.Alternatives, at, at+1)
	if s.Medium != "video" {
		return nil
	}
	sound := *s
	sound.Medium = "audio"
	sd, _, _, err := p.decide(&sound)
	if err != nil {
		return err
	}
	if !sd.Outcome.Stops() {
		d.Alternatives = slices.Insert(d.Alternatives, 0, "audio_only")
	}
	return nil
}

// combine makes one decision of the rules that applied, without its
// explanation; undecided is true when no rule gave an outcome.
func (p *Policy) combine(hits []applied) (d Decision, undecided bool) {
	d = Decision{
		Policy: PolicyRef{Name: p.Name, Version: p.Version, Digest: p.Digest},
		Rules:  make([]RuleRef, 0, len(hits)),
	}
	for _, h := range hits {
		if h.outcome.Strength() > d.Outcome.Strength() {
			d.Outcome = h.outcome
		}
		d.Rules = append(d.Rules, RuleRef{ID: h.rule.ID, Source: h.rule.Source, Ref: h.rule.Ref, Text: h.rule.Text})
	}
	undecided = d.Outcome == ""
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
			refusedBy = append(refusedBy, h.answered("refused")...)
		}
		if !stopped {
			consent = append(consent, h.answered("unknown")...)
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
	return d, undecided
}
