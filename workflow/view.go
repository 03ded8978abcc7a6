package workflow

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/policy"
)

// RequestView is a request as the workflow presents it: its latest
// decision and what has to happen next for the person looking. The JSON
// API encodes it and the pages render it, so they cannot drift apart; no
// template decides anything of it.
type RequestView struct {
	*opname.Request
	Decision policy.Decision `json:"decision"`
	// AskedBy is the participant who asks — records, edits, shares,
	// publishes or asks for a copy — as the policy takes it; nil when
	// nobody in the conversation does.
	AskedBy *Party `json:"asked_by"`
	// Ready and WaitingFor repeat Next's, for clients of the first API.
	Ready      bool     `json:"ready"`
	WaitingFor []string `json:"waiting_for"`
	Next       Next     `json:"next"`
}

// Next is what a request needs next, and which steps are open now.
type Next struct {
	// Ready is whether what is asked may start now; WaitingFor says what
	// it waits for otherwise (consent, decision, signed_declaration).
	Ready      bool     `json:"ready"`
	WaitingFor []string `json:"waiting_for"`
	// Ask is who still has to answer: participants whose role the policy
	// asks consent from and who have not answered, except the one who
	// asks, and the organisation (participant -1).
	Ask []Party `json:"ask"`
	// Missing are roles the policy asks consent from that nobody in the
	// conversation has (but the one who asks): under the WGBO, say, the
	// parents of a child who is not old enough to decide alone. Their
	// answer is recorded once they are added to the conversation.
	Missing []string `json:"missing"`
	// Alternatives are the alternatives one may be chosen from now (after
	// a refusal or weighty reasons); empty when there is no choice to make.
	Alternatives []string `json:"alternatives"`
	// WeightyAlternatives are what staff may offer with weighty reasons
	// against recording; empty when weighty reasons cannot be given (any
	// more, or for anything but a request to record).
	WeightyAlternatives []string `json:"weighty_alternatives"`
	// AskManager is whether staff must send the request to a manager.
	AskManager bool `json:"ask_manager"`
	// ManagerDecides is whether the person looking may take the manager's
	// decision now.
	ManagerDecides bool `json:"manager_decides"`
	// Agree is whether the agreements can be recorded now, and Terms what
	// they are.
	Agree bool     `json:"agree"`
	Terms []string `json:"terms"`
	// RecordsToo is whether the organisation records too ("if you record,
	// we record too") and may start.
	RecordsToo bool `json:"records_too"`
	// StaffMayRefuse is whether a staff member's own no would stop this
	// request to record images (portrait right, as at Blijf Groep); the
	// page then says that they may refuse.
	StaffMayRefuse bool `json:"staff_may_refuse"`
	// AskStaff is the staff members in the conversation whose own yes or
	// no is still needed, before a manager is asked or decides.
	AskStaff []Party `json:"ask_staff"`
	// ManagerConsents is whether the organisation's consent is still
	// asked and, under the policy, a manager gives it, which the person
	// looking is not (Blijf Groep): they cannot answer for the
	// organisation, and the page says who can.
	ManagerConsents bool `json:"manager_consents"`
}

// Party is a participant of a conversation, or the organisation (-1).
type Party struct {
	Participant int    `json:"participant"`
	Role        string `json:"role"`
	Name        string `json:"name,omitempty"`
}

// weightyAlternatives are what the Ombudsman's rule 1 lets staff offer
// instead of a recording.
var weightyAlternatives = []string{"written_report", "companion_listens", "other_staff_member"}

// View is the view of requests rs for the person in ctx; each request's
// conversation is read as part of showing the request, which the caller
// read (and the store logged) already.
func (w *Workflow) View(ctx context.Context, rs ...*opname.Request) ([]*RequestView, error) {
	convs := map[string]*opname.Conversation{}
	out := make([]*RequestView, 0, len(rs))
	for _, r := range rs {
		c, ok := convs[r.ConversationID]
		if !ok {
			var err error
			if c, err = w.Store.Conversation(opname.ForAct(ctx), r.ConversationID); err != nil {
				return nil, err
			}
			convs[r.ConversationID] = c
		}
		v, err := w.ViewOne(ctx, c, r)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// ViewOne is request r about conversation c as the person in ctx sees it:
// ViewOf, and what only the organisation's policy can tell — whether a
// staff member's own no would stop it, and whose is still needed; whether
// a manager gives the organisation's consent.
func (w *Workflow) ViewOne(ctx context.Context, c *opname.Conversation, r *opname.Request) (*RequestView, error) {
	a, _ := opname.ActorFrom(ctx)
	v, err := ViewOf(c, r, a)
	if err != nil {
		return nil, err
	}
	p, err := w.policyOf(ctx)
	if err != nil {
		return nil, err
	}
	v.Next.ManagerConsents = !answersForOrganisation(p, a) && slices.ContainsFunc(v.Next.Ask, func(q Party) bool { return q.Participant == -1 })
	return v, staffAnswers(p, c, r, v)
}

// staffAnswers fills in v whether a staff member's own no would stop a
// request to record images, and whose yes or no is still needed: a staff
// member's no would stop it when the policy forbids or refuses it with
// that staff member unwilling, and not with every staff member willing.
// Until each such staff member said yes or no, the request does not go to
// a manager: the staff member decides first, the manager after.
func staffAnswers(p *policy.Policy, c *opname.Conversation, r *opname.Request, v *RequestView) error {
	if r.Act.Action != "record" || r.Act.Medium != "video" {
		return nil
	}
	decide := func(unwilling int) (policy.Outcome, error) {
		s := situationOf(c, r)
		for i, m := range s["participants"].([]map[string]any) {
			if m["role"] == "staff" {
				m["willing"] = i != unwilling
				delete(m, "consent")
			}
		}
		data, _ := json.Marshal(s)
		sit, err := policy.ParseSituation(bytes.NewReader(data))
		if err != nil {
			return "", err
		}
		d, err := p.Decide(sit)
		return d.Outcome, err
	}
	willing, err := decide(-1)
	if err != nil || willing.Stops() {
		return err
	}
	answered := map[int]bool{}
	for _, a := range r.Answers {
		answered[a.Participant] = true
	}
	rec := recorderIndex(c, r.Act)
	decided := r.Manager != nil && r.Manager.Approved != nil
	for i, part := range c.Participants {
		if part.Role != "staff" || i == rec {
			continue
		}
		o, err := decide(i)
		if err != nil {
			return err
		}
		if !o.Stops() {
			continue
		}
		v.Next.StaffMayRefuse = true
		asked := slices.ContainsFunc(v.Next.Ask, func(p Party) bool { return p.Participant == i })
		if !answered[i] && part.Declined == nil && !asked && !decided && !v.Decision.Outcome.Stops() {
			v.Next.AskStaff = append(v.Next.AskStaff, Party{Participant: i, Role: part.Role, Name: part.Name})
		}
	}
	if len(v.Next.AskStaff) > 0 {
		v.Next.AskManager = false
	}
	return nil
}

// ViewOf is r as seen by a: its decision and what happens next, as far
// as they follow from r's decision. c is r's conversation. ViewOne adds
// what needs the organisation's policy.
func ViewOf(c *opname.Conversation, r *opname.Request, a opname.Actor) (*RequestView, error) {
	d, err := Decision(r)
	if err != nil {
		return nil, err
	}
	ready, waiting := Ready(r)
	n := Next{Ready: ready, WaitingFor: waiting, Ask: []Party{}, Missing: []string{}, Alternatives: []string{}, WeightyAlternatives: []string{}, Terms: []string{}, AskStaff: []Party{}}
	answered := map[int]bool{}
	for _, ans := range r.Answers {
		answered[ans.Participant] = true
	}
	var askedBy *Party
	present := map[string]bool{"organisation": true}
	rec := recorderIndex(c, r.Act)
	for i, p := range c.Participants {
		if i == rec {
			askedBy = &Party{Participant: i, Role: p.Role, Name: p.Name}
			continue
		}
		present[p.Role] = true
		if slices.Contains(d.ConsentFrom, p.Role) && !answered[i] {
			n.Ask = append(n.Ask, Party{Participant: i, Role: p.Role, Name: p.Name})
		}
	}
	if slices.Contains(d.ConsentFrom, "organisation") && !answered[-1] {
		n.Ask = append(n.Ask, Party{Participant: -1, Role: "organisation"})
	}
	for _, role := range d.ConsentFrom {
		if !present[role] {
			n.Missing = append(n.Missing, role)
		}
	}
	stopped := d.Outcome == policy.Refused || d.Outcome == policy.Forbidden
	if r.Alternative == "" && (stopped || r.Weighty != nil) {
		n.Alternatives = append(n.Alternatives, d.Alternatives...)
		if r.Weighty != nil && !slices.Contains(n.Alternatives, r.Weighty.Alternative) {
			n.Alternatives = append(n.Alternatives, r.Weighty.Alternative)
		}
	}
	if r.Weighty == nil && !stopped && r.Act.Action == "record" {
		n.WeightyAlternatives = append(n.WeightyAlternatives, weightyAlternatives...)
	}
	n.AskManager = d.DecidedBy == "manager" && r.Manager == nil
	n.ManagerDecides = (a.Role == opname.RoleManager || a.Role == opname.RoleAdmin) && r.Manager != nil && r.Manager.Approved == nil
	// A declaration is signed after the manager's written decision (Blijf
	// Groep's video procedure), not before.
	awaitsDecision := slices.Contains(d.Obligations, "signed_declaration") && d.Outcome == policy.NeedsDecision
	if r.Agreement == nil && len(d.Agreements) > 0 && !awaitsDecision {
		n.Agree = true
		n.Terms = append(n.Terms, d.Agreements...)
	}
	n.RecordsToo = ready && slices.Contains(d.Obligations, "org_records_too")
	return &RequestView{Request: r, Decision: d, AskedBy: askedBy, Ready: ready, WaitingFor: waiting, Next: n}, nil
}

// Open reports whether a request still needs something before it may
// start: it is not ready, and not refused or forbidden.
func Open(r *opname.Request) bool {
	ready, _ := Ready(r)
	return !ready && r.Outcome != string(policy.Refused) && r.Outcome != string(policy.Forbidden)
}

// InboxItem is a request waiting for a manager, as the inbox shows it: who
// asked, for whom, what (the view), and since when.
type InboxItem struct {
	*RequestView
	// StaffID and StaffName are the person who sent the request to the
	// manager, or who recorded it.
	StaffID   string `json:"staff_id"`
	StaffName string `json:"staff_name"`
	// ClientName is the name of the client the request is about.
	ClientName string `json:"client_name"`
	// Since is when the request began to wait for the manager; Waited is
	// how long it has waited, at the time of looking.
	Since  time.Time     `json:"waiting_since"`
	Waited time.Duration `json:"-"`
}

// Inbox is a page of what waits for the manager in ctx: each request with
// who asked, for whom, what and since when, the longest waiting first, and
// the next page's cursor. Pages follow the order requests were made in;
// each page is sorted by how long its requests have waited. A page is read
// (and logged by the store) as one list; the names in it are part of that
// read.
func (w *Workflow) Inbox(ctx context.Context, p opname.Page) ([]*InboxItem, string, error) {
	rs, next, err := w.Store.Inbox(ctx, p)
	if err != nil {
		return nil, "", err
	}
	out, err := w.inboxItems(ctx, rs)
	return out, next, err
}

func (w *Workflow) inboxItems(ctx context.Context, rs []opname.Request) ([]*InboxItem, error) {
	ptrs := make([]*opname.Request, len(rs))
	for i := range rs {
		ptrs[i] = &rs[i]
	}
	views, err := w.View(ctx, ptrs...)
	if err != nil {
		return nil, err
	}
	shown := opname.ForAct(ctx)
	clients, people := map[string]string{}, map[string]string{}
	now := w.now()
	out := make([]*InboxItem, 0, len(views))
	for _, v := range views {
		item := &InboxItem{RequestView: v, StaffID: v.CreatedBy, Since: v.CreatedAt}
		if m := v.Manager; m != nil {
			item.StaffID, item.Since = cmp.Or(m.AskedBy, v.CreatedBy), m.AskedAt
		}
		if _, ok := people[item.StaffID]; !ok && item.StaffID != "" {
			u, err := w.Store.User(ctx, item.StaffID)
			switch {
			case err == nil:
				people[item.StaffID] = u.Name
			case opname.KindOf(err) != opname.NotFound:
				return nil, err
			}
		}
		if _, ok := clients[v.ClientID]; !ok {
			c, err := w.Store.Client(shown, v.ClientID)
			if err != nil {
				return nil, err
			}
			clients[v.ClientID] = c.Name
		}
		item.StaffName, item.ClientName = people[item.StaffID], clients[v.ClientID]
		item.Waited = max(now.Sub(item.Since), 0)
		out = append(out, item)
	}
	slices.SortStableFunc(out, func(a, b *InboxItem) int { return a.Since.Compare(b.Since) })
	return out, nil
}
