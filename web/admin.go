package web

import (
	"fmt"
	"net/http"

	"github.com/opname/opname"
)

// Pages where an administrator manages API tokens.

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request) {
	p := &page{}
	if r.URL.Query().Get("al") == "1" {
		p.Message, p.MessageOK = translate(lang(r), "tokens.made.already"), true
	}
	s.renderTokens(w, r, http.StatusOK, p)
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, code int, p *page) {
	lp, err := listPage(r, "cursor")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	tokens, next, err := s.Store.Tokens(r.Context(), lp)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p.Tokens, p.Next = tokens, nextHref(r, "cursor", next)
	if p.People, err = s.Store.Users(r.Context()); err != nil {
		s.Error(w, r, err)
		return
	}
	p.Names = map[string]string{}
	for _, u := range p.People {
		p.Names[u.ID] = u.Name
	}
	s.render(w, r, code, "tokens", p)
}

// tokensForm makes an API key and shows its secret, once: the same form
// sent again says that the key was made.
func (s *Server) tokensForm(w http.ResponseWriter, r *http.Request) {
	s.once(w, r, func() (string, bool) {
		secret, t, err := s.Store.CreateToken(r.Context(), r.PostFormValue("medewerker"), r.PostFormValue("naam"))
		if err != nil {
			s.renderTokens(w, r, status[opname.KindOf(err)], &page{Message: formMessage(lang(r), err, labelsOf(lang(r), "name", "tokens.name"))})
			return "", true
		}
		s.renderTokens(w, r, http.StatusOK, &page{Message: fmt.Sprintf(translate(lang(r), "tokens.made"), t.Name), MessageOK: true, Secret: secret})
		return "/sleutels?al=1", true
	})
}

func (s *Server) revokeForm(w http.ResponseWriter, r *http.Request) {
	if err := s.Store.RevokeToken(r.Context(), r.PathValue("id")); err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/sleutels", http.StatusSeeOther)
}

func (s *Server) apiTokens(w http.ResponseWriter, r *http.Request) {
	s.list(w, r, func(p opname.Page) (any, string, error) { return s.Store.Tokens(r.Context(), p) })
}
