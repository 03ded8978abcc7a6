package web

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/policy"
)

// Retention: the rules per kind of record (the administrator changes
// them), legal holds (a manager or the privacy officer), what is due for
// destruction (the privacy officer confirms it) and the destruction
// report. The page and the API show one view (retentionView).

// retentionRoutes registers the retention pages and API.
func (s *Server) retentionRoutes(mux *http.ServeMux) {
	admin := Roles(opname.RoleAdmin)
	officer := Roles(opname.RolePrivacyOfficer)
	holders := Roles(opname.RoleManager, opname.RolePrivacyOfficer)
	s.handle(mux, "GET", "/api/v1/retention/rules", Roles(opname.RoleAdmin, opname.RolePrivacyOfficer, opname.RoleManager), s.apiRetentionRules)
	s.handle(mux, "PUT", "/api/v1/retention/rules/{kind}", admin, s.apiSetRetentionRule)
	s.handle(mux, "GET", "/api/v1/retention/changes", Roles(opname.RoleAdmin, opname.RolePrivacyOfficer), s.apiRetentionChanges)
	s.handle(mux, "PUT", "/api/v1/retention/automatic", admin, s.apiSetAutoDestroy)
	s.handle(mux, "GET", "/api/v1/retention/due", officer, s.apiDue)
	s.handle(mux, "POST", "/api/v1/retention/destructions", officer, s.apiDestroy)
	s.handle(mux, "GET", "/api/v1/retention/destructions", officer, s.apiDestructions)
	s.handle(mux, "GET", "/api/v1/holds", Roles(opname.RoleManager, opname.RolePrivacyOfficer, opname.RoleAdmin), s.apiHolds)
	s.handle(mux, "POST", "/api/v1/holds", holders, s.apiPlaceHold)
	s.handle(mux, "POST", "/api/v1/holds/{id}/release", holders, s.apiReleaseHold)
	s.handle(mux, "PUT", "/api/v1/clients/{id}/care-end", Roles(opname.RoleManager, opname.RoleAdmin), s.apiSetCareEnded)

	s.handle(mux, "GET", "/bewaren", Roles(opname.RoleAdmin, opname.RolePrivacyOfficer, opname.RoleManager), s.retentionPage)
	s.handle(mux, "POST", "/bewaren/regels", admin, s.retentionRuleForm)
	s.handle(mux, "POST", "/bewaren/automatisch", admin, s.autoDestroyForm)
	s.handle(mux, "POST", "/bewaren/vernietigen", officer, s.destroyForm)
	s.handle(mux, "POST", "/bewaren/blokkades", holders, s.holdForm)
	s.handle(mux, "POST", "/bewaren/blokkades/{id}/opheffen", holders, s.releaseForm)
	s.handle(mux, "POST", "/clienten/{id}/einde-zorg", Roles(opname.RoleManager, opname.RoleAdmin), s.careEndedForm)
}

func (s *Server) apiRetentionRules(w http.ResponseWriter, r *http.Request) {
	rules, err := s.Store.RetentionRules(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	auto, err := s.Store.AutoDestroy(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"rules": rules, "automatic_destruction": auto})
}

type ruleRequest struct {
	Years   int    `json:"years"`
	Months  int    `json:"months"`
	Clock   string `json:"clock"`
	BasisNL string `json:"basis_nl"`
	BasisEN string `json:"basis_en"`
	Reason  string `json:"reason"`
}

func (s *Server) apiSetRetentionRule(w http.ResponseWriter, r *http.Request) {
	var in ruleRequest
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	rule := opname.RetentionRule{Kind: r.PathValue("kind"), Years: in.Years, Months: in.Months, Clock: in.Clock, BasisNL: in.BasisNL, BasisEN: in.BasisEN}
	if err := s.Store.SetRetentionRule(r.Context(), rule, in.Reason); err != nil {
		s.Error(w, r, err)
		return
	}
	s.apiRetentionRules(w, r)
}

func (s *Server) apiRetentionChanges(w http.ResponseWriter, r *http.Request) {
	cs, err := s.Store.RetentionChanges(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, cs)
}

func (s *Server) apiSetAutoDestroy(w http.ResponseWriter, r *http.Request) {
	var in struct {
		On     bool   `json:"on"`
		Reason string `json:"reason"`
	}
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.Store.SetAutoDestroy(r.Context(), in.On, in.Reason); err != nil {
		s.Error(w, r, err)
		return
	}
	s.apiRetentionRules(w, r)
}

func (s *Server) apiDue(w http.ResponseWriter, r *http.Request) {
	due, err := s.Store.DueForDestruction(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, due)
}

func (s *Server) apiDestroy(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Items []opname.DueRef `json:"items"`
	}
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if len(in.Items) == 0 {
		s.Error(w, r, opname.Invalidf("items", "retention.none", "choose what to destroy; nothing is chosen for you"))
		return
	}
	done, err := s.Vault.Destroy(r.Context(), in.Items)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if done == nil {
		done = []opname.Destruction{}
	}
	writeJSON(w, http.StatusOK, done)
}

// apiDestructions is the destruction report; with format=csv or json it is
// an export (a file to keep), which the store logs.
func (s *Server) apiDestructions(w http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	var ds []opname.Destruction
	var err error
	switch format {
	case "":
		ds, err = s.Store.Destructions(r.Context())
	case "csv", "json":
		ds, err = s.Store.ExportDestructions(r.Context(), format)
	default:
		err = opname.Invalidf("format", "retention.format", "use csv or json (got %q)", format)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	h := w.Header()
	switch format {
	case "":
		writeJSON(w, http.StatusOK, ds)
	case "json":
		h.Set("Cache-Control", "private, no-store")
		h.Set("Content-Disposition", `attachment; filename="vernietigingen.json"`)
		writeJSON(w, http.StatusOK, ds)
	case "csv":
		h.Set("Cache-Control", "private, no-store")
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="vernietigingen.csv"`)
		cw := csv.NewWriter(w)
		_ = cw.Write(destructionCSVHeader)
		for _, d := range ds {
			_ = cw.Write(destructionCSVRow(d))
		}
		cw.Flush()
	}
}

// destructionCSVHeader and destructionCSVRow are the columns of the CSV
// export of the destruction report.
var destructionCSVHeader = []string{"destroyed_at", "kind", "object_type", "object_id", "client_id", "started", "due_at", "years", "months", "clock", "basis_nl", "basis_en", "rule_source", "destroyed_by", "destroyed_by_name"}

func destructionCSVRow(d opname.Destruction) []string {
	row := []string{d.DestroyedAt.Format(time.RFC3339Nano), d.Kind, d.ObjectType, d.ObjectID, d.ClientID, d.Started.Format(time.RFC3339), d.DueAt.Format(time.RFC3339),
		strconv.Itoa(d.Rule.Years), strconv.Itoa(d.Rule.Months), d.Rule.Clock, d.Rule.BasisNL, d.Rule.BasisEN, d.Rule.Source, d.DestroyedBy, d.ByName}
	for i, cell := range row {
		row[i] = noFormula(cell)
	}
	return row
}

func (s *Server) apiHolds(w http.ResponseWriter, r *http.Request) {
	hs, err := s.Store.Holds(r.Context(), r.URL.Query().Get("client_id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, hs)
}

func (s *Server) apiPlaceHold(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ClientID    string `json:"client_id"`
		RecordingID string `json:"recording_id"`
		Reason      string `json:"reason"`
	}
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	h := &opname.LegalHold{ClientID: in.ClientID, RecordingID: in.RecordingID, Reason: in.Reason}
	if err := s.Store.PlaceHold(r.Context(), h); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, h)
}

func (s *Server) apiReleaseHold(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.Store.ReleaseHold(r.Context(), r.PathValue("id"), in.Reason); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiSetCareEnded(w http.ResponseWriter, r *http.Request) {
	var in struct {
		// CareEnded is a day (2006-01-02), or "" to clear it.
		CareEnded string `json:"care_ended"`
		Reason    string `json:"reason"`
	}
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	at, err := careDay(in.CareEnded, s.zone(r))
	if err == nil {
		err = s.Store.SetCareEnded(r.Context(), r.PathValue("id"), at, in.Reason)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"client_id": r.PathValue("id"), "care_ended": in.CareEnded})
}

// careDay reads the end of care, a day in the organisation's zone loc;
// "" is none.
func careDay(v string, loc *time.Location) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	at, err := time.ParseInLocation("2006-01-02", v, loc)
	if err != nil {
		return time.Time{}, opname.Invalidf("care_ended", "retention.care_day", "give a day as 2006-01-02 (got %q)", v)
	}
	return at, nil
}

// retentionView is what the retention page shows, as the reader's role
// may see it.
type retentionView struct {
	*page
	Rules         []ruleView
	Auto          bool
	Changes       []changeView
	Holds         []holdView
	Due           []dueView
	Report        []destructionView
	Kinds, Clocks []choice
	// HoldClients are the clients with something due, whom the privacy
	// officer may hold from this page.
	HoldClients    []choice
	EditRules      bool // the administrator
	Officer        bool // the privacy officer: the due list and the report
	Hold           bool // a manager or the privacy officer
	History        bool // the administrator and the privacy officer
	ReportCSV      string
	ReportJSON     string
	MaxRetainYears int
}

type ruleView struct {
	opname.RetentionRule
	KindText, ClockText, Period, Basis, SourceText, ChangedWhen string
}

type changeView struct {
	opname.RetentionChange
	KindText, When, Old, New string
}

type holdView struct {
	opname.LegalHold
	What, When, ReleasedWhen string
}

type dueView struct {
	opname.DueItem
	KindText, Started, DueWhen, Value string
}

type destructionView struct {
	opname.Destruction
	KindText, When, By, RuleText string
}

// period is a rule's period in words.
func period(l string, years, months int) string {
	var parts []string
	if years > 0 {
		parts = append(parts, strconv.Itoa(years)+" "+translate(l, plural("ret.years", years)))
	}
	if months > 0 {
		parts = append(parts, strconv.Itoa(months)+" "+translate(l, plural("ret.months", months)))
	}
	return strings.Join(parts, translate(l, "ret.and"))
}

func plural(key string, n int) string {
	if n == 1 {
		return key + ".one"
	}
	return key
}

func (s *Server) ruleView(r *http.Request, rule opname.RetentionRule) ruleView {
	l := lang(r)
	v := ruleView{RetentionRule: rule, KindText: translate(l, "ret.kind."+rule.Kind)}
	if !rule.Set() {
		v.SourceText = translate(l, "ret.source.none")
		return v
	}
	v.ClockText, v.Period = translate(l, "ret.clock."+rule.Clock), period(l, rule.Years, rule.Months)
	v.Basis = rule.BasisNL
	if l == "en" {
		v.Basis = rule.BasisEN
	}
	v.SourceText = translate(l, "ret.source."+rule.Source)
	if !rule.ChangedAt.IsZero() {
		v.ChangedWhen = s.when(r, rule.ChangedAt)
	}
	return v
}

func (s *Server) retentionPage(w http.ResponseWriter, r *http.Request) {
	p := &page{}
	switch {
	case r.URL.Query().Get("bewaard") == "1":
		p.Message, p.MessageOK = translate(lang(r), "ret.saved"), true
	case r.URL.Query().Get("vernietigd") != "":
		p.Message, p.MessageOK = tfText(lang(r), "ret.destroyed", r.URL.Query().Get("vernietigd")), true
	}
	s.renderRetention(w, r, http.StatusOK, p)
}

func tfText(l, key string, args ...any) string { return sentence(translate(l, key), args) }

// renderRetention shows the retention page with p's message.
func (s *Server) renderRetention(w http.ResponseWriter, r *http.Request, code int, p *page) {
	ctx, l, a := r.Context(), lang(r), actor(r)
	org, err := s.Store.Organisation(ctx)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p.Org, p.Title = org, translate(l, "ret.title")
	d := &retentionView{page: p, EditRules: a.Role == opname.RoleAdmin, Officer: a.Role == opname.RolePrivacyOfficer,
		Hold: a.Role == opname.RoleManager || a.Role == opname.RolePrivacyOfficer, History: a.Role != opname.RoleManager, MaxRetainYears: policy.MaxRetentionYears,
		ReportCSV: "/api/v1/retention/destructions?format=csv", ReportJSON: "/api/v1/retention/destructions?format=json"}
	for _, k := range policy.RetentionKinds {
		d.Kinds = append(d.Kinds, choice{k, translate(l, "ret.kind."+k)})
	}
	for _, c := range policy.RetentionClocks {
		d.Clocks = append(d.Clocks, choice{c, translate(l, "ret.clock."+c)})
	}
	rules, err := s.Store.RetentionRules(ctx)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	for _, rule := range rules {
		d.Rules = append(d.Rules, s.ruleView(r, rule))
	}
	if d.Auto, err = s.Store.AutoDestroy(ctx); err != nil {
		s.Error(w, r, err)
		return
	}
	if d.History {
		cs, err := s.Store.RetentionChanges(ctx)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		for _, c := range cs {
			d.Changes = append(d.Changes, changeView{RetentionChange: c, KindText: translate(l, "ret.kind."+c.Kind), When: s.when(r, c.At), Old: s.changeText(r, c.Old), New: s.changeText(r, c.New)})
		}
	}
	hs, err := s.Store.Holds(ctx, "")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d.Holds = s.holdViews(r, hs)
	if d.Officer {
		due, err := s.Store.DueForDestruction(ctx)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		for _, it := range due {
			if !slices.ContainsFunc(d.HoldClients, func(c choice) bool { return c.Value == it.ClientID }) {
				d.HoldClients = append(d.HoldClients, choice{it.ClientID, strings.TrimSpace(it.ClientName + " " + it.DossierRef)})
			}
			d.Due = append(d.Due, dueView{DueItem: it, KindText: translate(l, "ret.kind."+it.Kind), Started: s.when(r, it.Started), DueWhen: s.when(r, it.DueAt), Value: it.Kind + ":" + it.ObjectID})
		}
		ds, err := s.Store.Destructions(ctx)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		for _, x := range ds {
			by := x.ByName
			if x.DestroyedBy == "system" {
				by = translate(l, "ret.by.system")
			}
			rv := s.ruleView(r, x.Rule)
			d.Report = append(d.Report, destructionView{Destruction: x, KindText: translate(l, "ret.kind."+x.Kind), When: s.when(r, x.DestroyedAt), By: by, RuleText: rv.Period + ", " + rv.ClockText})
		}
	}
	s.renderData(w, r, code, "retention", p, d)
}

// changeText is a rule (or automatic destruction) before or after a
// change, in words.
func (s *Server) changeText(r *http.Request, raw json.RawMessage) string {
	l := lang(r)
	var on bool
	if json.Unmarshal(raw, &on) == nil {
		return translate(l, map[bool]string{true: "ret.auto.on", false: "ret.auto.off"}[on])
	}
	var rule opname.RetentionRule
	if json.Unmarshal(raw, &rule) != nil || !rule.Set() {
		return translate(l, "ret.source.none")
	}
	v := s.ruleView(r, rule)
	return v.Period + ", " + v.ClockText
}

func (s *Server) holdViews(r *http.Request, hs []opname.LegalHold) []holdView {
	l := lang(r)
	vs := make([]holdView, 0, len(hs))
	for _, h := range hs {
		v := holdView{LegalHold: h, When: s.when(r, h.PlacedAt), What: translate(l, "ret.hold.client")}
		if h.RecordingID != "" {
			v.What = tfText(l, "ret.hold.recording", h.RecordingID)
		}
		if h.ReleasedAt != nil {
			v.ReleasedWhen = s.when(r, *h.ReleasedAt)
		}
		vs = append(vs, v)
	}
	return vs
}

// formFailed answers a form the store refused: a fault as an error page,
// the caller's mistake on the page again with the message.
func (s *Server) retentionFormFailed(w http.ResponseWriter, r *http.Request, err error, labels fieldLabels) {
	if s.formFault(w, r, err) {
		return
	}
	s.renderRetention(w, r, statusOf(err), &page{Message: formMessage(lang(r), err, labels)})
}

func (s *Server) retentionRuleForm(w http.ResponseWriter, r *http.Request) {
	l := lang(r)
	labels := labelsOf(l, "kind", "ret.f.kind", "period", "ret.f.period", "clock", "ret.f.clock", "basis", "ret.f.basis", "basis_nl", "ret.f.basis_nl", "basis_en", "ret.f.basis_en", "reason", "ret.f.reason")
	years, err1 := strconv.Atoi(strings.TrimSpace(cmpOr(r.PostFormValue("jaren"), "0")))
	months, err2 := strconv.Atoi(strings.TrimSpace(cmpOr(r.PostFormValue("maanden"), "0")))
	if err1 != nil || err2 != nil {
		s.retentionFormFailed(w, r, opname.Invalidf("period", "retention.period", "give whole years and months"), labels)
		return
	}
	rule := opname.RetentionRule{Kind: r.PostFormValue("soort"), Years: years, Months: months, Clock: r.PostFormValue("klok"),
		BasisNL: r.PostFormValue("grondslag_nl"), BasisEN: r.PostFormValue("grondslag_en")}
	if err := s.Store.SetRetentionRule(r.Context(), rule, r.PostFormValue("reden")); err != nil {
		s.retentionFormFailed(w, r, err, labels)
		return
	}
	http.Redirect(w, r, "/bewaren?bewaard=1", http.StatusSeeOther)
}

func cmpOr(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return v
}

func (s *Server) autoDestroyForm(w http.ResponseWriter, r *http.Request) {
	on := r.PostFormValue("automatisch") == "aan"
	if err := s.Store.SetAutoDestroy(r.Context(), on, r.PostFormValue("reden")); err != nil {
		s.retentionFormFailed(w, r, err, labelsOf(lang(r), "reason", "ret.f.reason"))
		return
	}
	http.Redirect(w, r, "/bewaren?bewaard=1", http.StatusSeeOther)
}

// destroyForm destroys what the privacy officer ticked in the list of
// what is due, once they confirmed it; nothing is ticked for them.
func (s *Server) destroyForm(w http.ResponseWriter, r *http.Request) {
	l := lang(r)
	if err := r.ParseForm(); err != nil {
		s.Error(w, r, err)
		return
	}
	var refs []opname.DueRef
	for _, v := range r.PostForm["item"] {
		kind, id, ok := strings.Cut(v, ":")
		if ok {
			refs = append(refs, opname.DueRef{Kind: kind, ObjectID: id})
		}
	}
	var err error
	switch {
	case len(refs) == 0:
		err = opname.Invalidf("items", "retention.none", "choose what to destroy; nothing is chosen for you")
	case r.PostFormValue("bevestigd") != "ja":
		err = opname.Invalidf("confirmed", "retention.confirm", "confirm that what you chose is destroyed for good")
	}
	var done []opname.Destruction
	if err == nil {
		done, err = s.Vault.Destroy(r.Context(), refs)
	}
	if err != nil {
		s.retentionFormFailed(w, r, err, labelsOf(l, "items", "ret.f.items", "confirmed", "ret.f.confirm"))
		return
	}
	http.Redirect(w, r, "/bewaren?vernietigd="+strconv.Itoa(len(done)), http.StatusSeeOther)
}

// holdForm places a hold from the retention page (an item due) or the
// client's page, and goes back there.
func (s *Server) holdForm(w http.ResponseWriter, r *http.Request) {
	h := &opname.LegalHold{ClientID: r.PostFormValue("client"), RecordingID: r.PostFormValue("opname"), Reason: r.PostFormValue("reden")}
	// A refusal is the error page, which names the field and the value;
	// the form is back one step.
	if err := s.Store.PlaceHold(r.Context(), h); err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, backTo(r)+"?blokkade=ok", http.StatusSeeOther)
}

// backTo is where a hold form goes back to: the client's page it came
// from, or the retention page.
func backTo(r *http.Request) string {
	if c := r.PostFormValue("client"); r.PostFormValue("terug") == "client" && c != "" {
		return "/clienten/" + url.PathEscape(c)
	}
	return "/bewaren"
}

func (s *Server) releaseForm(w http.ResponseWriter, r *http.Request) {
	if err := s.Store.ReleaseHold(r.Context(), r.PathValue("id"), r.PostFormValue("reden")); err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, backTo(r)+"?blokkade=vrij", http.StatusSeeOther)
}

func (s *Server) careEndedForm(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	at, err := careDay(r.PostFormValue("einde"), s.zone(r))
	if err == nil {
		err = s.Store.SetCareEnded(r.Context(), id, at, r.PostFormValue("reden"))
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/clienten/"+url.PathEscape(id)+"?zorg=ok", http.StatusSeeOther)
}

// clientRetention is what the client's page shows of retention: the end
// of care and the holds, with the forms of those who may change them.
type clientRetention struct {
	CareEnded, CareEndedDay string
	Holds                   []holdView
	SetCare, Hold           bool
	// Message says that a form sent from the page did its work.
	Message string
}

func (s *Server) clientRetention(r *http.Request, clientID string) (*clientRetention, error) {
	ctx, l, a := r.Context(), lang(r), actor(r)
	at, err := s.Store.CareEnded(ctx, clientID)
	if err != nil {
		return nil, err
	}
	hs, err := s.Store.Holds(ctx, clientID)
	if err != nil {
		return nil, err
	}
	v := &clientRetention{Holds: s.holdViews(r, hs), SetCare: canFor(a.Role).ManageClients, Hold: a.Role == opname.RoleManager}
	if !at.IsZero() {
		v.CareEnded, v.CareEndedDay = s.when(r, at), at.In(s.zone(r)).Format("2006-01-02")
	}
	q := r.URL.Query()
	for _, k := range []string{"blokkade", "zorg"} {
		if m := q.Get(k); m == "ok" || m == "vrij" && k == "blokkade" {
			v.Message = translate(l, "ret.client."+k+"."+m)
		}
	}
	return v, nil
}
