package web

import (
	"context"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/policy"
	"github.com/opname/opname/workflow"
	"rsc.io/qr"
)

// The client's side: a person of a conversation who is not staff opens
// their personal link (a QR code, a typed code, or a link in an e-mail)
// and sees their conversations, announces a recording, answers what they
// are asked and confirms agreements. The pages live under /l, a path that
// says nothing; their titles, the mail's subject and the link say nothing
// about the organisation or its kind of care. Every page has a quick exit
// to a neutral site.

// linkPage is what the client's pages get.
type linkPage struct {
	*page
	Link          *opname.ClientLink
	Conversations []linkConversation
	Conversation  *linkConversation
	Requests      []linkRequest
	// GiveCopy is set when a request on the page asks the holder for a
	// copy: the page then loads the upload's script.
	GiveCopy  bool
	PINNeeded string
	// Asked counts the questions waiting for the holder's answer.
	Asked int
	// DataNews counts decisions on the holder's AVG requests not shown
	// to them yet (avg.go).
	DataNews   int
	Recordings []linkRecording
	Recording  *linkRecording
	// Seen is who looked at the client's data; SeenNext and SeenFirst
	// the addresses of its next and first page (see seenPaged).
	Seen                []seenLine
	SeenNext, SeenFirst string
	// Complaints is the organisation's own complaints procedure, with its
	// web page, and the Nationale Ombudsman's. The organisation's public
	// page is not linked: a visit would leave its name in the history of a
	// phone someone else may pick up.
	Complaints, ComplaintsURL, Ombudsman string
}

// linkConversation is one conversation as its holder sees it.
type linkConversation struct {
	*opname.Conversation
	When, Where string
	Planned     bool
	People      []string
}

// linkRequest is one request of a conversation as the holder sees it: what
// is asked and by whom, what the policy says, and what the holder can do.
type linkRequest struct {
	ID, What, Outcome, Explanation string
	Tone                           tone
	Waiting                        []string
	Obligations, Advice            []string
	// AskMe is set when the holder is asked for consent; MyAnswer is
	// their latest answer ("" for none).
	AskMe    bool
	MyAnswer string
	// Terms are the agreements to confirm; Agreement says what was
	// recorded of them.
	Terms     []string
	CanAgree  bool
	Agreement string
	// Share is what a request to share or publish passes on.
	Share *shareRow
	// GiveCopy is set when the holder is asked for a copy of their own
	// recording; Copies are those they gave for the request.
	GiveCopy bool
	Copies   []linkCopy
	// Recipients are the links given to the recipient of a share, which
	// the holder may stop.
	Recipients []recipientRow
}

// linkShareLink is the holder's page of a shared recording; agreements
// and decisions are on the conversation's page itself.
func linkShareLink(what, id string) string {
	if what == "recording" {
		return "/l/opnames/" + url.PathEscape(id)
	}
	return ""
}

// linkCopy is a copy the client handed over, with when it arrived.
type linkCopy struct{ ID, When string }

// givenCopies are the client's copies among recs given for request id.
func (s *Server) givenCopies(r *http.Request, recs []opname.Recording, id string) []linkCopy {
	var out []linkCopy
	for _, rec := range recs {
		if rec.RequestID == id && rec.Source == "client_copy" && rec.ErasedAt == nil {
			out = append(out, linkCopy{ID: rec.ID, When: s.when(r, rec.CreatedAt)})
		}
	}
	return out
}

// baseURL is the address people reach opname at: the public URL, or else
// the host the request came to.
func (s *Server) baseURL(r *http.Request) string {
	base := strings.TrimSuffix(s.PublicURL, "/")
	if base == "" {
		scheme := "https"
		if r.TLS == nil && s.Insecure {
			scheme = "http"
		}
		base = scheme + "://" + r.Host
	}
	return base
}

// renderLink writes a client's page.
func (s *Server) renderLink(w http.ResponseWriter, r *http.Request, code int, name string, d *linkPage) {
	if d.page == nil {
		d.page = &page{}
	}
	// The client's pages are neither cached nor kept in the browser's
	// history of a shared device longer than needed.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	s.renderData(w, r, code, name, d.page, d)
}

// setLinkCookie keeps a link session in the browser, for /l only.
func (s *Server) setLinkCookie(w http.ResponseWriter, secret string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: s.LinkCookie(), Value: secret, Path: "/l", MaxAge: maxAge, HttpOnly: true, Secure: !s.Insecure, SameSite: http.SameSiteLaxMode})
}

// linkStart is where a person arrives without a code in the address: the
// form to type it, or their page when their browser has a session.
func (s *Server) linkStart(w http.ResponseWriter, r *http.Request) {
	if v, ok := linkVisitOf(r); ok {
		next := "/l/gesprekken"
		if v.session.PINNeeded != "" {
			next = "/l/pin"
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	s.renderLink(w, r, http.StatusOK, "l_code", &linkPage{page: &page{Title: translate(lang(r), "link.code.title")}})
}

// linkOpen opens a link from its code: typed into the form (POST /l) or in
// the address of the QR code or e-mail (GET /l/{code}). Every code that
// does not work gets the same page.
func (s *Server) linkOpen(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	if r.Method == http.MethodPost {
		code = r.PostFormValue("code")
	}
	secret, sess, err := s.Store.OpenLink(r.Context(), code)
	if err != nil {
		l := lang(r)
		// The page says nothing of the code: not even in the address the
		// language switch returns to.
		d := &linkPage{page: &page{Title: translate(l, "link.code.title"), Here: "/l", Form: map[string]string{"code": strings.TrimSpace(r.PostFormValue("code"))}}}
		status := http.StatusNotFound
		switch opname.KindOf(err) {
		case opname.NotFound:
			d.Message = translate(l, "link.code.unknown")
		case opname.TooMany:
			d.Message, status = localMessage(l, err), http.StatusTooManyRequests
		default:
			s.Error(w, r, err)
			return
		}
		s.renderLink(w, r, status, "l_code", d)
		return
	}
	s.setLinkCookie(w, secret, int((12 * time.Hour).Seconds()))
	next := "/l/gesprekken"
	if sess.PINNeeded != "" {
		next = "/l/pin"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// linkPIN asks for the PIN: to choose at first use, or to enter.
func (s *Server) linkPIN(w http.ResponseWriter, r *http.Request) {
	v, _ := linkVisitOf(r)
	if v.session.PINNeeded == "" {
		http.Redirect(w, r, "/l/gesprekken", http.StatusSeeOther)
		return
	}
	l := lang(r)
	d := &linkPage{page: &page{Title: translate(l, "link.pin.title")}, PINNeeded: v.session.PINNeeded}
	if r.Method != http.MethodPost {
		s.renderLink(w, r, http.StatusOK, "l_pin", d)
		return
	}
	pin := strings.TrimSpace(r.PostFormValue("pin"))
	var err error
	if v.session.PINNeeded == "choose" {
		if pin != strings.TrimSpace(r.PostFormValue("pin2")) {
			d.Message = translate(l, "link.pin.differ")
			s.renderLink(w, r, http.StatusBadRequest, "l_pin", d)
			return
		}
		err = s.Store.SetLinkPIN(r.Context(), v.secret, pin)
	} else {
		err = s.Store.CheckLinkPIN(r.Context(), v.secret, pin)
	}
	switch kind := opname.KindOf(err); {
	case err == nil:
		http.Redirect(w, r, "/l/gesprekken", http.StatusSeeOther)
	case kind == opname.NotFound:
		// The link stopped meanwhile (too many wrong PINs, say).
		s.setLinkCookie(w, "", -1)
		http.Redirect(w, r, "/l", http.StatusSeeOther)
	case kind == opname.Invalid || kind == opname.Unauthorized || kind == opname.TooMany || kind == opname.Conflict:
		d.Message = localMessage(l, err)
		s.renderLink(w, r, statusOf(err), "l_pin", d)
	default:
		s.Error(w, r, err)
	}
}

// statusOf is the HTTP status of an error a page shows.
func statusOf(err error) int {
	switch opname.KindOf(err) {
	case opname.Invalid:
		return http.StatusBadRequest
	case opname.Unauthorized:
		return http.StatusUnauthorized
	case opname.TooMany:
		return http.StatusTooManyRequests
	case opname.Conflict:
		return http.StatusConflict
	case opname.NotFound:
		return http.StatusNotFound
	}
	return http.StatusInternalServerError
}

// linkHome is the holder's first page: their conversations, planned and
// past, and what is asked of them.
func (s *Server) linkHome(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a := actor(r)
	l := lang(r)
	link, err := s.Store.Link(ctx)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	cs, err := s.Store.ClientConversations(ctx, a.ClientID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d := &linkPage{page: &page{Title: translate(l, "link.home.title")}, Link: link}
	if d.DataNews, err = s.Store.UntoldDataDecisions(ctx); err != nil {
		s.Error(w, r, err)
		return
	}
	for i := range cs {
		lc := s.linkConversation(r, &cs[i])
		d.Conversations = append(d.Conversations, lc)
		rs, err := s.Store.ConversationRequests(opname.ForAct(ctx), cs[i].ID)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		for k := range rs {
			if asked, _ := holderAsked(&cs[i], &rs[k], a); asked {
				d.Asked++
			}
		}
	}
	s.renderLink(w, r, http.StatusOK, "l_home", d)
}

// holderAsked reports whether the holder a is asked for consent on r and
// has not answered yet; answered reports an earlier answer.
func holderAsked(c *opname.Conversation, r *opname.Request, a opname.Actor) (open, answered bool) {
	i, ok := workflow.HolderIndex(c, a)
	if !ok {
		return false, false
	}
	v, err := workflow.ViewOf(c, r, a)
	if err != nil {
		return false, false
	}
	for _, ans := range r.Answers {
		if ans.Participant == i {
			answered = true
		}
	}
	return slices.ContainsFunc(v.Next.Ask, func(p workflow.Party) bool { return p.Participant == i }), answered
}

// linkConversation formats a conversation for its holder.
func (s *Server) linkConversation(r *http.Request, c *opname.Conversation) linkConversation {
	l := lang(r)
	lc := linkConversation{Conversation: c, When: s.when(r, c.At), Where: translate(l, "wf.loc."+c.Location), Planned: c.At.After(time.Now())}
	for _, p := range c.Participants {
		who := translate(l, "wf.role."+p.Role)
		if p.Name != "" {
			who += " (" + p.Name + ")"
		}
		lc.People = append(lc.People, who)
	}
	return lc
}

// linkConversationPage shows one conversation: its requests with what the
// policy says, the questions for the holder, and the form to announce a
// recording.
func (s *Server) linkConversationPage(w http.ResponseWriter, r *http.Request) {
	// After a step the page says it arrived, so that nobody sends it
	// again for want of an answer.
	msg := ""
	switch {
	case r.URL.Query().Get("aangekondigd") != "":
		msg = translate(lang(r), "link.announced")
	case r.URL.Query().Get("bewaard") != "":
		msg = translate(lang(r), "link.saved")
	case r.URL.Query().Get("gevraagd") != "":
		msg = translate(lang(r), "link.share.asked")
	case r.URL.Query().Get("gestopt") != "":
		msg = translate(lang(r), "link.recipients.stopped")
	}
	s.showLinkConversation(w, r, http.StatusOK, msg)
}

func (s *Server) showLinkConversation(w http.ResponseWriter, r *http.Request, status int, msg string) {
	ctx := r.Context()
	a := actor(r)
	l := lang(r)
	c, err := s.Store.Conversation(ctx, r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	rs, err := s.Store.ConversationRequests(opname.ForAct(ctx), c.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	lc := s.linkConversation(r, c)
	d := &linkPage{page: &page{Title: translate(l, "link.conversation.title"), Message: msg, MessageOK: msg != "" && status < 400}, Conversation: &lc}
	var given []opname.Recording
	for k := range rs {
		lr, err := s.linkRequest(r, c, &rs[k], a)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		if lr.GiveCopy && given == nil {
			// The copies given so far are part of what the page shows.
			if given, err = s.Store.ClientRecordings(ctx, a.ClientID); err != nil {
				s.Error(w, r, err)
				return
			}
		}
		lr.Copies = s.givenCopies(r, given, lr.ID)
		d.GiveCopy = d.GiveCopy || lr.GiveCopy
		d.Requests = append(d.Requests, lr)
	}
	s.renderLink(w, r, status, "l_conversation", d)
}

// linkRequest formats a request for the holder a, from the workflow's view.
func (s *Server) linkRequest(r *http.Request, c *opname.Conversation, req *opname.Request, a opname.Actor) (linkRequest, error) {
	l := lang(r)
	v, err := workflow.ViewOf(c, req, a)
	if err != nil {
		return linkRequest{}, err
	}
	d := v.Decision
	who := translate(l, "wf.by."+req.Act.By)
	if p := v.AskedBy; p != nil && p.Name != "" {
		who = p.Name
	}
	if i, ok := workflow.HolderIndex(c, a); ok && req.Act.Recorder != nil && *req.Act.Recorder == i {
		who = translate(l, "link.you")
	}
	lr := linkRequest{ID: req.ID, What: fmt.Sprintf(translate(l, "wf.what."+req.Act.Action), who, translate(l, "wf.medium."+req.Act.Medium)),
		Outcome: d.Outcome.Label(l), Explanation: d.Explanation.In(l), Tone: toneOf(v)}
	for _, wf := range v.Next.WaitingFor {
		lr.Waiting = append(lr.Waiting, translate(l, "wf.wait."+wf))
	}
	for _, o := range d.Obligations {
		lr.Obligations = append(lr.Obligations, policy.Obligations.Label(o, l))
	}
	for _, o := range d.Advice {
		lr.Advice = append(lr.Advice, policy.Advice.Label(o, l))
	}
	open, answered := holderAsked(c, req, a)
	lr.AskMe = open || answered
	if i, ok := workflow.HolderIndex(c, a); ok && answered {
		last := req.Answers[0]
		for _, ans := range req.Answers {
			if ans.Participant == i {
				last = ans
			}
		}
		lr.MyAnswer = translate(l, map[bool]string{true: "link.answer.yes.given", false: "link.answer.no.given"}[last.Given])
	}
	if v.Next.Agree || req.Agreement != nil {
		for _, t := range d.Agreements {
			lr.Terms = append(lr.Terms, policy.Agreements.Label(t, l))
		}
		lr.CanAgree = len(lr.Terms) > 0 && workflow.HolderMayConfirm(c, req, a)
	}
	lr.GiveCopy = workflow.HolderGivesCopy(c, req, a)
	lr.Share = shareRowOf(l, req.Act.Share, linkShareLink)
	if req.Act.Action == "share" {
		if lr.Recipients, err = s.recipientRows(r, req); err != nil {
			return linkRequest{}, err
		}
	}
	if g := req.Agreement; g != nil {
		switch {
		case g.Signed:
			lr.Agreement = fmt.Sprintf(translate(l, "link.agreement.confirmed"), s.when(r, g.At))
		case g.Refused:
			lr.Agreement = fmt.Sprintf(translate(l, "link.agreement.refused"), s.when(r, g.At))
		default:
			lr.Agreement = fmt.Sprintf(translate(l, "link.agreement.recorded"), s.when(r, g.At))
		}
	}
	return lr, nil
}

// linkAnnounce announces that the holder will record a conversation.
func (s *Server) linkAnnounce(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.once(w, r, func() (string, bool) {
		_, err := s.Workflow.Announce(r.Context(), id, r.PostFormValue("medium"))
		if err != nil {
			s.linkRefuse(w, r, err)
			return "", true
		}
		return "/l/gesprekken/" + url.PathEscape(id) + "?aangekondigd=1", false
	})
}

// linkAnswer records the holder's yes or no to a request.
func (s *Server) linkAnswer(w http.ResponseWriter, r *http.Request) {
	s.linkStep(w, r, func(ctx context.Context, id string) (*opname.Request, error) {
		switch r.PostFormValue("antwoord") {
		case "ja":
			return s.Workflow.HolderAnswer(ctx, id, true)
		case "nee":
			return s.Workflow.HolderAnswer(ctx, id, false)
		}
		return nil, opname.Invalidf("antwoord", "link.answer", "choose yes or no")
	})
}

// linkAgree records that the holder confirms or refuses the agreements.
func (s *Server) linkAgree(w http.ResponseWriter, r *http.Request) {
	s.linkStep(w, r, func(ctx context.Context, id string) (*opname.Request, error) {
		switch r.PostFormValue("afspraken") {
		case "akkoord":
			return s.Workflow.HolderConfirm(ctx, id, true)
		case "niet":
			return s.Workflow.HolderConfirm(ctx, id, false)
		}
		return nil, opname.Invalidf("afspraken", "link.agree", "choose whether you agree")
	})
}

// linkStep runs one of the holder's steps on a request and shows its
// conversation again.
func (s *Server) linkStep(w http.ResponseWriter, r *http.Request, step func(ctx context.Context, id string) (*opname.Request, error)) {
	id := r.PathValue("id")
	s.once(w, r, func() (string, bool) {
		req, err := step(r.Context(), id)
		if err != nil {
			s.linkRefuse(w, r, err)
			return "", true
		}
		return "/l/gesprekken/" + url.PathEscape(req.ConversationID) + "?bewaard=1", false
	})
}

// linkRefuse shows why a holder's step did not happen, in their language.
func (s *Server) linkRefuse(w http.ResponseWriter, r *http.Request, err error) {
	switch opname.KindOf(err) {
	case opname.Invalid, opname.Conflict, opname.Forbidden:
		if r.PathValue("id") != "" && strings.HasPrefix(r.URL.Path, "/l/gesprekken/") {
			s.showLinkConversation(w, r, statusOf(err), localMessage(lang(r), err))
			return
		}
	}
	s.Error(w, r, err)
}

// linkStop stops the holder's own link on every device.
func (s *Server) linkStop(w http.ResponseWriter, r *http.Request) {
	if err := s.Store.RevokeLink(r.Context(), actor(r).UserID); err != nil {
		s.Error(w, r, err)
		return
	}
	s.setLinkCookie(w, "", -1)
	s.renderLink(w, r, http.StatusOK, "l_stopped", &linkPage{page: &page{Title: translate(lang(r), "link.stopped.title")}})
}

// linkLeave ends the browser's session of a link (the link keeps working).
func (s *Server) linkLeave(w http.ResponseWriter, r *http.Request) {
	s.setLinkCookie(w, "", -1)
	http.Redirect(w, r, "/l", http.StatusSeeOther)
}

// Staff side.

// linkRow is a client's link as staff see it.
type linkRow struct {
	opname.ClientLink
	Party, Created, Expires, LastUsed, State string
	Usable                                   bool
}

// linkRows formats a client's links for staff.
func (s *Server) linkRows(r *http.Request, links []opname.ClientLink) []linkRow {
	l := lang(r)
	now := time.Now()
	out := make([]linkRow, 0, len(links))
	for _, k := range links {
		row := linkRow{ClientLink: k, Party: translate(l, "wf.role."+k.Party), Created: s.when(r, k.CreatedAt), Expires: s.when(r, k.ExpiresAt), Usable: k.Usable(now)}
		if !k.LastUsed.IsZero() {
			row.LastUsed = s.when(r, k.LastUsed)
		}
		switch {
		case k.RevokedAt != nil:
			row.State = translate(l, "link.state.stopped")
		case !row.Usable:
			row.State = translate(l, "link.state.expired")
		case k.PINRequired && !k.PINSet:
			row.State = translate(l, "link.state.nopin")
		default:
			row.State = translate(l, "link.state.active")
		}
		out = append(out, row)
	}
	return out
}

// linkGive makes a link for a person of a client and shows it once, to
// print or pass on, and mails it when an address is given.
func (s *Server) linkGive(w http.ResponseWriter, r *http.Request) {
	clientID := r.PathValue("id")
	s.once(w, r, func() (string, bool) {
		ctx := r.Context()
		l := lang(r)
		// How long a link lasts and whether it asks for a PIN are the
		// organisation's settings.
		set, err := s.Store.LinkSettings(ctx)
		if err != nil {
			s.Error(w, r, err)
			return "", true
		}
		link := &opname.ClientLink{ClientID: clientID, Party: r.PostFormValue("partij"), Name: r.PostFormValue("naam"), PINRequired: set.RequirePIN,
			ExpiresAt: time.Now().AddDate(0, 0, set.LinkDays)}
		code, err := s.Store.CreateLink(ctx, link)
		if err != nil {
			if opname.KindOf(err) == opname.Invalid {
				http.Redirect(w, r, "/clienten/"+url.PathEscape(clientID)+"?link="+url.QueryEscape(localMessage(l, err))+"#links", http.StatusSeeOther)
				return "", true
			}
			s.Error(w, r, err)
			return "", true
		}
		address := s.baseURL(r) + "/l/" + code
		p := &page{Title: translate(l, "link.print.title")}
		if img, err := qr.Encode(address, qr.M); err == nil {
			p.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(img.PNG()))
		}
		d := &linkPrint{page: p, Link: link, Code: opname.GroupLinkCode(code), Address: address, Start: s.baseURL(r) + "/l",
			Party: translate(l, "wf.role."+link.Party), Expires: s.when(r, link.ExpiresAt)}
		if to := strings.TrimSpace(r.PostFormValue("email")); to != "" {
			d.Mailed = s.mailLink(r, to, address, link.ExpiresAt)
		}
		s.renderData(w, r, http.StatusOK, "linkprint", p, d)
		return "/clienten/" + url.PathEscape(clientID) + "#links", true
	})
}

// linkPrint is the page that shows a new link once, to print.
type linkPrint struct {
	*page
	Link                                 *opname.ClientLink
	Code, Address, Start, Party, Expires string
	Mailed                               string
}

// mailLink sends a link to an e-mail address and says what happened. The
// mail names neither the client nor the organisation's kind of care.
func (s *Server) mailLink(r *http.Request, to, address string, expires time.Time) string {
	l := lang(r)
	if s.Mail == nil {
		return translate(l, "people.mail.none")
	}
	if !strings.Contains(to, "@") || len(to) > 254 {
		return fmt.Sprintf(translate(l, "link.mail.bad"), to)
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	subject, body := opname.LinkMail(address, formatTime(expires, s.zone(r), "nl"), formatTime(expires, s.zone(r), "en"))
	if err := s.Mail.Send(ctx, []string{to}, subject, body); err != nil {
		s.Logger.ErrorContext(r.Context(), "link e-mail", "request_id", requestID(r.Context()), "err", err.Error())
		return fmt.Sprintf(translate(l, "people.mail.failed"), to)
	}
	return fmt.Sprintf(translate(l, "people.mail.sent"), to)
}

// linkRevoke stops a link of a client (staff).
func (s *Server) linkRevoke(w http.ResponseWriter, r *http.Request) {
	if err := s.Store.RevokeLink(r.Context(), r.PathValue("link")); err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/clienten/"+url.PathEscape(r.PathValue("id"))+"#links", http.StatusSeeOther)
}

// linkResetPIN clears a link's PIN (staff), with its holder present.
func (s *Server) linkResetPIN(w http.ResponseWriter, r *http.Request) {
	if err := s.Store.ResetLinkPIN(r.Context(), r.PathValue("link")); err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/clienten/"+url.PathEscape(r.PathValue("id"))+"#links", http.StatusSeeOther)
}

// linkRecording is a recording as its holder sees it.
type linkRecording struct {
	opname.Recording
	When, Source, Size string
	Audio, Video       bool
	// Edit says what a declared edit changed, why and who was told.
	Edit string
	// Check is where the browser finds the receipt and the organisation's
	// published key, to check a copy without sending it.
	Check receiptCheck
	// CanShare is set when the holder may ask to share the recording: it
	// is of a conversation they took part in. Recipients are the kinds.
	CanShare   bool
	Recipients []choice
	// Transcripts are the recording's (transcripts.go); CanTranscribe is
	// set when the holder may attach one, TranscriptAdded when they did.
	Transcripts                    []transcriptView
	CanTranscribe, TranscriptAdded bool
}

// linkRecordings lists the recordings of the holder's conversations, with
// a player, a download, the receipt, and the check of a copy against it
// in the browser (Ombudsman rule 4: copies both ways).
func (s *Server) linkRecordings(w http.ResponseWriter, r *http.Request) {
	l := lang(r)
	p, err := listPage(r, "cursor")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	recs, next, err := s.Store.ClientRecordingsPage(r.Context(), actor(r).ClientID, p)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	org, err := s.Store.Organisation(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d := &linkPage{page: &page{Title: translate(l, "link.recordings.title"), Next: nextHref(r, "cursor", next)}}
	for _, rec := range recs {
		if rec.ErasedAt != nil {
			continue
		}
		lr := s.linkRecordingOf(r, org, rec)
		d.Recordings = append(d.Recordings, lr)
	}
	s.renderLink(w, r, http.StatusOK, "l_recordings", d)
}

// linkSeen shows who looked at the client's data, in plain words: the
// NEN 7513 overview the client may see. The holder's own acts are theirs.
func (s *Server) linkSeen(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	seen, err := s.seenPage(r, a.ClientID, "/l/wie-keek")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	self := func(e opname.AccessEvent) bool { return e.UserRole == opname.RoleLinkHolder && e.UserID == a.UserID }
	d := &linkPage{page: &page{Title: translate(lang(r), "link.seen.title")}, Seen: seenLines(seen.events, self, s.zone(r), lang(r)), SeenNext: seen.SeenNext, SeenFirst: seen.SeenFirst}
	s.renderLink(w, r, http.StatusOK, "l_seen", d)
}

// linkComplaints shows how to complain: the organisation's own procedure,
// as its administrator wrote it, and the Nationale Ombudsman.
func (s *Server) linkComplaints(w http.ResponseWriter, r *http.Request) {
	set, err := s.Store.LinkSettings(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	l := lang(r)
	d := &linkPage{page: &page{Title: translate(l, "link.complaints.title")}, ComplaintsURL: set.ComplaintsURL, Ombudsman: opname.OmbudsmanComplaintsURL}
	d.Complaints = set.ComplaintsNL
	if l == "en" && set.ComplaintsEN != "" {
		d.Complaints = set.ComplaintsEN
	}
	s.renderLink(w, r, http.StatusOK, "l_complaints", d)
}

// linkRecordingPage shows one recording: a player, a download, the receipt
// and the check of a copy against it.
func (s *Server) linkRecordingPage(w http.ResponseWriter, r *http.Request) {
	s.showLinkRecording(w, r, http.StatusOK, "")
}

func (s *Server) showLinkRecording(w http.ResponseWriter, r *http.Request, status int, msg string) {
	ctx, l := r.Context(), lang(r)
	rec, _, err := s.Store.Recording(ctx, r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	org, err := s.Store.Organisation(ctx)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	lr := s.linkRecordingOf(r, org, *rec)
	var conv *opname.Conversation
	if rec.ConversationID != "" {
		// Whether the holder took part is part of showing the recording.
		if c, err := s.Store.Conversation(opname.ForAct(ctx), rec.ConversationID); err == nil {
			_, lr.CanShare = workflow.HolderIndex(c, actor(r))
			lr.Recipients = recipientChoices(l)
			conv = c
		}
	}
	if err := s.linkTranscripts(r, &lr, conv); err != nil {
		s.Error(w, r, err)
		return
	}
	d := &linkPage{page: &page{Title: translate(l, "link.recordings.one"), Message: msg}, Recording: &lr}
	if msg == "" && lr.TranscriptAdded {
		d.Message, d.MessageOK = translate(l, "transcript.added"), true
	}
	if r.Method == http.MethodPost {
		// A form sent back with a message keeps what was typed in it.
		d.Form = map[string]string{}
		for k := range r.PostForm {
			d.Form[k] = r.PostForm.Get(k)
		}
	}
	s.renderLink(w, r, status, "l_recording", d)
}

// linkShare records that the holder asks to share a recording with
// someone else; the organisation is asked (Ombudsman rule 6).
func (s *Server) linkShare(w http.ResponseWriter, r *http.Request) {
	f := r.PostFormValue
	s.once(w, r, func() (string, bool) {
		req, err := s.Workflow.HolderShare(r.Context(), r.PathValue("id"), f("ontvanger"), f("aan"), f("waarom"))
		if err != nil {
			if k := opname.KindOf(err); k == opname.Invalid || k == opname.Conflict {
				l := lang(r)
				s.showLinkRecording(w, r, statusOf(err), formMessage(l, err, labelsOf(l, "recipient", "link.share.kind", "share.to", "link.share.to", "share.why", "link.share.why")))
			} else {
				s.Error(w, r, err)
			}
			return "", true
		}
		return "/l/gesprekken/" + url.PathEscape(req.ConversationID) + "?gevraagd=1", false
	})
}

// linkRecordingOf formats a recording for its holder.
func (s *Server) linkRecordingOf(r *http.Request, org *opname.Organisation, rec opname.Recording) linkRecording {
	l := lang(r)
	lr := linkRecording{Check: receiptCheck{ReceiptURL: "/l/opnames/" + rec.ID + "/bewijs", KeyURL: "/api/v1/logs/" + org.Slug + "/key"}, Recording: rec,
		When: s.when(r, rec.CreatedAt), Source: translate(l, "source."+rec.Source), Size: sizeText(rec.Size, l),
		Audio: strings.HasPrefix(rec.MediaType, "audio/"), Video: strings.HasPrefix(rec.MediaType, "video/")}
	if e := rec.Edit; e != nil {
		lr.Edit = fmt.Sprintf(translate(l, "link.recordings.edit"), e.Changed, e.Reason, e.Told)
	}
	return lr
}
