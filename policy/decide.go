package policy

import (
	"fmt"
	"slices"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/interpreter"
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

// answered returns the set of parties (Parties) of the rule's asked people
// whose answer is answer.
func (a applied) answered(answer string) codeSet {
	var set codeSet
	for _, x := range a.asked {
		if x.answer == answer {
			set |= Parties.set1(x.role)
		}
	}
	return set
}

// fullyGiven returns the set of parties of whom everyone asked has
// consented.
func (a applied) fullyGiven() codeSet {
	var given, other codeSet
	for _, x := range a.asked {
		if x.answer == "given" {
			given |= Parties.set1(x.role)
		} else {
			other |= Parties.set1(x.role)
		}
	}
	return given &^ other
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
	act := decisionActivation(s, p.adapter)
	defer act.release()
	// Most decisions apply a handful of rules: no allocation for those.
	var buf [16]applied
	hits := buf[:0]
	for _, r := range p.rulesFor(act.s) {
		ok, err := r.holds(act)
		if err != nil {
			return Decision{}, err
		}
		if ok {
			hits = append(hits, p.apply(r, act.s, act.recorder))
		}
	}
	d, undecided := p.combine(hits)
	if err := p.fitAlternatives(act, hits, &d); err != nil {
		return Decision{}, err
	}
	d.Explanation = explain(act.s, &d, hits, undecided)
	return d, nil
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
// when sound may not either. hits are the rules that applied in act's
// situation.
func (p *Policy) fitAlternatives(act *activation, hits []applied, d *Decision) error {
	at := slices.Index(d.Alternatives, "audio_only")
	if at < 0 {
		return nil
	}
	d.Alternatives = slices.Delete(d.Alternatives, at, at+1)
	if act.s.Medium != "video" {
		return nil
	}
	stops, err := p.soundStops(act, hits)
	if err != nil {
		return err
	}
	if !stops {
		d.Alternatives = slices.Insert(d.Alternatives, 0, "audio_only")
	}
	return nil
}

// soundStops reports whether the decision on act's situation with sound
// only would stop the act. A rule that does not read the medium comes to
// the same answer for sound as in hits; only the rules that do are
// evaluated again.
func (p *Policy) soundStops(act *activation, hits []applied) (bool, error) {
	var outcome Outcome
	stronger := func(o Outcome) {
		if o.Strength() > outcome.Strength() {
			outcome = o
		}
	}
	for _, h := range hits {
		if !h.rule.readsMedium {
			stronger(h.outcome)
		}
	}
	sact := *act
	sact.own = *act.s
	sact.own.Medium = "audio"
	sact.s = &sact.own
	sact.vals[mediumVariable] = nil
	sound := sact.s
	for _, r := range p.rulesFor(sound) {
		if !r.readsMedium {
			continue
		}
		ok, err := r.holds(&sact)
		if err != nil {
			return false, err
		}
		if ok {
			stronger(p.apply(r, sound, sact.recorder).outcome)
		}
	}
	// No outcome: a staff member decides, which does not stop the act.
	return outcome.Stops(), nil
}

// combine makes one decision of the rules that applied, without its
// explanation; undecided is true when no rule gave an outcome.
func (p *Policy) combine(hits []applied) (d Decision, undecided bool) {
	d = Decision{
		Policy: PolicyRef{Name: p.Name, Version: p.Version, Digest: p.Digest},
		Rules:  make([]RuleRef, len(hits)),
	}
	for i, h := range hits {
		if h.outcome.Strength() > d.Outcome.Strength() {
			d.Outcome = h.outcome
		}
		d.Rules[i] = h.rule.ref
	}
	undecided = d.Outcome == ""
	if undecided {
		d.Outcome, d.DecidedBy = NeedsDecision, "staff"
	}
	stopped := d.Outcome.Stops()
	var consent, obligations, agreements, alternatives, enforcement, advice, refusedBy codeSet
	for _, h := range hits {
		r := h.rule
		// When the act may not go ahead, what to do comes only from the
		// rules that stopped it: there is nothing to agree on.
		if !stopped || h.outcome.Stops() {
			obligations |= r.obligations
			agreements |= r.agreements
		}
		if stopped && h.outcome.Stops() {
			alternatives |= r.alternatives
			refusedBy |= h.answered("refused")
		}
		if !stopped {
			consent |= h.answered("unknown")
			if Deciders.index(h.decider) > Deciders.index(d.DecidedBy) {
				d.DecidedBy = h.decider
			}
		}
		enforcement |= r.enforcement
		advice |= r.advice
	}
	// The lists share one allocation; each is capped at its length, so
	// that appending to one does not write into the next.
	all := make([]string, 0, consent.len()+refusedBy.len()+obligations.len()+agreements.len()+alternatives.len()+enforcement.len()+advice.len())
	list := func(v Vocabulary, set codeSet) []string {
		at := len(all)
		all = v.appendCodes(all, set)
		return all[at:len(all):len(all)]
	}
	d.ConsentFrom = list(Parties, consent)
	d.RefusedBy = list(Parties, refusedBy)
	d.Obligations = list(Obligations, obligations)
	d.Agreements = list(Agreements, agreements)
	d.Alternatives = list(Alternatives, alternatives)
	d.Enforcement = list(Enforcement, enforcement)
	d.Advice = list(Advice, advice)
	return d, undecided
}

// Conditions prepares to evaluate every rule's condition on s and nothing
// else, and returns that evaluation: the baseline a decision is measured
// against (BenchmarkDecideVsCEL, cmd/opname-bench). The variables are
// made now, as a plain map, so the function runs the CEL programs alone.
func (p *Policy) Conditions(s Situation) (func() error, error) {
	act := newActivation(&s)
	vars := make(map[string]any, len(variables))
	for _, v := range variables {
		vars[v.name] = v.value(act)
	}
	bare, err := interpreter.NewActivation(vars)
	if err != nil {
		return nil, err
	}
	return func() error {
		for _, r := range p.Rules {
			if _, _, err := r.prg.Eval(bare); err != nil {
				return fmt.Errorf("policy %s: rule %s: evaluate condition: %w", r.Policy, r.ID, err)
			}
		}
		return nil
	}, nil
}
