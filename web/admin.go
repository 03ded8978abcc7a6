package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/opname/opname"
)

// Pages where an administrator manages API tokens and the policy.

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request) {
	s.renderTokens(w, r, http.StatusOK, &page{})
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, code int, p *page) {
	var err error
	if p.Tokens, err = s.Store.Tokens(r.Context()); err != nil {
		s.Error(w, r, err)
		return
	}
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

func (s *Server) tokensForm(w http.ResponseWriter, r *http.Request) {
	secret, t, err := s.Store.CreateToken(r.Context(), r.PostFormValue("medewerker"), r.PostFormValue("naam"))
	if err != nil {
		s.renderTokens(w, r, status[opname.KindOf(err)], &page{Message: formMessage(lang(r), err, labelsOf(lang(r), "name", "tokens.name"))})
		return
	}
	s.renderTokens(w, r, http.StatusOK, &page{Message: fmt.Sprintf(translate(lang(r), "tokens.made"), t.Name), MessageOK: true, Secret: secret})
}

func (s *Server) revokeForm(w http.ResponseWriter, r *http.Request) {
	if err := s.Store.RevokeToken(r.Context(), r.PathValue("id")); err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/sleutels", http.StatusSeeOther)
}

func (s *Server) policyPage(w http.ResponseWriter, r *http.Request) {
	p := &page{}
	if r.URL.Query().Get("tijdzone") == "1" {
		p.Message, p.MessageOK = translate(lang(r), "policy.zone.saved"), true
	}
	s.renderPolicy(w, r, http.StatusOK, p)
}

func (s *Server) renderPolicy(w http.ResponseWriter, r *http.Request, code int, p *page) {
	org, err := s.Store.Organisation(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if p.Versions, err = s.Store.PolicyVersions(r.Context()); err != nil {
		s.Error(w, r, err)
		return
	}
	p.Org, p.PolicyTitle, p.Shipped, p.TimeZones = org, org.Policy.Name, s.Policies.Names(), timeZones
	if pol, err := s.compiled(org.Policy); err == nil {
		p.PolicyTitle = pol.Title.In(lang(r))
	}
	s.render(w, r, code, "policy", p)
}

func (s *Server) policyForm(w http.ResponseWriter, r *http.Request) {
	text := strings.TrimSpace(r.PostFormValue("tekst"))
	pv, err := opname.NewPolicyVersion(s.Policies, r.PostFormValue("beleid"), []byte(text))
	if err == nil {
		err = s.Store.SetPolicy(r.Context(), pv)
	}
	if err != nil {
		if opname.KindOf(err) == opname.Internal {
			s.Error(w, r, err)
			return
		}
		s.renderPolicy(w, r, status[opname.KindOf(err)], &page{Message: localMessage(lang(r), err), Findings: findingsOf(lang(r), err), Form: map[string]string{"tekst": text}})
		return
	}
	http.Redirect(w, r, "/beleid?versie="+url.QueryEscape(fmt.Sprint(pv.Version)), http.StatusSeeOther)
}

func (s *Server) apiTokens(w http.ResponseWriter, r *http.Request) {
	s.respond(w, r, func() (any, error) { return s.Store.Tokens(r.Context()) })
}
