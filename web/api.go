package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/policy"
)

// Sign-in over the API sets the same session cookie as the pages; an
// integration uses an API token instead.

type signInRequest struct {
	Organisation string `json:"organisation"`
	Email        string `json:"email"`
	Password     string `json:"password"`
}

func (s *Server) apiSignIn(w http.ResponseWriter, r *http.Request) {
	var req signInRequest
	if err := decode(w, r, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	secret, sess, err := s.Store.SignIn(r.Context(), req.Organisation, req.Email, req.Password)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.setSession(w, secret)
	writeJSON(w, http.StatusOK, map[string]any{"user_id": sess.UserID, "second_factor_needed": !sess.SecondFactor})
}

type redeemRequest struct {
	Secret   string `json:"secret"`
	Password string `json:"password"`
}

func (s *Server) apiRedeem(w http.ResponseWriter, r *http.Request) {
	var req redeemRequest
	if err := decode(w, r, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	secret, sess, err := s.Store.Redeem(r.Context(), req.Secret, req.Password)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.setSession(w, secret)
	writeJSON(w, http.StatusOK, map[string]any{"user_id": sess.UserID, "second_factor_needed": !sess.SecondFactor})
}

func (s *Server) setSession(w http.ResponseWriter, secret string) {
	http.SetCookie(w, &http.Cookie{
		Name: s.SessionCookie(), Value: secret, Path: "/", HttpOnly: true,
		Secure: !s.Insecure, SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.SessionCookie(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: !s.Insecure, SameSite: http.SameSiteLaxMode})
}

func (s *Server) apiSignOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(s.SessionCookie()); err == nil {
		if err := s.Store.SignOut(r.Context(), c.Value); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	s.clearSession(w)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	u, err := s.Store.User(r.Context(), a.UserID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

func (s *Server) apiOrganisation(w http.ResponseWriter, r *http.Request) {
	s.respond(w, r, func() (any, error) { return s.Store.Organisation(r.Context()) })
}

func (s *Server) apiPolicyVersions(w http.ResponseWriter, r *http.Request) {
	s.respond(w, r, func() (any, error) { return s.Store.PolicyVersions(r.Context()) })
}

func (s *Server) apiDecide(w http.ResponseWriter, r *http.Request) {
	org, err := s.Store.Organisation(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p, err := s.compiled(org.Policy)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	sit, err := policy.ParseSituation(http.MaxBytesReader(w, r.Body, maxBody))
	var invalid *policy.Error
	if err != nil && !errors.As(err, &invalid) {
		// Not the situation but reading it failed: too large, or cut short.
		err = bodyError(err)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d, err := p.Decide(sit)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// compiled returns the compiled form of a stored policy version.
func (s *Server) compiled(pv opname.PolicyVersion) (*policy.Policy, error) {
	if pv.Shipped != "" {
		return s.Policies.Policy(pv.Shipped)
	}
	return s.Policies.Parse(pv.Name+".yaml", []byte(pv.Text))
}

func (s *Server) apiUsers(w http.ResponseWriter, r *http.Request) {
	s.list(w, r, func(p opname.Page) (any, string, error) { return s.Store.ListUsers(r.Context(), p) })
}

type createUserRequest struct {
	Email string      `json:"email"`
	Name  string      `json:"name"`
	Role  opname.Role `json:"role"`
}

func (s *Server) apiCreateUser(w http.ResponseWriter, r *http.Request) {
	var req createUserRequest
	s.create(w, r, &req, func() (any, error) {
		u := &opname.User{Email: req.Email, Name: req.Name, Role: req.Role}
		return u, s.Store.CreateUser(r.Context(), u)
	})
}

func (s *Server) apiUser(w http.ResponseWriter, r *http.Request) {
	s.respond(w, r, func() (any, error) { return s.Store.User(r.Context(), r.PathValue("id")) })
}

// oneTimeTTL is how long a sign-in link made by an administrator lasts.
const oneTimeTTL = 72 * time.Hour

func (s *Server) apiOneTime(w http.ResponseWriter, r *http.Request) {
	s.respond(w, r, func() (any, error) {
		secret, ended, err := s.Store.CreateOneTime(r.Context(), r.PathValue("id"), oneTimeTTL)
		if err != nil {
			return nil, err
		}
		return map[string]any{"secret": secret, "link": s.signInLink(r, secret), "expires_in_hours": int(oneTimeTTL.Hours()), "sessions_ended": ended.Sessions, "tokens_revoked": ended.Tokens}, nil
	})
}

// apiClients lists the clients the caller may see, with ?q= those whose
// name or dossier reference holds q.
func (s *Server) apiClients(w http.ResponseWriter, r *http.Request) {
	s.list(w, r, func(p opname.Page) (any, string, error) {
		return s.Store.FindClients(r.Context(), r.URL.Query().Get("q"), p)
	})
}

type createClientRequest struct {
	Name       string `json:"name"`
	DossierRef string `json:"dossier_ref"`
	Contact    string `json:"contact"`
}

func (s *Server) apiCreateClient(w http.ResponseWriter, r *http.Request) {
	var req createClientRequest
	s.create(w, r, &req, func() (any, error) {
		c := &opname.Client{Name: req.Name, DossierRef: req.DossierRef, Contact: req.Contact}
		return c, s.Store.CreateClient(r.Context(), c)
	})
}

func (s *Server) apiClient(w http.ResponseWriter, r *http.Request) {
	s.respond(w, r, func() (any, error) { return s.Store.Client(r.Context(), r.PathValue("id")) })
}

type assignRequest struct {
	UserID string `json:"user_id"`
}

func (s *Server) apiAssign(w http.ResponseWriter, r *http.Request) {
	var req assignRequest
	s.create(w, r, &req, func() (any, error) {
		if err := s.Store.Assign(r.Context(), r.PathValue("id"), req.UserID); err != nil {
			return nil, err
		}
		return s.Store.Client(r.Context(), r.PathValue("id"))
	})
}

type createTokenRequest struct {
	UserID string `json:"user_id"`
	Name   string `json:"name"`
}

func (s *Server) apiCreateToken(w http.ResponseWriter, r *http.Request) {
	var req createTokenRequest
	s.create(w, r, &req, func() (any, error) {
		secret, t, err := s.Store.CreateToken(r.Context(), req.UserID, req.Name)
		if err != nil {
			return nil, err
		}
		return map[string]any{"token": t, "secret": secret}, nil
	})
}

func (s *Server) apiRevokeToken(w http.ResponseWriter, r *http.Request) {
	if err := s.Store.RevokeToken(r.Context(), r.PathValue("id")); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// respond answers a signed-in request with what fn returns.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, fn func() (any, error)) {
	v, err := fn()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// create decodes a signed-in request's body into req and answers 201 with
// what fn returns.
func (s *Server) create(w http.ResponseWriter, r *http.Request, req any, fn func() (any, error)) {
	if err := decode(w, r, req); err != nil {
		s.Error(w, r, err)
		return
	}
	v, err := fn()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, v)
}
