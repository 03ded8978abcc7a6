package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/evidence"
)

// The client's rights under the AVG: everything opname holds about them as
// one download (package evidence, ClientData), made for the client through
// their link or by staff on their behalf; and requests to erase or correct
// data, which the privacy officer decides.

// avgRoutes registers the AVG's routes.
func (s *Server) avgRoutes(mux *http.ServeMux) {
	staff := Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin)
	officer := Roles(opname.RolePrivacyOfficer)
	s.handle(mux, "GET", "/api/v1/clients/{id}/export", staff, s.clientData)
	s.handle(mux, "GET", "/api/v1/clients/{id}/data-requests", staff, s.apiDataRequests)
	s.handle(mux, "POST", "/api/v1/clients/{id}/data-requests", staff, s.apiAddDataRequest)
	s.handle(mux, "GET", "/api/v1/data-requests", officer, s.apiOpenDataRequests)
	s.handle(mux, "POST", "/api/v1/data-requests/{id}/decision", officer, s.apiDecideDataRequest)

	s.handle(mux, "GET", "/clienten/{id}/avg", staff, s.clientAVGPage)
	s.handle(mux, "POST", "/clienten/{id}/avg", staff, s.clientAVGForm)
	s.handle(mux, "GET", "/clienten/{id}/gegevens.zip", staff, s.clientData)
	s.handle(mux, "GET", "/avg-verzoeken", officer, s.dataRequestsPage)
	s.handle(mux, "POST", "/avg-verzoeken/{id}", officer, s.decideForm)

	s.handle(mux, "GET", "/l/mijn-gegevens", LinkHolder, s.linkDataPage)
	s.handle(mux, "POST", "/l/mijn-gegevens", LinkHolder, s.linkDataForm)
	s.handle(mux, "GET", "/l/mijn-gegevens/gegevens.zip", LinkHolder, s.clientData)
}

// clientSource is the download's Source: the evidence bundle's, and the
// client's lists, read as the caller (opname.ForAct: the download is one
// export, which the store records before a byte is written).
type clientSource struct{ evidenceSource }

var _ evidence.ClientSource = clientSource{}

func (c clientSource) ClientConversations(ctx context.Context, id string) ([]opname.Conversation, error) {
	return c.s.Store.ClientConversations(opname.ForAct(ctx), id)
}

func (c clientSource) ConversationRequests(ctx context.Context, id string) ([]opname.Request, error) {
	return c.s.Store.ConversationRequests(opname.ForAct(ctx), id)
}

func (c clientSource) ClientRecordings(ctx context.Context, id string) ([]opname.Recording, error) {
	return c.s.Store.ClientRecordings(opname.ForAct(ctx), id)
}

func (c clientSource) Transcripts(ctx context.Context, id string) ([]opname.Recording, error) {
	return c.s.Store.Transcripts(opname.ForAct(ctx), id)
}

func (c clientSource) RecipientLinks(ctx context.Context, id string) ([]opname.RecipientLink, error) {
	return c.s.Store.RecipientLinks(opname.ForAct(ctx), id)
}

func (c clientSource) DataRequests(ctx context.Context, id string) ([]opname.DataRequest, error) {
	return c.s.Store.ClientDataRequests(opname.ForAct(ctx), id)
}

func (c clientSource) ExportedClient(ctx context.Context, id string) error {
	return c.s.Store.LogClientExport(ctx, id)
}

// clientData answers everything opname holds about a client as one zip,
// made as it is sent: for staff the client in the path, for a link holder
// their own client as their link shows it.
func (s *Server) clientData(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a := actor(r)
	id := r.PathValue("id")
	if a.Role == opname.RoleLinkHolder {
		id = a.ClientID
	}
	opts := evidence.ClientOptions{Options: evidence.Options{Now: time.Now(), By: a.Name}, WholeLog: a.Role != opname.RoleLinkHolder || a.Party == "client"}
	b, err := evidence.PrepareClient(ctx, clientSource{evidenceSource{s: s, r: r}}, id, opts)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(2 * time.Hour))
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Cache-Control", "private, no-store")
	// The file's name says nothing about the client or the care.
	w.Header().Set("Content-Disposition", `attachment; filename="gegevens.zip"`)
	cw := &countingWriter{w: w}
	if err := b.Write(ctx, cw); err != nil {
		if cw.n == 0 {
			w.Header().Del("Content-Disposition")
			s.Error(w, r, err)
			return
		}
		s.Logger.ErrorContext(ctx, "client data cut short", "request_id", requestID(ctx), "err", err)
		panic(http.ErrAbortHandler)
	}
}

// dataRequestIn is a request to erase or correct data as the API takes it.
type dataRequestIn struct {
	Kind        string `json:"kind"`
	What        string `json:"what"`
	RecordingID string `json:"recording_id"`
	Ask         string `json:"ask"`
}

func (s *Server) apiDataRequests(w http.ResponseWriter, r *http.Request) {
	rs, err := s.Store.ClientDataRequests(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": rs})
}

func (s *Server) apiAddDataRequest(w http.ResponseWriter, r *http.Request) {
	var in dataRequestIn
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	d := &opname.DataRequest{ClientID: r.PathValue("id"), Kind: in.Kind, What: in.What, RecordingID: in.RecordingID, Ask: in.Ask}
	if err := s.Store.AddDataRequest(r.Context(), d); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, d)
}

func (s *Server) apiOpenDataRequests(w http.ResponseWriter, r *http.Request) {
	rs, err := s.Store.OpenDataRequests(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": rs})
}

// decisionIn is the privacy officer's decision; Erase asks that the
// recording a granted erasure request names be erased (vault.Erase).
type decisionIn struct {
	Decision string `json:"decision"`
	Reasons  string `json:"reasons"`
	Done     string `json:"done"`
	Erase    bool   `json:"erase"`
}

func (s *Server) apiDecideDataRequest(w http.ResponseWriter, r *http.Request) {
	var in decisionIn
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	d, err := s.decide(r.Context(), r.PathValue("id"), in)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// decide records the privacy officer's decision and, when asked, erases
// the recording a granted erasure names through the one erasure path.
func (s *Server) decide(ctx context.Context, id string, in decisionIn) (*opname.DataRequest, error) {
	if in.Erase {
		// Checked before the decision is stored: asking to erase what
		// cannot be erased is the caller's mistake, not half a decision.
		d, err := s.Store.DataRequest(ctx, id)
		if err != nil {
			return nil, err
		}
		if d.Kind != opname.DataErasure || d.RecordingID == "" || in.Decision == opname.DataRefused {
			return nil, opname.Invalidf("erase", "data.erase", "only a granted request to erase a recording erases one")
		}
	}
	d, err := s.Store.DecideDataRequest(ctx, id, in.Decision, in.Reasons, in.Done)
	if err != nil {
		return nil, err
	}
	if in.Erase {
		if _, err := s.Vault.Erase(ctx, d.RecordingID, "AVG: "+d.ID); err != nil && opname.KindOf(err) != opname.Conflict {
			return nil, err
		}
	}
	return d, nil
}

// dataRequestView is one request as a page shows it; the privacy officer
// sees who asked by their role only.
type dataRequestView struct {
	opname.DataRequest
	KindText, StatusText, When, Decided, By string
	Open, CanErase                          bool
}

func (s *Server) dataRequestViews(r *http.Request, rs []opname.DataRequest) []dataRequestView {
	l := lang(r)
	out := make([]dataRequestView, len(rs))
	for i, d := range rs {
		v := dataRequestView{DataRequest: d, KindText: translate(l, "avg.kind."+d.Kind), StatusText: translate(l, "avg.status."+d.Status), When: s.when(r, d.CreatedAt),
			Open: d.Status == opname.DataOpen, CanErase: d.Kind == opname.DataErasure && d.RecordingID != ""}
		v.By = translate(l, "seen.role."+string(d.ByRole))
		if d.ByParty != "" {
			v.By = translate(l, "wf.role."+d.ByParty)
		}
		if d.DecidedAt != nil {
			v.Decided = s.when(r, *d.DecidedAt)
		}
		out[i] = v
	}
	return out
}

// avgPage is what the AVG pages get.
type avgPage struct {
	*page
	Requests []dataRequestView
	Kinds    []choice
	// Recordings are those a request may name.
	Recordings []choice
	// Told counts decisions the client's side shows for the first time.
	Told int
}

// avgForm is the form that records a request, on the client's side and on
// the client's page for staff.
func (s *Server) avgForm(r *http.Request, p *avgPage, clientID string) error {
	l := lang(r)
	for _, k := range opname.DataRequestKinds {
		p.Kinds = append(p.Kinds, choice{Value: k, Label: translate(l, "avg.kind."+k)})
	}
	recs, err := s.Store.ClientRecordings(opname.ForAct(r.Context()), clientID)
	if err != nil {
		return err
	}
	for _, rec := range recs {
		if rec.ErasedAt == nil {
			p.Recordings = append(p.Recordings, choice{Value: rec.ID, Label: fmt.Sprintf(translate(l, "avg.recording"), s.when(r, rec.CreatedAt))})
		}
	}
	return nil
}

// addFromForm records the request a form sent.
func (s *Server) addFromForm(r *http.Request, clientID string) error {
	f := r.PostFormValue
	return s.Store.AddDataRequest(r.Context(), &opname.DataRequest{ClientID: clientID, Kind: f("soort"), What: f("welke"), RecordingID: f("opname"), Ask: f("vraag")})
}

// avgLabels name the request form's fields.
func avgLabels(l string) fieldLabels {
	return labelsOf(l, "kind", "avg.form.kind", "what", "avg.form.what", "ask", "avg.form.ask", "recording_id", "avg.form.recording",
		"decision", "avg.decide.decision", "reasons", "avg.decide.reasons", "done", "avg.decide.done", "erase", "avg.decide.erase")
}

// linkDataPage explains the download and shows the holder's requests with
// their decisions, and the form to make one.
func (s *Server) linkDataPage(w http.ResponseWriter, r *http.Request) {
	msg := ""
	if r.URL.Query().Get("verstuurd") != "" {
		msg = translate(lang(r), "avg.sent")
	}
	s.showLinkData(w, r, http.StatusOK, msg, msg != "")
}

func (s *Server) showLinkData(w http.ResponseWriter, r *http.Request, status int, msg string, ok bool) {
	a := actor(r)
	rs, err := s.Store.ClientDataRequests(r.Context(), a.ClientID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d := &avgPage{page: &page{Title: translate(lang(r), "avg.link.title"), Message: msg, MessageOK: ok}, Requests: s.dataRequestViews(r, rs)}
	if err := s.avgForm(r, d, a.ClientID); err != nil {
		s.Error(w, r, err)
		return
	}
	keepForm(r, d.page)
	w.Header().Set("Cache-Control", "no-store")
	s.renderData(w, r, status, "l_data", d.page, d)
}

// keepForm keeps what was typed in a form sent back with a message.
func keepForm(r *http.Request, p *page) {
	if r.Method == http.MethodPost {
		p.Form = map[string]string{}
		for k := range r.PostForm {
			p.Form[k] = r.PostForm.Get(k)
		}
	}
}

func (s *Server) linkDataForm(w http.ResponseWriter, r *http.Request) {
	s.once(w, r, func() (string, bool) {
		if err := s.addFromForm(r, actor(r).ClientID); err != nil {
			if k := opname.KindOf(err); k == opname.Invalid || k == opname.Conflict {
				s.showLinkData(w, r, statusOf(err), formMessage(lang(r), err, avgLabels(lang(r))), false)
			} else {
				s.Error(w, r, err)
			}
			return "", true
		}
		return "/l/mijn-gegevens?verstuurd=1", false
	})
}

// clientAVGPage is the client's AVG page for staff: the download and the
// client's requests, and the form to record one on their behalf.
func (s *Server) clientAVGPage(w http.ResponseWriter, r *http.Request) {
	msg := ""
	if r.URL.Query().Get("verstuurd") != "" {
		msg = translate(lang(r), "avg.sent.staff")
	}
	s.showClientAVG(w, r, http.StatusOK, msg, msg != "")
}

func (s *Server) showClientAVG(w http.ResponseWriter, r *http.Request, status int, msg string, ok bool) {
	c, err := s.Store.Client(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	rs, err := s.Store.ClientDataRequests(r.Context(), c.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d := &avgPage{page: &page{Title: fmt.Sprintf(translate(lang(r), "avg.staff.title"), c.Name), Client: c, Message: msg, MessageOK: ok}, Requests: s.dataRequestViews(r, rs)}
	if err := s.avgForm(r, d, c.ID); err != nil {
		s.Error(w, r, err)
		return
	}
	keepForm(r, d.page)
	s.renderData(w, r, status, "avg_client", d.page, d)
}

func (s *Server) clientAVGForm(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.once(w, r, func() (string, bool) {
		if err := s.addFromForm(r, id); err != nil {
			if k := opname.KindOf(err); k == opname.Invalid || k == opname.Conflict {
				s.showClientAVG(w, r, statusOf(err), formMessage(lang(r), err, avgLabels(lang(r))), false)
			} else {
				s.Error(w, r, err)
			}
			return "", true
		}
		return "/clienten/" + url.PathEscape(id) + "/avg?verstuurd=1", false
	})
}

// dataRequestsPage is the privacy officer's list of open requests, each
// with the form to decide it.
func (s *Server) dataRequestsPage(w http.ResponseWriter, r *http.Request) {
	msg := ""
	if r.URL.Query().Get("besloten") != "" {
		msg = translate(lang(r), "avg.decided")
	}
	s.showDataRequests(w, r, http.StatusOK, msg, msg != "")
}

func (s *Server) showDataRequests(w http.ResponseWriter, r *http.Request, status int, msg string, ok bool) {
	rs, err := s.Store.OpenDataRequests(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	l := lang(r)
	d := &avgPage{page: &page{Title: translate(l, "avg.officer.title"), Message: msg, MessageOK: ok}, Requests: s.dataRequestViews(r, rs)}
	for _, k := range opname.DataDecisions {
		d.Kinds = append(d.Kinds, choice{Value: k, Label: translate(l, "avg.status."+k)})
	}
	keepForm(r, d.page)
	s.renderData(w, r, status, "avg_requests", d.page, d)
}

func (s *Server) decideForm(w http.ResponseWriter, r *http.Request) {
	f := r.PostFormValue
	s.once(w, r, func() (string, bool) {
		in := decisionIn{Decision: f("besluit"), Reasons: f("redenen"), Done: f("gedaan"), Erase: f("wissen") == "ja"}
		if _, err := s.decide(r.Context(), r.PathValue("id"), in); err != nil {
			if k := opname.KindOf(err); k == opname.Invalid || k == opname.Conflict {
				s.showDataRequests(w, r, statusOf(err), formMessage(lang(r), err, avgLabels(lang(r))), false)
			} else {
				s.Error(w, r, err)
			}
			return "", true
		}
		return "/avg-verzoeken?besloten=1", false
	})
}
