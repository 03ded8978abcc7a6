package policy

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
	"go.yaml.in/yaml/v3"
)

// maxCombinations bounds how many situations the linter tries per rule; past
// it, it samples that many at random (with a fixed seed, so runs repeat).
const maxCombinations = 20000

// shadowSamples is how many random situations the linter adds to a rule's
// combinations when it looks for an outcome that never takes effect.
const shadowSamples = 3000

// undecidedSamples is how many random situations the linter decides to look
// for situations that no rule decides.
const undecidedSamples = 5000

// Lint checks a policy text: its schema, its conditions, its citations and
// its conflicts. It returns every finding, errors first, each kind by line;
// none means the policy is clean. An error in one rule does not hide what
// the linter finds in the others.
func (l *Library) Lint(file string, text []byte) []Finding {
	d, err := l.draft(file, text, nil)
	if err != nil {
		return []Finding{{File: file, Line: 1, Severity: SeverityError, Msg: err.Error()}}
	}
	lt := &linter{p: d.policy, file: file, doc: d.doc, broken: d.broken, findings: d.findings}
	if lt.p != nil {
		lt.check()
	}
	warning := func(f Finding) int {
		if f.Severity == SeverityError {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(lt.findings, func(a, b Finding) int {
		return cmp.Or(warning(a)-warning(b), a.Line-b.Line)
	})
	return lt.findings
}

type linter struct {
	p    *Policy // as far as it compiled
	file string
	doc  *yaml.Node
	// broken are the rules with an error; sound is the policy without
	// them, which the linter decides with.
	broken   []*Rule
	sound    *Policy
	findings []Finding
}

// check runs the linter's own checks on the rules that compiled.
func (lt *linter) check() {
	complete := len(lt.findings) == 0
	sound := *lt.p
	sound.Rules = slices.DeleteFunc(slices.Clone(lt.p.Rules), func(r *Rule) bool { return slices.Contains(lt.broken, r) })
	lt.sound = &sound
	lt.translations()
	for _, r := range lt.p.Rules {
		if r.file != lt.file {
			continue // inherited from the policy it extends
		}
		lt.wording(r)
		if r.prg == nil {
			continue // its condition did not compile
		}
		lt.literals(r)
		lt.fires(r)
	}
	// Which situations no rule decides depends on every rule: it waits
	// until the policy compiles.
	if complete {
		lt.undecided()
	}
}

func (lt *linter) add(sev Severity, line int, rule, format string, args ...any) {
	lt.findings = append(lt.findings, Finding{File: lt.file, Line: line, Rule: rule, Severity: sev, Msg: fmt.Sprintf(format, args...)})
}

// rule returns the first item under rules with the given id: the one that
// was compiled.
func (lt *linter) rule(id string) *yaml.Node {
	rules := value(lt.doc, "rules")
	if rules == nil {
		return lt.doc
	}
	for _, item := range rules.Content {
		if v := value(item, "id"); v != nil && v.Value == id {
			return item
		}
	}
	return lt.doc
}

// translations reports user-facing text given in one language only, at
// the key that holds it.
func (lt *linter) translations() {
	check := func(t Text, line int, rule, what string) {
		switch {
		case t.NL == "" && t.EN != "":
			lt.add(SeverityWarning, line, rule, "%s has no Dutch (nl) text", what)
		case t.EN == "" && t.NL != "":
			lt.add(SeverityWarning, line, rule, "%s has no English (en) text", what)
		}
	}
	check(lt.p.Title, keyAt(lt.doc, "title"), "", "title")
	for _, r := range lt.p.Rules {
		if r.file == lt.file {
			check(r.Explain, keyAt(lt.rule(r.ID), "explain"), r.ID, "explain")
		}
	}
	// The text's guidance comes last, after what the policy inherits.
	items := value(lt.doc, "guidance")
	if items == nil || len(items.Content) > len(lt.p.Guidance) {
		return
	}
	own := lt.p.Guidance[len(lt.p.Guidance)-len(items.Content):]
	for i, g := range own {
		check(g.Explain, keyAt(items.Content[i], "explain"), "", fmt.Sprintf("guidance %s %s: explain", g.Source, g.Ref))
	}
}

// wording enforces the Ombudsman's tip to make equal agreements and avoid
// the word "toestemming": only a rule that really asks for consent may use it.
func (lt *linter) wording(r *Rule) {
	if r.Outcome != NeedsConsent && strings.Contains(strings.ToLower(r.Explain.NL), "toestemming") {
		lt.add(SeverityWarning, keyAt(lt.rule(r.ID), "explain", "nl"), r.ID, "explain uses the word 'toestemming' but the rule asks no one's consent (Ombudsman tip: make equal agreements, avoid 'toestemming')")
	}
}

// literals reports comparisons of a field with a value it can never have.
func (lt *linter) literals(r *Rule) {
	native := r.ast.NativeRep()
	info := native.SourceInfo()
	ast.PreOrderVisit(native.Expr(), ast.NewExprVisitor(func(e ast.Expr) {
		if e.Kind() != ast.CallKind {
			return
		}
		call := e.AsCall()
		args := call.Args()
		if len(args) != 2 {
			return
		}
		var field ast.Expr
		var lits []ast.Expr
		switch call.FunctionName() {
		case "_==_", "_!=_":
			field, lits = args[0], args[1:]
			if args[0].Kind() == ast.LiteralKind {
				field, lits = args[1], args[:1]
			}
		case "@in":
			if args[1].Kind() != ast.ListKind {
				return
			}
			field, lits = args[0], args[1].AsList().Elements()
		default:
			return
		}
		name, values := fieldValues(field)
		if values == nil {
			return
		}
		for _, lit := range lits {
			if lit.Kind() != ast.LiteralKind {
				continue
			}
			s, ok := lit.AsLiteral().(types.String)
			if !ok || slices.Contains(values, string(s)) {
				continue
			}
			line := r.whenLine + max(info.GetStartLocation(lit.ID()).Line()-1, 0)
			lt.add(SeverityError, line, r.ID, "when: %s is never %q; it is one of %s", name, string(s), strings.Join(values, ", "))
		}
	}))
}

// fieldValues returns the code words a compared expression can take.
func fieldValues(e ast.Expr) (string, []string) {
	switch e.Kind() {
	case ast.IdentKind:
		for _, v := range variables {
			if v.name == e.AsIdent() {
				return v.name, v.values
			}
		}
	case ast.SelectKind:
		switch f := e.AsSelect().FieldName(); f {
		case "role":
			return "participant role", roleValues
		case "capacity":
			return "participant capacity", capacityValues
		case "consent":
			return "participant consent", consentValues
		}
	}
	return "", nil
}

// fires tries the rule's condition on every combination of the values of
// the fields it reads, and reports a rule that never fires, a condition that
// fails to evaluate, and an outcome that never takes effect because other
// rules always decide more strongly.
func (lt *linter) fires(r *Rule) {
	// Every combination of what the rule reads, then random situations, so
	// that what other rules read varies too.
	situations := combinations(referenced(r), r)
	rng := rand.New(rand.NewPCG(3, uint64(len(situations))))
	for range shadowSamples {
		situations = append(situations, RandomSituation(rng))
	}
	// A rule with an error is not in the policy the linter decides with.
	contends := r.Outcome != "" && !slices.Contains(lt.broken, r)
	firedAny, wonAny := false, false
	var shadow string
	for i := range situations {
		s := &situations[i]
		ok, err := r.holds(newActivation(s))
		if err != nil {
			lt.add(SeverityError, r.whenLine, r.ID, "when: the condition fails on %s: %v", describe(s), errors.Unwrap(err))
			return
		}
		if !ok {
			continue
		}
		firedAny = true
		if !contends || wonAny {
			continue
		}
		d, err := lt.sound.Decide(*s)
		if err != nil {
			continue // another rule's condition failed; that rule reports it
		}
		mine := lt.p.apply(r, s, s.RecorderIndex()).outcome
		if d.Outcome == mine {
			wonAny = true
		} else if shadow == "" {
			shadow = fmt.Sprintf("%s (%s)", d.Outcome, strings.Join(ruleIDs(d), ", "))
		}
	}
	switch {
	case !firedAny:
		lt.add(SeverityError, r.whenLine, r.ID, "the rule can never fire: its condition is false in all %d situations tried", len(situations))
	case contends && !wonAny:
		lt.add(SeverityWarning, keyAt(lt.rule(r.ID), "outcome"), r.ID, "outcome %s never takes effect: whenever the rule applies, a stronger outcome wins, e.g. %s", r.Outcome, shadow)
	}
}

// undecided reports situations for which no rule gives an outcome.
func (lt *linter) undecided() {
	rng := rand.New(rand.NewPCG(1, 2))
	for range undecidedSamples {
		s := RandomSituation(rng)
		if !decidedByRule(lt.p, &s) {
			lt.add(SeverityWarning, 1, "", "no rule decides %s: a staff member would have to decide", describe(&s))
			return
		}
	}
}

func decidedByRule(p *Policy, s *Situation) bool {
	act := newActivation(s)
	for _, r := range p.Rules {
		if ok, _ := r.holds(act); ok && r.Outcome != "" {
			return true
		}
	}
	return false
}

func ruleIDs(d Decision) []string {
	ids := make([]string, len(d.Rules))
	for i, r := range d.Rules {
		ids[i] = r.ID
	}
	return ids
}

// referenced returns the variables a rule's condition reads.
func referenced(r *Rule) []string {
	var names []string
	ast.PreOrderVisit(r.ast.NativeRep().Expr(), ast.NewExprVisitor(func(e ast.Expr) {
		if e.Kind() != ast.IdentKind {
			return
		}
		name := e.AsIdent()
		if slices.ContainsFunc(variables[:], func(v variable) bool { return v.name == name }) && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}))
	return names
}

// dimension is one field of a situation and the values the linter tries.
type dimension struct {
	names []string // the condition variables it feeds
	n     int
	set   func(s *Situation, i int)
}

var dimensions = []dimension{
	{[]string{"action"}, len(actionValues), func(s *Situation, i int) { s.Action = actionValues[i] }},
	{[]string{"medium"}, len(mediumValues), func(s *Situation, i int) { s.Medium = mediumValues[i] }},
	{[]string{"by", "third_party"}, len(byValues), func(s *Situation, i int) { s.By = byValues[i] }},
	{[]string{"announced"}, len(announcedValues), func(s *Situation, i int) { s.Announced = announcedValues[i] }},
	{[]string{"covert"}, 2, func(s *Situation, i int) { s.Covert = i == 1 }},
	{[]string{"purpose"}, len(purposeValues), func(s *Situation, i int) { s.Purpose = purposeValues[i] }},
	{[]string{"location"}, len(locationValues), func(s *Situation, i int) { s.Location = locationValues[i] }},
	{[]string{"by_takes_part", "third_party"}, 2, func(s *Situation, i int) { s.ByTakesPart = i == 0 }},
	{[]string{"minor_interest_at_risk"}, 2, func(s *Situation, i int) { s.MinorInterestAtRisk = i == 1 }},
	{[]string{"weighty_reasons"}, 2, func(s *Situation, i int) {
		s.WeightyReasons = [][]string{{}, {"de veiligheid van een medewerker"}}[i]
	}},
	{[]string{"organisation_consent"}, len(consentValues), func(s *Situation, i int) { s.OrganisationConsent = consentValues[i] }},
	{[]string{"recipient"}, len(recipients), func(s *Situation, i int) { s.Recipient = recipients[i] }},
	{[]string{"edit_declared"}, 2, func(s *Situation, i int) { s.EditDeclared = i == 1 }},
	{[]string{"participants", "minor_present", "incapable_present", "multi_party", "staff_unwilling"}, len(casts), func(s *Situation, i int) { s.Participants = casts[i]() }},
	{[]string{"decisions"}, len(verdicts), func(s *Situation, i int) { s.Decisions = verdicts[i]() }},
	{[]string{"declaration"}, len(declValues), func(s *Situation, i int) { s.Declaration = declValues[i] }},
}

var recipients = recipientValues

func age(n int) *int { return &n }

// casts are the groups of participants the linter tries.
var casts = []func() []Participant{
	func() []Participant { return []Participant{client(""), staff(true)} },
	func() []Participant { return []Participant{client("given"), staff(true)} },
	func() []Participant { return []Participant{client("refused"), staff(true)} },
	func() []Participant { return []Participant{client(""), staff(false)} },
	func() []Participant { return []Participant{client(""), staff(true), staff(true)} },
	func() []Participant {
		return []Participant{client(""), staff(true), {Role: "parent", Consent: "unknown", Capacity: "capable", Willing: true}}
	},
	func() []Participant {
		return []Participant{client("given"), staff(true), {Role: "parent", Consent: "given", Capacity: "capable", Willing: true}}
	},
	func() []Participant {
		return []Participant{client(""), staff(true), {Role: "parent", Consent: "refused", Capacity: "capable", Willing: true}}
	},
	func() []Participant {
		return []Participant{client(""), staff(true), {Role: "child", Age: age(9), Consent: "unknown", Capacity: "capable", Willing: true}}
	},
	func() []Participant {
		c := client("")
		c.Capacity = "incapable"
		return []Participant{c, staff(true), {Role: "guardian", Consent: "unknown", Capacity: "capable", Willing: true}}
	},
	func() []Participant {
		c := client("")
		c.Age = age(15)
		return []Participant{c, staff(true), {Role: "other", Consent: "unknown", Capacity: "capable", Willing: true}}
	},
	func() []Participant {
		return []Participant{client(""), staff(false), {Role: "other", Consent: "refused", Capacity: "capable", Willing: true}}
	},
}

func client(consent string) Participant {
	if consent == "" {
		consent = "unknown"
	}
	return Participant{Role: "client", Consent: consent, Capacity: "capable", Willing: true}
}

func staff(willing bool) Participant {
	return Participant{Role: "staff", Consent: "unknown", Capacity: "capable", Willing: willing}
}

var verdicts = []func() map[string]string{
	func() map[string]string { return map[string]string{} },
	func() map[string]string { return map[string]string{"manager": "approved"} },
	func() map[string]string { return map[string]string{"manager": "rejected"} },
	func() map[string]string { return map[string]string{"staff": "approved"} },
	func() map[string]string { return map[string]string{"staff": "rejected"} },
}

// baseSituation is the contract's defaults: a client recording audio, in
// advance, at the office.
func baseSituation() Situation {
	return Situation{
		Action: "record", Medium: "audio", By: "client", Announced: "in_advance",
		Purpose: "private_use", Location: "office", ByTakesPart: true,
		WeightyReasons: []string{}, OrganisationConsent: "unknown",
		Participants: casts[0](), Decisions: map[string]string{}, Declaration: "unknown",
	}
}

// combinations returns situations that vary every dimension the rule reads
// (all of them, or a fixed-seed sample when there are too many) and keep the
// others at their defaults.
func combinations(names []string, r *Rule) []Situation {
	var dims []dimension
	total := 1
	for _, d := range dimensions {
		if slices.ContainsFunc(d.names, func(n string) bool { return slices.Contains(names, n) }) {
			dims = append(dims, d)
			total *= d.n
		}
	}
	build := func(pick func(d dimension, k int) int) Situation {
		s := baseSituation()
		for k, d := range dims {
			d.set(&s, pick(d, k))
		}
		return s
	}
	if total > maxCombinations {
		rng := rand.New(rand.NewPCG(uint64(len(r.ID)), 7))
		out := make([]Situation, maxCombinations)
		for i := range out {
			out[i] = build(func(d dimension, _ int) int { return rng.IntN(d.n) })
		}
		return out
	}
	out := make([]Situation, 0, total)
	for i := range total {
		rest := i
		out = append(out, build(func(d dimension, _ int) int {
			v := rest % d.n
			rest /= d.n
			return v
		}))
	}
	return out
}

// RandomSituation returns a valid situation with every field drawn at
// random, for tests and the linter.
func RandomSituation(rng *rand.Rand) Situation {
	s := baseSituation()
	for _, d := range dimensions {
		d.set(&s, rng.IntN(d.n))
	}
	return s
}

// describe summarises a situation for a finding.
func describe(s *Situation) string {
	roles := make([]string, len(s.Participants))
	for i, p := range s.Participants {
		roles[i] = p.Role
	}
	return fmt.Sprintf("action=%s medium=%s by=%s covert=%t participants=%s", s.Action, s.Medium, s.By, s.Covert, strings.Join(roles, "+"))
}
