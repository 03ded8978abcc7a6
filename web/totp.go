package web

import (
	"context"
	"encoding/base64"
	"html/template"
	"net/http"
	"strings"

	"github.com/opname/opname"
	"rsc.io/qr"
)

// A session that still needs its second factor has an actor but is not yet
// signed in: only these handlers serve it.

// pendingActor returns the actor of a browser session, whether or not its
// second factor is done, with the session's secret.
func (s *Server) pendingActor(r *http.Request) (opname.Actor, string, error) {
	a, ok := opname.ActorFrom(r.Context())
	c, err := r.Cookie(s.SessionCookie())
	if !ok || err != nil {
		return a, "", opname.Coded(opname.Unauthorized, "auth.password_first", "sign in with your password first")
	}
	return a, c.Value, nil
}

type codeRequest struct {
	Code string `json:"code"`
}

func (s *Server) apiVerifyTOTP(w http.ResponseWriter, r *http.Request) {
	s.checkCode(w, r, s.Store.VerifyTOTP)
}

func (s *Server) apiConfirmTOTP(w http.ResponseWriter, r *http.Request) {
	s.checkCode(w, r, s.Store.ConfirmTOTP)
}

// checkCode answers a request with a code for the session's second factor.
func (s *Server) checkCode(w http.ResponseWriter, r *http.Request, check func(ctx context.Context, sessionSecret, code string) error) {
	_, secret, err := s.pendingActor(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var req codeRequest
	if err := decode(w, r, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := check(r.Context(), secret, req.Code); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiBeginTOTP(w http.ResponseWriter, r *http.Request) {
	a, _, err := s.pendingActor(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	secret, err := s.Store.BeginTOTP(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"secret": secret, "uri": s.totpURI(r, a, secret)})
}

func (s *Server) totpURI(r *http.Request, a opname.Actor, secret string) string {
	account := a.Name
	if u, err := s.Store.User(r.Context(), a.UserID); err == nil {
		account = u.Email
	}
	return opname.TOTPURI(secret, "opname", account)
}

// secondFactorPage asks for the code, or sets up the authenticator app when
// the person has none yet.
func (s *Server) secondFactorPage(w http.ResponseWriter, r *http.Request) {
	s.secondFactor(w, r, http.StatusOK, "")
}

func (s *Server) secondFactor(w http.ResponseWriter, r *http.Request, code int, msg string) {
	a, _, err := s.pendingActor(r)
	if err != nil {
		http.Redirect(w, r, "/aanmelden", http.StatusSeeOther)
		return
	}
	u, err := s.Store.User(r.Context(), a.UserID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p := &page{Message: msg}
	if !u.TOTP {
		secret, err := s.Store.BeginTOTP(r.Context())
		if err != nil {
			s.Error(w, r, err)
			return
		}
		uri := opname.TOTPURI(secret, "opname", u.Email)
		p.Secret = spaced(secret)
		if img, err := qr.Encode(uri, qr.M); err == nil {
			p.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(img.PNG()))
		}
	}
	s.render(w, r, code, "totp", p)
}

func (s *Server) secondFactorForm(w http.ResponseWriter, r *http.Request) {
	a, secret, err := s.pendingActor(r)
	if err != nil {
		http.Redirect(w, r, "/aanmelden", http.StatusSeeOther)
		return
	}
	u, err := s.Store.User(r.Context(), a.UserID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	code := r.PostFormValue("code")
	if u.TOTP {
		err = s.Store.VerifyTOTP(r.Context(), secret, code)
	} else {
		err = s.Store.ConfirmTOTP(r.Context(), secret, code)
	}
	if err != nil {
		if opname.KindOf(err) == opname.Internal {
			s.Error(w, r, err)
			return
		}
		setRetryAfter(w, err)
		s.secondFactor(w, r, status[opname.KindOf(err)], localMessage(lang(r), err))
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// spaced writes a secret in groups of four, to type it over.
func spaced(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}
