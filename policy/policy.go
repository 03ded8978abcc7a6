package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"go.yaml.in/yaml/v3"
)

// Policy is a compiled policy: an organisation's rules, ready to decide.
// A Policy is immutable and safe for concurrent use.
type Policy struct {
	Name    string
	Version string
	Title   Text
	Kind    string
	// Extends is the name of the policy this one builds on, if any.
	Extends string
	// Digest identifies the exact policy text, including the text of the
	// policies it extends: "sha256:" and 64 hex digits.
	Digest   string
	Sources  []Source
	Rules    []*Rule
	Guidance []Guidance
	Restates []Restatement
	// Retention is how long each kind of record is kept; a kind without a
	// rule is kept until one is set.
	Retention []Retention
	// Representation says who answers for a person who cannot decide alone:
	// "" (everyone answers for themselves) or RepresentationWGBO.
	Representation string
	// OrganisationConsent says who gives the organisation's own consent
	// (consent_from: organisation): "" for any staff member of the client,
	// or OrganisationConsentManager.
	OrganisationConsent string
	// File is where the text came from, for messages.
	File string

	// byScope holds, for each action, recorder, medium and secrecy, the
	// rules whose scope has them, in the policy's order: a decision
	// evaluates only those (see index). Nil for a policy that does not
	// decide (a draft): then every rule is evaluated.
	byScope map[scopeKey][]*Rule
	// adapter turns a situation's variables into CEL values.
	adapter types.Adapter
}

// Citation points into a source document: its file name and the rule's own
// number or heading there.
type Citation struct {
	Source string `yaml:"source" json:"source"`
	Ref    string `yaml:"ref" json:"ref"`
}

// Rule is one rule of a policy.
type Rule struct {
	ID string
	Citation
	SeeAlso []Citation
	// Text is the rule in Dutch, faithful to its source.
	Text string
	// When is the condition, in CEL, over the situation.
	When string
	// Outcome is empty for a rule that only adds obligations, advice and so on.
	Outcome     Outcome
	ConsentFrom []string
	// OnRefusal is the outcome when a party whose consent is needed refuses.
	OnRefusal    Outcome
	DecidedBy    string
	Obligations  []string
	Agreements   []string
	Alternatives []string
	Enforcement  []string
	Advice       []string
	// Explain says in plain language what the rule means for this situation.
	Explain Text
	// Policy is the name of the policy that defined the rule.
	Policy string

	file     string
	line     int
	whenLine int
	prg      cel.Program
	// explained is Explain cut into sentences, Dutch then English.
	explained [2][]string
	ast       *cel.Ast
	decides
}

// decides is what a decision needs of a rule, made once when the rule is
// compiled (prepare) rather than at every decision.
type decides struct {
	ref RuleRef
	// The rule's lists as sets of their vocabulary's codes (Vocabulary.set).
	obligations, agreements, alternatives, enforcement, advice codeSet
	// fills is true when the explanation has placeholders to fill in.
	fills bool
	// readsMedium is true when the condition may read the medium: only such
	// a rule can come to another answer for sound only (fitAlternatives).
	readsMedium bool
}

// prepare makes what a decision needs of the rule (decides).
func (r *Rule) prepare() {
	r.decides = decides{
		ref:          RuleRef{ID: r.ID, Source: r.Source, Ref: r.Ref, Text: r.Text},
		obligations:  Obligations.set(r.Obligations),
		agreements:   Agreements.set(r.Agreements),
		alternatives: Alternatives.set(r.Alternatives),
		enforcement:  Enforcement.set(r.Enforcement),
		advice:       Advice.set(r.Advice),
		fills:        strings.Contains(r.Explain.NL, "{") || strings.Contains(r.Explain.EN, "{"),
		readsMedium:  r.ast == nil || slices.Contains(referenced(r), "medium"),
	}
}

// Guidance is a part of a source document that software cannot decide, with
// where opname supports it instead.
type Guidance struct {
	Citation
	SeeAlso     []Citation
	Text        string
	SupportedBy []string
	Explain     Text
	Policy      string
}

// Restatement records that a part of a source document restates rules the
// policy inherits (a policy repeating the Ombudsman's rules, say).
type Restatement struct {
	Citation
	Rules []string
}

// The YAML form of a policy. Field names here are the policy file format.
type document struct {
	Name    string `yaml:"name"`
	Version string `yaml:"version"`
	Title   Text   `yaml:"title"`
	Kind    string `yaml:"kind"`
	Extends string `yaml:"extends"`
	// Representation: "wgbo" or absent; a policy inherits it.
	Representation string `yaml:"representation"`
	// OrganisationConsent: "manager" or absent; a policy inherits it.
	OrganisationConsent string        `yaml:"organisation_consent"`
	Sources             []sourceDoc   `yaml:"sources"`
	Rules               []ruleDoc     `yaml:"rules"`
	Guidance            []guidanceDoc `yaml:"guidance"`
	Restates            []restateDoc  `yaml:"restates"`
	// Retention: how long each kind of record is kept; a policy inherits
	// the kinds it does not name.
	Retention []retentionDoc `yaml:"retention"`
}

type sourceDoc struct {
	File  string   `yaml:"file"`
	Title string   `yaml:"title"`
	URL   string   `yaml:"url"`
	Refs  []string `yaml:"refs"`
}

type ruleDoc struct {
	ID           string     `yaml:"id"`
	Overrides    string     `yaml:"overrides"`
	Source       string     `yaml:"source"`
	Ref          string     `yaml:"ref"`
	SeeAlso      []Citation `yaml:"see_also"`
	Text         string     `yaml:"text"`
	When         string     `yaml:"when"`
	Outcome      string     `yaml:"outcome"`
	ConsentFrom  []string   `yaml:"consent_from"`
	OnRefusal    string     `yaml:"on_refusal"`
	DecidedBy    string     `yaml:"decided_by"`
	Obligations  []string   `yaml:"obligations"`
	Agreements   []string   `yaml:"agreements"`
	Alternatives []string   `yaml:"alternatives"`
	Enforcement  []string   `yaml:"enforcement"`
	Advice       []string   `yaml:"advice"`
	Explain      Text       `yaml:"explain"`
}

type guidanceDoc struct {
	Source      string     `yaml:"source"`
	Ref         string     `yaml:"ref"`
	SeeAlso     []Citation `yaml:"see_also"`
	Text        string     `yaml:"text"`
	SupportedBy []string   `yaml:"supported_by"`
	Explain     Text       `yaml:"explain"`
}

type restateDoc struct {
	Source string   `yaml:"source"`
	Ref    string   `yaml:"ref"`
	Rules  []string `yaml:"rules"`
}

// RepresentationWGBO asks consent as the WGBO says: under 12 the parents or
// guardian; 12 to 15 the minor and the parents or guardian; 16 and older the
// person; an adult lacking capacity through their representative.
const RepresentationWGBO = "wgbo"

// OrganisationConsentManager has a manager (or an administrator) give the
// organisation's consent, not the staff member of the conversation.
const OrganisationConsentManager = "manager"

// Consent selectors a rule's consent_from may use besides party names.
const (
	// OtherParty is rule 6's "the other party": the client when the
	// organisation acts, the organisation when the client acts, and both
	// when another participant acts.
	OtherParty = "other_party"
	// OtherParticipants is everyone present except whoever acts.
	OtherParticipants = "other_participants"
	// OtherParticipantsExceptStaff is everyone present except whoever acts
	// and the organisation's staff.
	OtherParticipantsExceptStaff = "other_participants_except_staff"
)

var selectors = []string{OtherParty, OtherParticipants, OtherParticipantsExceptStaff}

// compile turns a policy text into a Policy. base is the compiled policy it
// extends, or nil. It returns every problem it finds as an error finding,
// and with them the policy as far as it compiled.
func (l *Library) compile(file string, text []byte, base *Policy) *draft {
	c := &compiler{lib: l, file: file}
	var root yaml.Node
	if err := yaml.Unmarshal(text, &root); err != nil {
		c.add(yamlLine(err), "", "not a valid YAML document: %s", yamlMessage(err))
		return &draft{findings: c.findings}
	}
	if len(root.Content) == 0 {
		c.add(1, "", "empty policy document")
		return &draft{findings: c.findings}
	}
	doc := root.Content[0]
	c.checkFields(doc, reflect.TypeFor[document](), "")
	var d document
	if err := doc.Decode(&d); err != nil {
		c.add(yamlLine(err), "", "%s", yamlMessage(err))
		return &draft{findings: c.findings}
	}
	p := c.policy(&d, doc, text, base)
	return &draft{policy: p, broken: c.broken, doc: doc, findings: c.findings}
}

type compiler struct {
	lib      *Library
	file     string
	findings []Finding
	broken   []*Rule // rules with an error
	// unusable are the files of sources entries that are wrong, whose
	// citations are not checked: the entry's finding says it once.
	unusable []string
	// unlisted are sources cited but not listed, with the finding that
	// says so at the first citation and the lines of the others.
	unlisted map[string]*unlisted
}

type unlisted struct {
	finding int
	lines   []string
}

func (c *compiler) add(line int, rule, format string, args ...any) {
	c.findings = append(c.findings, Finding{File: c.file, Line: line, Rule: rule, Severity: SeverityError, Msg: fmt.Sprintf(format, args...)})
}

// checkFields reports keys the file format does not know, with their line.
// setting is a policy-wide setting with one known value: the policy's
// own, or the one it inherits when it leaves it out; another value is a
// finding at key.
func (c *compiler) setting(doc *yaml.Node, key, own, inherited, known string) string {
	switch {
	case own == "":
		return inherited
	case own != known:
		c.add(keyLine(doc, key), "", "%s %q is not known; the only one is %q", key, own, known)
	}
	return own
}

func (c *compiler) checkFields(n *yaml.Node, t reflect.Type, path string) {
	switch {
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Struct:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i], n.Content[i+1]
			f, ok := yamlField(t, key.Value)
			if !ok {
				c.add(key.Line, "", "unknown field %q%s", key.Value, inPath(path))
				continue
			}
			c.checkFields(val, f.Type, strings.TrimPrefix(path+"."+key.Value, "."))
		}
	case n.Kind == yaml.SequenceNode && t.Kind() == reflect.Slice:
		for i, item := range n.Content {
			c.checkFields(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	}
}

func yamlField(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if name, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); name == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func inPath(path string) string {
	if path == "" {
		return ""
	}
	return " in " + path
}

func (c *compiler) policy(d *document, doc *yaml.Node, text []byte, base *Policy) *Policy {
	p := &Policy{
		Name: d.Name, Version: d.Version, Title: d.Title, Kind: d.Kind, Extends: d.Extends,
		File: c.file,
	}
	if !namePattern(d.Name) {
		c.add(keyLine(doc, "name"), "", "name %q must be lower-case letters, digits and dashes", d.Name)
	}
	if d.Version == "" {
		c.add(keyLine(doc, "version"), "", "version is missing")
	}
	if d.Title.NL == "" && d.Title.EN == "" {
		c.add(keyLine(doc, "title"), "", "title is missing")
	}
	var inherited Policy
	if base != nil {
		inherited = *base
	}
	p.Representation = c.setting(doc, "representation", d.Representation, inherited.Representation, RepresentationWGBO)
	p.OrganisationConsent = c.setting(doc, "organisation_consent", d.OrganisationConsent, inherited.OrganisationConsent, OrganisationConsentManager)
	sum := sha256.New()
	sum.Write(text)
	if base != nil {
		fmt.Fprintf(sum, "\x00extends %s", base.Digest)
		p.Sources = slices.Clone(base.Sources)
		p.Guidance = slices.Clone(base.Guidance)
		p.Restates = slices.Clone(base.Restates)
	}
	p.Digest = "sha256:" + hex.EncodeToString(sum.Sum(nil))

	for i, sd := range d.Sources {
		src, key, err := c.lib.source(sd)
		if err != nil {
			c.add(keyAt(itemNode(doc, "sources", i), key), "", "%s", err)
			c.unusable = append(c.unusable, sd.File)
			continue
		}
		if slices.ContainsFunc(p.Sources, func(s Source) bool { return s.File == src.File }) {
			continue
		}
		p.Sources = append(p.Sources, src)
	}

	var rules []*Rule
	if base != nil {
		rules = slices.Clone(base.Rules)
	}
	for i := range d.Rules {
		rd := &d.Rules[i]
		item := itemNode(doc, "rules", i)
		n := len(c.findings)
		r := c.rule(p, rd, item, rules)
		if r == nil {
			continue
		}
		if len(c.findings) > n {
			c.broken = append(c.broken, r)
		}
		if rd.Overrides != "" {
			at := slices.IndexFunc(rules, func(x *Rule) bool { return x.ID == rd.Overrides })
			rules[at] = r
		} else {
			rules = append(rules, r)
		}
	}
	p.Rules = rules

	for i, gd := range d.Guidance {
		item := itemNode(doc, "guidance", i)
		g := Guidance{Citation: Citation{gd.Source, gd.Ref}, SeeAlso: gd.SeeAlso, Text: strings.TrimSpace(gd.Text), SupportedBy: gd.SupportedBy, Explain: trimText(gd.Explain), Policy: p.Name}
		c.cite(p, item, "", g.Citation)
		for j, sa := range g.SeeAlso {
			c.cite(p, itemNode(item, "see_also", j), "", sa)
		}
		if g.Text == "" {
			c.add(keyAt(item, "text"), "", "guidance %s %s: text is missing", g.Source, g.Ref)
		}
		if len(g.SupportedBy) == 0 {
			c.add(keyAt(item, "supported_by"), "", "guidance %s %s: supported_by is missing: say where opname supports it", g.Source, g.Ref)
		}
		for j, s := range g.SupportedBy {
			if !Supports.Has(s) {
				c.add(itemLine(item, "supported_by", j), "", "guidance %s %s: supported_by %q is not one of %s", g.Source, g.Ref, s, strings.Join(Supports.Codes(), ", "))
			}
		}
		p.Guidance = append(p.Guidance, g)
	}

	c.retention(p, d.Retention, doc, base)

	for i, rd := range d.Restates {
		item := itemNode(doc, "restates", i)
		r := Restatement{Citation: Citation{rd.Source, rd.Ref}, Rules: rd.Rules}
		c.cite(p, item, "", r.Citation)
		if len(r.Rules) == 0 {
			c.add(keyAt(item, "rules"), "", "restates %s %s: name the rules it restates", r.Source, r.Ref)
		}
		for j, id := range r.Rules {
			if !slices.ContainsFunc(p.Rules, func(x *Rule) bool { return x.ID == id }) {
				c.add(itemLine(item, "rules", j), "", "restates %s %s: no rule %q", r.Source, r.Ref, id)
			}
		}
		p.Restates = append(p.Restates, r)
	}
	for _, u := range c.unlisted {
		switch len(u.lines) {
		case 0:
		case 1:
			c.findings[u.finding].Msg += " (cited again at line " + u.lines[0] + ")"
		default:
			c.findings[u.finding].Msg += " (cited again at lines " + strings.Join(u.lines, ", ") + ")"
		}
	}
	return p
}

func (c *compiler) rule(p *Policy, rd *ruleDoc, item *yaml.Node, rules []*Rule) *Rule {
	line := item.Line
	id := rd.ID
	if !namePattern(id) {
		c.add(keyAt(item, "id"), id, "id %q must be lower-case letters, digits, dots and dashes", id)
		return nil
	}
	if slices.ContainsFunc(rules, func(x *Rule) bool { return x.ID == id }) {
		c.add(keyAt(item, "id"), id, "duplicate rule id %q", id)
		return nil
	}
	r := &Rule{}
	if rd.Overrides != "" {
		at := slices.IndexFunc(rules, func(x *Rule) bool { return x.ID == rd.Overrides })
		if at < 0 {
			c.add(keyLine(item, "overrides"), id, "overrides %q: no such rule in %s", rd.Overrides, p.Extends)
			return nil
		}
		*r = *rules[at]
	}
	r.ID, r.Policy, r.file, r.line = id, p.Name, c.file, line
	if rd.Source != "" || rd.Ref != "" {
		r.Citation = Citation{rd.Source, rd.Ref}
	}
	if rd.SeeAlso != nil {
		r.SeeAlso = rd.SeeAlso
	}
	if t := strings.TrimSpace(rd.Text); t != "" {
		r.Text = t
	}
	// An inherited condition is reported at the rule that overrides it.
	r.whenLine = keyLine(item, "when")
	if rd.When != "" {
		r.When, r.prg, r.ast = rd.When, nil, nil
	}
	if rd.Outcome != "" {
		// A new outcome replaces what went with the old one.
		r.Outcome, r.ConsentFrom, r.OnRefusal, r.DecidedBy = Outcome(rd.Outcome), nil, "", ""
	}
	if rd.ConsentFrom != nil {
		r.ConsentFrom = rd.ConsentFrom
	}
	if rd.OnRefusal != "" {
		r.OnRefusal = Outcome(rd.OnRefusal)
	}
	if rd.DecidedBy != "" {
		r.DecidedBy = rd.DecidedBy
	}
	for _, l := range []struct {
		dst *[]string
		src []string
	}{{&r.Obligations, rd.Obligations}, {&r.Agreements, rd.Agreements}, {&r.Alternatives, rd.Alternatives}, {&r.Enforcement, rd.Enforcement}, {&r.Advice, rd.Advice}} {
		if l.src != nil {
			*l.dst = l.src
		}
	}
	if e := trimText(rd.Explain); e.NL != "" || e.EN != "" {
		r.Explain = e
	}

	if r.Source == "" || r.Ref == "" {
		c.add(line, id, "source and ref are required: cite the document and the rule's number or heading")
	} else {
		c.cite(p, item, id, r.Citation)
	}
	for i, sa := range r.SeeAlso {
		c.cite(p, itemNode(item, "see_also", i), id, sa)
	}
	if r.Text == "" {
		c.add(keyAt(item, "text"), id, "text is missing: give the rule's text from its source")
	}
	if r.Explain.NL == "" && r.Explain.EN == "" {
		c.add(keyAt(item, "explain"), id, "explain is missing: say in plain language what the rule means")
	}
	r.explained = [2][]string{split(r.Explain.NL), split(r.Explain.EN)}
	c.effects(r, item)
	c.condition(r)
	r.prepare()
	return r
}

// effects checks what a rule does. A finding stands at the key that is
// wrong, or at the outcome when a key it needs is missing.
func (c *compiler) effects(r *Rule, item *yaml.Node) {
	outcome := keyAt(item, "outcome")
	if r.Outcome != "" && r.Outcome.Strength() == 0 {
		c.add(outcome, r.ID, "outcome %q is not one of %s", r.Outcome, joinOutcomes())
	}
	switch {
	case r.Outcome == NeedsConsent && len(r.ConsentFrom) == 0:
		c.add(outcome, r.ID, "outcome needs_consent without consent_from: say whose consent is needed")
	case r.Outcome != NeedsConsent && len(r.ConsentFrom) > 0:
		c.add(keyAt(item, "consent_from"), r.ID, "consent_from is only for outcome needs_consent (outcome is %q)", r.Outcome)
	}
	for i, who := range r.ConsentFrom {
		if !Parties.Has(who) && !slices.Contains(selectors, who) {
			c.add(itemLine(item, "consent_from", i), r.ID, "consent_from %q is not a party (%s) or one of %s", who, strings.Join(Parties.Codes(), ", "), strings.Join(selectors, ", "))
		}
	}
	switch {
	case r.OnRefusal != "" && r.Outcome != NeedsConsent:
		c.add(keyAt(item, "on_refusal"), r.ID, "on_refusal is only for outcome needs_consent")
	case r.OnRefusal != "" && !r.OnRefusal.Stops():
		c.add(keyAt(item, "on_refusal"), r.ID, "on_refusal %q must be refused or forbidden", r.OnRefusal)
	}
	switch {
	case r.Outcome == NeedsDecision && r.DecidedBy == "":
		c.add(outcome, r.ID, "outcome needs_decision without decided_by: say who decides")
	case r.Outcome != NeedsDecision && r.DecidedBy != "":
		c.add(keyAt(item, "decided_by"), r.ID, "decided_by is only for outcome needs_decision (outcome is %q)", r.Outcome)
	case r.DecidedBy != "" && !Deciders.Has(r.DecidedBy):
		c.add(keyAt(item, "decided_by"), r.ID, "decided_by %q is not one of %s", r.DecidedBy, strings.Join(Deciders.Codes(), ", "))
	}
	for _, l := range []struct {
		field string
		codes []string
		vocab Vocabulary
	}{
		{"obligations", r.Obligations, Obligations},
		{"agreements", r.Agreements, Agreements},
		{"alternatives", r.Alternatives, Alternatives},
		{"enforcement", r.Enforcement, Enforcement},
		{"advice", r.Advice, Advice},
	} {
		for i, code := range l.codes {
			if !l.vocab.Has(code) {
				c.add(itemLine(item, l.field, i), r.ID, "%s: %q is not one of %s", l.field, code, strings.Join(l.vocab.Codes(), ", "))
			}
		}
	}
}

func (c *compiler) condition(r *Rule) {
	if strings.TrimSpace(r.When) == "" {
		c.add(r.whenLine, r.ID, "when is missing: give the condition (write `true` for always)")
		return
	}
	if r.prg != nil {
		return // inherited, already compiled
	}
	r.When = strings.TrimSpace(r.When)
	ast, iss := c.lib.env.Compile(r.When)
	if iss.Err() != nil {
		for _, e := range iss.Errors() {
			c.add(r.whenLine+max(e.Location.Line()-1, 0), r.ID, "when: %s (column %d)", e.Message, e.Location.Column()+1)
		}
		return
	}
	if !ast.OutputType().IsExactType(cel.BoolType) {
		c.add(r.whenLine, r.ID, "when: the condition must be true or false, not %s", ast.OutputType())
		return
	}
	prg, err := c.lib.env.Program(ast, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		c.add(r.whenLine, r.ID, "when: %s", err)
		return
	}
	r.ast, r.prg = ast, prg
}

// cite checks a citation; n is the mapping that holds its source and ref.
func (c *compiler) cite(p *Policy, n *yaml.Node, rule string, ct Citation) {
	if ct.Source == "" || ct.Ref == "" {
		c.add(n.Line, rule, "a citation needs both source and ref")
		return
	}
	i := slices.IndexFunc(p.Sources, func(s Source) bool { return s.File == ct.Source })
	switch {
	case i < 0 && slices.Contains(c.unusable, ct.Source):
		return // its sources entry has a finding
	case i < 0 && c.unlisted[ct.Source] != nil:
		u := c.unlisted[ct.Source]
		u.lines = append(u.lines, strconv.Itoa(keyAt(n, "source")))
		return
	case i < 0:
		if c.unlisted == nil {
			c.unlisted = map[string]*unlisted{}
		}
		c.unlisted[ct.Source] = &unlisted{finding: len(c.findings)}
		c.add(keyAt(n, "source"), rule, "source %q is not among the policy's sources; list it under sources", ct.Source)
		return
	}
	if !slices.Contains(p.Sources[i].Refs, ct.Ref) {
		c.add(keyAt(n, "ref"), rule, "source %s has no rule %q (it has: %s)", ct.Source, ct.Ref, strings.Join(p.Sources[i].Refs, "; "))
	}
}

func trimText(t Text) Text {
	return Text{NL: strings.Join(strings.Fields(t.NL), " "), EN: strings.Join(strings.Fields(t.EN), " ")}
}

func namePattern(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_') {
			return false
		}
	}
	return true
}

func joinOutcomes() string {
	s := make([]string, len(Outcomes))
	for i, o := range Outcomes {
		s[i] = string(o)
	}
	return strings.Join(s, ", ")
}

// keyLine returns the line of key's value in mapping n, or n's own line.
func keyLine(n *yaml.Node, key string) int {
	if v := value(n, key); v != nil {
		return v.Line
	}
	if n == nil {
		return 0
	}
	return n.Line
}

// keyAt returns the line of the key at the end of path in mapping n, going
// down through nested mappings: the innermost key of path that is there, or
// n's own line when the first is not.
func keyAt(n *yaml.Node, path ...string) int {
	line := n.Line
	for _, key := range path {
		k, v := entry(n, key)
		if k == nil {
			break
		}
		line, n = k.Line, v
	}
	return line
}

// entry returns the key and value nodes of key in mapping n, or nils.
func entry(n *yaml.Node, key string) (k, v *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}

func itemNode(n *yaml.Node, key string, i int) *yaml.Node {
	if v := value(n, key); v != nil && i < len(v.Content) {
		return v.Content[i]
	}
	return n
}

func itemLine(n *yaml.Node, key string, i int) int { return itemNode(n, key, i).Line }

func value(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// yamlLine digs the line number out of a YAML error, or 1.
func yamlLine(err error) int {
	msg := err.Error()
	if _, rest, ok := strings.Cut(msg, "line "); ok {
		n := 0
		for _, r := range rest {
			if r < '0' || r > '9' {
				break
			}
			n = n*10 + int(r-'0')
		}
		if n > 0 {
			return n
		}
	}
	return 1
}

func yamlMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n  ")
	if _, rest, ok := strings.Cut(msg, ": "); ok && strings.HasPrefix(msg, "line ") {
		return rest
	}
	return msg
}
