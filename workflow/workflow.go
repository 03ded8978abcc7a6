// Package workflow is the conversation workflow: a conversation with a
// client is opened, someone asks to record it (or to copy, edit, share or
// publish a recording), the organisation's policy decides, and the answers
// of the parties, weighty reasons, a manager's decision and the agreements
// move the request on. Every step is decided again by the policy and
// stored with the situation, the decision and the policy's digest.
// Incidents follow the policy's enforcement ladder.
package workflow

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/policy"
	"github.com/opname/opname/translog"
)

// Store is what the workflow needs of the database.
type Store interface {
	opname.Organisations
	opname.Users
	opname.Clients
	opname.Conversations
	opname.Recordings
	opname.Incidents
	opname.Log
	opname.RecipientLinks
}

// Notice is something a manager must know: a request waiting for their
// decision, or an incident.
type Notice struct {
	OrgID    string
	Subject  string
	Body     string
	Link     string
	Incident *opname.Incident
	Request  *opname.Request
}

// Workflow runs conversations through the organisation's policy.
type Workflow struct {
	Store    Store
	Policies *policy.Library
	// Notify, when set, tells the organisation's managers of a notice
	// (by e-mail); the manager's inbox in the app shows it regardless.
	Notify func(ctx context.Context, n Notice)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (w *Workflow) now() time.Time {
	if w.Now != nil {
		return w.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

// The conflicts of a step taken after another was: the pages say them in
// the reader's language. Taking the same step twice is no conflict.
var (
	// ErrAskedAlready: the request went to the manager with another
	// assessment.
	ErrAskedAlready = &opname.Error{Kind: opname.Conflict, Msg: "this request was sent to the manager already, with another assessment"}
	// ErrDecidedAlready: the manager decided otherwise already.
	ErrDecidedAlready = &opname.Error{Kind: opname.Conflict, Msg: "this request was decided already, otherwise"}
	// ErrStepTaken: the incident's step was taken before.
	ErrStepTaken = &opname.Error{Kind: opname.Conflict, Msg: "this step was taken already"}
	// ErrClosed: the incident is closed.
	ErrClosed = &opname.Error{Kind: opname.Conflict, Msg: "this incident is closed"}
)

// errUnchanged is what a step's change returns when the request is as the
// step would leave it: the same step was taken already.
var errUnchanged = errors.New("workflow: unchanged")

// invalid is an Invalid error about field, with code and args for a page
// that says it in its reader's language.
func invalid(field, code, format string, args ...any) error {
	return opname.Invalidf(field, code, format, args...)
}

// policyOf compiles the caller's organisation's current policy.
func (w *Workflow) policyOf(ctx context.Context) (*policy.Policy, error) {
	org, err := w.Store.Organisation(ctx)
	if err != nil {
		return nil, err
	}
	pv := org.Policy
	if pv.Shipped != "" {
		return w.Policies.Policy(pv.Shipped)
	}
	return w.Policies.Parse(pv.Name+".yaml", []byte(pv.Text))
}

var (
	// Roles are the roles a participant can have (the contract's
	// participants[].role).
	Roles      = []string{"client", "staff", "parent", "child", "guardian", "representative", "other"}
	capacities = []string{"", "capable", "incapable"}
)

// MaxParticipants bounds the people in one conversation; a meeting with
// more is not a conversation anyone records with consent of all.
const MaxParticipants = 50

// Open stores a new conversation after checking its participants. A
// participant's user_id must name a person of the organisation (the store
// checks it).
func (w *Workflow) Open(ctx context.Context, c *opname.Conversation) error {
	switch n := len(c.Participants); {
	case n == 0:
		return invalid("participants", "participants.none", "name at least the client and the staff member")
	case n > MaxParticipants:
		return invalid("participants", "participants.too_many", "at most %d (got %d)", MaxParticipants, n)
	}
	for i := range c.Participants {
		if err := checkParticipant(fmt.Sprintf("participants[%d]", i), &c.Participants[i]); err != nil {
			return err
		}
	}
	if err := opname.Line.Chars(500).Check("topic", c.Topic); err != nil {
		return err
	}
	return w.Store.AddConversation(ctx, c)
}

// checkParticipant checks a participant named field, and clears what only
// the workflow sets.
func checkParticipant(field string, p *opname.Participant) error {
	switch {
	case !slices.Contains(Roles, p.Role):
		return invalid(field+".role", "participant.role", "%q is not known; use %s", p.Role, strings.Join(Roles, ", "))
	case !slices.Contains(capacities, p.Capacity):
		return invalid(field+".capacity", "participant.capacity", "%q is not known; use capable or incapable", p.Capacity)
	case p.Age != nil && (*p.Age < 0 || *p.Age > 130):
		return invalid(field+".age", "participant.age", "%d is not an age", *p.Age)
	case p.UserID != "" && p.Role != "staff":
		return invalid(field+".user_id", "participant.user_id", "only a staff member has one")
	}
	if err := opname.Line.Chars(100).Check(field+".name", p.Name); err != nil {
		return err
	}
	p.Declined = nil
	return nil
}

// AddParticipant adds someone to a conversation after it was opened — the
// parent who answers for a child, say, or an adult's representative, when
// the policy asks their consent — and decides the conversation's requests
// again, so that the new participant is asked too. Everyone keeps their
// place: answers name participants by their index.
func (w *Workflow) AddParticipant(ctx context.Context, conversationID string, p opname.Participant) (*opname.Conversation, error) {
	ctx = opname.ForAct(ctx) // the change is logged, not the reads it needs
	c, err := w.Store.Conversation(ctx, conversationID)
	if err != nil {
		return nil, err
	}
	if n := len(c.Participants); n >= MaxParticipants {
		return nil, invalid("participants", "participants.full", "at most %d; this conversation has %d", MaxParticipants, n)
	}
	if err := checkParticipant(fmt.Sprintf("participants[%d]", len(c.Participants)), &p); err != nil {
		return nil, err
	}
	c.Participants = append(c.Participants, p)
	if err := w.Store.UpdateParticipants(ctx, c.ID, c.Participants); err != nil {
		return nil, err
	}
	if err := w.decideAgain(ctx, c.ID); err != nil {
		return nil, err
	}
	return c, nil
}

// decideAgain decides every request of a conversation again, after its
// participants changed.
func (w *Workflow) decideAgain(ctx context.Context, conversationID string) error {
	reqs, err := w.Store.ConversationRequests(ctx, conversationID)
	if err != nil {
		return err
	}
	for _, r := range reqs {
		if _, err := w.step(ctx, r.ID, func(*opname.Conversation, *opname.Request, opname.Actor) error { return nil }); err != nil {
			return err
		}
	}
	return nil
}

// checkAct checks what a request asks against its conversation, naming
// the field and the value; the policy checks the codes it knows when it
// reads the situation. A request that names the recorder but not by gets
// the by of the recorder's role.
func checkAct(c *opname.Conversation, act *opname.Act) error {
	if act.Recipient != "" && !slices.Contains(policy.Recipients.Codes(), act.Recipient) {
		return invalid("recipient", "recipient.unknown", "%q is not a kind of recipient; use %s, or leave it empty (a person's name is not kept here)", act.Recipient, strings.Join(policy.Recipients.Codes(), ", "))
	}
	if act.Recorder == nil {
		return nil
	}
	i, n := *act.Recorder, len(c.Participants)
	switch {
	case i < 0 || i >= n:
		return invalid("recorder", "recorder.range", "%d is not one of the %d participants (counted from 0)", i, n)
	case act.ByTakesPart != nil && !*act.ByTakesPart:
		return invalid("recorder", "recorder.outside", "%d names a participant, but by_takes_part is false; leave recorder out for someone who did not take part", i)
	case act.By == "":
		act.By = ByOf(c.Participants[i].Role)
		return nil
	case !slices.Contains(byValues, act.By):
		return nil // the situation names by and its values
	}
	if role := c.Participants[i].Role; !actsAs(role, act.By) {
		return invalid("recorder", "recorder.role", "participant %d has role %s and cannot ask as by %q; use by %q", i, role, act.By, ByOf(role))
	}
	return nil
}

var byValues = []string{"client", "organisation", "other"}

// ByOf is who acts, in the situation's terms, when a participant of role
// asks: a client as the client, a staff member as the organisation, anyone
// else as other.
func ByOf(role string) string {
	switch role {
	case "client":
		return "client"
	case "staff":
		return "organisation"
	}
	return "other"
}

// actsAs reports whether a participant of role can act as by.
func actsAs(role, by string) bool { return ByOf(role) == by }

// recorderIndex is the participant who asks for act in c, as the policy
// resolves it, or -1 for nobody in the conversation.
func recorderIndex(c *opname.Conversation, act opname.Act) int {
	s := policy.Situation{By: act.By, ByTakesPart: act.ByTakesPart == nil || *act.ByTakesPart, Recorder: act.Recorder}
	for _, p := range c.Participants {
		s.Participants = append(s.Participants, policy.Participant{Role: p.Role})
	}
	return s.RecorderIndex()
}

// Ask records a request about a conversation and lets the policy decide.
func (w *Workflow) Ask(ctx context.Context, conversationID string, act opname.Act) (*opname.Request, error) {
	if a, ok := opname.ActorFrom(ctx); ok {
		if err := staffOnly(a); err != nil {
			return nil, err
		}
	}
	ctx = opname.ForAct(ctx) // the change is logged, not the reads it needs
	c, err := w.Store.Conversation(ctx, conversationID)
	if err != nil {
		return nil, err
	}
	return w.add(ctx, c, act)
}

// add checks act, lets the policy decide it and stores it as a new request
// about conversation c.
func (w *Workflow) add(ctx context.Context, c *opname.Conversation, act opname.Act) (*opname.Request, error) {
	if err := checkAct(c, &act); err != nil {
		return nil, err
	}
	if err := w.checkShare(ctx, c, &act); err != nil {
		return nil, err
	}
	r := &opname.Request{ConversationID: c.ID, Act: act, Answers: []opname.Answer{}}
	sit, d, digest, err := w.decide(ctx, c, r)
	if err != nil {
		return nil, err
	}
	if err := w.Store.AddRequest(ctx, r, sit, d, digest); err != nil {
		return nil, err
	}
	return r, nil
}

// Decision is a request's latest decision, parsed.
func Decision(r *opname.Request) (policy.Decision, error) {
	var d policy.Decision
	err := json.Unmarshal(r.Decision, &d)
	return d, err
}

// decide builds the situation from the conversation and the request,
// lets the policy decide, and sets the request's outcome.
func (w *Workflow) decide(ctx context.Context, c *opname.Conversation, r *opname.Request) (situation, decision json.RawMessage, digest string, err error) {
	p, err := w.policyOf(ctx)
	if err != nil {
		return nil, nil, "", err
	}
	data, _ := json.Marshal(situationOf(c, r))
	sit, err := policy.ParseSituation(bytes.NewReader(data))
	if err != nil {
		return nil, nil, "", err
	}
	d, err := p.Decide(sit)
	if err != nil {
		return nil, nil, "", fmt.Errorf("workflow: decide: %w", err)
	}
	r.Outcome = string(d.Outcome)
	r.ForManager = p.OrganisationConsent == policy.OrganisationConsentManager && slices.Contains(d.ConsentFrom, "organisation") &&
		!slices.ContainsFunc(r.Answers, func(a opname.Answer) bool { return a.Participant == -1 })
	dj, _ := json.Marshal(d)
	return data, dj, d.Policy.Digest, nil
}

// situationOf is the situation of request r about conversation c, in the
// contract's JSON terms.
func situationOf(c *opname.Conversation, r *opname.Request) map[string]any {
	s := map[string]any{
		"action": r.Act.Action, "medium": r.Act.Medium, "by": r.Act.By,
		"covert": r.Act.Covert, "location": c.Location,
		"minor_interest_at_risk": r.Act.MinorInterestAtRisk, "edit_declared": r.Act.EditDeclared,
	}
	for k, v := range map[string]string{"announced": r.Act.Announced, "purpose": r.Act.Purpose} {
		if v != "" {
			s[k] = v
		}
	}
	// A request stored when recipients were free text may name a person:
	// the policy knows kinds only, so such a recipient is left out.
	if slices.Contains(policy.Recipients.Codes(), r.Act.Recipient) {
		s["recipient"] = r.Act.Recipient
	}
	if r.Act.ByTakesPart != nil {
		s["by_takes_part"] = *r.Act.ByTakesPart
	}
	if r.Act.Recorder != nil {
		s["recorder"] = *r.Act.Recorder
	}
	if r.Weighty != nil {
		s["weighty_reasons"] = []string{r.Weighty.Reason}
	}
	answers := latestAnswers(r)
	if a, ok := answers[-1]; ok {
		s["organisation_consent"] = consent(a)
	}
	var ps []map[string]any
	for i, part := range c.Participants {
		m := map[string]any{"role": part.Role}
		if part.Age != nil {
			m["age"] = *part.Age
		}
		if part.Capacity != "" {
			m["capacity"] = part.Capacity
		}
		if a, ok := answers[i]; ok {
			m["consent"] = consent(a)
		}
		if part.Role == "staff" {
			// A staff member who declined to take part in this
			// conversation while it is recorded, or who said no to this
			// recording.
			a, ok := answers[i]
			m["willing"] = part.Declined == nil && !(ok && !a.Given && r.Act.Action == "record")
		}
		ps = append(ps, m)
	}
	s["participants"] = ps
	if r.Manager != nil && r.Manager.Approved != nil {
		verdict := "rejected"
		if *r.Manager.Approved {
			verdict = "approved"
		}
		s["decisions"] = map[string]string{"manager": verdict}
	}
	if g := r.Agreement; g != nil && g.Form != "spoken" {
		switch {
		case g.Signed:
			s["declaration"] = "signed"
		case g.Refused:
			s["declaration"] = "refused"
		}
	}
	return s
}

func consent(a opname.Answer) string {
	if a.Given {
		return "given"
	}
	return "refused"
}

// latestAnswers is each party's latest answer, by participant index.
func latestAnswers(r *opname.Request) map[int]opname.Answer {
	out := map[int]opname.Answer{}
	for _, a := range r.Answers {
		out[a.Participant] = a
	}
	return out
}

// step loads a request and its conversation, applies change, decides
// again and stores the result. A change that returns errUnchanged leaves
// the request as it is: step returns it without storing anything.
// The steps are the organisation's: a link holder takes their own
// (see link.go) through update.
func (w *Workflow) step(ctx context.Context, requestID string, change func(c *opname.Conversation, r *opname.Request, a opname.Actor) error) (*opname.Request, error) {
	if a, ok := opname.ActorFrom(ctx); ok {
		if err := staffOnly(a); err != nil {
			return nil, err
		}
	}
	return w.update(ctx, requestID, change)
}

// update is step for anyone the store lets change the request.
func (w *Workflow) update(ctx context.Context, requestID string, change func(c *opname.Conversation, r *opname.Request, a opname.Actor) error) (*opname.Request, error) {
	ctx = opname.ForAct(ctx) // the change is logged, not the reads it needs
	a, ok := opname.ActorFrom(ctx)
	if !ok {
		return nil, opname.Coded(opname.Unauthorized, "auth.sign_in", "sign in first")
	}
	// Two people answering at once: the one who comes second reads the
	// request again and applies their change to the newer state.
	for attempt := 0; ; attempt++ {
		r, err := w.Store.Request(ctx, requestID)
		if err != nil {
			return nil, err
		}
		c, err := w.Store.Conversation(ctx, r.ConversationID)
		if err != nil {
			return nil, err
		}
		err = change(c, r, a)
		if errors.Is(err, errUnchanged) {
			return r, nil
		}
		if err != nil {
			return nil, err
		}
		sit, d, digest, err := w.decide(ctx, c, r)
		if err != nil {
			return nil, err
		}
		err = w.Store.UpdateRequest(ctx, r, sit, d, digest)
		if opname.KindOf(err) == opname.Conflict && attempt < 10 {
			time.Sleep(time.Duration(attempt+1) * time.Duration(1+rand.IntN(5)) * time.Millisecond)
			continue
		}
		if err != nil {
			return nil, err
		}
		return r, nil
	}
}

// Answer records a party's consent given or refused, and decides again.
// participant is the index in the conversation, or -1 for the
// organisation. The same answer as the party's latest changes nothing.
func (w *Workflow) Answer(ctx context.Context, requestID string, participant int, given bool, how string) (*opname.Request, error) {
	if participant == -1 {
		if err := w.mayAnswerForOrganisation(ctx); err != nil {
			return nil, err
		}
	}
	return w.step(ctx, requestID, func(c *opname.Conversation, r *opname.Request, a opname.Actor) error {
		if participant < -1 || participant >= len(c.Participants) {
			return invalid("participant", "answer.participant", "%d is not one of the %d participants (or -1 for the organisation)", participant, len(c.Participants))
		}
		if !slices.Contains(opname.AnswerWays, how) {
			return invalid("how", "answer.how", "%q is not known; use in_person, on_paper or spoken_on_recording", how)
		}
		if last, ok := latestAnswers(r)[participant]; ok && last.Given == given && last.How == how {
			return errUnchanged
		}
		r.Answers = append(r.Answers, opname.Answer{Participant: participant, Given: given, How: how, At: w.now(), By: a.UserID})
		return nil
	})
}

// mayAnswerForOrganisation checks that the caller may give or refuse the
// organisation's own consent (see answersForOrganisation).
func (w *Workflow) mayAnswerForOrganisation(ctx context.Context) error {
	a, _ := opname.ActorFrom(ctx)
	pol, err := w.policyOf(ctx)
	if err != nil {
		return err
	}
	if !answersForOrganisation(pol, a) {
		return opname.Coded(opname.Forbidden, "answer.organisation_manager", "under this organisation's policy a manager gives or refuses its consent")
	}
	return nil
}

// answersForOrganisation reports whether a may give or refuse the
// organisation's own consent under p: anyone of the organisation, but
// under a policy that has a manager give it (Blijf Groep), only a manager
// or an administrator.
func answersForOrganisation(p *policy.Policy, a opname.Actor) bool {
	return p.OrganisationConsent != policy.OrganisationConsentManager || a.Role == opname.RoleManager || a.Role == opname.RoleAdmin || a.Role == opname.RoleSystem
}

// Weighty records a staff member's no for weighty reasons (Ombudsman rule
// 1) with the alternative offered, and decides again. Weighty reasons are
// against recording: a request to do anything else does not take them.
func (w *Workflow) Weighty(ctx context.Context, requestID, reason, alternative string) (*opname.Request, error) {
	return w.step(ctx, requestID, func(c *opname.Conversation, r *opname.Request, a opname.Actor) error {
		reason, alternative = strings.TrimSpace(reason), strings.TrimSpace(alternative)
		switch {
		case r.Act.Action != "record":
			return opname.Coded(opname.Conflict, "weighty.not_record", "weighty reasons are against recording; this request is to %s", r.Act.Action)
		case reason == "":
			return invalid("reason", "weighty.reason", "say what the weighty reason is; the client will read it")
		case alternative == "":
			return invalid("alternative", "weighty.alternative", "say what is offered instead (rule 1: offer an alternative)")
		}
		if err := cmp.Or(opname.Line.Check("reason", reason), opname.Line.Check("alternative", alternative)); err != nil {
			return err
		}
		if wr := r.Weighty; wr != nil && wr.Reason == reason && wr.Alternative == alternative {
			return errUnchanged
		}
		r.Weighty = &opname.Weighty{Reason: reason, Alternative: alternative, At: w.now(), By: a.UserID}
		return nil
	})
}

// Choose records the alternative chosen after a refusal; it must be one
// the decision offers.
func (w *Workflow) Choose(ctx context.Context, requestID, alternative string) (*opname.Request, error) {
	return w.step(ctx, requestID, func(c *opname.Conversation, r *opname.Request, a opname.Actor) error {
		d, err := Decision(r)
		if err != nil {
			return err
		}
		if r.Alternative == alternative {
			return errUnchanged
		}
		if !slices.Contains(d.Alternatives, alternative) && (r.Weighty == nil || r.Weighty.Alternative != alternative) {
			return invalid("alternative", "alternative.not_offered", "%q is not offered here; choose one of %s", alternative, strings.Join(d.Alternatives, ", "))
		}
		r.Alternative = alternative
		return nil
	})
}

// AskManager sends a request that needs a manager's decision to the
// managers' inbox, with the staff member's assessment and the colleagues
// consulted. Asking again as before changes nothing and tells no one;
// asking with another assessment is ErrAskedAlready.
func (w *Workflow) AskManager(ctx context.Context, requestID, assessment, consulted string) (*opname.Request, error) {
	asked := false
	r, err := w.step(ctx, requestID, func(c *opname.Conversation, r *opname.Request, a opname.Actor) error {
		if m := r.Manager; m != nil {
			if m.Assessment == strings.TrimSpace(assessment) && m.Consulted == strings.TrimSpace(consulted) {
				return errUnchanged
			}
			return ErrAskedAlready
		}
		d, err := Decision(r)
		if err != nil {
			return err
		}
		if d.DecidedBy != "manager" {
			return opname.Coded(opname.Conflict, "manager.not_needed", "this request does not need a manager's decision")
		}
		if strings.TrimSpace(assessment) == "" {
			return invalid("assessment", "manager.assessment", "give your assessment for the manager")
		}
		if strings.TrimSpace(consulted) == "" {
			return invalid("colleagues_consulted", "manager.consulted", "say which colleagues you consulted")
		}
		if err := cmp.Or(opname.Paragraphs.Check("assessment", assessment), opname.Paragraphs.Check("colleagues_consulted", consulted)); err != nil {
			return err
		}
		r.Manager = &opname.ManagerDecision{Assessment: strings.TrimSpace(assessment), Consulted: strings.TrimSpace(consulted), AskedAt: w.now(), AskedBy: a.UserID}
		asked = true
		return nil
	})
	if err == nil && asked && w.Notify != nil {
		a, _ := opname.ActorFrom(ctx)
		w.Notify(ctx, Notice{OrgID: a.OrgID, Subject: "Een verzoek wacht op uw beslissing / A request waits for your decision", Body: "Assessment: " + r.Manager.Assessment, Link: "/verzoeken/" + r.ID, Request: r})
	}
	return r, err
}

// Decide records a manager's decision with reasons. The same decision
// again changes nothing; another one after it is ErrDecidedAlready.
func (w *Workflow) Decide(ctx context.Context, requestID string, approved bool, reasons string) (*opname.Request, error) {
	return w.step(ctx, requestID, func(c *opname.Conversation, r *opname.Request, a opname.Actor) error {
		if a.Role != opname.RoleManager && a.Role != opname.RoleAdmin {
			return opname.Coded(opname.Forbidden, "decision.manager_only", "only a manager decides this")
		}
		if r.Manager == nil {
			return opname.Coded(opname.Conflict, "decision.not_asked", "the staff member has not asked for a decision yet")
		}
		if m := r.Manager; m.Approved != nil {
			if *m.Approved == approved && m.Reasons == strings.TrimSpace(reasons) {
				return errUnchanged
			}
			return ErrDecidedAlready
		}
		if strings.TrimSpace(reasons) == "" {
			return invalid("reasons", "decision.reasons", "give the reasons for your decision; they go into the client's file")
		}
		if err := opname.Paragraphs.Check("reasons", reasons); err != nil {
			return err
		}
		r.Manager.Approved, r.Manager.Reasons = &approved, strings.TrimSpace(reasons)
		r.Manager.DecidedAt, r.Manager.DecidedBy, r.Manager.DecidedName = w.now(), a.UserID, a.Name
		return nil
	})
}

// Agree records the agreements that apply, in a form the policy allows,
// writes their digest to the organisation's log, and decides again. A
// refusal to sign is recorded too (signed false, refused true). The same
// agreements in the same form again change nothing.
func (w *Workflow) Agree(ctx context.Context, requestID, form string, signed, refused bool) (*opname.Request, error) {
	return w.step(ctx, requestID, func(c *opname.Conversation, r *opname.Request, a opname.Actor) error {
		return w.agree(ctx, c, r, a, form, signed, refused)
	})
}

// agree is Agree's change of r.
func (w *Workflow) agree(ctx context.Context, c *opname.Conversation, r *opname.Request, a opname.Actor, form string, signed, refused bool) error {
	if !slices.Contains(opname.AgreementForms, form) {
		return invalid("form", "agreement.form", "%q is not known; use spoken, printed or on_screen", form)
	}
	if signed && refused {
		return opname.Coded(opname.Invalid, "agreement.signed_refused", "signed and refused: choose one")
	}
	if form == "spoken" && (signed || refused) {
		return invalid("form", "agreement.spoken_signed", "spoken agreements are not signed; use printed or on_screen")
	}
	d, err := Decision(r)
	if err != nil {
		return err
	}
	if g := r.Agreement; g != nil && g.Form == form && g.Signed == signed && g.Refused == refused && slices.Equal(g.Terms, d.Agreements) {
		return errUnchanged
	}
	g := &opname.Agreement{Terms: d.Agreements, Form: form, Signed: signed, Refused: refused, At: w.now(), By: a.UserID}
	if signed {
		g.SignedBy = []string{"client", "organisation"}
	}
	text := AgreementText(c, r, g)
	sum := sha256.Sum256(text)
	g.Digest = hex.EncodeToString(sum[:])
	g.LogIndex, err = w.Store.Append(ctx, a.OrgID, translog.Entry{Kind: translog.KindAgreements, SHA256: g.Digest, Size: int64(len(text)), Time: g.At})
	if err != nil {
		return err
	}
	r.Agreement = g
	if m := r.Manager; refused && m != nil && m.Approved != nil && *m.Approved {
		// A refusal to sign can be a reason to reject (Blijf Groep): the
		// manager approved without knowing it, so decides again.
		m.Approved, m.Reasons, m.DecidedAt, m.DecidedBy, m.DecidedName = nil, "", time.Time{}, "", ""
	}
	return nil
}

// AgreementText is the agreements as a text either party keeps: its
// SHA-256 is in the organisation's log, so `opname verify` checks it
// against the receipt. It names no one.
func AgreementText(c *opname.Conversation, r *opname.Request, g *opname.Agreement) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "opname-afspraken/1\n")
	fmt.Fprintf(&b, "gesprek: %s\nverzoek: %s\ndatum: %s\n", c.ID, r.ID, g.At.Format(time.RFC3339))
	fmt.Fprintf(&b, "handeling: %s %s door %s\n", r.Act.Action, r.Act.Medium, r.Act.By)
	fmt.Fprintf(&b, "vorm: %s\n", g.Form)
	for _, t := range g.Terms {
		fmt.Fprintf(&b, "afspraak: %s — %s / %s\n", t, policy.Agreements.Label(t, "nl"), policy.Agreements.Label(t, "en"))
	}
	switch {
	case g.Signed:
		b.WriteString("ondertekend door beide partijen / signed by both parties\n")
	case g.Refused:
		b.WriteString("ondertekenen geweigerd / signing refused\n")
	}
	return []byte(b.String())
}

// Decline records that a staff member declines to take part while the
// conversation is recorded (aXiehuis), with the alternative offered, and
// decides the conversation's open requests again. Declining again with
// the same alternative changes nothing.
func (w *Workflow) Decline(ctx context.Context, conversationID string, participant int, alternative string) (*opname.Conversation, error) {
	ctx = opname.ForAct(ctx) // the change is logged, not the reads it needs
	a, ok := opname.ActorFrom(ctx)
	if !ok {
		return nil, opname.Coded(opname.Unauthorized, "auth.sign_in", "sign in first")
	}
	c, err := w.Store.Conversation(ctx, conversationID)
	if err != nil {
		return nil, err
	}
	if participant < 0 || participant >= len(c.Participants) || c.Participants[participant].Role != "staff" {
		return nil, invalid("participant", "decline.participant", "%d is not a staff member of this conversation", participant)
	}
	if strings.TrimSpace(alternative) == "" {
		return nil, invalid("alternative", "decline.alternative", "say what is offered instead, such as another staff member")
	}
	if err := opname.Line.Check("alternative", strings.TrimSpace(alternative)); err != nil {
		return nil, err
	}
	if d := c.Participants[participant].Declined; d != nil && d.Alternative == strings.TrimSpace(alternative) {
		return c, nil
	}
	c.Participants[participant].Declined = &opname.Declined{Alternative: strings.TrimSpace(alternative), At: w.now(), By: a.UserID}
	if err := w.Store.UpdateParticipants(ctx, c.ID, c.Participants); err != nil {
		return nil, err
	}
	if err := w.decideAgain(ctx, c.ID); err != nil {
		return nil, err
	}
	return c, nil
}

// ladder is the enforcement ladder of the organisation's policy for an
// incident: the enforcement steps the policy names for the recording made
// in secret — of what medium, by whom, with whom present — in the
// contract's order.
func (w *Workflow) ladder(ctx context.Context, c *opname.Conversation, i *opname.Incident) ([]string, error) {
	p, err := w.policyOf(ctx)
	if err != nil {
		return nil, err
	}
	s := map[string]any{"action": "record", "medium": cmp.Or(i.Medium, "audio"), "by": "client", "covert": true, "announced": "not_announced"}
	present := i.Present
	if len(present) == 0 {
		for j := range c.Participants {
			present = append(present, j)
		}
	}
	if i.Recorder != nil && !slices.Contains(present, *i.Recorder) {
		present = append(present, *i.Recorder)
	}
	var ps []map[string]any
	for _, j := range present {
		part := c.Participants[j]
		if i.Recorder != nil && *i.Recorder == j {
			s["recorder"], s["by"] = len(ps), ByOf(part.Role)
		}
		ps = append(ps, map[string]any{"role": part.Role, "consent": "refused"})
	}
	if i.RecorderOther != "" {
		// Someone who is not in the conversation's list, but was there.
		s["recorder"], s["by"] = len(ps), "other"
		ps = append(ps, map[string]any{"role": "other", "consent": "refused"})
	}
	if len(ps) == 0 {
		ps = []map[string]any{{"role": "client"}, {"role": "staff"}}
	}
	s["participants"] = ps
	data, _ := json.Marshal(s)
	sit, err := policy.ParseSituation(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	d, err := p.Decide(sit)
	if err != nil {
		return nil, err
	}
	if len(d.Enforcement) > 0 {
		return d.Enforcement, nil
	}
	// A policy without a ladder of its own: ask to stop, and tell the
	// manager.
	return []string{"ask_to_stop", "report_to_manager"}, nil
}

// checkWho checks what an incident says of a covert recording against its
// conversation c (empty when it names none), naming the field and the
// value.
func checkWho(c *opname.Conversation, i *opname.Incident) error {
	n := len(c.Participants)
	if i.Medium != "" && i.Medium != "audio" && i.Medium != "video" {
		return invalid("medium", "incident.medium", "%q is not known; use audio or video", i.Medium)
	}
	i.RecorderOther = strings.TrimSpace(i.RecorderOther)
	if err := opname.Line.Chars(100).Check("recorder_other", i.RecorderOther); err != nil {
		return err
	}
	if (i.Recorder != nil || len(i.Present) > 0) && c.ID == "" {
		return invalid("recorder", "incident.recorder_conversation", "name the conversation (conversation_id) to say who of it recorded or was present")
	}
	switch {
	case i.Recorder != nil && i.RecorderOther != "":
		return invalid("recorder_other", "incident.recorder_both", "say either which participant recorded (recorder) or who else did, not both")
	case i.Recorder != nil && (*i.Recorder < 0 || *i.Recorder >= n):
		return invalid("recorder", "recorder.range", "%d is not one of the %d participants (counted from 0)", *i.Recorder, n)
	}
	for k, j := range i.Present {
		if j < 0 || j >= n {
			return invalid("present", "recorder.range", "%d is not one of the %d participants (counted from 0)", j, n)
		}
		if slices.Contains(i.Present[:k], j) {
			return invalid("present", "incident.present_twice", "%d is named twice", j)
		}
	}
	return nil
}

// OpenIncident records a covert recording discovered, or agreements
// broken, with the policy's enforcement ladder, and tells the managers.
func (w *Workflow) OpenIncident(ctx context.Context, i *opname.Incident) error {
	ctx = opname.ForAct(ctx) // the change is logged, not the reads it needs
	c := &opname.Conversation{}
	if i.ConversationID != "" {
		conv, err := w.Store.Conversation(ctx, i.ConversationID)
		if err != nil {
			return err
		}
		if conv.ClientID != i.ClientID && i.ClientID != "" {
			return invalid("conversation_id", "incident.conversation", "the conversation is with another client")
		}
		i.ClientID, c = conv.ClientID, conv
	}
	if strings.TrimSpace(i.Description) == "" {
		return invalid("description", "incident.description", "say what happened")
	}
	if err := opname.Paragraphs.Check("description", i.Description); err != nil {
		return err
	}
	if err := checkWho(c, i); err != nil {
		return err
	}
	ladder, err := w.ladder(ctx, c, i)
	if err != nil {
		return err
	}
	i.Ladder, i.Steps = ladder, []opname.IncidentStep{}
	if err := w.Store.AddIncident(ctx, i); err != nil {
		return err
	}
	if w.Notify != nil {
		w.Notify(ctx, Notice{OrgID: i.OrgID, Subject: "Incident: " + i.Kind, Body: i.Description, Link: "/incidenten/" + i.ID, Incident: i})
	}
	return nil
}

// TakeStep records a step of the ladder taken, by whom and when; the
// steps go in the ladder's order. report_to_manager tells the managers.
// The step just taken, with the same note, changes nothing; a step taken
// before with another note is ErrStepTaken, any step on a closed incident
// ErrClosed.
func (w *Workflow) TakeStep(ctx context.Context, incidentID, step, note string) (*opname.Incident, error) {
	ctx = opname.ForAct(ctx) // the change is logged, not the reads it needs
	a, ok := opname.ActorFrom(ctx)
	if !ok {
		return nil, opname.Coded(opname.Unauthorized, "auth.sign_in", "sign in first")
	}
	i, err := w.Store.Incident(ctx, incidentID)
	if err != nil {
		return nil, err
	}
	if err := opname.Paragraphs.Check("note", note); err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	if n := len(i.Steps); n > 0 && i.Steps[n-1].Step == step && i.Steps[n-1].Note == note {
		return i, nil
	}
	if i.Closed {
		return nil, ErrClosed
	}
	if step == "close" {
		i.Closed = true
		i.Steps = append(i.Steps, opname.IncidentStep{Step: step, Note: note, At: w.now(), By: a.UserID})
		return i, w.Store.UpdateIncident(ctx, i)
	}
	if !slices.Contains(i.Ladder, step) {
		return nil, invalid("step", "incident.step", "%q is not on this incident's ladder (%s)", step, strings.Join(i.Ladder, ", "))
	}
	for _, s := range i.Steps {
		if s.Step == step {
			return nil, ErrStepTaken
		}
	}
	i.Steps = append(i.Steps, opname.IncidentStep{Step: step, Note: note, At: w.now(), By: a.UserID})
	if err := w.Store.UpdateIncident(ctx, i); err != nil {
		return nil, err
	}
	if step == "report_to_manager" && w.Notify != nil {
		w.Notify(ctx, Notice{OrgID: i.OrgID, Subject: "Incident gemeld / Incident reported", Body: i.Description, Link: "/incidenten/" + i.ID, Incident: i})
	}
	return i, nil
}

// Guide is a short conversation guide for raising recording at the start
// of a conversation (the Ombudsman's tips), tailored to what the
// organisation's policy says about the client recording this conversation.
// It speaks of agreements, not of toestemming.
func (w *Workflow) Guide(ctx context.Context, c *opname.Conversation) ([]policy.Text, error) {
	p, err := w.policyOf(ctx)
	if err != nil {
		return nil, err
	}
	s := map[string]any{"action": "record", "medium": "audio", "by": "client", "location": c.Location}
	var ps []map[string]any
	for _, part := range c.Participants {
		m := map[string]any{"role": part.Role}
		if part.Age != nil {
			m["age"] = *part.Age
		}
		if part.Capacity != "" {
			m["capacity"] = part.Capacity
		}
		ps = append(ps, m)
	}
	s["participants"] = ps
	data, _ := json.Marshal(s)
	sit, err := policy.ParseSituation(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	d, err := p.Decide(sit)
	if err != nil {
		return nil, err
	}
	guide := []policy.Text{
		{NL: "Begin zelf over opnemen, aan het begin van het gesprek. Het hoeft niet stiekem.", EN: "Raise recording yourself, at the start of the conversation. It need not be secret."},
	}
	if !d.Outcome.Stops() {
		guide = append(guide, policy.Text{NL: "Bied het aan zoals koffie of thee: \"Wilt u dit gesprek opnemen? Dat kan.\"", EN: "Offer it like coffee or tea: \"Would you like to record this conversation? You can.\""})
	}
	if len(d.ConsentFrom) > 0 {
		var who []string
		for _, party := range d.ConsentFrom {
			who = append(who, policy.Parties.Label(party, "nl"))
		}
		guide = append(guide, policy.Text{NL: "Vraag ook wat de anderen in het gesprek ervan vinden: " + strings.Join(who, ", ") + ".", EN: "Also ask what the others in the conversation think of it."})
	}
	if slices.Contains(d.Obligations, "org_records_too") {
		guide = append(guide, policy.Text{NL: "Zeg dat de organisatie dan ook opneemt, en die opname in het dossier bewaart.", EN: "Say that the organisation then records too, and keeps that recording in the file."})
	}
	if slices.Contains(d.Obligations, "extra_care_vulnerable") {
		guide = append(guide, policy.Text{NL: "Er is een kind of iemand die niet zelf kan beslissen bij. Let daar extra op.", EN: "A child, or someone who cannot decide for themselves, takes part. Take extra care."})
	}
	if len(d.Agreements) > 0 {
		var terms, termsEN []string
		for _, t := range d.Agreements {
			terms = append(terms, policy.Agreements.Label(t, "nl"))
			termsEN = append(termsEN, policy.Agreements.Label(t, "en"))
		}
		// Each agreement is a sentence of its own.
		guide = append(guide, policy.Text{NL: "Maak samen afspraken die voor u allebei gelden: " + strings.Join(terms, " "), EN: "Make agreements together that hold for you both: " + strings.Join(termsEN, " ")})
	}
	guide = append(guide, policy.Text{NL: "Vertrouw op uw vak. Een opname laat ook zien hoe zorgvuldig u werkt.", EN: "Trust your professionalism. A recording also shows how carefully you work."})
	return guide, nil
}

// Ready reports whether what a request asks may start now, and if not,
// what it waits for: the policy's outcome must be allowed, and an
// obligation to sign a declaration first (Blijf Groep's video procedure)
// must be met by a signed agreement.
func Ready(r *opname.Request) (bool, []string) {
	d, err := Decision(r)
	if err != nil {
		return false, []string{"decision"}
	}
	waiting := []string{}
	switch d.Outcome {
	case policy.Allowed:
	case policy.NeedsConsent:
		waiting = append(waiting, "consent")
	case policy.NeedsDecision:
		waiting = append(waiting, "decision")
	default:
		return false, waiting
	}
	if slices.Contains(d.Obligations, "signed_declaration") && (r.Agreement == nil || !r.Agreement.Signed) {
		waiting = append(waiting, "signed_declaration")
	}
	return len(waiting) == 0, waiting
}
