package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/opname/opname"
	"github.com/opname/opname/policy"
	"github.com/opname/opname/translog"
)

// The pages for recordings: a client's recordings with a resumable file
// upload, making a recording in the browser, one recording with playback,
// its receipt for the client, and the recordings whose integrity check
// failed. The bytes go through the JSON API (assets/record.js); these
// pages read only through the store, which checks who may see what and
// writes the access log.

// recPage is what the recording pages get: the common page and their own.
type recPage struct {
	*page
	// RequestID is the conversation workflow's request a recording in
	// the browser is made for, when the page was opened from it.
	RequestID  string
	Recordings []recordingView
	Recording  *recordingView
	// Original is what an edited version was derived from, when the person
	// may see it.
	Original *recordingView
	// Audio and Video are what the policy says about recording the
	// conversation; Video is nil when the policy does not allow it.
	Audio, Video *mediumDecision
	VideoNote    string
	Receipt      *receiptView
	// Limits are the limits on uploads under way, for the message when
	// one is reached.
	Limits UploadLimits
	// Confirm is the erase form's second step, with the reason given.
	Confirm bool
	Reason  string
	// Transcripts are the recording's transcripts, shown beside it.
	Transcripts []transcriptView
}

// recordingView is a recording as a page shows it, in the reader's language.
type recordingView struct {
	opname.Recording
	When, SourceText, Duration, SizeText, Codecs, Who, ErasedWhen, CheckedWhen string
	Video                                                                      bool
	// Entry is the recording's entry in the log, counted from 1.
	Entry int64
}

// mediumDecision is the organisation's policy on the organisation recording
// a conversation with the client, for one medium.
type mediumDecision struct {
	Medium, Outcome, Explanation string
	// May is whether recording may start, after the person confirms what
	// Confirm says (consent given, a decision taken).
	May     bool
	Confirm []string
	// Speak is set when the policy asks for the agreements to be spoken at
	// the start of the recording (Veilig Thuis, condition 7).
	Speak                           bool
	Agreements, Obligations, Advice []string
}

// receiptView is a receipt as the receipt page shows it.
type receiptView struct {
	*translog.Receipt
	When, WhenUTC, SizeText, LogURL, Origin string
	// Entry is the receipt's entry counted from 1, as people count;
	// LogSize the entries in the log then.
	Entry, LogSize int64
	// Fingerprint is the log's key's, for people to compare with what
	// `opname verify` shows.
	Fingerprint string
	// Check is what the check in the browser fetches.
	Check receiptCheck
}

// receiptCheck is what the receiptcheck template needs: where the browser
// fetches the receipt and the organisation's published verifier key.
type receiptCheck struct {
	ReceiptURL, KeyURL string
}

// clientRecordingsPage lists a client's recordings, with the upload form.
func (s *Server) clientRecordingsPage(w http.ResponseWriter, r *http.Request) {
	ctx, l := r.Context(), lang(r)
	c, err := s.Store.Client(ctx, r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p, err := listPage(r, "cursor")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	recs, next, err := s.Store.ClientRecordingsPage(ctx, c.ID, p)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d := &recPage{page: &page{Client: c, Title: fmt.Sprintf(translate(l, "recs.title"), c.Name), Next: nextHref(r, "cursor", next)}, Limits: s.limits()}
	for _, rec := range recs {
		d.Recordings = append(d.Recordings, s.viewOf(r, rec))
	}
	s.renderData(w, r, http.StatusOK, "recordings", d.page, d)
}

// recordPage is where a recording is made in the browser: first the
// agreements the organisation's policy asks for, then the recorder.
func (s *Server) recordPage(w http.ResponseWriter, r *http.Request) {
	ctx, l := r.Context(), lang(r)
	c, err := s.Store.Client(ctx, r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	org, err := s.Store.Organisation(ctx)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	pol, err := s.compiled(org.Policy)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d := &recPage{page: &page{Client: c, Org: org, Title: fmt.Sprintf(translate(l, "record.title"), c.Name), PolicyTitle: pol.Title.In(l)}, Limits: s.limits()}
	// Opened from a request (?verzoek=ID): the recording is linked to it.
	if id := r.URL.Query().Get("verzoek"); id != "" {
		req, err := s.Store.Request(ctx, id)
		if err != nil || req.ClientID != c.ID {
			s.Error(w, r, opname.Coded(opname.NotFound, "not_found.request", "request not found"))
			return
		}
		d.RequestID = req.ID
	}
	if d.Audio, err = decideRecording(pol, "audio", l); err != nil {
		s.Error(w, r, err)
		return
	}
	if d.RequestID != "" {
		// The request was decided with the people asked; its recording
		// needs no confirmations of its own (the upload checks that the
		// request is ready).
		d.Audio.Confirm = nil
	}
	video, err := decideRecording(pol, "video", l)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if d.RequestID != "" {
		video.Confirm = nil
	}
	if video.May {
		d.Video = video
	} else {
		d.VideoNote = video.Explanation
	}
	s.renderData(w, r, http.StatusOK, "record", d.page, d)
}

// recordingSituation is the organisation recording a conversation between
// the client and a staff member, before anyone has been asked.
const recordingSituation = `{"action": "record", "medium": %q, "by": "organisation", "participants": [{"role": "client"}, {"role": "staff", "willing": true}]}`

// decideRecording asks the policy about the organisation recording a
// conversation with the client in medium.
func decideRecording(p *policy.Policy, medium, l string) (*mediumDecision, error) {
	sit, err := policy.ParseSituation(strings.NewReader(fmt.Sprintf(recordingSituation, medium)))
	if err != nil {
		return nil, fmt.Errorf("web: recording situation: %w", err)
	}
	d, err := p.Decide(sit)
	if err != nil {
		return nil, fmt.Errorf("web: decide %s recording: %w", medium, err)
	}
	m := &mediumDecision{Medium: medium, Outcome: d.Outcome.Label(l), Explanation: d.Explanation.In(l)}
	switch d.Outcome {
	case policy.Allowed:
		m.May = true
	case policy.NeedsConsent:
		m.May = true
		for _, party := range d.ConsentFrom {
			m.Confirm = append(m.Confirm, fmt.Sprintf(translate(l, "record.confirm.consent"), upperFirst(policy.Parties.Label(party, l))))
		}
	case policy.NeedsDecision:
		m.May = true
		m.Confirm = append(m.Confirm, fmt.Sprintf(translate(l, "record.confirm.decided"), upperFirst(policy.Deciders.Label(d.DecidedBy, l))))
	}
	m.Agreements, m.Advice = policy.Agreements.Labels(d.Agreements, l), policy.Advice.Labels(d.Advice, l)
	for _, code := range d.Obligations {
		if code == "record_agreements" {
			m.Speak = true
			continue
		}
		m.Obligations = append(m.Obligations, policy.Obligations.Label(code, l))
	}
	return m, nil
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// loadRecording reads a recording and its client for a page and logs that
// the person viewed it, with purpose.
func (s *Server) loadRecording(r *http.Request, id, purpose string) (*recPage, error) {
	ctx, l := r.Context(), lang(r)
	rec, _, err := s.Store.Recording(opname.WithPurpose(ctx, purpose), id)
	if err != nil {
		return nil, err
	}
	c, err := s.Store.Client(ctx, rec.ClientID)
	if err != nil {
		return nil, err
	}
	v := s.viewOf(r, *rec)
	// A staff member may not look up colleagues; they see "a colleague".
	v.Who = translate(l, "rec.who.colleague")
	if a, _ := opname.ActorFrom(ctx); a.UserID == rec.CreatedBy {
		v.Who = a.Name
	} else if u, err := s.Store.User(ctx, rec.CreatedBy); err == nil {
		v.Who = u.Name
	}
	d := &recPage{page: &page{Client: c}, Recording: &v}
	if rec.DerivedFrom != "" {
		if orig, _, err := s.Store.Recording(ctx, rec.DerivedFrom); err == nil {
			o := s.viewOf(r, *orig)
			d.Original = &o
		}
	}
	return d, nil
}

// recordingPage plays a recording and shows its facts and what can be done
// with it.
func (s *Server) recordingPage(w http.ResponseWriter, r *http.Request) {
	s.showRecording(w, r, http.StatusOK, "")
}

// showRecording shows the recording page with status, and msg as what
// went wrong with a form, if anything.
func (s *Server) showRecording(w http.ResponseWriter, r *http.Request, status int, msg string) {
	l := lang(r)
	d, err := s.loadRecording(r, r.PathValue("id"), "recording page")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d.Title = fmt.Sprintf(translate(l, "rec.title"), d.Recording.When)
	q := r.URL.Query()
	if n, err := strconv.ParseInt(q.Get("kopie"), 10, 64); err == nil {
		d.Message, d.MessageOK = fmt.Sprintf(translate(l, "rec.copy.done"), n), true
	}
	if q.Get("gewist") == "1" && d.Recording.ErasedAt != nil {
		d.Message, d.MessageOK = translate(l, "rec.erase.done"), true
	}
	if q.Get("transcript") == "1" {
		d.Message, d.MessageOK = translate(l, "transcript.added"), true
	}
	if msg != "" {
		d.Message, d.MessageOK = msg, false
	}
	ts, err := s.Store.Transcripts(r.Context(), d.Recording.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d.Transcripts = s.transcriptViews(r, ts, false)
	s.renderData(w, r, status, "recording", d.page, d)
}

// copyForm registers that the client was given a copy (Ombudsman rule 4).
func (s *Server) copyForm(w http.ResponseWriter, r *http.Request) {
	s.once(w, r, func() (string, bool) {
		id := r.PathValue("id")
		index, err := s.Store.AddCopy(r.Context(), id, "client")
		if err != nil {
			s.Error(w, r, err)
			return "", false
		}
		return "/opnames/" + url.PathEscape(id) + "?kopie=" + strconv.FormatInt(index, 10), false
	})
}

// eraseForm erases a recording in two steps: the reason, then a confirm.
// A confirmation sent twice finds the recording erased: that is what was
// asked, so it is said as the first time.
func (s *Server) eraseForm(w http.ResponseWriter, r *http.Request) {
	ctx, l, id := r.Context(), lang(r), r.PathValue("id")
	reason := strings.TrimSpace(r.PostFormValue("reden"))
	if reason != "" && r.PostFormValue("bevestigd") == "ja" {
		_, err := s.Vault.Erase(ctx, id, reason)
		if err == nil {
			http.Redirect(w, r, "/opnames/"+url.PathEscape(id)+"?gewist=1", http.StatusSeeOther)
			return
		}
		if opname.KindOf(err) == opname.Internal || opname.KindOf(err) == opname.NotFound {
			s.Error(w, r, err)
			return
		}
		d, lerr := s.loadRecording(r, id, "erase")
		if lerr != nil {
			s.Error(w, r, lerr)
			return
		}
		if opname.KindOf(err) == opname.Conflict && d.Recording.ErasedAt != nil {
			http.Redirect(w, r, "/opnames/"+url.PathEscape(id)+"?gewist=1", http.StatusSeeOther)
			return
		}
		d.Title, d.Message = fmt.Sprintf(translate(l, "rec.title"), d.Recording.When), formMessage(l, err, labelsOf(l, "reason", "rec.erase.reason.q"))
		s.renderData(w, r, status[opname.KindOf(err)], "recording", d.page, d)
		return
	}
	d, err := s.loadRecording(r, id, "erase")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d.Title = fmt.Sprintf(translate(l, "rec.title"), d.Recording.When)
	code := http.StatusOK
	if reason == "" {
		code, d.Message = http.StatusBadRequest, translate(l, "rec.erase.noreason")
	} else {
		d.Confirm, d.Reason = true, reason
	}
	s.renderData(w, r, code, "recording", d.page, d)
}

// receiptPage shows a recording's receipt so that a client can read and
// print it, and says how to check a copy against it.
func (s *Server) receiptPage(w http.ResponseWriter, r *http.Request) {
	ctx, l := r.Context(), lang(r)
	d, err := s.loadRecording(r, r.PathValue("id"), "receipt")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	org, err := s.Store.Organisation(ctx)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	rc, err := s.Store.Receipt(ctx, org.ID, d.Recording.LogIndex)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	cp, err := translog.OpenCheckpoint(rc.Checkpoint, rc.VerifierKey)
	if err != nil {
		s.Error(w, r, fmt.Errorf("web: receipt of %s: %w", d.Recording.ID, err))
		return
	}
	// The log's public address, on the host people reach opname at.
	base := strings.TrimSuffix(s.redirectURL(r), "/aanmelden/oidc/terug")
	d.Org = org
	d.Receipt = &receiptView{
		Receipt: rc, When: s.when(r, rc.Record.Time), WhenUTC: rc.Record.Time.UTC().Format(time.RFC3339),
		SizeText: sizeText(rc.Record.Size, l), LogURL: base + "/api/v1/logs/" + url.PathEscape(org.Slug),
		Origin: cp.Origin, Entry: rc.Index + 1, LogSize: cp.Size, Fingerprint: translog.Fingerprint(rc.VerifierKey),
		Check: receiptCheck{ReceiptURL: "/api/v1/recordings/" + url.PathEscape(d.Recording.ID) + "/receipt", KeyURL: "/api/v1/logs/" + url.PathEscape(org.Slug) + "/key"},
	}
	d.Title = fmt.Sprintf(translate(l, "receipt.title"), d.Recording.When)
	s.renderData(w, r, http.StatusOK, "receipt", d.page, d)
}

// fixityPage lists the recordings whose last integrity check failed.
func (s *Server) fixityPage(w http.ResponseWriter, r *http.Request) {
	l := lang(r)
	p, err := listPage(r, "cursor")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	recs, next, err := s.Store.FixityProblems(r.Context(), p)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d := &recPage{page: &page{Title: translate(l, "fixity.title"), Next: nextHref(r, "cursor", next)}}
	for _, rec := range recs {
		d.Recordings = append(d.Recordings, s.viewOf(r, rec))
	}
	s.renderData(w, r, http.StatusOK, "fixity", d.page, d)
}

// viewOf is a recording as a page shows it.
func (s *Server) viewOf(r *http.Request, rec opname.Recording) recordingView {
	l := lang(r)
	v := recordingView{Recording: rec, When: s.when(r, rec.CreatedAt), SizeText: sizeText(rec.Size, l), SourceText: translate(l, "source."+rec.Source), Entry: rec.LogIndex + 1}
	v.Video = strings.HasPrefix(rec.MediaType, "video/")
	if m := rec.Media; m != nil {
		v.Video = m.HasVideo()
		v.Codecs = strings.Join(m.Streams, ", ")
		if m.Format != "" {
			v.Codecs = m.Format + ": " + v.Codecs
		}
		if m.Duration > 0 {
			v.Duration = durationText(m.Duration)
		}
	}
	if rec.ErasedAt != nil {
		v.ErasedWhen = s.when(r, *rec.ErasedAt)
	}
	if rec.Fixity != nil {
		v.CheckedWhen = s.when(r, rec.Fixity.CheckedAt)
	}
	return v
}

// sizeText is a size in bytes for people: "1,4 MB" in Dutch.
func sizeText(n int64, l string) string {
	var s string
	switch {
	case n < 1000:
		return fmt.Sprintf("%d bytes", n)
	case n < 1000*1000:
		s = fmt.Sprintf("%.1f kB", float64(n)/1000)
	case n < 1000*1000*1000:
		s = fmt.Sprintf("%.1f MB", float64(n)/1e6)
	default:
		s = fmt.Sprintf("%.2f GB", float64(n)/1e9)
	}
	if l == "nl" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// durationText is seconds as h:mm:ss or m:ss.
func durationText(sec float64) string {
	d := int64(sec + 0.5)
	if d >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", d/3600, d/60%60, d%60)
	}
	return fmt.Sprintf("%d:%02d", d/60, d%60)
}
