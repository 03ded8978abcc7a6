package web

import (
	"net/http"
	"strconv"

	"github.com/opname/opname"
)

// The administrator's page for the texts the organisation writes itself
// on its public page and printed matter: an introduction and how to reach
// it, in Dutch and English. Like the page for client links beside it, the
// form changes what exists: the store makes the same change twice once,
// and refuses a change on texts that changed since the form was shown.

// publicTextsData is what the page shows: the texts, as typed when they
// were refused.
type publicTextsData struct {
	*page
	Typed       opname.PublicTexts
	ChangedWhen string
	MaxText     int
	// Address is the public page's address, Embed the version to frame.
	Address, Embed string
}

func (s *Server) publicTextsPage(w http.ResponseWriter, r *http.Request) {
	p := &page{}
	if r.URL.Query().Get("bewaard") == "1" {
		p.Message, p.MessageOK = translate(lang(r), "texts.saved"), true
	}
	s.renderPublicTexts(w, r, http.StatusOK, p, nil)
}

// renderPublicTexts shows the page with p's message, and the form as
// typed (nil: as stored).
func (s *Server) renderPublicTexts(w http.ResponseWriter, r *http.Request, code int, p *page, typed *opname.PublicTexts) {
	org, err := s.Store.Organisation(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	prof, err := s.Store.PublicProfile(r.Context(), org.Slug)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p.Org, p.Title = org, translate(lang(r), "texts.title")
	address := s.baseURL(r) + "/o/" + org.Slug
	d := &publicTextsData{page: p, Typed: prof.Texts, MaxText: opname.MaxPublicText, Address: address, Embed: address + "/inbedden"}
	if typed != nil {
		// The version stays the one stored: after a conflict, sending
		// again is a choice made on what the page shows now.
		d.Typed, d.Typed.Version = *typed, prof.Texts.Version
	}
	if prof.Texts.Version > 0 {
		d.ChangedWhen = s.when(r, prof.Texts.ChangedAt)
	}
	s.renderData(w, r, code, "publictexts", p, d)
}

// publicTextsForm stores the texts; refused input is shown again as
// typed, with what is wrong in the reader's language.
func (s *Server) publicTextsForm(w http.ResponseWriter, r *http.Request) {
	l := lang(r)
	t := opname.PublicTexts{IntroNL: r.PostFormValue("inleiding_nl"), IntroEN: r.PostFormValue("inleiding_en"),
		ContactNL: r.PostFormValue("contact_nl"), ContactEN: r.PostFormValue("contact_en")}
	t.Version, _ = strconv.Atoi(r.PostFormValue("versie"))
	typed := t
	if err := s.Store.SetPublicTexts(r.Context(), &t); err != nil {
		if s.formFault(w, r, err) {
			return
		}
		labels := labelsOf(l, "intro_nl", "texts.intro.nl", "intro_en", "texts.intro.en", "contact_nl", "texts.contact.nl", "contact_en", "texts.contact.en")
		s.renderPublicTexts(w, r, statusOf(err), &page{Message: formMessage(l, err, labels)}, &typed)
		return
	}
	http.Redirect(w, r, "/openbare-pagina?bewaard=1", http.StatusSeeOther)
}
