package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/opname/opname"
)

// OIDC is how the web layer signs people in with their organisation's
// identity provider.
type OIDC interface {
	// NewLogin starts a sign-in and returns the URL to send the person to.
	NewLogin(ctx context.Context, cfg *opname.OIDCProvider, orgID, redirect, returnTo string) (*opname.OIDCLogin, string, error)
	// Finish turns the callback's code into who signed in.
	Finish(ctx context.Context, cfg *opname.OIDCProvider, l *opname.OIDCLogin, redirect, code string) (opname.Identity, error)
}

// redirectURL is where the identity provider sends people back to.
func (s *Server) redirectURL(r *http.Request) string {
	base := s.PublicURL
	if base == "" {
		scheme := "https"
		if s.Insecure {
			scheme = "http"
		}
		base = scheme + "://" + r.Host
	}
	return strings.TrimSuffix(base, "/") + "/aanmelden/oidc/terug"
}

// errNoIdP answers a sign-in through an organisation that has no identity
// provider, or does not exist.
var errNoIdP = opname.Coded(opname.NotFound, "not_found.identity_provider", "this organisation has no sign-in system of its own in opname")

// oidcStart sends a person to their organisation's identity provider.
func (s *Server) oidcStart(w http.ResponseWriter, r *http.Request) {
	slug := strings.TrimSpace(r.URL.Query().Get("organisatie"))
	form := map[string]string{"organisatie": slug}
	org, err := s.Store.OrganisationBySlug(r.Context(), slug)
	if err != nil {
		s.formError(w, r, "signin", form, errNoIdP)
		return
	}
	cfg, err := s.Store.OIDCProvider(r.Context(), org.ID)
	if err != nil {
		s.formError(w, r, "signin", form, errNoIdP)
		return
	}
	l, target, err := s.OIDC.NewLogin(r.Context(), cfg, org.ID, s.redirectURL(r), local(r.URL.Query().Get("terug")))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.Store.SaveOIDCLogin(r.Context(), l); err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// oidcCallback finishes a sign-in with an identity provider.
func (s *Server) oidcCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		s.formError(w, r, "signin", nil, opname.Coded(opname.Unauthorized, "oidc.refused", "the identity provider refused the sign-in: %s", e))
		return
	}
	l, err := s.Store.TakeOIDCLogin(r.Context(), q.Get("state"))
	if err != nil {
		s.formError(w, r, "signin", nil, err)
		return
	}
	cfg, err := s.Store.OIDCProvider(r.Context(), l.OrgID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	id, err := s.OIDC.Finish(r.Context(), cfg, l, s.redirectURL(r), q.Get("code"))
	if err != nil {
		if opname.KindOf(err) == opname.Unauthorized {
			s.Logger.WarnContext(r.Context(), "oidc sign-in refused", "request_id", requestID(r.Context()), "err", err.Error())
		}
		s.formError(w, r, "signin", nil, err)
		return
	}
	role, ok := cfg.RoleFor(id.Roles)
	if !ok {
		s.formError(w, r, "signin", nil, opname.Coded(opname.Forbidden, "oidc.no_role", "your organisation has given you no role in opname; ask an administrator"))
		return
	}
	secret, _, err := s.Store.SignInOIDC(r.Context(), l.OrgID, id, role)
	if err != nil {
		s.formError(w, r, "signin", nil, err)
		return
	}
	s.setSession(w, secret)
	http.Redirect(w, r, local(l.ReturnTo), http.StatusSeeOther)
}

type oidcRequest struct {
	Issuer       string                 `json:"issuer"`
	ClientID     string                 `json:"client_id"`
	ClientSecret string                 `json:"client_secret"`
	RoleClaim    string                 `json:"role_claim"`
	RoleMap      map[string]opname.Role `json:"role_map"`
}

func (s *Server) apiSetOIDC(w http.ResponseWriter, r *http.Request) {
	var req oidcRequest
	s.create(w, r, &req, func() (any, error) {
		p := &opname.OIDCProvider{Issuer: req.Issuer, ClientID: req.ClientID, ClientSecret: req.ClientSecret, RoleClaim: req.RoleClaim, RoleMap: req.RoleMap}
		return p, s.Store.SetOIDCProvider(r.Context(), p)
	})
}
