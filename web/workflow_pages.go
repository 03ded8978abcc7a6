package web

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/opname/opname"
	"github.com/opname/opname/policy"
	"github.com/opname/opname/workflow"
)

// The pages of the conversation workflow: my work, a client's
// conversations, a conversation with its guide and requests, a request
// with what has to happen next, the managers' inbox and an incident. They
// read and write through the store and the workflow, which check access
// and write the access log; forms post and redirect, so they work without
// JavaScript.

// workPage is what the workflow pages get.
type workPage struct {
	*page
	Conversations []convRow
	Conversation  *convRow
	Guide         []string
	Requests      []reqRow
	Request       *reqRow
	Incidents     []incRow
	Incident      *incRow
	// Locations, Roles, Actions and Recipients are the choices of the
	// forms, in the reader's language; Shareable what a request to share
	// or publish may pass on.
	Locations, Roles, Actions, Recipients, Shareable []choice
	// Decision is set on the printable manager's decision; Doc is the
	// document a printable page shows.
	Decision bool
	Doc      *docView
	// TextMax is the most characters a description may have.
	TextMax int
	// LinkActivity says what people did through their personal links
	// this week, in the managers' inbox.
	LinkActivity string
	// NextRequests is the address of the next page of the inbox's
	// requests.
	NextRequests string
}

type choice struct{ Value, Label string }

// askActions are what the conversation page lets someone ask; editing is
// asked through the API, with whether the edit is made known.
var askActions = []string{"record", "copy", "share", "publish"}

type convRow struct {
	*opname.Conversation
	When, Where  string
	Requests     []reqRow
	People       []personRow
	ClientName   string
	OpenRequests int
}

type personRow struct {
	Index               int
	Role, Name, Details string
	Staff, Declined     bool
	Alternative         string
}

type reqRow struct {
	*opname.Request
	D                                         policy.Decision
	What, OutcomeText, Explanation, When      string
	Ready                                     bool
	Waiting, Obligations, Terms, Advice       []string
	Rules                                     []citation
	Ask                                       []personRow // parties whose answer is needed
	AskStaff                                  []personRow // staff whose own yes or no is needed
	StaffRefusal                              string      // that staff may refuse, where they may
	ManagerConsents                           string      // that a manager gives the organisation's consent, for whoever cannot
	Missing                                   []choice    // roles asked of whom nobody takes part
	AskedBy, RecipientText                    string
	Alternatives, WeightyAlternatives         []choice
	AskManager, Decided, Approved, RecordsToo bool
	Agree                                     bool
	ManagerText                               string
	CanDecide                                 bool
	Answers                                   []string
	WeightyText, AlternativeText, Agreed      string
	// StaffName, ClientName, Since and Waited are set in the manager's
	// inbox: who asked, for whom, since when and for how long.
	StaffName, ClientName, Since, Waited string
	// Tone is how the request's state looks: may start, waits, or
	// cannot go ahead.
	Tone tone
	// ViaLink is set when the request was made through a personal link:
	// the client (or a parent, …) announced it themselves.
	ViaLink bool
	// Share is what a request to share or publish passes on.
	Share *shareRow
	// CopyAsked is set when the organisation asks the client for a copy
	// of their own recording; Copies are those the client gave for it.
	CopyAsked bool
	Copies    []linkCopy
	// ShareReady says what comes of a request to share or publish that
	// is ready: a recipient link, an evidence bundle, or, for a
	// publication, only the answer.
	ShareReady string
	// Deliver is set when a recipient link may be given (a ready share
	// of a recording); Recipients are the links given, Given the one just
	// given.
	Deliver    *deliverChoice
	Recipients []recipientRow
	Given      *givenLink
	// Evidence is set for a request to share that is ready: its evidence
	// bundle can be downloaded.
	Evidence bool
}

// shareRow is what a request shares, to whom and why, as people read it;
// Link is the page of what is shared, for those who may open it.
type shareRow struct{ What, To, Why, Link string }

// shareRowOf is sh as people in language l read it; link gives the page of
// a shared recording or request ("" for none).
func shareRowOf(l string, sh *opname.Share, link func(what, id string) string) *shareRow {
	if sh == nil {
		return nil
	}
	return &shareRow{What: translate(l, "share.shown."+sh.What), To: sh.To, Why: sh.Why, Link: link(sh.What, sh.ID)}
}

// staffShareLink is the staff's page of what a request shares.
func staffShareLink(what, id string) string {
	switch what {
	case "recording":
		return "/opnames/" + url.PathEscape(id)
	case "transcript":
		// Shown beside its recording; the request names no page of its own.
		return ""
	}
	return "/verzoeken/" + url.PathEscape(id)
}

// citation is a rule that applied as people read it: the passage, and
// the source by its title, with its web address where the policy gives one.
type citation struct {
	Text, Title, Ref, URL string
}

// citations names the sources of rules by title. The decision cites them
// by file name; a document of the organisation's own is looked up in its
// current policy, and one no policy knows any more shows its file name.
func (s *Server) citations(r *http.Request, rules []policy.RuleRef) []citation {
	lookup := s.sourcesOf(func() []policy.Source { return s.ownSources(r) })
	out := make([]citation, 0, len(rules))
	for _, rr := range rules {
		c := citation{Text: rr.Text, Title: rr.Source, Ref: rr.Ref}
		if src, ok := lookup(rr.Source); ok && src.Title != "" {
			c.Title, c.URL = src.Title, src.URL
		}
		out = append(out, c)
	}
	return out
}

// ownSources are the sources of the organisation's current policy, or
// none when it cannot be read.
func (s *Server) ownSources(r *http.Request) []policy.Source {
	org, err := s.Store.Organisation(r.Context())
	if err != nil {
		return nil
	}
	p, err := s.compiled(org.Policy)
	if err != nil {
		return nil
	}
	return p.Sources
}

// tone is how a state looks, as the NL Design System's alert and status
// badge variants: ok, waiting (warning) or stopped (error, danger).
type tone struct{ Alert, Badge string }

var (
	toneOK      = tone{"ok", "safe"}
	toneWaiting = tone{"warning", "warning"}
	toneStopped = tone{"error", "danger"}
)

// toneOf is the tone of a request whose view is v.
func toneOf(v *workflow.RequestView) tone {
	switch {
	case v.Next.Ready:
		return toneOK
	case v.Decision.Outcome.Stops():
		return toneStopped
	}
	return toneWaiting
}

type incRow struct {
	*opname.Incident
	When, KindText string
	Steps          []string
	Next           []choice
	// MediumText, RecorderText and PresentText say what was recorded in
	// secret, by whom and with whom there, where the incident says so.
	MediumText, RecorderText, PresentText string
}

func (s *Server) workData(r *http.Request, title string) *workPage {
	l := lang(r)
	d := &workPage{page: &page{Title: title}}
	for _, v := range []string{"office", "home_visit", "public_activity", "phone", "video_call"} {
		d.Locations = append(d.Locations, choice{v, translate(l, "wf.loc."+v)})
	}
	for _, v := range workflow.Roles {
		d.Roles = append(d.Roles, choice{v, translate(l, "wf.role."+v)})
	}
	for _, v := range askActions {
		d.Actions = append(d.Actions, choice{v, translate(l, "wf.action."+v)})
	}
	d.Recipients = recipientChoices(l)
	return d
}

// recipientChoices are the kinds of recipient, in language l.
func recipientChoices(l string) []choice {
	var out []choice
	for _, v := range policy.Recipients.Codes() {
		out = append(out, choice{v, translate(l, "wf.recipient."+v)})
	}
	return out
}

func (s *Server) convRow(r *http.Request, c *opname.Conversation) (convRow, error) {
	l := lang(r)
	row := convRow{Conversation: c, When: s.when(r, c.At), Where: translate(l, "wf.loc."+c.Location)}
	for i, p := range c.Participants {
		pr := personRow{Index: i, Role: translate(l, "wf.role."+p.Role), Name: p.Name, Staff: p.Role == "staff"}
		var details []string
		if p.Age != nil {
			details = append(details, fmt.Sprintf(translate(l, "wf.age"), *p.Age))
		}
		if p.Capacity == "incapable" {
			details = append(details, translate(l, "wf.incapable"))
		}
		pr.Details = strings.Join(details, ", ")
		if p.Declined != nil {
			pr.Declined, pr.Alternative = true, p.Declined.Alternative
		}
		row.People = append(row.People, pr)
	}
	// The client's name is part of the conversation shown, whose read is
	// logged already.
	client, err := s.Store.Client(opname.ForAct(r.Context()), c.ClientID)
	if err != nil {
		return row, err
	}
	row.ClientName = client.Name
	return row, nil
}

// reqRow formats the workflow's view of a request for a page: labels in
// the reader's language. What is shown and offered is the workflow's.
func (s *Server) reqRow(r *http.Request, c *opname.Conversation, req *opname.Request) (reqRow, error) {
	l := lang(r)
	v, err := s.Workflow.ViewOne(r.Context(), c, req)
	if err != nil {
		return reqRow{}, err
	}
	d, n := v.Decision, v.Next
	row := reqRow{Request: req, D: d, Ready: n.Ready, Rules: s.citations(r, d.Rules), When: s.when(r, req.CreatedAt),
		OutcomeText: d.Outcome.Label(l), Explanation: d.Explanation.In(l),
		AskManager: n.AskManager, CanDecide: n.ManagerDecides, RecordsToo: n.RecordsToo, Agree: n.Agree, Tone: toneOf(v),
		ViaLink: opname.ByLink(req.CreatedBy), CopyAsked: workflow.AsksClientCopy(req), Share: shareRowOf(l, req.Act.Share, staffShareLink),
		Deliver: deliverChoiceOf(req), Evidence: n.Ready && req.Act.Action == "share" && req.Act.Share != nil}
	who := translate(l, "wf.by."+req.Act.By)
	if p := v.AskedBy; p != nil {
		row.AskedBy = translate(l, "wf.role."+p.Role)
		if p.Name != "" {
			who = p.Name
			row.AskedBy += " (" + p.Name + ")"
		}
	} else if req.Act.ByTakesPart != nil && !*req.Act.ByTakesPart {
		who, row.AskedBy = translate(l, "wf.by.outside"), translate(l, "wf.ask.who.outside")
	}
	row.What = fmt.Sprintf(translate(l, "wf.what."+req.Act.Action), who, translate(l, "wf.medium."+req.Act.Medium))
	if slices.Contains(policy.Recipients.Codes(), req.Act.Recipient) {
		row.RecipientText = translate(l, "wf.recipient."+req.Act.Recipient)
	}
	for _, w := range n.WaitingFor {
		row.Waiting = append(row.Waiting, translate(l, "wf.wait."+w))
	}
	for _, o := range d.Obligations {
		row.Obligations = append(row.Obligations, policy.Obligations.Label(o, l))
	}
	for _, a := range n.Terms {
		row.Terms = append(row.Terms, policy.Agreements.Label(a, l))
	}
	for _, a := range d.Advice {
		row.Advice = append(row.Advice, policy.Advice.Label(a, l))
	}
	for _, a := range n.Alternatives {
		row.Alternatives = append(row.Alternatives, choice{a, policy.Alternatives.Label(a, l)})
	}
	for _, a := range n.WeightyAlternatives {
		row.WeightyAlternatives = append(row.WeightyAlternatives, choice{a, policy.Alternatives.Label(a, l)})
	}
	for _, p := range n.Ask {
		who := personRow{Index: p.Participant, Role: translate(l, "wf.role."+p.Role), Name: p.Name}
		if p.Participant == -1 {
			if n.ManagerConsents {
				row.ManagerConsents = translate(l, "share.organisation.manager")
				continue
			}
			who.Role = translate(l, "wf.organisation")
		}
		row.Ask = append(row.Ask, who)
	}
	switch {
	case !n.Ready || req.Act.Share == nil:
	case req.Act.Action == "publish":
		row.ShareReady = translate(l, "recipient.ready.publish")
	case row.Deliver != nil:
		row.ShareReady = translate(l, "recipient.ready")
	default:
		row.ShareReady = translate(l, "recipient.ready.other")
	}
	if n.StaffMayRefuse {
		row.StaffRefusal = translate(l, "words.staff.may.refuse")
		if d.DecidedBy == "manager" {
			row.StaffRefusal += " " + translate(l, "words.staff.then.manager")
		}
	}
	for _, p := range n.AskStaff {
		who := translate(l, "wf.role."+p.Role)
		if p.Name != "" {
			who += " (" + p.Name + ")"
		}
		row.AskStaff = append(row.AskStaff, personRow{Index: p.Participant, Role: who, Name: p.Name, Staff: true})
	}
	for _, role := range n.Missing {
		row.Missing = append(row.Missing, choice{role, translate(l, "wf.role."+role)})
	}
	for _, a := range req.Answers {
		who := translate(l, "wf.organisation")
		if a.Participant >= 0 && a.Participant < len(c.Participants) {
			who = translate(l, "wf.role."+c.Participants[a.Participant].Role)
			if n := c.Participants[a.Participant].Name; n != "" {
				who += " (" + n + ")"
			}
		}
		verdict := translate(l, "wf.answer.no")
		if a.Given {
			verdict = translate(l, "wf.answer.yes")
		}
		row.Answers = append(row.Answers, fmt.Sprintf("%s: %s — %s, %s", who, verdict, translate(l, "wf.how."+a.How), s.when(r, a.At)))
	}
	if m := req.Manager; m != nil {
		row.ManagerText = sentencef(translate(l, "wf.manager.asked"), m.Assessment, m.Consulted)
		if m.Approved != nil {
			row.Decided, row.Approved = true, *m.Approved
			row.ManagerText = fmt.Sprintf(translate(l, "wf.manager.decided"), m.Reasons)
		}
	}
	if w := req.Weighty; w != nil {
		row.WeightyText = sentencef(translate(l, "wf.weighty.text"), w.Reason, policy.Alternatives.Label(w.Alternative, l))
	}
	if req.Alternative != "" {
		row.AlternativeText = policy.Alternatives.Label(req.Alternative, l)
	}
	if g := req.Agreement; g != nil {
		row.Agreed = fmt.Sprintf(translate(l, "wf.agreed"), translate(l, "wf.form."+g.Form), s.when(r, g.At))
		if g.Refused {
			row.Agreed += " " + translate(l, "wf.agreed.refused")
		}
		if opname.ByLink(g.By) {
			row.Agreed += " " + translate(l, "link.staff.agreed")
		}
	}
	return row, nil
}

// sentencef formats a message whose %s verbs take text people typed or
// a sentence of the policy's, so that a full stop where they meet is
// said once (see policy.Fill).
func sentencef(format string, args ...string) string {
	mark := func(i int) string { return fmt.Sprintf("\x00%d\x00", i) }
	for i := range args {
		format = strings.Replace(format, "%s", mark(i), 1)
	}
	for i, a := range args {
		format = policy.Fill(format, mark(i), a)
	}
	return format
}

func (s *Server) incRow(r *http.Request, i *opname.Incident) incRow {
	l := lang(r)
	row := incRow{Incident: i, When: s.when(r, i.OpenedAt), KindText: translate(l, "wf.incident."+i.Kind)}
	taken := map[string]bool{}
	for _, st := range i.Steps {
		taken[st.Step] = true
		label := policy.Enforcement.Label(st.Step, l)
		if st.Step == "close" {
			label = translate(l, "wf.incident.close")
		}
		line := fmt.Sprintf("%s — %s", label, s.when(r, st.At))
		if st.Note != "" {
			line += ": " + st.Note
		}
		row.Steps = append(row.Steps, line)
	}
	if !i.Closed {
		for _, st := range i.Ladder {
			if !taken[st] {
				row.Next = append(row.Next, choice{st, policy.Enforcement.Label(st, l)})
			}
		}
	}
	return row
}

// whoRecorded fills in what an incident says of the recording made in
// secret, in language l: the participants of c by role and name.
func whoRecorded(l string, row *incRow, c *opname.Conversation) {
	i := row.Incident
	person := func(j int) string {
		if j < 0 || j >= len(c.Participants) {
			return ""
		}
		p := c.Participants[j]
		if p.Name != "" {
			return translate(l, "wf.role."+p.Role) + " (" + p.Name + ")"
		}
		return translate(l, "wf.role."+p.Role)
	}
	if i.Medium != "" {
		row.MediumText = translate(l, "words.incident.medium."+i.Medium)
	}
	switch {
	case i.Recorder != nil:
		row.RecorderText = person(*i.Recorder)
	case i.RecorderOther != "":
		row.RecorderText = i.RecorderOther
	}
	var there []string
	for _, j := range i.Present {
		there = append(there, person(j))
	}
	if i.RecorderOther != "" {
		there = append(there, i.RecorderOther)
	}
	row.PresentText = strings.Join(there, ", ")
}

// workPageHandler is "my work": conversations with my clients, and for
// managers what waits in the inbox.
func (s *Server) workPageHandler(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	d := s.workData(r, translate(lang(r), "wf.work.title"))
	p, err := listPage(r, "cursor")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	convs, next, err := s.Store.MyConversations(r.Context(), p)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d.Next = nextHref(r, "cursor", next)
	reqsOf, err := s.requestsOf(r, convs)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	for i := range convs {
		row, err := s.convRow(r, &convs[i])
		if err != nil {
			s.Error(w, r, err)
			return
		}
		reqs := reqsOf[convs[i].ID]
		for j := range reqs {
			if workflow.Open(&reqs[j]) {
				row.OpenRequests++
			}
		}
		d.Conversations = append(d.Conversations, row)
	}
	if a.Role == opname.RoleManager || a.Role == opname.RoleAdmin {
		// The first page of each of the inbox's lists; the inbox's own
		// page goes on.
		if err := s.fillInbox(r, d, opname.Page{}, opname.Page{}, "/postvak"); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	s.renderData(w, r, http.StatusOK, "work", d.page, d)
}

// requestsOf reads the requests of a page of conversations as one list.
func (s *Server) requestsOf(r *http.Request, convs []opname.Conversation) (map[string][]opname.Request, error) {
	ids := make([]string, len(convs))
	for i := range convs {
		ids[i] = convs[i].ID
	}
	return s.Store.RequestsOf(r.Context(), ids)
}

// fillInbox adds a page of what waits for the manager: for each request
// who asked, for whom, what and since when; and a page of the open
// incidents. Their next pages are on the inbox page at path.
func (s *Server) fillInbox(r *http.Request, d *workPage, rp, ip opname.Page, path string) error {
	items, next, err := s.Workflow.Inbox(r.Context(), rp)
	if err != nil {
		return err
	}
	at := &http.Request{URL: &url.URL{Path: path, RawQuery: r.URL.RawQuery}}
	if path != r.URL.Path {
		at.URL.RawQuery = ""
	}
	d.NextRequests = nextHref(at, "cursor", next)
	for _, it := range items {
		c, err := s.Store.Conversation(r.Context(), it.ConversationID)
		if err != nil {
			return err
		}
		row, err := s.reqRow(r, c, it.Request)
		if err != nil {
			return err
		}
		row.StaffName, row.ClientName = it.StaffName, it.ClientName
		row.Since, row.Waited = s.when(r, it.Since), waited(it.Waited, lang(r))
		d.Requests = append(d.Requests, row)
	}
	incs, next, err := s.Store.OpenIncidents(r.Context(), ip)
	if err != nil {
		return forParam(err, "incidents_cursor")
	}
	d.NextIncidents = nextHref(at, "incidents_cursor", next)
	for i := range incs {
		d.Incidents = append(d.Incidents, s.incRow(r, &incs[i]))
	}
	act, err := s.Store.LinkActivity(r.Context(), time.Now().AddDate(0, 0, -7))
	if err != nil {
		return err
	}
	d.LinkActivity = fmt.Sprintf(translate(lang(r), "link.inbox.activity"), act.Announced, act.Answered)
	return nil
}

// waited is how long something has waited, in words of language l: whole
// days, else hours, else minutes.
func waited(d time.Duration, l string) string {
	n, unit := int(d/time.Minute), "minute"
	switch {
	case d >= 24*time.Hour:
		n, unit = int(d/(24*time.Hour)), "day"
	case d >= time.Hour:
		n, unit = int(d/time.Hour), "hour"
	case d < time.Minute:
		return translate(l, "age.now")
	}
	if n != 1 {
		unit += "s"
	}
	return fmt.Sprintf(translate(l, "age."+unit), n)
}

// inboxPage is the managers' inbox.
func (s *Server) inboxPage(w http.ResponseWriter, r *http.Request) {
	d := s.workData(r, translate(lang(r), "wf.inbox.title"))
	rp, err := listPage(r, "cursor")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	ip, err := listPage(r, "incidents_cursor")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.fillInbox(r, d, rp, ip, r.URL.Path); err != nil {
		s.Error(w, r, err)
		return
	}
	s.renderData(w, r, http.StatusOK, "inbox", d.page, d)
}

// clientConversationsPage lists a client's conversations and opens a new
// one.
func (s *Server) clientConversationsPage(w http.ResponseWriter, r *http.Request) {
	s.renderClientConversations(w, r, http.StatusOK, "")
}

func (s *Server) renderClientConversations(w http.ResponseWriter, r *http.Request, code int, msg string) {
	c, err := s.Store.Client(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d := s.workData(r, fmt.Sprintf(translate(lang(r), "wf.convs.title"), c.Name))
	d.Client, d.Message = c, msg
	cp, err := listPage(r, "cursor")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	ip, err := listPage(r, "incidents_cursor")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	convs, next, err := s.Store.ClientConversationsPage(r.Context(), c.ID, cp)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d.Next = nextHref(r, "cursor", next)
	reqsOf, err := s.requestsOf(r, convs)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	for i := range convs {
		row, err := s.convRow(r, &convs[i])
		if err != nil {
			s.Error(w, r, err)
			return
		}
		reqs := reqsOf[convs[i].ID]
		for j := range reqs {
			rr, err := s.reqRow(r, &convs[i], &reqs[j])
			if err != nil {
				s.Error(w, r, err)
				return
			}
			row.Requests = append(row.Requests, rr)
		}
		d.Conversations = append(d.Conversations, row)
	}
	incs, next, err := s.Store.ClientIncidents(r.Context(), c.ID, ip)
	if err != nil {
		s.Error(w, r, forParam(err, "incidents_cursor"))
		return
	}
	d.NextIncidents = nextHref(r, "incidents_cursor", next)
	for i := range incs {
		d.Incidents = append(d.Incidents, s.incRow(r, &incs[i]))
	}
	s.renderData(w, r, code, "conversations", d.page, d)
}

// openConversationForm opens a conversation from the form: when, where,
// what about, and up to four participants besides the client and the
// staff member filling it in.
func (s *Server) openConversationForm(w http.ResponseWriter, r *http.Request) {
	s.once(w, r, func() (string, bool) {
		a := actor(r)
		c := &opname.Conversation{ClientID: r.PathValue("id"), Location: r.PostFormValue("waar"), Topic: strings.TrimSpace(r.PostFormValue("onderwerp"))}
		if v := r.PostFormValue("wanneer"); v != "" {
			at, msg := localInput(v, s.zone(r), lang(r))
			if msg != "" {
				s.renderClientConversations(w, r, http.StatusBadRequest, msg)
				return "", false
			}
			c.At = at
		}
		c.Participants = []opname.Participant{{Role: "client"}, {Role: "staff", Name: a.Name, UserID: a.UserID}}
		for i := range 4 {
			suffix := strconv.Itoa(i)
			if r.PostFormValue("rol"+suffix) == "" {
				continue
			}
			p, msg := participantForm(r, suffix)
			if msg != "" {
				s.renderClientConversations(w, r, http.StatusBadRequest, msg)
				return "", false
			}
			c.Participants = append(c.Participants, p)
		}
		if err := s.Workflow.Open(r.Context(), c); err != nil {
			s.renderClientConversations(w, r, status[opname.KindOf(err)], localMessage(lang(r), err))
			return "", false
		}
		return "/gesprekken/" + c.ID, false
	})
}

// participantForm is the participant of a form's fields rol, naam,
// leeftijd and onbekwaam, each followed by suffix; msg says what is wrong.
func participantForm(r *http.Request, suffix string) (p opname.Participant, msg string) {
	p = opname.Participant{Role: r.PostFormValue("rol" + suffix), Name: strings.TrimSpace(r.PostFormValue("naam" + suffix))}
	if v := r.PostFormValue("leeftijd" + suffix); v != "" {
		age, err := strconv.Atoi(v)
		if err != nil {
			return p, fmt.Sprintf(translate(lang(r), "wf.err.age"), v)
		}
		p.Age = &age
	}
	if r.PostFormValue("onbekwaam"+suffix) != "" {
		p.Capacity = "incapable"
	}
	return p, ""
}

// addParticipantForm adds someone to a conversation — from the
// conversation page, or from a request whose policy asks the answer of
// someone who is not in it, which the form then returns to.
func (s *Server) addParticipantForm(w http.ResponseWriter, r *http.Request) {
	s.once(w, r, func() (string, bool) {
		l := lang(r)
		p, msg := participantForm(r, "")
		if msg == "" && p.Role == "" {
			msg = translate(l, "wf.choose.role")
		}
		if msg == "" {
			_, err := s.Workflow.AddParticipant(r.Context(), r.PathValue("id"), p)
			if err != nil {
				msg = localMessage(l, err)
				if opname.KindOf(err) != opname.Invalid {
					s.Error(w, r, err)
					return "", false
				}
			}
		}
		if msg != "" {
			s.renderConversation(w, r, http.StatusBadRequest, msg)
			return "", false
		}
		if req := r.PostFormValue("verzoek"); req != "" {
			return "/verzoeken/" + url.PathEscape(req), false
		}
		return "/gesprekken/" + r.PathValue("id"), false
	})
}

// conversationPage shows the guide, who takes part, the requests, and the
// form to ask to record.
func (s *Server) conversationPage(w http.ResponseWriter, r *http.Request) {
	s.renderConversation(w, r, http.StatusOK, "")
}

func (s *Server) renderConversation(w http.ResponseWriter, r *http.Request, code int, msg string) {
	ctx, l := r.Context(), lang(r)
	c, err := s.Store.Conversation(ctx, r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	row, err := s.convRow(r, c)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d := s.workData(r, fmt.Sprintf(translate(l, "wf.conv.title"), row.ClientName, row.When))
	d.Conversation, d.Message, d.TextMax = &row, msg, opname.Paragraphs.Max
	if r.Method == http.MethodPost {
		// A form sent back with a message keeps what was typed in it.
		d.Form = map[string]string{}
		for k := range r.PostForm {
			d.Form[k] = r.PostForm.Get(k)
		}
	}
	guide, err := s.Workflow.Guide(ctx, c)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	for _, g := range guide {
		d.Guide = append(d.Guide, g.In(l))
	}
	reqs, err := s.Store.ConversationRequests(ctx, c.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	for i := range reqs {
		row, err := s.reqRow(r, c, &reqs[i])
		if err != nil {
			s.Error(w, r, err)
			return
		}
		d.Requests = append(d.Requests, row)
		if g := reqs[i].Agreement; g != nil {
			d.Shareable = append(d.Shareable, choice{"agreements:" + reqs[i].ID, fmt.Sprintf(translate(l, "share.of.agreements"), row.What, s.when(r, g.At))})
		}
		if m := reqs[i].Manager; m != nil && m.Approved != nil {
			d.Shareable = append(d.Shareable, choice{"manager_decision:" + reqs[i].ID, fmt.Sprintf(translate(l, "share.of.manager_decision"), row.What)})
		}
	}
	// The client's recordings are what a request to share may pass on.
	recs, err := s.Store.ClientRecordings(ctx, c.ClientID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	for _, rec := range recs {
		if rec.ErasedAt == nil {
			d.Shareable = append(d.Shareable, choice{"recording:" + rec.ID, fmt.Sprintf(translate(l, "share.of.recording"), s.when(r, rec.CreatedAt), translate(l, "source."+rec.Source))})
		}
	}
	// So are the transcripts of this conversation's recordings, read
	// as one list.
	made := map[string]time.Time{}
	for _, rec := range recs {
		if rec.ErasedAt == nil && rec.ConversationID == c.ID {
			made[rec.ID] = rec.CreatedAt
		}
	}
	ts, err := s.Store.ConversationTranscripts(ctx, c.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	for _, t := range ts {
		if at, ok := made[t.DerivedFrom]; ok && t.ErasedAt == nil {
			d.Shareable = append(d.Shareable, choice{"transcript:" + t.ID, fmt.Sprintf(translate(l, "share.of.transcript"), s.when(r, at), transcriptType(l, t.MediaType))})
		}
	}
	s.renderData(w, r, code, "conversation", d.page, d)
}

// askForm records who asks what: a participant of the conversation, or
// someone who did not take part; the workflow derives by from the
// participant's role. Who asks has no default: it decides who else is
// asked.
func (s *Server) askForm(w http.ResponseWriter, r *http.Request) {
	s.once(w, r, func() (string, bool) { return s.ask(w, r), false })
}

// ask records what askForm asks and returns the request's page, or shows
// what is wrong and returns "".
func (s *Server) ask(w http.ResponseWriter, r *http.Request) string {
	l, f := lang(r), r.PostFormValue
	act := opname.Act{Action: cmp.Or(f("handeling"), "record"), Medium: f("wat"), Announced: f("aangekondigd"), Covert: f("heimelijk") != ""}
	switch who := f("wie"); who {
	case "":
		s.renderConversation(w, r, http.StatusBadRequest, translate(l, "wf.choose.who"))
		return ""
	case "buiten":
		outside := false
		act.By, act.ByTakesPart = "other", &outside
	default:
		i, err := strconv.Atoi(who)
		if err != nil {
			s.renderConversation(w, r, http.StatusBadRequest, translate(l, "wf.choose.who"))
			return ""
		}
		act.Recorder = &i
	}
	if act.Action == "share" || act.Action == "publish" {
		if act.Recipient = f("ontvanger"); act.Recipient == "" {
			s.renderConversation(w, r, http.StatusBadRequest, translate(l, "wf.choose.recipient"))
			return ""
		}
		what, id, _ := strings.Cut(f("deel"), ":")
		act.Share = &opname.Share{What: what, ID: id, To: f("deel-aan"), Why: f("deel-waarom")}
	}
	req, err := s.Workflow.Ask(r.Context(), r.PathValue("id"), act)
	if err != nil {
		s.renderConversation(w, r, status[opname.KindOf(err)], formMessage(l, err, labelsOf(l, "share.what", "share.what", "share.id", "share.what", "share.to", "share.to", "share.why", "share.why")))
		return ""
	}
	return "/verzoeken/" + req.ID
}

// declineForm records a staff member who declines to take part.
func (s *Server) declineForm(w http.ResponseWriter, r *http.Request) {
	i, _ := strconv.Atoi(r.PostFormValue("deelnemer"))
	if _, err := s.Workflow.Decline(r.Context(), r.PathValue("id"), i, r.PostFormValue("alternatief")); err != nil {
		s.renderConversation(w, r, status[opname.KindOf(err)], formMessage(lang(r), err, labelsOf(lang(r), "alternative", "wf.decline.alt")))
		return
	}
	http.Redirect(w, r, "/gesprekken/"+r.PathValue("id"), http.StatusSeeOther)
}

// requestPage shows a request's outcome, why, and what happens next.
func (s *Server) requestPage(w http.ResponseWriter, r *http.Request) {
	s.renderRequest(w, r, http.StatusOK, "", false)
}

func (s *Server) renderRequest(w http.ResponseWriter, r *http.Request, code int, msg string, ok bool) {
	s.renderRequestWith(w, r, code, msg, ok, nil)
}

// renderRequestWith shows a request's page, with a recipient link just
// given (its address and code, shown this once).
func (s *Server) renderRequestWith(w http.ResponseWriter, r *http.Request, code int, msg string, ok bool, given *givenLink) {
	ctx, l := r.Context(), lang(r)
	req, err := s.Store.Request(ctx, r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	c, err := s.Store.Conversation(ctx, req.ConversationID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	row, err := s.reqRow(r, c, req)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	conv, err := s.convRow(r, c)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if row.CopyAsked {
		// The copies given for the request are part of what it shows.
		recs, err := s.Store.ClientRecordings(ctx, req.ClientID)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		row.Copies = s.givenCopies(r, recs, req.ID)
	}
	if req.Act.Action == "share" {
		// Who received it, and whether they still can, is part of a
		// share's page.
		if row.Recipients, err = s.recipientRows(r, req); err != nil {
			s.Error(w, r, err)
			return
		}
		row.Given = given
	}
	if msg == "" && r.URL.Query().Get("gestopt") == "1" {
		msg, ok = translate(l, "recipient.stopped"), true
	}
	d := s.workData(r, fmt.Sprintf(translate(l, "wf.req.title"), row.What))
	d.Request, d.Conversation, d.Message, d.MessageOK = &row, &conv, msg, ok
	s.renderData(w, r, code, "request", d.page, d)
}

// requestForm is every step on a request: the form's "stap" says which.
func (s *Server) requestForm(w http.ResponseWriter, r *http.Request) {
	ctx, id, f := r.Context(), r.PathValue("id"), r.PostFormValue
	// Nothing about consent has a default: a form sent without a choice
	// is refused, never read as yes or as no.
	choose := func(name, key string, allowed ...string) error {
		if !slices.Contains(allowed, f(name)) {
			return &opname.Error{Kind: opname.Invalid, Msg: translate(lang(r), key)}
		}
		return nil
	}
	var err error
	var labels fieldLabels
	switch l := lang(r); f("stap") {
	case "antwoord":
		if err = choose("antwoord", "wf.choose.answer", "ja", "nee"); err != nil {
			break
		}
		i, _ := strconv.Atoi(f("deelnemer"))
		_, err = s.Workflow.Answer(ctx, id, i, f("antwoord") == "ja", f("hoe"))
		labels = labelsOf(l, "how", "wf.how", "participant", "wf.answer.of")
	case "zwaarwegend":
		_, err = s.Workflow.Weighty(ctx, id, f("reden"), f("alternatief"))
		labels = labelsOf(l, "reason", "wf.weighty.reason", "alternative", "wf.weighty.alt")
	case "alternatief":
		_, err = s.Workflow.Choose(ctx, id, f("alternatief"))
		labels = labelsOf(l, "alternative", "wf.alt.choose")
	case "manager":
		_, err = s.Workflow.AskManager(ctx, id, f("beoordeling"), f("collegas"))
		labels = labelsOf(l, "assessment", "wf.manager.assessment", "colleagues_consulted", "wf.manager.consulted")
	case "besluit":
		if err = choose("besluit", "wf.choose.decision", "ja", "nee"); err != nil {
			break
		}
		_, err = s.Workflow.Decide(ctx, id, f("besluit") == "ja", f("redenen"))
		labels = labelsOf(l, "reasons", "wf.decide.reasons")
	case "afspraken":
		if err = choose("ondertekend", "wf.choose.signed", "nvt", "ja", "geweigerd"); err != nil {
			break
		}
		_, err = s.Workflow.Agree(ctx, id, f("vorm"), f("ondertekend") == "ja", f("ondertekend") == "geweigerd")
		labels = labelsOf(l, "form", "wf.form")
	default:
		err = opname.Invalidf("stap", "form.step", "%q is not a step", f("stap"))
	}
	if err != nil {
		s.renderRequest(w, r, status[opname.KindOf(err)], stepMessage(lang(r), err, labels), false)
		return
	}
	http.Redirect(w, r, "/verzoeken/"+id, http.StatusSeeOther)
}

// stepConflicts are the workflow's conflicts of a step taken after
// another, with what the pages say of each.
var stepConflicts = []struct {
	err error
	key string
}{
	{workflow.ErrDecidedAlready, "wf.err.decided"},
	{workflow.ErrAskedAlready, "wf.err.asked"},
	{workflow.ErrStepTaken, "wf.err.step.taken"},
	{workflow.ErrClosed, "wf.err.closed"},
}

// stepMessage is what a page says of a step's error, in l, naming fields
// by labels.
func stepMessage(l string, err error, labels fieldLabels) string {
	for _, c := range stepConflicts {
		if errors.Is(err, c.err) {
			return translate(l, c.key)
		}
	}
	return formMessage(l, err, labels)
}

// incidentForm opens an incident from a conversation.
func (s *Server) incidentForm(w http.ResponseWriter, r *http.Request) {
	s.once(w, r, func() (string, bool) {
		c, err := s.Store.Conversation(r.Context(), r.PathValue("id"))
		if err != nil {
			s.Error(w, r, err)
			return "", false
		}
		i := &opname.Incident{ClientID: c.ClientID, ConversationID: c.ID, Kind: r.PostFormValue("soort"), Description: r.PostFormValue("beschrijving"), Medium: r.PostFormValue("wat")}
		if n := utf8.RuneCountInString(i.Description); n > opname.Paragraphs.Max {
			l := lang(r)
			s.renderConversation(w, r, http.StatusBadRequest, fmt.Sprintf(translate(l, "wf.incident.toolong"), translate(l, "wf.incident.what"), opname.Paragraphs.Max, n))
			return "", false
		}
		// Who recorded: a participant, someone else described in words, or
		// not known; and who was there.
		other := strings.TrimSpace(r.PostFormValue("opnemer_anders"))
		switch who := r.PostFormValue("opnemer"); {
		case who == "anders" && other == "":
			s.renderConversation(w, r, http.StatusBadRequest, translate(lang(r), "words.incident.other.missing"))
			return "", false
		case who == "anders" || who == "" && other != "":
			i.RecorderOther = other
		case who != "":
			n, err := strconv.Atoi(who)
			if err != nil {
				s.renderConversation(w, r, http.StatusBadRequest, translate(lang(r), "words.incident.recorder"))
				return "", false
			}
			i.Recorder = &n
		}
		for _, v := range r.PostForm["aanwezig"] {
			n, err := strconv.Atoi(v)
			if err != nil {
				s.renderConversation(w, r, http.StatusBadRequest, translate(lang(r), "words.incident.present"))
				return "", false
			}
			i.Present = append(i.Present, n)
		}
		if err := s.Workflow.OpenIncident(r.Context(), i); err != nil {
			s.renderConversation(w, r, status[opname.KindOf(err)], localMessage(lang(r), err))
			return "", false
		}
		return "/incidenten/" + i.ID, false
	})
}

// incidentPage shows the ladder with each step taken.
func (s *Server) incidentPage(w http.ResponseWriter, r *http.Request) {
	s.renderIncident(w, r, http.StatusOK, "")
}

func (s *Server) renderIncident(w http.ResponseWriter, r *http.Request, code int, msg string) {
	i, err := s.Store.Incident(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	row := s.incRow(r, i)
	if i.ConversationID != "" {
		c, err := s.Store.Conversation(r.Context(), i.ConversationID)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		whoRecorded(lang(r), &row, c)
	}
	d := s.workData(r, row.KindText)
	d.Incident, d.Message = &row, msg
	s.renderData(w, r, code, "incident", d.page, d)
}

// stepForm records the next step of an incident's ladder.
func (s *Server) stepForm(w http.ResponseWriter, r *http.Request) {
	if _, err := s.Workflow.TakeStep(r.Context(), r.PathValue("id"), r.PostFormValue("stap"), r.PostFormValue("notitie")); err != nil {
		s.renderIncident(w, r, status[opname.KindOf(err)], stepMessage(lang(r), err, nil))
		return
	}
	http.Redirect(w, r, "/incidenten/"+r.PathValue("id"), http.StatusSeeOther)
}

// printablePage is the agreements with the declaration to sign
// (/verzoeken/{id}/afspraken) or the manager's written decision
// (/verzoeken/{id}/besluit), as accessible HTML that prints cleanly; it
// says what the PDF says.
func (s *Server) printablePage(w http.ResponseWriter, r *http.Request) {
	decision := strings.HasSuffix(r.URL.Path, "/besluit")
	req, client, doc, err := s.loadDocument(opname.WithPurpose(r.Context(), "printable"), r, decision)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d := s.workData(r, doc.Title)
	d.Request, d.Client, d.Decision, d.Doc = &reqRow{Request: req}, client, decision, doc
	s.renderData(w, r, http.StatusOK, "printable", d.page, d)
}
