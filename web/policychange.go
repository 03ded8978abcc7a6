package web

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/opname/opname"
	"github.com/opname/opname/policy"
)

// The policy page shows the policy in force and its changes. A change of
// policy decides every later request, so it is never one click: choose a
// shipped policy or a file of one's own (checked first), see what changes,
// and confirm with a reason. The confirmation carries the digests of the
// policy it was previewed against and of the one previewed; the store
// refuses it when the policy changed meanwhile, and makes it once when it
// comes twice.

// policyData is what the policy page and the preview get.
type policyData struct {
	*page
	Current      opname.PolicyVersion
	CurrentTitle string
	OwnVersion   string
	History      []policyRow
	Choices      []choice
	// Findings are the problems the check found in a file of one's own,
	// FindingsText says so.
	Findings     []findingRow
	FindingsText string
	Preview      *preview
}

type policyRow struct {
	opname.PolicyVersion
	Title, When, By string
}

// preview is what a change of policy changes, in the reader's language.
type preview struct {
	Same      bool
	Now, Then previewPolicy
	changeRows
	// The confirmation's fields: the shipped policy's name or the text of
	// one's own (base64, so that it comes back byte for byte), and the
	// digests it was previewed with.
	Shipped, Text64, From, To string
}

// changeRows are what a change of policy changes, in the reader's
// language: the typical situations decided differently, and the rules
// added, removed and changed. The preview shows them before a change, the
// public page's history after.
type changeRows struct {
	Decisions []decisionRow
	Added     []ruleRow
	Removed   []ruleRow
	Changed   []ruleRow
}

type previewPolicy struct {
	Title, Name, Version, Digest string
}

// decisionRow is a typical situation decided differently. Consent,
// Alternatives and Decider are set only when they differ.
type decisionRow struct {
	Name          string
	Before, After decisionSide
}

type decisionSide struct {
	Outcome, Explanation, Consent, Alternatives, Decider string
}

type ruleRow struct {
	ID, Text, Explain, What, Before string
}

func (s *Server) policyPage(w http.ResponseWriter, r *http.Request) {
	p := &page{}
	if r.URL.Query().Get("tijdzone") == "1" {
		p.Message, p.MessageOK = translate(lang(r), "policy.zone.saved"), true
	}
	changed, _ := strconv.Atoi(r.URL.Query().Get("gewijzigd"))
	s.renderPolicyData(w, r, http.StatusOK, &policyData{page: p}, changed)
}

// renderPolicy shows the policy page with p's message.
func (s *Server) renderPolicy(w http.ResponseWriter, r *http.Request, code int, p *page) {
	s.renderPolicyData(w, r, code, &policyData{page: p}, 0)
}

// renderPolicyData shows the policy page; changed is the version a change
// just made, which the page says.
func (s *Server) renderPolicyData(w http.ResponseWriter, r *http.Request, code int, d *policyData, changed int) {
	ctx, l := r.Context(), lang(r)
	org, err := s.Store.Organisation(ctx)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	versions, err := s.Store.PolicyVersions(ctx)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d.Org, d.Current, d.CurrentTitle, d.TimeZones = org, org.Policy, org.Policy.Name, timeZones
	if pol, err := s.compiled(org.Policy); err == nil {
		d.CurrentTitle, d.OwnVersion = pol.Title.In(l), pol.Version
	}
	for _, v := range versions {
		row := policyRow{PolicyVersion: v, Title: s.policyTitle(v, l), When: s.when(r, v.CreatedAt), By: v.ChangedByName}
		if v.Previous != "" && row.By == "" {
			row.By = translate(l, "policy.by.admin")
		}
		if v.Version == changed {
			d.Message, d.MessageOK = fmt.Sprintf(translate(l, "policy.changed"), row.Title, v.Version), true
		}
		d.History = append(d.History, row)
	}
	for _, name := range s.Policies.Names() {
		label := name
		if p, err := s.Policies.Policy(name); err == nil {
			label = p.Title.In(l)
		}
		if name == org.Policy.Shipped {
			label += " (" + translate(l, "policy.shipped.current") + ")"
		}
		d.Choices = append(d.Choices, choice{name, label})
	}
	s.renderData(w, r, code, "policy", d.page, d)
}

// policyTitle is a stored version's title in l: a shipped policy's from
// the library, an own policy's by its name.
func (s *Server) policyTitle(v opname.PolicyVersion, l string) string {
	if v.Shipped != "" {
		if p, err := s.Policies.Policy(v.Shipped); err == nil {
			return p.Title.In(l)
		}
	}
	return v.Name
}

// maxPolicyForm bounds a form that carries a policy text: the text, in
// base64 or as a file, with room for the other fields.
const maxPolicyForm = policy.MaxPolicyBytes*2 + 64<<10

// chosenPolicy is the policy a form names: a shipped one ("beleid"), a
// file of one's own ("bestand"), a pasted text ("tekst"), or the text a
// preview carries on to its confirmation ("tekst64"). A text is checked
// first: findings are every problem found, and msg what is wrong with the
// form itself, in the reader's language.
func (s *Server) chosenPolicy(w http.ResponseWriter, r *http.Request) (pv *opname.PolicyVersion, findings []policy.Finding, msg string, err error) {
	l := lang(r)
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxPolicyForm)
		if err := r.ParseMultipartForm(maxPolicyForm); err != nil && !errors.Is(err, http.ErrNotMultipart) {
			return nil, nil, translate(l, "policy.err.file"), nil
		}
	}
	var text string
	var given int
	if f, _, err := r.FormFile("bestand"); err == nil {
		data, err := io.ReadAll(io.LimitReader(f, policy.MaxPolicyBytes+1))
		f.Close()
		if err != nil || len(data) > policy.MaxPolicyBytes {
			return nil, nil, translate(l, "policy.err.file"), nil
		}
		if len(data) > 0 {
			text, given = string(data), given+1
		}
	}
	if t := r.FormValue("tekst"); strings.TrimSpace(t) != "" {
		text, given = t, given+1
	}
	if t := r.FormValue("tekst64"); t != "" {
		data, err := base64.StdEncoding.DecodeString(t)
		if err != nil {
			return nil, nil, translate(l, "policy.err.file"), nil
		}
		text, given = string(data), given+1
	}
	shipped := r.FormValue("beleid")
	switch {
	case shipped != "" && given > 0, given > 1:
		return nil, nil, translate(l, "policy.err.both"), nil
	case shipped != "":
		pv, err := opname.NewPolicyVersion(s.Policies, shipped, nil)
		if err != nil && opname.KindOf(err) == opname.Invalid {
			return nil, nil, localMessage(l, err), nil
		}
		return pv, nil, "", err
	case given == 0:
		return nil, nil, translate(l, "policy.err.nothing"), nil
	}
	// Browsers send a pasted text's line breaks as CRLF; the policy is
	// the same text with LF.
	text = strings.ReplaceAll(text, "\r\n", "\n")
	if opname.Paragraphs.Chars(policy.MaxPolicyBytes).Check("bestand", text) != nil {
		return nil, nil, translate(l, "policy.err.file"), nil
	}
	if findings := s.Policies.Lint("beleid.yaml", []byte(text)); len(findings) > 0 {
		return nil, findings, "", nil
	}
	pv, err = opname.NewPolicyVersion(s.Policies, "", []byte(text))
	if err != nil && opname.KindOf(err) == opname.Invalid {
		return nil, nil, localMessage(l, err), nil
	}
	return pv, nil, "", err
}

// findingRow is a problem the check found: where, how bad and which rule
// in the reader's language, and the check's own words, which are English.
type findingRow struct{ Where, Msg string }

// findingLines are findings for a page in l.
func findingLines(l string, findings []policy.Finding) []findingRow {
	out := make([]findingRow, 0, len(findings))
	for _, f := range findings {
		severity := translate(l, "policy.finding.error")
		if f.Severity == policy.SeverityWarning {
			severity = translate(l, "policy.finding.warning")
		}
		line := fmt.Sprintf(translate(l, "policy.finding.line"), f.Line) + " (" + severity
		if f.Rule != "" {
			line += ", " + fmt.Sprintf(translate(l, "policy.finding.rule"), f.Rule)
		}
		out = append(out, findingRow{line + ")", f.Msg})
	}
	return out
}

// previewForm shows what choosing a shipped policy (GET, ?beleid=) or a
// file of one's own (POST) would change.
func (s *Server) previewForm(w http.ResponseWriter, r *http.Request) {
	pv, findings, msg, err := s.chosenPolicy(w, r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if msg != "" || len(findings) > 0 {
		s.refusePolicy(w, r, msg, findings)
		return
	}
	s.renderPreview(w, r, http.StatusOK, pv, "")
}

// refusePolicy shows the policy page again with what is wrong with the
// policy chosen.
func (s *Server) refusePolicy(w http.ResponseWriter, r *http.Request, msg string, findings []policy.Finding) {
	l := lang(r)
	d := &policyData{page: &page{Message: msg}}
	if len(findings) > 0 {
		d.Findings = findingLines(l, findings)
		d.FindingsText = translate(l, "policy.findings.one")
		if len(findings) > 1 {
			d.FindingsText = fmt.Sprintf(translate(l, "policy.findings.many"), len(findings))
		}
	}
	s.renderPolicyData(w, r, http.StatusBadRequest, d, 0)
}

// renderPreview shows what pv changes against the policy in force, with
// the confirmation; msg says why it is shown again.
func (s *Server) renderPreview(w http.ResponseWriter, r *http.Request, code int, pv *opname.PolicyVersion, msg string) {
	l := lang(r)
	org, err := s.Store.Organisation(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	cmp, before, after, err := s.compare(org.Policy, pv)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p := &preview{
		Same: org.Policy.Digest == pv.Digest,
		Now:  previewPolicy{Title: before.Title.In(l), Name: before.Name, Version: before.Version, Digest: org.Policy.Digest},
		Then: previewPolicy{Title: after.Title.In(l), Name: after.Name, Version: after.Version, Digest: pv.Digest},
		From: org.Policy.Digest, To: pv.Digest, Shipped: pv.Shipped,
	}
	if pv.Shipped == "" {
		p.Text64 = base64.StdEncoding.EncodeToString([]byte(pv.Text))
	}
	p.changeRows = changesOf(cmp, l)
	d := &policyData{page: &page{Org: org, Title: translate(l, "policy.preview.title"), Message: msg}, Preview: p}
	s.renderData(w, r, code, "policychange", d.page, d)
}

// changesOf is comparison cmp in language l.
func changesOf(cmp *policy.Comparison, l string) changeRows {
	var out changeRows
	for _, c := range cmp.Decisions {
		row := decisionRow{Name: c.Case.Name.In(l), Before: side(c.Before, l), After: side(c.After, l)}
		if row.Before.Consent == row.After.Consent {
			row.Before.Consent, row.After.Consent = "", ""
		}
		if row.Before.Alternatives == row.After.Alternatives {
			row.Before.Alternatives, row.After.Alternatives = "", ""
		}
		if row.Before.Decider == row.After.Decider {
			row.Before.Decider, row.After.Decider = "", ""
		}
		out.Decisions = append(out.Decisions, row)
	}
	rule := func(r *policy.Rule) ruleRow { return ruleRow{ID: r.ID, Text: r.Text, Explain: r.Explain.In(l)} }
	for _, r := range cmp.Added {
		out.Added = append(out.Added, rule(r))
	}
	for _, r := range cmp.Removed {
		out.Removed = append(out.Removed, rule(r))
	}
	for _, c := range cmp.Changed {
		row := rule(c.After)
		what := make([]string, len(c.Fields))
		for i, f := range c.Fields {
			what[i] = translate(l, "policy.field."+f)
		}
		row.What = fmt.Sprintf(translate(l, "policy.preview.changed.what"), strings.Join(what, ", "))
		if c.Before.Text != c.After.Text {
			row.Before = c.Before.Text
		}
		out.Changed = append(out.Changed, row)
	}
	return out
}

// side is one decision of a typical situation in words.
func side(d policy.Decision, l string) decisionSide {
	none := translate(l, "policy.preview.none")
	words := func(v policy.Vocabulary, codes []string) string {
		if len(codes) == 0 {
			return none
		}
		return strings.Join(v.Labels(codes, l), ", ")
	}
	decider := translate(l, "policy.preview.nobody")
	if d.DecidedBy != "" {
		decider = policy.Deciders.Label(d.DecidedBy, l)
	}
	return decisionSide{Outcome: d.Outcome.Label(l), Explanation: d.Explanation.In(l), Consent: words(policy.Parties, d.ConsentFrom), Alternatives: words(policy.Alternatives, d.Alternatives), Decider: decider}
}

// compare compiles the policy in force and pv and compares them on the
// typical situations.
func (s *Server) compare(current opname.PolicyVersion, pv *opname.PolicyVersion) (*policy.Comparison, *policy.Policy, *policy.Policy, error) {
	before, err := s.compiled(current)
	if err != nil {
		return nil, nil, nil, err
	}
	after, err := s.compiled(*pv)
	if err != nil {
		return nil, nil, nil, err
	}
	cmp, err := policy.Compare(before, after, policy.TypicalCases())
	return cmp, before, after, err
}

// policyForm makes the change a preview confirmed: it must carry what was
// previewed and a reason; a change confirmed twice is made once.
func (s *Server) policyForm(w http.ResponseWriter, r *http.Request) {
	l := lang(r)
	pv, findings, msg, err := s.chosenPolicy(w, r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if msg != "" || len(findings) > 0 {
		s.refusePolicy(w, r, msg, findings)
		return
	}
	from, to, reason := r.FormValue("van"), r.FormValue("naar"), strings.TrimSpace(r.FormValue("reden"))
	switch {
	case from == "" || to != pv.Digest:
		s.renderPreview(w, r, http.StatusConflict, pv, translate(l, "policy.err.previewed"))
		return
	case reason == "":
		s.renderPreview(w, r, http.StatusBadRequest, pv, translate(l, "policy.err.reason"))
		return
	}
	pv.Previous, pv.Reason = from, reason
	err = s.Store.SetPolicy(r.Context(), pv)
	switch opname.KindOf(err) {
	case "":
		http.Redirect(w, r, "/beleid?gewijzigd="+strconv.Itoa(pv.Version), http.StatusSeeOther)
	case opname.Conflict:
		s.renderPreview(w, r, http.StatusConflict, pv, translate(l, "policy.err.meanwhile"))
	case opname.Invalid:
		s.renderPreview(w, r, http.StatusBadRequest, pv, localMessage(l, err))
	default:
		s.Error(w, r, err)
	}
}

// policyRequest names a policy: a shipped policy's name, or a policy text
// of the organisation's own. Exactly one is given.
type policyRequest struct {
	Shipped string `json:"shipped"`
	Text    string `json:"text"`
}

type setPolicyRequest struct {
	policyRequest
	// Reason is why the policy changes (required).
	Reason string `json:"reason"`
	// PreviousDigest, when given, is the digest of the policy the change
	// was decided against: the change is refused when that is not the
	// current one any more.
	PreviousDigest string `json:"previous_digest"`
}

func (s *Server) apiSetPolicy(w http.ResponseWriter, r *http.Request) {
	var req setPolicyRequest
	if err := decode(w, r, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	pv, err := opname.NewPolicyVersion(s.Policies, req.Shipped, []byte(req.Text))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	org, err := s.Store.Organisation(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	current := org.Policy.Digest == pv.Digest
	pv.Reason, pv.Previous = req.Reason, req.PreviousDigest
	if err := s.Store.SetPolicy(r.Context(), pv); err != nil {
		s.Error(w, r, err)
		return
	}
	code := http.StatusCreated
	if current {
		code = http.StatusOK
	}
	writeJSON(w, code, pv)
}

// apiPolicyPreview is the dry run of a change of policy: what it changes,
// and nothing changed.
func (s *Server) apiPolicyPreview(w http.ResponseWriter, r *http.Request) {
	var req policyRequest
	if err := decode(w, r, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	s.respond(w, r, func() (any, error) {
		if req.Text != "" {
			if findings := s.Policies.Lint("policy.yaml", []byte(req.Text)); len(findings) > 0 {
				all := make([]string, len(findings))
				for i, f := range findings {
					all[i] = f.String()
				}
				return nil, &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("policy: %d findings: %s", len(findings), strings.Join(all, "; "))}
			}
		}
		pv, err := opname.NewPolicyVersion(s.Policies, req.Shipped, []byte(req.Text))
		if err != nil {
			return nil, err
		}
		org, err := s.Store.Organisation(r.Context())
		if err != nil {
			return nil, err
		}
		cmp, _, _, err := s.compare(org.Policy, pv)
		if err != nil {
			return nil, err
		}
		return previewJSON(org.Policy, *pv, cmp), nil
	})
}

type ruleJSON struct {
	ID      string         `json:"id"`
	Source  string         `json:"source"`
	Ref     string         `json:"ref"`
	Text    string         `json:"text"`
	Outcome policy.Outcome `json:"outcome,omitempty"`
	Explain policy.Text    `json:"explain"`
}

func ruleOf(r *policy.Rule) ruleJSON {
	return ruleJSON{ID: r.ID, Source: r.Source, Ref: r.Ref, Text: r.Text, Outcome: r.Outcome, Explain: r.Explain}
}

type changedRuleJSON struct {
	ID     string   `json:"id"`
	Fields []string `json:"fields"`
	Before ruleJSON `json:"before"`
	After  ruleJSON `json:"after"`
}

type decisionChangeJSON struct {
	Case      string           `json:"case"`
	Name      policy.Text      `json:"name"`
	Situation policy.Situation `json:"situation"`
	Before    policy.Decision  `json:"before"`
	After     policy.Decision  `json:"after"`
}

type policyPreviewJSON struct {
	From      opname.PolicyVersion `json:"from"`
	To        opname.PolicyVersion `json:"to"`
	Unchanged bool                 `json:"unchanged"`
	Rules     struct {
		Added   []ruleJSON        `json:"added"`
		Removed []ruleJSON        `json:"removed"`
		Changed []changedRuleJSON `json:"changed"`
	} `json:"rules"`
	Decisions []decisionChangeJSON `json:"decisions"`
}

func previewJSON(from, to opname.PolicyVersion, cmp *policy.Comparison) *policyPreviewJSON {
	out := &policyPreviewJSON{From: from, To: to, Unchanged: from.Digest == to.Digest, Decisions: []decisionChangeJSON{}}
	out.Rules.Added, out.Rules.Removed, out.Rules.Changed = []ruleJSON{}, []ruleJSON{}, []changedRuleJSON{}
	for _, r := range cmp.Added {
		out.Rules.Added = append(out.Rules.Added, ruleOf(r))
	}
	for _, r := range cmp.Removed {
		out.Rules.Removed = append(out.Rules.Removed, ruleOf(r))
	}
	for _, c := range cmp.Changed {
		out.Rules.Changed = append(out.Rules.Changed, changedRuleJSON{ID: c.After.ID, Fields: c.Fields, Before: ruleOf(c.Before), After: ruleOf(c.After)})
	}
	for _, d := range cmp.Decisions {
		out.Decisions = append(out.Decisions, decisionChangeJSON{Case: d.Case.ID, Name: d.Case.Name, Situation: d.Case.Situation, Before: d.Before, After: d.After})
	}
	return out
}
