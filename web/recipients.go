package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/translog"
	"github.com/opname/opname/vault"
	"github.com/opname/opname/workflow"
)

// Recipient links (opname.RecipientLink): staff give one on the page of a
// share request that is ready, the people of the conversation see them
// and can stop them through their own link, and the recipient opens it at
// /d/{token}: what was shared, its receipt and how to check it, and
// nothing else of the client.

// recipientKey carries a recipient's visit to the handlers of their routes.
type recipientKey struct{}

// recipientVisit is a request made with a recipient link: the link, and
// whether its code (if it has one) was given with this request.
type recipientVisit struct {
	link   *opname.RecipientLink
	codeOK bool
	// codeErr says why a code typed was not accepted.
	codeErr error
}

// recipientLanding is the route that shows the form to type a link's
// code; every other recipient route needs the code first.
const recipientLanding = "/d/{token}"

// recipientGate makes the recipient of the link in the path the actor of
// h, or answers with the neutral page that says nothing of why a link
// does not work.
func (s *Server) recipientGate(w http.ResponseWriter, r *http.Request, h http.HandlerFunc) {
	ctx := r.Context()
	l, err := s.Store.OpenRecipientLink(ctx, r.PathValue("token"))
	if err != nil {
		s.recipientGone(w, r, err)
		return
	}
	ctx = opname.WithActor(ctx, opname.Recipient(l, opname.AddrFrom(ctx)))
	v := &recipientVisit{link: l, codeOK: !l.CodeRequired}
	if l.CodeRequired && r.Method == http.MethodPost {
		switch err := s.Store.CheckRecipientCode(ctx, r.PostFormValue("code")); opname.KindOf(err) {
		case "":
			v.codeOK = true
		case opname.Invalid:
			v.codeErr = err
		default:
			s.recipientGone(w, r, err)
			return
		}
	}
	r = r.WithContext(context.WithValue(ctx, recipientKey{}, v))
	if !v.codeOK && r.Pattern != r.Method+" "+recipientLanding {
		s.renderRecipient(w, r, http.StatusBadRequest, v)
		return
	}
	h(w, r)
}

func recipientVisitOf(r *http.Request) *recipientVisit {
	v, _ := r.Context().Value(recipientKey{}).(*recipientVisit)
	return v
}

// recipientGone is the page of a recipient link that does not work: never
// existed, expired, stopped or used up all look the same.
func (s *Server) recipientGone(w http.ResponseWriter, r *http.Request, err error) {
	l := lang(r)
	code, msg := http.StatusNotFound, translate(l, "recipient.gone.text")
	if m, ok := throttledMessage(l, err); ok {
		code, msg = http.StatusTooManyRequests, m
	} else if k := opname.KindOf(err); k != opname.NotFound {
		s.Error(w, r, err)
		return
	}
	p := &recipientPage{page: &page{Title: translate(l, "recipient.gone.title"), Message: msg}}
	s.renderData(w, r, code, "d_gone", p.page, p)
}

// recipientPage is what a recipient sees.
type recipientPage struct {
	*page
	// NeedCode is set while the code is still to be typed.
	NeedCode bool
	Token    string
	// Code is the code as typed, carried by the page's download forms.
	Code string
	View *recipientView
}

// recipientView is what was shared, as its recipient reads it.
type recipientView struct {
	Org, What, Kind, To, When, Size, Shared, Expires, Left string
	LogURL, KeyURL, Verify                                 string
	Fingerprint                                            string
}

func (s *Server) recipientLandingPage(w http.ResponseWriter, r *http.Request) {
	s.renderRecipient(w, r, http.StatusOK, recipientVisitOf(r))
}

// renderRecipient shows the code form, or what was shared.
func (s *Server) renderRecipient(w http.ResponseWriter, r *http.Request, code int, v *recipientVisit) {
	ctx, l := r.Context(), lang(r)
	p := &recipientPage{page: &page{Title: translate(l, "recipient.title")}, Token: r.PathValue("token")}
	if !v.codeOK {
		p.NeedCode = true
		if v.codeErr != nil {
			p.Message = formMessage(l, v.codeErr, labelsOf(l, "code", "recipient.code"))
			code = http.StatusBadRequest
		}
		s.renderData(w, r, code, "d_recipient", p.page, p)
		return
	}
	p.Code = r.PostFormValue("code")
	rec, err := s.sharedFile(ctx, v.link)
	if err != nil {
		s.recipientGone(w, r, err)
		return
	}
	org, err := s.Store.Organisation(ctx)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	rc, err := s.Store.Receipt(ctx, rec.OrgID, rec.LogIndex)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	lk := v.link
	logURL := strings.TrimSuffix(s.redirectURL(r), "/aanmelden/oidc/terug") + "/api/v1/logs/" + url.PathEscape(org.Slug)
	p.View = &recipientView{Org: org.Name, What: translate(l, "share.shown."+lk.What), Kind: translate(l, "wf.recipient."+lk.Recipient), To: lk.To,
		When: s.when(r, rec.CreatedAt), Size: sizeText(rec.Size, l), Shared: s.when(r, lk.CreatedAt), Expires: s.when(r, lk.ExpiresAt),
		Left:   fmt.Sprintf(translate(l, "recipient.left"), lk.MaxDownloads-lk.Downloads, lk.MaxDownloads),
		LogURL: logURL, KeyURL: "/api/v1/logs/" + url.PathEscape(org.Slug) + "/key", Fingerprint: translog.Fingerprint(rc.VerifierKey),
		Verify: "opname verify --receipt bewijs-" + rec.ID + ".json --log " + logURL + " " + downloadName(rec)}
	s.renderData(w, r, code, "d_recipient", p.page, p)
}

// recipientDownload sends the shared recording, counting one download.
func (s *Server) recipientDownload(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := s.Store.CountDownload(ctx); err != nil {
		s.recipientGone(w, r, err)
		return
	}
	o, err := s.openShared(ctx, recipientVisitOf(r).link)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	serveRecording(w, r, o, true)
}

// sharedFile reads the recording or transcript a recipient link delivers.
func (s *Server) sharedFile(ctx context.Context, l *opname.RecipientLink) (*opname.Recording, error) {
	read := s.Store.Recording
	if l.What == "transcript" {
		read = s.Store.Transcript
	}
	rec, _, err := read(ctx, l.ObjectID)
	return rec, err
}

// openShared opens the recording or transcript a recipient link delivers
// for download, logging the download.
func (s *Server) openShared(ctx context.Context, l *opname.RecipientLink) (*vault.Opened, error) {
	if l.What == "transcript" {
		return s.Vault.OpenTranscript(ctx, l.ObjectID)
	}
	return s.Vault.Open(ctx, l.ObjectID, true)
}

// recipientReceipt sends the shared recording's receipt; it is not a
// download of the recording and is not counted.
func (s *Server) recipientReceipt(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rec, err := s.sharedFile(ctx, recipientVisitOf(r).link)
	if err != nil {
		s.recipientGone(w, r, err)
		return
	}
	rc, err := s.Store.Receipt(ctx, rec.OrgID, rec.LogIndex)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="bewijs-`+rec.ID+`.json"`)
	w.Header().Set("Cache-Control", "private, no-store")
	writeJSON(w, http.StatusOK, rc)
}

// recipientRow is a recipient link as the people of a request read it.
type recipientRow struct {
	ID, To, Kind, State, Downloads, Expires, Given string
	// Active links can be stopped.
	Active bool
}

// recipientRows are a request's recipient links for the page.
func (s *Server) recipientRows(r *http.Request, req *opname.Request) ([]recipientRow, error) {
	links, err := s.Store.RecipientLinks(r.Context(), req.ID)
	if err != nil {
		return nil, err
	}
	l, now := lang(r), time.Now()
	out := make([]recipientRow, 0, len(links))
	for _, lk := range links {
		state := lk.State(now)
		out = append(out, recipientRow{ID: lk.ID, To: lk.To, Kind: translate(l, "wf.recipient."+lk.Recipient), State: translate(l, "recipient.state."+state),
			Downloads: fmt.Sprintf(translate(l, "recipient.downloads"), lk.Downloads, lk.MaxDownloads), Expires: s.when(r, lk.ExpiresAt),
			Given: s.when(r, lk.CreatedAt), Active: state == "active"})
	}
	return out, nil
}

// deliverChoice is the form to give a recipient link: its defaults and
// bounds.
type deliverChoice struct{ Days, MaxDays, Downloads, MaxDownloads int }

// deliverChoiceOf is the form for r, when a recipient link may be given.
func deliverChoiceOf(r *opname.Request) *deliverChoice {
	if !workflow.CanDeliver(r) {
		return nil
	}
	return &deliverChoice{opname.DefaultRecipientDays, opname.MaxRecipientDays, opname.DefaultRecipientDownloads, opname.MaxRecipientDownloads}
}

// givenLink is a recipient link just given: its address and code are
// shown this once.
type givenLink struct{ URL, Code, Expires string }

// recipientURL is where a recipient opens a link.
func (s *Server) recipientURL(r *http.Request, secret string) string {
	return strings.TrimSuffix(s.redirectURL(r), "/aanmelden/oidc/terug") + "/d/" + secret
}

// deliverForm gives a recipient link for a ready share request and shows
// its address (and code) once.
func (s *Server) deliverForm(w http.ResponseWriter, r *http.Request) {
	l := lang(r)
	o, err := recipientOptions(r.PostFormValue("dagen"), r.PostFormValue("downloads"), r.PostFormValue("code"))
	var lk *opname.RecipientLink
	var secret, code string
	if err == nil {
		lk, secret, code, err = s.Workflow.Deliver(r.Context(), r.PathValue("id"), o)
	}
	if err != nil {
		if k := opname.KindOf(err); k == opname.Invalid || k == opname.Conflict {
			s.renderRequestWith(w, r, statusOf(err), formMessage(l, err, labelsOf(l, "days", "recipient.days.label", "max_downloads", "recipient.downloads.label")), false, nil)
			return
		}
		s.Error(w, r, err)
		return
	}
	s.renderRequestWith(w, r, http.StatusCreated, translate(l, "recipient.given"), true, &givenLink{URL: s.recipientURL(r, secret), Code: code, Expires: s.when(r, lk.ExpiresAt)})
}

// recipientOptions reads the form's choices: days, downloads, and whether
// the link has a code ("ja" or nothing).
func recipientOptions(days, downloads, code string) (opname.RecipientOptions, error) {
	var o opname.RecipientOptions
	var err error
	if days != "" {
		if o.Days, err = strconv.Atoi(strings.TrimSpace(days)); err != nil {
			return o, opname.Invalidf("days", "recipient.days", "a recipient link lasts 1 to %d days (got %s)", opname.MaxRecipientDays, days)
		}
	}
	if downloads != "" {
		if o.MaxDownloads, err = strconv.Atoi(strings.TrimSpace(downloads)); err != nil {
			return o, opname.Invalidf("max_downloads", "recipient.downloads", "a recipient link allows 1 to %d downloads (got %s)", opname.MaxRecipientDownloads, downloads)
		}
	}
	o.WithCode = code == "ja"
	return o, o.Check()
}

// stopRecipientForm stops a recipient link from the request's page.
func (s *Server) stopRecipientForm(w http.ResponseWriter, r *http.Request) {
	if err := s.Store.RevokeRecipientLink(r.Context(), r.PathValue("link")); err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/verzoeken/"+url.PathEscape(r.PathValue("id"))+"?gestopt=1", http.StatusSeeOther)
}

// linkStopRecipient stops a recipient link from the client's side.
func (s *Server) linkStopRecipient(w http.ResponseWriter, r *http.Request) {
	if err := s.Store.RevokeRecipientLink(r.Context(), r.PathValue("id")); err != nil {
		s.Error(w, r, err)
		return
	}
	next := "/l/gesprekken"
	if c := r.PostFormValue("gesprek"); c != "" {
		next += "/" + url.PathEscape(c)
	}
	http.Redirect(w, r, next+"?gestopt=1", http.StatusSeeOther)
}

// The API's recipient links.

func (s *Server) apiDeliver(w http.ResponseWriter, r *http.Request) {
	var o opname.RecipientOptions
	if err := decode(w, r, &o); err != nil {
		s.Error(w, r, err)
		return
	}
	lk, secret, code, err := s.Workflow.Deliver(r.Context(), r.PathValue("id"), o)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"link": lk, "url": s.recipientURL(r, secret), "code": code})
}

func (s *Server) apiRecipientLinks(w http.ResponseWriter, r *http.Request) {
	s.respond(w, r, func() (any, error) { return s.Store.RecipientLinks(r.Context(), r.PathValue("id")) })
}

func (s *Server) apiStopRecipient(w http.ResponseWriter, r *http.Request) {
	if err := s.Store.RevokeRecipientLink(r.Context(), r.PathValue("link")); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// logShares answers the receipts of a recording's shares in the public
// log, by its SHA-256, for `opname verify --log`.
func (s *Server) logShares(w http.ResponseWriter, r *http.Request) {
	sum := strings.ToLower(r.URL.Query().Get("sha256"))
	if len(sum) != 64 || strings.Trim(sum, "0123456789abcdef") != "" {
		s.Error(w, r, opname.Invalidf("sha256", "log.sha256", "give the SHA-256 of a recording as 64 hexadecimal characters (got %q)", sum))
		return
	}
	rcs, err := s.Store.Shares(r.Context(), r.PathValue("slug"), sum)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"shares": rcs})
}
