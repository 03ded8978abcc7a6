package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/opname/opname"
)

// The administrator's page for the organisation's client links and
// complaints procedure. The form changes what exists, so it needs no
// one-time token: the store makes the same change twice once, and refuses
// a change on settings that changed since the form was shown.

// linkSettingsData is what the page shows: the settings, as typed when
// they were refused.
type linkSettingsData struct {
	*page
	Current *opname.LinkSettings
	Typed   linkForm
	// DefaultPIN is whether the organisation's policy asks for a PIN
	// when the administrator chose nothing.
	DefaultPIN                bool
	ChangedWhen               string
	MinDays, MaxDays, Default int
	MaxText, MaxURL           int
	Ombudsman                 string
}

// linkForm is the form's fields as sent.
type linkForm struct {
	Days, NL, EN, URL string
	PIN               bool
	Version           int
}

func formOf(s *opname.LinkSettings) linkForm {
	return linkForm{Days: strconv.Itoa(s.LinkDays), NL: s.ComplaintsNL, EN: s.ComplaintsEN, URL: s.ComplaintsURL, PIN: s.RequirePIN, Version: s.Version}
}

func (s *Server) linkSettingsPage(w http.ResponseWriter, r *http.Request) {
	p := &page{}
	if r.URL.Query().Get("bewaard") == "1" {
		p.Message, p.MessageOK = translate(lang(r), "links.saved"), true
	}
	s.renderLinkSettings(w, r, http.StatusOK, p, nil)
}

// renderLinkSettings shows the page with p's message, and the form as
// typed (nil: as stored).
func (s *Server) renderLinkSettings(w http.ResponseWriter, r *http.Request, code int, p *page, typed *linkForm) {
	ctx := r.Context()
	cur, err := s.Store.LinkSettings(ctx)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	org, err := s.Store.Organisation(ctx)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p.Org, p.Title = org, translate(lang(r), "links.title")
	d := &linkSettingsData{page: p, Current: cur, Typed: formOf(cur), DefaultPIN: opname.DefaultLinkSettings(org.Policy).RequirePIN,
		MinDays: opname.MinLinkDays, MaxDays: opname.MaxLinkDays, Default: opname.DefaultLinkDays,
		MaxText: opname.MaxComplaintsText, MaxURL: opname.MaxComplaintsURL, Ombudsman: opname.OmbudsmanComplaintsURL}
	if typed != nil {
		// The version stays the one stored: after a conflict, sending
		// again is a choice made on what the page shows now.
		d.Typed, d.Typed.Version = *typed, cur.Version
	}
	if cur.Version > 0 {
		d.ChangedWhen = s.when(r, cur.ChangedAt)
		if cur.ChangedByName == "" {
			cur.ChangedByName = translate(lang(r), "policy.by.admin")
		}
	}
	s.renderData(w, r, code, "linksettings", p, d)
}

// linkSettingsForm stores the settings; refused input is shown again as
// typed, with what is wrong in the reader's language.
func (s *Server) linkSettingsForm(w http.ResponseWriter, r *http.Request) {
	l := lang(r)
	f := linkForm{
		Days: strings.TrimSpace(r.PostFormValue("dagen")),
		NL:   r.PostFormValue("klachten_nl"),
		EN:   r.PostFormValue("klachten_en"),
		URL:  strings.TrimSpace(r.PostFormValue("klachten_adres")),
		PIN:  r.PostFormValue("pincode") == "1",
	}
	f.Version, _ = strconv.Atoi(r.PostFormValue("versie"))
	days, err := opname.LinkDaysField(f.Days)
	if err == nil {
		settings := &opname.LinkSettings{LinkDays: days, RequirePIN: f.PIN, ComplaintsNL: f.NL, ComplaintsEN: f.EN, ComplaintsURL: f.URL, Version: f.Version}
		err = s.Store.SetLinkSettings(r.Context(), settings)
	}
	if err != nil {
		if s.formFault(w, r, err) {
			return
		}
		labels := labelsOf(l, "link_days", "links.days", "complaints_nl", "links.complaints.nl", "complaints_en", "links.complaints.en", "complaints_url", "links.complaints.url")
		s.renderLinkSettings(w, r, statusOf(err), &page{Message: formMessage(l, err, labels)}, &f)
		return
	}
	http.Redirect(w, r, "/clientlinks?bewaard=1", http.StatusSeeOther)
}

// formFault answers a settings form whose change err refused for a
// reason that is not the form's (a fault, or a caller who may not), and
// reports whether it did; the form shows the others again.
func (s *Server) formFault(w http.ResponseWriter, r *http.Request, err error) bool {
	switch opname.KindOf(err) {
	case opname.Internal, opname.Forbidden, opname.Unauthorized:
		s.Error(w, r, err)
		return true
	}
	return false
}
